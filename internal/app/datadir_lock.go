//go:build unix

package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// dirLock is an exclusive lock on a data directory, held by the one process
// that works its jobs. The operating system releases it when the process
// dies, however it dies, so a process that takes it knows that every job
// still marked running belongs to a dead process.
type dirLock struct{ f *os.File }

// lockFileName is the lock file in the data directory.
const lockFileName = "ferry.lock"

// errDataDirBusy is returned when another live process holds the lock.
var errDataDirBusy = errors.New("another Ferry process works on this data directory")

// lockDataDir takes the data directory's lock without waiting. The lock
// file also holds the owner's process id, for the error a second process
// gets.
func lockDataDir(dir string) (*dirLock, error) {
	if err := mkdirData(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid := string(bytes.TrimSpace(owner)); pid != "" {
				return nil, fmt.Errorf("%w (process %s holds %s); stop it first, or use PostgreSQL to run several", errDataDirBusy, pid, path)
			}
			return nil, fmt.Errorf("%w (%s is locked)", errDataDirBusy, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// release gives the lock up.
func (l *dirLock) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close() // closing the last descriptor releases a flock
}
