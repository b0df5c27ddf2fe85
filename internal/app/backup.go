package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/ferry-social/ferry/internal/backup"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/store"
)

// OpenBlobs opens the media store the configuration names: FERRY_MEDIA_URL,
// or <data>/media.
// An S3 bucket is checked at once, so that a wrong URL or credentials fail
// here rather than at the first upload.
func OpenBlobs(cfg config.Config) (blob.Store, error) {
	return openBlobs(cfg.MediaURL, cfg.DataDir)
}

func openBlobs(mediaURL, dataDir string) (blob.Store, error) {
	st, err := blob.OpenURL(mediaURL, filepath.Join(dataDir, "media"))
	if err != nil {
		return nil, err
	}
	if s3, ok := st.(*blob.S3); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s3.Check(ctx); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// MigrateMedia copies every media file the database refers to from the
// configured store to the one at url (see blob.Copy).
func MigrateMedia(ctx context.Context, cfg config.Config, to string, progress func(done, total int)) (blob.CopyResult, error) {
	from, err := OpenBlobs(cfg)
	if err != nil {
		return blob.CopyResult{}, err
	}
	dest, err := openBlobs(to, cfg.DataDir)
	if err != nil {
		return blob.CopyResult{}, err
	}
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, Path: cfg.SQLitePath()})
	if err != nil {
		return blob.CopyResult{}, err
	}
	defer db.Close()
	snap, err := db.ReadSnapshot(ctx)
	if err != nil {
		return blob.CopyResult{}, err
	}
	return blob.Copy(ctx, from, dest, snap.Media, progress)
}

// LockDataDir takes a SQLite data directory's lock, as `serve` and `worker`
// do, for a command that must not run beside them (`ferry restore`).
func LockDataDir(dir string) (release func() error, err error) {
	l, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}
	return l.release, nil
}

// scheduledBackup is the River job's work when FERRY_BACKUP_DIR is set.
func (m *Main) scheduledBackup(blobs blob.Store) *jobs.Backup {
	cfg := m.Config
	if cfg.BackupDir == "" {
		return nil
	}
	return &jobs.Backup{Every: cfg.BackupEvery, Run: func(ctx context.Context, every, slack time.Duration) error {
		src := backup.Source{Config: cfg, Blobs: blobs, Version: m.Version, Now: m.Now}
		path, err := backup.Scheduled(ctx, src, cfg.BackupDir, every, slack, cfg.BackupKeep)
		if err != nil {
			m.Log.Error("scheduled backup failed", "dir", cfg.BackupDir, "error", err)
			return err
		}
		if path != "" {
			m.Log.Info("scheduled backup written", "path", path, "keep", cfg.BackupKeep)
		}
		return nil
	}}
}
