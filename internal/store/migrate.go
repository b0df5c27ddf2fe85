package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := path.Join("migrations", string(db.dialect))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("store: bad migration name %s", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations must be numbered 1, 2, …: found %s", m.name)
		}
	}
	return ms, nil
}

// goSteps are the steps a migration cannot say in SQL. A line
// "-- ferry:go NAME" in a migration runs goSteps[NAME] at that point, in
// the migration's transaction.
var goSteps = map[string]func(context.Context, *Tx) error{
	"chain_audit": chainAudit,
}

const goStepMarker = "-- ferry:go "

// apply runs the migration's SQL, and its Go steps where marked.
func (m migration) apply(ctx context.Context, tx *Tx) error {
	rest := m.sql
	for {
		before, after, found := strings.Cut(rest, goStepMarker)
		if strings.TrimSpace(before) != "" {
			if _, err := tx.exec(ctx, before); err != nil {
				return err
			}
		}
		if !found {
			return nil
		}
		name, tail, _ := strings.Cut(after, "\n")
		step, ok := goSteps[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("no Go step %q", strings.TrimSpace(name))
		}
		if err := step(ctx, tx); err != nil {
			return err
		}
		rest = tail
	}
}

// SchemaStatus is how the database's schema compares with this binary's.
type SchemaStatus struct {
	// Initialized is false for a database Ferry has never migrated.
	Initialized bool
	Current     int // the newest applied Ferry migration
	Latest      int // migrations this binary carries
	// RiverCurrent is false when River's own tables need migrating.
	RiverCurrent bool
}

// UpToDate reports whether nothing needs migrating.
func (s SchemaStatus) UpToDate() bool { return s.Current == s.Latest && s.RiverCurrent }

// Empty reports whether the database has no Ferry schema at all.
func (s SchemaStatus) Empty() bool { return !s.Initialized }

const createVersionTable = `CREATE TABLE IF NOT EXISTS ferry_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`

// Status reads the schema status without changing anything.
func (db *DB) Status(ctx context.Context) (SchemaStatus, error) {
	ms, err := db.migrations()
	if err != nil {
		return SchemaStatus{}, err
	}
	st := SchemaStatus{Latest: len(ms)}
	var exists bool
	q := db.Read()
	switch db.dialect {
	case SQLite:
		err = q.queryRow(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'ferry_migrations'`).Scan(&exists)
	default:
		err = q.queryRow(ctx, `SELECT to_regclass('ferry_migrations') IS NOT NULL`).Scan(&exists)
	}
	if err != nil {
		return st, fmt.Errorf("store: schema status: %w", err)
	}
	st.Initialized = exists
	if exists {
		if err := q.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM ferry_migrations`).Scan(&st.Current); err != nil {
			return st, fmt.Errorf("store: schema status: %w", err)
		}
	}
	res, err := db.riverValidate(ctx)
	if err != nil {
		return st, err
	}
	st.RiverCurrent = res
	return st, nil
}

// Migrate brings Ferry's schema and River's up to date. It is safe to run
// while other processes use the database; each migration runs in its own
// transaction.
func (db *DB) Migrate(ctx context.Context) error { return db.migrateTo(ctx, 0) }

// migrateTo applies the migrations up to version upTo (all when 0).
func (db *DB) migrateTo(ctx context.Context, upTo int) error {
	if err := db.riverMigrate(ctx); err != nil {
		return err
	}
	all, err := db.migrations()
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, createVersionTable); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, m := range all {
		if upTo > 0 && m.version > upTo {
			break
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			if db.dialect == Postgres {
				// Serialise concurrent migrators.
				if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(727272)`); err != nil {
					return err
				}
			}
			var applied int
			if err := tx.queryRow(ctx, `SELECT count(*) FROM ferry_migrations WHERE version = ?`, m.version).Scan(&applied); err != nil {
				return err
			}
			if applied > 0 {
				return nil
			}
			if err := m.apply(ctx, tx); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			_, err := tx.exec(ctx, `INSERT INTO ferry_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, ms(tx.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
	}
	return nil
}

// RiverDriver returns the River driver for this database: River shares
// Ferry's write pool, so jobs are inserted in Ferry's own transactions. On
// PostgreSQL, a small pgx pool carries LISTEN/NOTIFY so that jobs are picked
// up without waiting for the next poll.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if db.dialect == SQLite {
		return riversqlite.New(db.write)
	}
	return riverdatabasesql.NewWithPgxListener(db.write, db.listen)
}

func (db *DB) riverMigrator() (*rivermigrate.Migrator[*sql.Tx], error) {
	m, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("store: river migrator: %w", err)
	}
	return m, nil
}

func (db *DB) riverMigrate(ctx context.Context) error {
	m, err := db.riverMigrator()
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: migrate river: %w", err)
	}
	return nil
}

func (db *DB) riverValidate(ctx context.Context) (bool, error) {
	m, err := db.riverMigrator()
	if err != nil {
		return false, err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: river schema status: %w", err)
	}
	return res.OK, nil
}
