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
	"strings"

	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/store"
)

// ErrDamaged is wrapped by every error about a backup that does not match
// its manifest.
var ErrDamaged = errors.New("the backup is damaged")

// ErrNotEmpty is returned when the target already holds a Ferry database
// or media, and Force is not set.
var ErrNotEmpty = errors.New("the target is not empty")

// Verify reads the whole archive and checks every file against the
// manifest: sizes and SHA-256 checksums, nothing missing, nothing extra.
// The error names the first bad file in the archive's order.
func Verify(path string) (Manifest, error) {
	var man Manifest
	f, err := os.Open(path)
	if err != nil {
		return man, err
	}
	defer f.Close()
	type seen struct {
		name string
		size int64
		sum  string
	}
	var files []seen
	var manifest []byte
	tr := tar.NewReader(f)
	last := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if last == "" {
				return man, fmt.Errorf("%w: %s is not a tar archive (%v)", ErrDamaged, path, err)
			}
			return man, fmt.Errorf("%w: it is truncated or corrupt after %s (%v)", ErrDamaged, last, err)
		}
		last = hdr.Name
		if hdr.Name == ManifestName {
			if manifest, err = io.ReadAll(tr); err != nil {
				return man, fmt.Errorf("%w: %s is truncated (%v)", ErrDamaged, hdr.Name, err)
			}
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, tr)
		if err != nil {
			return man, fmt.Errorf("%w: %s is truncated (%v)", ErrDamaged, hdr.Name, err)
		}
		files = append(files, seen{hdr.Name, n, hex.EncodeToString(h.Sum(nil))})
	}
	if manifest == nil {
		return man, fmt.Errorf("%w: it has no %s (truncated, or not a Ferry backup)", ErrDamaged, ManifestName)
	}
	if err := json.Unmarshal(manifest, &man); err != nil {
		return man, fmt.Errorf("%w: %s is not valid: %v", ErrDamaged, ManifestName, err)
	}
	if man.Format != Format {
		return man, fmt.Errorf("this backup has format %d; this Ferry reads format %d", man.Format, Format)
	}
	want := make(map[string]File, len(man.Files))
	for _, mf := range man.Files {
		want[mf.Path] = mf
	}
	for _, s := range files {
		mf, ok := want[s.name]
		switch {
		case !ok:
			return man, fmt.Errorf("%w: %s is not in the manifest", ErrDamaged, s.name)
		case mf.Bytes != s.size:
			return man, fmt.Errorf("%w: %s has %d bytes, the manifest says %d", ErrDamaged, s.name, s.size, mf.Bytes)
		case mf.SHA256 != s.sum:
			return man, fmt.Errorf("%w: %s does not match its checksum", ErrDamaged, s.name)
		}
		delete(want, s.name)
	}
	for _, mf := range man.Files { // in the manifest's order
		if _, missing := want[mf.Path]; missing {
			return man, fmt.Errorf("%w: %s is missing", ErrDamaged, mf.Path)
		}
	}
	return man, nil
}

// Target is where a backup is restored.
type Target struct {
	Config config.Config
	Blobs  blob.Store
	// Force restores over a database or media that exist.
	Force bool
}

// Report says what a restore did.
type Report struct {
	Manifest Manifest
	// KeyRestored is true when the archive's key was written to the data
	// directory.
	KeyRestored bool
	// KeyNote explains what happened to the key.
	KeyNote string
}

// Restore verifies the archive completely, and only then writes it: media
// first, the database last (SQLite: into a temporary file renamed into
// place). The target must be empty unless Force. On SQLite the caller holds
// the data directory's lock, so no Ferry process runs on it meanwhile.
func Restore(ctx context.Context, path string, t Target) (Report, error) {
	man, err := Verify(path)
	rep := Report{Manifest: man}
	if err != nil {
		return rep, err
	}
	backend := store.SQLite
	if t.Config.DatabaseURL != "" {
		backend = store.Postgres
	}
	if man.Backend != backend {
		return rep, fmt.Errorf("this is a backup of a %s database and the target is %s: restore it into the same kind of database (a %s backup restores with %s)",
			man.Backend, backend, man.Backend, map[store.Dialect]string{store.SQLite: "--data DIR and no database URL", store.Postgres: "--database-url postgres://…"}[man.Backend])
	}
	if latest, err := store.LatestSchema(backend); err == nil && man.Schema > latest {
		return rep, fmt.Errorf("this backup has schema version %d, newer than this Ferry's %d (it was made by Ferry %s): restore it with that version or newer", man.Schema, latest, man.FerryVersion)
	}
	if err := checkEmpty(ctx, t); err != nil {
		return rep, err
	}
	keyPath := filepath.Join(t.Config.DataDir, "secret.key")
	var key []byte
	if err := walk(path, func(name string, r io.Reader) error {
		switch {
		case strings.HasPrefix(name, mediaPrefix):
			data, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			sum, err := t.Blobs.Put(data)
			if err != nil {
				return err
			}
			if sum != strings.TrimPrefix(name, mediaPrefix) {
				return fmt.Errorf("%w: %s changed since it was verified", ErrDamaged, name)
			}
		case name == KeyName:
			b, err := io.ReadAll(r)
			key = b
			return err
		}
		return nil
	}); err != nil {
		return rep, err
	}
	switch {
	case key == nil && t.Config.SecretKey == "":
		rep.KeyNote = fmt.Sprintf("The backup holds no secret key: put the original key at %s (or set FERRY_SECRET_KEY) before starting Ferry, or the stored account credentials cannot be decrypted.", keyPath)
	case key == nil:
		rep.KeyNote = "The backup holds no secret key; FERRY_SECRET_KEY must be the key of the Ferry that made it."
	case t.Config.SecretKey != "":
		rep.KeyNote = "The backup holds its secret key, but FERRY_SECRET_KEY is set and wins: make sure it is the same key (the archive's is in " + KeyName + ")."
	default:
		if err := writeKey(keyPath, key, t.Force); err != nil {
			return rep, err
		}
		rep.KeyRestored = true
		rep.KeyNote = "The secret key was restored to " + keyPath + "."
	}
	if backend == store.SQLite {
		return rep, restoreSQLite(path, t.Config)
	}
	return rep, restorePostgres(ctx, path, t)
}

// checkEmpty refuses a target that holds a Ferry database or media.
func checkEmpty(ctx context.Context, t Target) error {
	if t.Force {
		return nil
	}
	if t.Config.DatabaseURL == "" {
		if fi, err := os.Stat(t.Config.SQLitePath()); err == nil && fi.Size() > 0 {
			return fmt.Errorf("%w: %s exists; restore into an empty data directory, or pass --force to replace it", ErrNotEmpty, t.Config.SQLitePath())
		}
	} else {
		db, err := store.Open(ctx, store.Options{URL: t.Config.DatabaseURL})
		if err != nil {
			return err
		}
		st, err := db.Status(ctx)
		db.Close()
		if err != nil {
			return err
		}
		if st.Initialized {
			return fmt.Errorf("%w: the database already holds a Ferry schema (version %d); restore into an empty database, or pass --force to replace it", ErrNotEmpty, st.Current)
		}
	}
	media := filepath.Join(t.Config.DataDir, "media")
	if entries, err := os.ReadDir(media); err == nil && len(entries) > 0 {
		return fmt.Errorf("%w: %s holds media files; restore into an empty data directory, or pass --force", ErrNotEmpty, media)
	}
	return nil
}

func writeKey(path string, key []byte, force bool) error {
	if old, err := os.ReadFile(path); err == nil {
		if bytes.Equal(bytes.TrimSpace(old), bytes.TrimSpace(key)) {
			return nil
		}
		if !force {
			return fmt.Errorf("%w: %s holds another secret key; move it away, or pass --force to replace it with the backup's", ErrNotEmpty, path)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileSync(path, bytes.NewReader(key), 0o600)
}

// walk calls fn for every file of the archive but the manifest.
func walk(path string, fn func(name string, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrDamaged, err)
		}
		if hdr.Name == ManifestName {
			continue
		}
		if err := fn(hdr.Name, tr); err != nil {
			return err
		}
	}
}

// extract writes the archive's file name to dest, checking its checksum.
func extract(path, name, dest string, man Manifest) error {
	var want string
	for _, f := range man.Files {
		if f.Path == name {
			want = f.SHA256
		}
	}
	found := false
	err := walk(path, func(n string, r io.Reader) error {
		if n != name {
			return nil
		}
		found = true
		h := sha256.New()
		if err := writeFileSync(dest, io.TeeReader(r, h), 0o600); err != nil {
			return err
		}
		if hex.EncodeToString(h.Sum(nil)) != want {
			os.Remove(dest)
			return fmt.Errorf("%w: %s changed since it was verified", ErrDamaged, name)
		}
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: %s is missing", ErrDamaged, name)
	}
	return err
}

func restoreSQLite(path string, cfg config.Config) error {
	dbPath := cfg.SQLitePath()
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return err
	}
	tmp := dbPath + ".restoring"
	man, _ := Verify(path) // verified already; read again for the checksum
	if err := extract(path, SQLiteName, tmp, man); err != nil {
		return err
	}
	// The old database's WAL must not be replayed onto the restored file.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return os.Rename(tmp, dbPath)
}

func restorePostgres(ctx context.Context, path string, t Target) error {
	pgRestore, err := pgTool("pg_restore")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ferry-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dump := filepath.Join(tmp, "ferry.pgdump")
	man, _ := Verify(path)
	if err := extract(path, PGDumpName, dump, man); err != nil {
		return err
	}
	conn, env, _, err := pgCommand(t.Config.DatabaseURL)
	if err != nil {
		return err
	}
	args := []string{"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname=" + conn}
	if t.Force {
		args = append(args, "--clean", "--if-exists")
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, pgRestore, append(args, dump)...)
	cmd.Env, cmd.Stderr = env, &stderr
	if err := cmd.Run(); err != nil {
		return pgError("pg_restore", pgRestore, "", err, stderr.String())
	}
	return nil
}

func writeFileSync(path string, r io.Reader, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
