// Package refdata gives tests the reference data kept in its testdata
// directory: other people's test vectors, tables and recorded API responses
// that check Ferry against the world rather than against itself. Sources and
// licences are listed in testdata/README.md.
//
// The files live inside the repository so that `go test ./...` passes on a
// plain clone; tests find them through this package rather than through a
// path relative to their own directory.
package refdata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the absolute path of the reference data directory.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("refdata: cannot locate the package's source directory")
	}
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Path returns the path of a file of the reference data, failing the test
// (never skipping it) when the file is missing.
func Path(tb testing.TB, parts ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Dir()}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("refdata: %v", err)
	}
	return p
}

// Read returns the contents of a file of the reference data, failing the
// test when it cannot be read.
func Read(tb testing.TB, parts ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, parts...))
	if err != nil {
		tb.Fatalf("refdata: %v", err)
	}
	return b
}

// Open opens a file of the reference data; the test closes it when it ends.
func Open(tb testing.TB, parts ...string) *os.File {
	tb.Helper()
	f, err := os.Open(Path(tb, parts...))
	if err != nil {
		tb.Fatalf("refdata: %v", err)
	}
	tb.Cleanup(func() { _ = f.Close() })
	return f
}
