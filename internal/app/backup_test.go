package app_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/backup"
	"github.com/ferry-social/ferry/internal/cli"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// runCLI runs the ferry command in this process, as a shell would.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(make(chan os.Signal), args, &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

// runCLIEnv is runCLI with the test's environment.
func runCLIEnv(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(make(chan os.Signal), args, &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

// uniquePNG is an image no other call returns.
func uniquePNG(t *testing.T, i int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for x := range 48 {
		img.Set(x, (x+i)%32, color.RGBA{uint8(i), uint8(i >> 8), uint8(x), 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestBackup_UnderWriteLoad backs up a running Ferry (River working, the
// demo's periodic jobs writing, and a client uploading images and saving
// stories as fast as it can), restores the archive into a fresh directory
// (and database), starts Ferry on it, and compares: every table's rows with
// the archive's snapshot and with the source, the stories as a prefix of
// what the client wrote (a torn snapshot would show a gap or a story
// without its image), and every media file byte for byte.
func TestBackup_UnderWriteLoad(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			var dbURL, restoreURL string
			if be.Name == "PostgreSQL" {
				dbURL = testdb.PostgresURL(t)
				for _, tool := range []string{"pg_dump", "pg_restore"} {
					if _, err := exec.LookPath(tool); err != nil {
						if os.Getenv("CI") == "true" {
							t.Fatalf("%s is not installed; CI must install postgresql-client (.ci/run)", tool)
						}
						t.Skipf("%s is not installed (postgresql-client)", tool)
					}
				}
				restoreURL = freshDatabase(t, dbURL)
			}
			src := boot(t, t.TempDir(), dbURL)
			acc := src.accountID(t, ferry.Telegram)

			// The write load.
			type written struct{ storyID, mediaID, sha string }
			var (
				mu    sync.Mutex
				wrote []written
			)
			stop := make(chan struct{})
			var stopOnce sync.Once
			stopWriter := func() { stopOnce.Do(func() { close(stop) }) }
			defer stopWriter() // a failing test stops the writer before the server
			done := make(chan error, 1)
			go func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
					var m struct {
						ID     string `json:"id"`
						SHA256 string `json:"sha256"`
					}
					if code := src.upload(t, uniquePNG(t, i), &m); code != 201 {
						done <- fmt.Errorf("upload %d: %d", i, code)
						return
					}
					var s story
					if code := src.do(t, "POST", "/api/v1/stories", map[string]any{"title": fmt.Sprintf("load %04d", i), "body": "under load", "media_ids": []string{m.ID}, "targets": []string{acc}}, &s); code != 201 {
						done <- fmt.Errorf("story %d: %d", i, code)
						return
					}
					mu.Lock()
					wrote = append(wrote, written{s.ID, m.ID, m.SHA256})
					mu.Unlock()
				}
			}()
			count := func() int { mu.Lock(); defer mu.Unlock(); return len(wrote) }
			waitFor := func(n int) {
				deadline := time.Now().Add(60 * time.Second)
				for count() < n {
					require.True(t, time.Now().Before(deadline), "the writer made %d stories in a minute", count())
					time.Sleep(10 * time.Millisecond)
				}
			}
			waitFor(5)

			archive := filepath.Join(t.TempDir(), "b.tar")
			args := []string{"backup", "--data", src.cfg.DataDir, "--out", archive}
			if dbURL != "" {
				args = append(args, "--database-url", dbURL)
			}
			before := count()
			code, out, errOut := runCLI(t, args...)
			require.Equal(t, 0, code, "stdout %s\nstderr %s", out, errOut)
			require.Contains(t, out, "The secret key is NOT in this backup")
			require.Contains(t, out, filepath.Join(src.cfg.DataDir, "secret.key"))
			waitFor(count() + 5) // the load went on after the snapshot
			stopWriter()
			require.NoError(t, <-done)
			mu.Lock()
			all := append([]written(nil), wrote...)
			mu.Unlock()

			man, err := backup.Verify(archive)
			require.NoError(t, err)
			require.False(t, man.IncludesKey)
			require.Greater(t, man.Tables["stories"], int64(0))

			// Restore into a fresh directory (and database): refused over
			// a non-empty one, done into an empty one.
			dest := t.TempDir()
			rargs := []string{"restore", "--data", dest}
			if restoreURL != "" {
				rargs = append(rargs, "--database-url", restoreURL)
			}
			if dbURL == "" {
				code, _, errOut = runCLI(t, "restore", "--data", src.cfg.DataDir, archive)
				require.Equal(t, 1, code)
				require.Contains(t, errOut, "another Ferry process works on this data directory", "restore never runs beside serve")
			}
			code, out, errOut = runCLI(t, append(rargs, archive)...)
			require.Equal(t, 0, code, "stdout %s\nstderr %s", out, errOut)
			require.Contains(t, out, fmt.Sprintf("%d media files", man.Media))
			require.Contains(t, out, "The backup holds no secret key")
			code, _, errOut = runCLI(t, append(rargs, archive)...)
			require.Equal(t, 1, code)
			require.Contains(t, errOut, "--force")
			code, out, errOut = runCLI(t, append(rargs, "--force", archive)...)
			require.Equal(t, 0, code, "--force restores over it: stdout %s\nstderr %s", out, errOut)
			// The key is the operator's to bring; it is the source's.
			key, err := os.ReadFile(filepath.Join(src.cfg.DataDir, "secret.key"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dest, "secret.key"), key, 0o600))

			// Stop the source, then compare it with the restored copy.
			require.NoError(t, src.stop())
			srcDB, err := store.Open(context.Background(), store.Options{URL: dbURL, Path: src.cfg.SQLitePath()})
			require.NoError(t, err)
			defer srcDB.Close()
			cfg := config.Defaults()
			cfg.DataDir, cfg.DatabaseURL, cfg.Addr = dest, restoreURL, "127.0.0.1:0"
			m := app.New(cfg, slog.New(slog.DiscardHandler))
			require.NoError(t, m.Open(context.Background(), false))
			require.NoError(t, m.Listen())
			require.NoError(t, m.Build())
			stopRestored := runMain(t, m)
			restored := &testBundle{m: m, url: m.URL(), token: src.token, cfg: cfg, stop: stopRestored}

			ctx := context.Background()
			dst := m.DB
			tables, err := dst.Read().Tables(ctx)
			require.NoError(t, err)
			srcTables, err := srcDB.Read().Tables(ctx)
			require.NoError(t, err)
			require.Equal(t, srcTables, tables)
			require.Len(t, man.Tables, len(tables))
			snapshotRows := map[string][]string{}
			if dbURL == "" { // the archive's database file, read as it is
				snapDB := extractSQLite(t, archive)
				for _, tb := range tables {
					snapshotRows[tb], err = snapDB.Read().Rows(ctx, tb)
					require.NoError(t, err)
				}
			}
			// Ferry's own tables, which nothing but the load and the
			// demo's seeding wrote: every restored row is the source's
			// row, unchanged. River's tables and those the demo's periodic
			// jobs update (accounts' health, readings) change after the
			// snapshot; for them every restored row's key is the source's.
			immutable := map[string]bool{"stories": true, "media": true, "story_media": true, "workspaces": true, "users": true, "memberships": true, "api_tokens": true, "ferry_migrations": true, "audit_events": true}
			for _, tb := range tables {
				got, err := dst.Read().Rows(ctx, tb)
				require.NoError(t, err)
				// Started on the restore, Ferry itself has written River's
				// bookkeeping; the rest is as restored.
				if !strings.HasPrefix(tb, "river_") {
					require.Len(t, got, int(man.Tables[tb]), "table %s: rows restored vs manifest", tb)
					if snap, ok := snapshotRows[tb]; ok {
						require.Equal(t, snap, got, "table %s: restored vs the archive's snapshot", tb)
					}
				}
				want, err := srcDB.Read().Rows(ctx, tb)
				require.NoError(t, err)
				if immutable[tb] {
					require.Subset(t, want, got, "table %s: every restored row is the source's", tb)
				} else if !strings.HasPrefix(tb, "river_") {
					require.Subset(t, firstColumns(want), firstColumns(got), "table %s: every restored row's key is the source's", tb)
				}
			}

			// The stories are a prefix of what the client wrote, each with
			// its image row and file.
			var titles []string
			require.NoError(t, dst.InSnapshot(ctx, func(q *store.Q, _ string) error {
				rows, err := q.Rows(ctx, "stories")
				for _, r := range rows {
					for _, f := range strings.Split(r, "\x1f") {
						if strings.HasPrefix(f, "load ") {
							titles = append(titles, f)
						}
					}
				}
				return err
			}))
			k := len(titles)
			require.GreaterOrEqual(t, k, before, "everything written before the backup began is in it")
			require.Less(t, k, len(all), "the snapshot is from during the load, not after it")
			for i := range k {
				require.Contains(t, titles, fmt.Sprintf("load %04d", i), "no gap: story %d of %d", i, k)
				var s story
				require.Equal(t, 200, restored.do(t, "GET", "/api/v1/stories/"+all[i].storyID, nil, &s))
			}
			srcBlobs, err := app.OpenBlobs(src.cfg)
			require.NoError(t, err)
			snap, err := dst.ReadSnapshot(ctx)
			require.NoError(t, err)
			require.Equal(t, man.Media, len(snap.Media))
			for i := range k {
				require.Contains(t, snap.Media, all[i].sha, "story %d's image is restored", i)
			}
			for _, sum := range snap.Media {
				rc, err := srcBlobs.Open(sum)
				require.NoError(t, err)
				want, _ := io.ReadAll(rc)
				rc.Close()
				resp, err := http.Get(restored.url + "/media/" + sum)
				require.NoError(t, err)
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.Equal(t, 200, resp.StatusCode)
				require.True(t, bytes.Equal(want, got), "media %s served by the restored Ferry is the source's", sum)
			}
			t.Logf("%s: %d stories written, %d in the snapshot (%d written before it began); %d tables, %d rows, %d media files",
				be.Name, len(all), k, before, len(tables), man.Rows(), man.Media)
		})
	}
}

func firstColumns(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _, _ = strings.Cut(r, "\x1f")
	}
	return out
}

// extractSQLite opens the archive's database file as it is.
func extractSQLite(t *testing.T, archive string) *store.DB {
	t.Helper()
	f, err := os.Open(archive)
	require.NoError(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		require.NoError(t, err, "no database in the archive")
		if hdr.Name != backup.SQLiteName {
			continue
		}
		path := filepath.Join(t.TempDir(), "snap.db")
		out, err := os.Create(path)
		require.NoError(t, err)
		_, err = io.Copy(out, tr)
		require.NoError(t, err)
		require.NoError(t, out.Close())
		db, err := store.OpenReadOnly(context.Background(), path)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// freshDatabase creates an empty database on the test server, dropped at
// the end, and returns its URL with the same search_path as base.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "ferry_restore_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec(`CREATE DATABASE ` + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			admin.Close()
		}
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// TestRestore_RefusesADamagedBackup: a truncated archive, and one with a
// byte changed, are refused before anything is written, naming the first
// bad file.
func TestRestore_RefusesADamagedBackup(t *testing.T) {
	t.Parallel()
	src := boot(t, t.TempDir(), "")
	for i := range 2 {
		var m struct{ ID string }
		require.Equal(t, 201, src.upload(t, uniquePNG(t, i), &m))
	}
	archive := filepath.Join(t.TempDir(), "b.tar")
	code, out, errOut := runCLI(t, "backup", "--data", src.cfg.DataDir, "--out", archive, "--include-key")
	require.Equal(t, 0, code, "stdout %s\nstderr %s", out, errOut)
	require.Contains(t, out, "is IN this backup")
	good, err := os.ReadFile(archive)
	require.NoError(t, err)
	man, err := backup.Verify(archive)
	require.NoError(t, err)
	require.True(t, man.IncludesKey)
	require.Equal(t, 2, man.Media)
	var manifest struct {
		Files []backup.File `json:"files"`
	}
	require.NoError(t, json.Unmarshal(tarFile(t, good, backup.ManifestName), &manifest))
	require.Len(t, manifest.Files, 4) // database, two images, key

	// The offset of the second file's content: change one byte there.
	second := manifest.Files[1].Path
	altered := bytes.Clone(good)
	at := bytes.Index(altered, tarFile(t, good, second))
	require.Positive(t, at)
	altered[at+10] ^= 0xff

	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"Truncated", good[:len(good)/2], " is truncated"},
		{"Altered", altered, second + " does not match its checksum"},
		{"NotATar", []byte("hello"), "is not a tar archive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.tar")
			require.NoError(t, os.WriteFile(bad, c.data, 0o600))
			dest := t.TempDir()
			code, _, errOut := runCLI(t, "restore", "--data", dest, bad)
			require.Equal(t, 1, code)
			require.Contains(t, errOut, "the backup is damaged")
			require.Contains(t, errOut, c.want)
			entries, err := os.ReadDir(dest)
			require.NoError(t, err)
			for _, e := range entries { // the lock file, and the empty media directory
				require.Contains(t, []string{"ferry.lock", "media"}, e.Name(), "nothing is written")
			}
			media, _ := os.ReadDir(filepath.Join(dest, "media"))
			require.Empty(t, media)
		})
	}
	t.Run("Good", func(t *testing.T) {
		dest := t.TempDir()
		code, out, errOut := runCLI(t, "restore", "--data", dest, archive)
		require.Equal(t, 0, code, "stdout %s\nstderr %s", out, errOut)
		require.Contains(t, out, "The secret key was restored to")
		key, _ := os.ReadFile(filepath.Join(src.cfg.DataDir, "secret.key"))
		restoredKey, _ := os.ReadFile(filepath.Join(dest, "secret.key"))
		require.Equal(t, key, restoredKey)
	})
}

func tarFile(t *testing.T, archive []byte, name string) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		require.NoError(t, err, "%s not in the archive", name)
		if hdr.Name == name {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			return b
		}
	}
}

// TestScheduledBackups: with FERRY_BACKUP_DIR set, the River periodic job
// writes a backup at start and keeps the newest FERRY_BACKUP_KEEP.
func TestScheduledBackups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := []string{"20200101T000000Z", "20200102T000000Z", "20200103T000000Z"}
	for _, ts := range old {
		require.NoError(t, os.WriteFile(filepath.Join(dir, backup.FilePrefix+ts+backup.FileSuffix), []byte("old"), 0o600))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a backup"), 0o600))
	b := boot(t, t.TempDir(), "", func(c *config.Config) {
		c.BackupDir, c.BackupEvery, c.BackupKeep = dir, time.Hour, 2
	})
	deadline := time.Now().Add(60 * time.Second)
	var list []string
	for {
		var err error
		list, err = backup.List(dir)
		require.NoError(t, err)
		if len(list) == 2 && !strings.Contains(list[1], "2020") {
			break
		}
		require.True(t, time.Now().Before(deadline), "no scheduled backup: %v", list)
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, filepath.Join(dir, backup.FilePrefix+old[2]+backup.FileSuffix), list[0], "the newest two are kept")
	man, err := backup.Verify(list[1])
	require.NoError(t, err)
	require.EqualValues(t, man.Schema, man.Tables["ferry_migrations"]) // made at start, maybe before the demo seeding
	_, err = os.Stat(filepath.Join(dir, "notes.txt"))
	require.NoError(t, err, "other files are left alone")
	require.NoError(t, b.stop())
}
