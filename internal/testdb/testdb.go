// Package testdb gives tests a fresh database of either backend: a SQLite
// file in a temporary directory, or a private schema on the PostgreSQL
// server named by FERRY_TEST_DATABASE_URL. Without that variable the
// PostgreSQL variants of tests are skipped, with a message saying so.
//
// Importing it also makes the test binary hash passwords at auth.TestCost:
// most tests of the suites that import it set a password up and sign in,
// and at Ferry's real cost each hash takes 0.3 s of two cores under the
// race detector. The auth package's own tests use the real cost, and the
// process tests run Ferry's binary, which knows nothing of this. No part
// of Ferry itself imports this package (TestOnlyTestsImportTestdb).
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/secret"
	"github.com/ferry-social/ferry/internal/store"
)

func init() { auth.UseCost(auth.TestCost) }

// EnvURL names the PostgreSQL server for tests.
const EnvURL = "FERRY_TEST_DATABASE_URL"

// Backend is a database backend under test.
type Backend struct {
	Name string
	// Options returns store options for a fresh, empty database that is
	// dropped when the test ends.
	Options func(t testing.TB) store.Options
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: "SQLite", Options: func(t testing.TB) store.Options {
			return store.Options{Path: filepath.Join(t.TempDir(), "ferry.db")}
		}},
		{Name: "PostgreSQL", Options: func(t testing.TB) store.Options { return store.Options{URL: PostgresURL(t)} }},
	}
}

// PostgresURL returns a URL to a new, empty schema on the test server, or
// skips the test when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skipf("PostgreSQL test skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run it", EnvURL)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("testdb: create schema on %s: %v", EnvURL, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates a fresh database with a random credentials key.
func Open(t testing.TB, b Backend) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, b.Options(t))
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	key := make([]byte, secret.KeySize)
	_, _ = rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(box)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrate: %v", err)
	}
	return db
}
