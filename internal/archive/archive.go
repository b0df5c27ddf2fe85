// Package archive writes and verifies account archives: a ZIP of JSON
// files, media and an offline viewer, with a manifest of every file's
// SHA-256 written last (docs/architecture.md, "Account archives"). Files
// are streamed into the ZIP as they are produced: nothing holds a whole
// file in memory.
package archive

import (
	"archive/zip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"slices"
	"time"
)

// Format is the archive format's version, in the manifest.
const Format = 1

// ManifestName is the manifest's path in the ZIP.
const ManifestName = "manifest.json"

// Entry is one file of the manifest.
type Entry struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest lists every file of an archive but itself.
type Manifest struct {
	Format    int       `json:"format"`
	AccountID string    `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
	Files     []Entry   `json:"files"`
}

// Writer writes an archive. Create each file in turn, then Close.
type Writer struct {
	zw       *zip.Writer
	manifest Manifest
	open     *fileWriter
}

// NewWriter starts an archive of an account into w.
func NewWriter(w io.Writer, accountID string, at time.Time) *Writer {
	return &Writer{zw: zip.NewWriter(w), manifest: Manifest{Format: Format, AccountID: accountID, CreatedAt: at.UTC(), Files: []Entry{}}}
}

type fileWriter struct {
	w    io.Writer
	h    hash.Hash
	n    int64
	path string
}

func (f *fileWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.h.Write(p[:n])
	f.n += int64(n)
	return n, err
}

// Create starts a file; what is written to it is compressed and hashed
// on the way. A file ends when the next is created or the archive closed.
func (w *Writer) Create(path string, modified time.Time) (io.Writer, error) {
	w.finish()
	zf, err := w.zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: modified.UTC()})
	if err != nil {
		return nil, fmt.Errorf("archive: %s: %w", path, err)
	}
	w.open = &fileWriter{w: zf, h: sha256.New(), path: path}
	return w.open, nil
}

func (w *Writer) finish() {
	if w.open != nil {
		w.manifest.Files = append(w.manifest.Files, Entry{Path: w.open.path, Bytes: w.open.n, SHA256: hex.EncodeToString(w.open.h.Sum(nil))})
		w.open = nil
	}
}

// Files is how many files the archive holds, its manifest included.
func (w *Writer) Files() int {
	w.finish()
	return len(w.manifest.Files) + 1
}

// Close writes the manifest and ends the ZIP.
func (w *Writer) Close() error {
	w.finish()
	mw, err := w.zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: w.manifest.CreatedAt})
	if err != nil {
		return fmt.Errorf("archive: manifest: %w", err)
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", " ")
	if err := enc.Encode(w.manifest); err != nil {
		return fmt.Errorf("archive: manifest: %w", err)
	}
	return w.zw.Close()
}

// Array writes a JSON array one element at a time, one per line.
type Array struct {
	w     io.Writer
	n     int
	enc   *json.Encoder
	error error
}

// NewArray starts an array on w.
func NewArray(w io.Writer) *Array {
	_, err := io.WriteString(w, "[")
	return &Array{w: w, enc: json.NewEncoder(w), error: err}
}

// Add writes one element.
func (a *Array) Add(v any) error {
	if a.error != nil {
		return a.error
	}
	sep := "\n"
	if a.n > 0 {
		sep = ",\n"
	}
	if _, a.error = io.WriteString(a.w, sep); a.error == nil {
		a.error = a.enc.Encode(v) // ends with a newline, which JSON allows
	}
	a.n++
	return a.error
}

// Close ends the array.
func (a *Array) Close() error {
	if a.error != nil {
		return a.error
	}
	_, err := io.WriteString(a.w, "]\n")
	return err
}

// Verify reads an archive back and checks it against its manifest: every
// file listed is there with its size and SHA-256, and no other file is.
// It names the first file that does not match.
func Verify(r io.ReaderAt, size int64) (*Manifest, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("archive: not a readable ZIP: %w", err)
	}
	var m Manifest
	mf, err := zr.Open(ManifestName)
	if err != nil {
		return nil, errors.New("archive: no manifest.json")
	}
	err = json.NewDecoder(mf).Decode(&m)
	mf.Close()
	if err != nil {
		return nil, fmt.Errorf("archive: manifest.json: %w", err)
	}
	listed := map[string]Entry{}
	for _, e := range m.Files {
		listed[e.Path] = e
	}
	seen := 0
	for _, f := range zr.File {
		if f.Name == ManifestName {
			continue
		}
		e, ok := listed[f.Name]
		if !ok {
			return nil, fmt.Errorf("archive: %s is not in the manifest", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("archive: %s: %w", f.Name, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("archive: %s: %w", f.Name, err)
		}
		if n != e.Bytes || hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
			return nil, fmt.Errorf("archive: %s does not match its checksum in the manifest", f.Name)
		}
		seen++
	}
	if seen != len(m.Files) {
		for _, e := range m.Files {
			if !slices.ContainsFunc(zr.File, func(f *zip.File) bool { return f.Name == e.Path }) {
				return nil, fmt.Errorf("archive: %s is in the manifest but not in the archive", e.Path)
			}
		}
	}
	return &m, nil
}

//go:embed viewer
var viewer embed.FS

// Viewer returns the offline viewer's static files (index.html, viewer.js,
// viewer.css), to be written at the archive's root beside data.js.
func Viewer() fs.FS {
	sub, _ := fs.Sub(viewer, "viewer")
	return sub
}
