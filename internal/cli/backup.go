package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/backup"
	"github.com/ferry-social/ferry/internal/config"
)

const backupHelp = `
A backup is one tar file: a consistent snapshot of the database (SQLite:
VACUUM INTO; PostgreSQL: pg_dump, which must be on PATH), every media file
the snapshot refers to, and manifest.json (Ferry version, schema version,
rows per table, the SHA-256 of every file). It runs while serve runs.

The secret key is left out unless --include-key: keep it apart from the
backups, since anyone holding both can read the stored account credentials.

Scheduled backups (serve and worker): FERRY_BACKUP_DIR (unset: none),
FERRY_BACKUP_EVERY (default 24h), FERRY_BACKUP_KEEP (default 7: the newest
seven are kept).
`

func (e *env) backup(args []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var out string
	var includeKey bool
	fs := e.flagSet("backup", "backup [--data DIR] [--database-url URL] [--out FILE] [--include-key]")
	e.storeFlags(fs, &cfg)
	fs.StringVar(&out, "out", "", "the archive to write (default ./"+backup.FilePrefix+"<UTC time>"+backup.FileSuffix+")")
	fs.BoolVar(&includeKey, "include-key", false, "put the secret key in the archive (then guard the archive as you would the key)")
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(e.stdout, backupHelp) }
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if out == "" {
		out = backup.FileName(time.Now())
	}
	blobs, err := app.OpenBlobs(cfg)
	if err != nil {
		return err
	}
	man, err := backup.WriteFile(e.ctx, backup.Source{Config: cfg, Blobs: blobs, Version: version(), IncludeKey: includeKey}, out)
	if err != nil {
		return err
	}
	var size int64
	if fi, err := os.Stat(out); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(e.stdout, "Backup written to %s (%d bytes): %s, schema %d, %d tables, %d rows, %d media files.\n",
		out, size, man.Backend, man.Schema, len(man.Tables), man.Rows(), man.Media)
	if man.IncludesKey {
		fmt.Fprintf(e.stdout, "The secret key (%s) is IN this backup: anyone who has the file can decrypt the account credentials in it. Guard it as you would the key.\n", backup.KeyLocation(cfg))
	} else {
		fmt.Fprintf(e.stdout, "The secret key is NOT in this backup. It is in %s: without it the account credentials in the backup cannot be decrypted after a restore, and every account must be connected again. Keep a copy of it somewhere safe, apart from the backups (or pass --include-key).\n", backup.KeyLocation(cfg))
	}
	return nil
}

func (e *env) restore(args []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var force bool
	fs := e.flagSet("restore", "restore [--data DIR] [--database-url URL] [--force] FILE")
	e.storeFlags(fs, &cfg)
	fs.BoolVar(&force, "force", false, "replace a database and media that exist (stop every ferry process first)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(e.stdout, "\nEvery file's checksum is verified before anything is written; a damaged backup is refused, naming the first bad file.\n")
	}
	// The archive comes last, after the flags.
	var file string
	if n := len(args); n > 0 && len(args[n-1]) > 0 && args[n-1][0] != '-' {
		file, args = args[n-1], args[:n-1]
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if file == "" {
		fmt.Fprintln(e.stderr, "Usage: ferry restore [--data DIR] [--database-url URL] [--force] FILE")
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if cfg.DatabaseURL == "" {
		release, err := app.LockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer release()
	}
	blobs, err := app.OpenBlobs(cfg)
	if err != nil {
		return err
	}
	rep, err := backup.Restore(e.ctx, file, backup.Target{Config: cfg, Blobs: blobs, Force: force})
	if err != nil {
		return err
	}
	e.report(cfg, rep)
	return nil
}

func (e *env) report(cfg config.Config, rep backup.Report) {
	m := rep.Manifest
	w := e.stdout
	fmt.Fprintf(w, "Restored the backup of %s (Ferry %s, schema %d) into %s:\n", m.CreatedAt.Format(time.RFC3339), m.FerryVersion, m.Schema, cfg.Backend())
	for _, t := range m.SortedTables() {
		fmt.Fprintf(w, "  %-32s %d rows\n", t, m.Tables[t])
	}
	fmt.Fprintf(w, "  %d rows in %d tables, %d media files.\n", m.Rows(), len(m.Tables), m.Media)
	fmt.Fprintln(w, rep.KeyNote)
	fmt.Fprintln(w, "Start Ferry on it with `ferry serve` (add --migrate if this Ferry is newer than the backup's).")
}

func (e *env) media(args []string) error {
	const synopsis = "media migrate --to URL [--data DIR] [--database-url URL]"
	if len(args) == 0 || args[0] != "migrate" {
		fmt.Fprintln(e.stderr, "Usage: ferry "+synopsis)
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var to string
	fs := e.flagSet("media migrate", synopsis)
	e.storeFlags(fs, &cfg)
	fs.StringVar(&cfg.MediaURL, "from", cfg.MediaURL, "the store to copy from; empty means <data>/media (env FERRY_MEDIA_URL)")
	fs.StringVar(&to, "to", "", "the store to copy to: s3://bucket/prefix?endpoint=host:port&region=…, or a directory (required)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(e.stdout, "\nCopies every media file the database refers to, checking each against its hash on both sides. It can run while serve runs, and be stopped and run again: files already copied intact are skipped. Then set FERRY_MEDIA_URL to the new store and restart every ferry process.\n")
	}
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	if to == "" {
		fmt.Fprintln(e.stderr, "ferry: --to is required")
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	res, err := app.MigrateMedia(e.ctx, cfg, to, func(done, total int) {
		if done%100 == 0 || done == total {
			fmt.Fprintf(e.stdout, "%d/%d\n", done, total)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Media copied: %d; already there: %d; missing from the source: %d.\n", res.Copied, res.Present, len(res.Missing))
	for _, m := range res.Missing {
		fmt.Fprintf(e.stdout, "  missing: %s\n", m)
	}
	if len(res.Missing) > 0 {
		return fmt.Errorf("%d media files the database refers to are missing from the source store", len(res.Missing))
	}
	fmt.Fprintf(e.stdout, "Now set FERRY_MEDIA_URL=%s and restart every ferry process.\n", to)
	return nil
}
