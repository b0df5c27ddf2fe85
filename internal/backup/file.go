package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// FilePrefix and FileSuffix frame the names of backups Ferry names itself:
// ferry-backup-20261207T012500Z.tar, which sort by time.
const (
	FilePrefix = "ferry-backup-"
	FileSuffix = ".tar"
)

// FileName is the name of a backup made at t.
func FileName(t time.Time) string {
	return FilePrefix + t.UTC().Format("20060102T150405Z") + FileSuffix
}

// WriteFile writes a backup to path, through a temporary file renamed into
// place once complete: a backup that failed half-way leaves no file that
// looks like a backup.
func WriteFile(ctx context.Context, src Source, path string) (Manifest, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Manifest{}, err
	}
	tmp, err := os.CreateTemp(dir, ".ferry-backup-*.partial")
	if err != nil {
		return Manifest{}, err
	}
	defer os.Remove(tmp.Name())
	man, err := Create(ctx, src, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return man, err
	}
	return man, os.Rename(tmp.Name(), path)
}

// List returns the backups in dir that Ferry named, oldest first.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, FilePrefix) && strings.HasSuffix(n, FileSuffix) {
			names = append(names, filepath.Join(dir, n))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Scheduled makes a backup in dir unless the newest one there is younger
// than every less slack (so a check that runs a little early still makes
// one), then deletes all but the newest keep. It returns the new backup's
// path, or "" when none was due.
func Scheduled(ctx context.Context, src Source, dir string, every, slack time.Duration, keep int) (string, error) {
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	existing, err := List(dir)
	if err != nil {
		return "", err
	}
	if n := len(existing); n > 0 {
		if t, err := time.Parse("20060102T150405Z", strings.TrimSuffix(strings.TrimPrefix(filepath.Base(existing[n-1]), FilePrefix), FileSuffix)); err == nil && now().Sub(t) < every-slack {
			return "", nil
		}
	}
	path := filepath.Join(dir, FileName(now()))
	if _, err := WriteFile(ctx, src, path); err != nil {
		return "", fmt.Errorf("scheduled backup: %w", err)
	}
	all, err := List(dir)
	if err != nil {
		return path, err
	}
	for len(all) > keep {
		if err := os.Remove(all[0]); err != nil {
			return path, err
		}
		all = all[1:]
	}
	return path, nil
}
