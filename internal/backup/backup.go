// Package backup writes and restores Ferry backups: one tar archive holding
// a consistent snapshot of the database, every media file that snapshot
// refers to, optionally the secret key, and a manifest (manifest.json, the
// last entry) with the checksum of every other file. See
// docs/architecture.md, "Backups".
package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/store"
)

// Format is the archive layout's version, in the manifest.
const Format = 1

// Names inside the archive.
const (
	ManifestName = "manifest.json"
	SQLiteName   = "database/ferry.db"
	PGDumpName   = "database/ferry.pgdump"
	KeyName      = "secret.key"
	mediaPrefix  = "media/"
)

// Manifest describes a backup.
type Manifest struct {
	Format       int              `json:"format"`
	FerryVersion string           `json:"ferry_version"`
	Schema       int              `json:"schema_version"`
	Backend      store.Dialect    `json:"backend"`
	CreatedAt    time.Time        `json:"created_at"`
	Tables       map[string]int64 `json:"tables"`
	Media        int              `json:"media_files"`
	IncludesKey  bool             `json:"includes_key"`
	Files        []File           `json:"files"`
}

// File is one file of the archive with its checksum.
type File struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Source is what a backup reads.
type Source struct {
	Config  config.Config
	Blobs   blob.Store
	Version string // Ferry's version, for the manifest
	// IncludeKey puts the secret key in the archive.
	IncludeKey bool
	Now        func() time.Time
}

// KeyLocation says where the secret key of cfg lives, for messages.
func KeyLocation(cfg config.Config) string {
	if cfg.SecretKey != "" {
		return "the FERRY_SECRET_KEY environment variable"
	}
	return filepath.Join(cfg.DataDir, "secret.key")
}

// Create writes a backup to w. It opens its own connections, so it runs
// beside `serve` (SQLite: VACUUM INTO reads one consistent view while the
// server writes; PostgreSQL: pg_dump shares the exported snapshot of the
// transaction that counts the rows and lists the media).
func Create(ctx context.Context, src Source, w io.Writer) (Manifest, error) {
	cfg := src.Config
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	man := Manifest{Format: Format, FerryVersion: src.Version, CreatedAt: now().UTC().Truncate(time.Second)}
	tmp, err := os.MkdirTemp("", "ferry-backup-")
	if err != nil {
		return man, err
	}
	defer os.RemoveAll(tmp)

	var dbFile, dbName string
	var snap store.Snapshot
	if cfg.DatabaseURL == "" {
		man.Backend = store.SQLite
		dbFile, dbName = filepath.Join(tmp, "ferry.db"), SQLiteName
		if snap, err = snapshotSQLite(ctx, cfg.SQLitePath(), dbFile); err != nil {
			return man, err
		}
	} else {
		man.Backend = store.Postgres
		dbFile, dbName = filepath.Join(tmp, "ferry.pgdump"), PGDumpName
		if snap, err = snapshotPostgres(ctx, cfg.DatabaseURL, dbFile); err != nil {
			return man, err
		}
	}
	man.Schema, man.Tables, man.Media = snap.Schema, snap.Counts, len(snap.Media)

	tw := tar.NewWriter(w)
	add := func(name string, size int64, r io.Reader) error {
		h := sha256.New()
		hdr := &tar.Header{Name: name, Size: size, Mode: 0o600, ModTime: man.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		n, err := io.Copy(tw, io.TeeReader(r, h))
		if err != nil {
			return err
		}
		if n != size {
			return fmt.Errorf("backup: %s changed while it was copied", name)
		}
		man.Files = append(man.Files, File{Path: name, Bytes: size, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	}
	f, err := os.Open(dbFile)
	if err != nil {
		return man, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = add(dbName, fi.Size(), f)
	}
	f.Close()
	if err != nil {
		return man, fmt.Errorf("backup: %w", err)
	}
	for _, sum := range snap.Media {
		data, err := readBlob(src.Blobs, sum)
		if err != nil {
			return man, err
		}
		if err := add(mediaPrefix+sum, int64(len(data)), bytes.NewReader(data)); err != nil {
			return man, fmt.Errorf("backup: %w", err)
		}
	}
	if src.IncludeKey {
		key, err := keyBytes(cfg)
		if err != nil {
			return man, err
		}
		if err := add(KeyName, int64(len(key)), bytes.NewReader(key)); err != nil {
			return man, fmt.Errorf("backup: %w", err)
		}
		man.IncludesKey = true
	}
	mj, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return man, err
	}
	mj = append(mj, '\n')
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Size: int64(len(mj)), Mode: 0o600, ModTime: man.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return man, fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(mj); err != nil {
		return man, fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return man, fmt.Errorf("backup: %w", err)
	}
	return man, nil
}

// readBlob reads one media file and checks that its content matches its
// name: a damaged file in the store fails the backup rather than being
// copied.
func readBlob(blobs blob.Store, sum string) ([]byte, error) {
	rc, err := blobs.Open(sum)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("backup: media file %s is referenced by the database but missing from the media store", sum)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: media %s: %w", sum, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("backup: media %s: %w", sum, err)
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("backup: media file %s in the media store is damaged (its content does not match its hash)", sum)
	}
	return data, nil
}

func keyBytes(cfg config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		return []byte(strings.TrimSpace(cfg.SecretKey) + "\n"), nil
	}
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, "secret.key"))
	if err != nil {
		return nil, fmt.Errorf("backup: --include-key: %w", err)
	}
	return b, nil
}

// snapshotSQLite copies the database at path to dest with VACUUM INTO and
// reads the copy's counts and media.
func snapshotSQLite(ctx context.Context, path, dest string) (store.Snapshot, error) {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return store.Snapshot{}, fmt.Errorf("backup: there is no Ferry database at %s (set --data or FERRY_DATA)", path)
	}
	db, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		return store.Snapshot{}, err
	}
	err = db.VacuumInto(ctx, dest)
	db.Close()
	if err != nil {
		return store.Snapshot{}, err
	}
	// The copy is read as it is, without the WAL pragma a normal open sets.
	cp, err := store.OpenReadOnly(ctx, dest)
	if err != nil {
		return store.Snapshot{}, err
	}
	defer cp.Close()
	return cp.ReadSnapshot(ctx)
}

// PGDumpMissing is the error when pg_dump or pg_restore is not on PATH.
func pgTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not on PATH: backups of a PostgreSQL database need the PostgreSQL client tools of the server's major version "+
			"(Debian/Ubuntu: apt-get install postgresql-client-15, or postgresql-client; Alpine: apk add postgresql15-client; macOS: brew install libpq)", name)
	}
	return p, nil
}

// snapshotPostgres runs pg_dump on the snapshot of a read transaction that
// counts the rows and lists the media, so the three agree.
func snapshotPostgres(ctx context.Context, url, dest string) (store.Snapshot, error) {
	pgDump, err := pgTool("pg_dump")
	if err != nil {
		return store.Snapshot{}, err
	}
	db, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		return store.Snapshot{}, err
	}
	defer db.Close()
	var snap store.Snapshot
	err = db.InSnapshot(ctx, func(q *store.Q, id string) error {
		if snap, err = q.Snapshot(ctx); err != nil {
			return err
		}
		server, _ := q.ServerVersion(ctx)
		conn, env, schema, err := pgCommand(url)
		if err != nil {
			return err
		}
		args := []string{"--format=custom", "--no-owner", "--no-privileges", "--snapshot=" + id, "--file=" + dest, "--dbname=" + conn}
		if schema != "" {
			args = append(args, "--schema="+schema)
		}
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, pgDump, args...)
		cmd.Env, cmd.Stderr = env, &stderr
		if err := cmd.Run(); err != nil {
			return pgError("pg_dump", pgDump, server, err, stderr.String())
		}
		return nil
	})
	return snap, err
}

// pgError explains a failed pg_dump or pg_restore; a version mismatch gets
// the fix in words.
func pgError(name, path, server string, err error, stderr string) error {
	msg := strings.TrimSpace(stderr)
	if strings.Contains(msg, "version mismatch") || strings.Contains(msg, "unsupported version") {
		out, _ := exec.Command(path, "--version").Output()
		return fmt.Errorf("%s (%s) cannot work with this server (PostgreSQL %s): it must be of the server's major version or newer; install that version's client tools (postgresql-client-<major>) and put them first on PATH: %s",
			name, strings.TrimSpace(string(out)), server, msg)
	}
	// The URL may carry a password; pg_dump's messages do not repeat it.
	return fmt.Errorf("%s failed (%v): %s", name, err, msg)
}

// SortedTables lists a manifest's tables in order.
func (m Manifest) SortedTables() []string {
	names := make([]string, 0, len(m.Tables))
	for n := range m.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Rows is the total row count.
func (m Manifest) Rows() int64 {
	var n int64
	for _, c := range m.Tables {
		n += c
	}
	return n
}
