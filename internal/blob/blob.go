// Package blob stores media files on local disk, addressed by the SHA-256
// of their content: the same bytes are stored once, and a file's name
// proves its content.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Store is where media files live, by the hex SHA-256 of their content.
// Files are never deleted: a hash that was stored stays readable.
type Store interface {
	// Put writes data and returns its hex SHA-256; writing the same data
	// again is a no-op.
	Put(data []byte) (string, error)
	// PutReader streams r into the store and returns its hex SHA-256 and
	// size, never holding it whole in memory (account archives).
	PutReader(r io.Reader) (string, int64, error)
	// Open returns the file with the given hash, or ErrNotFound.
	Open(sum string) (io.ReadCloser, error)
}

// Dir keeps files under a directory, as ab/cd/abcdef… by hash.
type Dir struct {
	dir string
}

// New returns a store rooted at dir, creating it if needed.
func New(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{dir: dir}, nil
}

func (s *Dir) path(sum string) (string, error) {
	if len(sum) != 64 {
		return "", fmt.Errorf("blob: bad hash %q", sum)
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return "", fmt.Errorf("blob: bad hash %q", sum)
	}
	return filepath.Join(s.dir, sum[:2], sum[2:4], sum), nil
}

// Put writes data and returns its hex SHA-256. Writing the same data again
// is a no-op.
func (s *Dir) Put(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	hexsum := hex.EncodeToString(sum[:])
	p, _ := s.path(hexsum)
	if _, err := os.Stat(p); err == nil {
		return hexsum, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("blob: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	return hexsum, nil
}

// PutReader streams r into the store and returns its hex SHA-256 and
// size: a file of any size passes through a fixed buffer, never whole in
// memory (account archives). Writing the same content again is a no-op.
func (s *Dir) PutReader(r io.Reader) (string, int64, error) {
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	hexsum := hex.EncodeToString(h.Sum(nil))
	p, _ := s.path(hexsum)
	if _, err := os.Stat(p); err == nil {
		return hexsum, n, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	return hexsum, n, nil
}

// ErrNotFound is returned for a hash the store does not hold.
var ErrNotFound = errors.New("blob: not found")

// Open returns the file with the given hash.
func (s *Dir) Open(sum string) (io.ReadCloser, error) {
	p, err := s.path(sum)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}
