package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/ferry-social/ferry/internal/backup"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/jobs"
)

// OpenBlobs opens the media store the configuration names.
func OpenBlobs(cfg config.Config) (blob.Store, error) {
	return blob.New(filepath.Join(cfg.DataDir, "media"))
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
