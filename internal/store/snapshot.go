package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"time"

	"modernc.org/sqlite"
)

// Snapshot is what a backup reads from one consistent view of the database:
// the row count of every table and the hashes of every media file the rows
// refer to.
type Snapshot struct {
	Schema int // the newest applied Ferry migration
	Counts map[string]int64
	Media  []string // sorted, distinct
}

// VacuumInto writes a consistent copy of a SQLite database to dest (which
// must not exist) with VACUUM INTO. It reads in one transaction on a
// connection of its own, so it runs beside a process that is writing the
// database (WAL: writers are not blocked).
func (db *DB) VacuumInto(ctx context.Context, dest string) error {
	if db.dialect != SQLite {
		return errors.New("store: VACUUM INTO is for SQLite")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("store: %s exists", dest)
	}
	// The write pool's connection: query_only (the read pool) refuses
	// VACUUM INTO. VACUUM INTO only reads the source database.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("store: VACUUM INTO: %w", err)
	}
	return nil
}

// ReadSnapshot counts every table's rows and lists the media hashes, in
// one read transaction (a consistent view on both databases).
func (db *DB) ReadSnapshot(ctx context.Context) (Snapshot, error) {
	var snap Snapshot
	err := db.InSnapshot(ctx, func(q *Q, _ string) error {
		var err error
		snap, err = q.Snapshot(ctx)
		return err
	})
	return snap, err
}

// InSnapshot runs fn in a read-only, repeatable-read transaction. On
// PostgreSQL, exportedID is the transaction's exported snapshot
// (pg_export_snapshot), which `pg_dump --snapshot` can share while fn
// runs; on SQLite it is empty.
func (db *DB) InSnapshot(ctx context.Context, fn func(q *Q, exportedID string) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	pool := db.read
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer tx.Rollback()
	q := &Q{ex: tx, dialect: db.dialect, now: db.Now, sealer: db.sealer}
	var id string
	if db.dialect == Postgres {
		if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&id); err != nil {
			return fmt.Errorf("store: export snapshot: %w", err)
		}
	}
	return fn(q, id)
}

// Tables lists the database's tables (Ferry's and River's), sorted.
func (q *Q) Tables(ctx context.Context) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if q.dialect == Postgres {
		query = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
	}
	rows, err := q.query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Snapshot counts every table's rows and lists the media hashes; run it in
// InSnapshot for a consistent view.
func (q *Q) Snapshot(ctx context.Context) (Snapshot, error) {
	snap := Snapshot{Counts: map[string]int64{}}
	tables, err := q.Tables(ctx)
	if err != nil {
		return snap, err
	}
	for _, t := range tables {
		var n int64
		if err := q.queryRow(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return snap, fmt.Errorf("store: count %s: %w", t, err)
		}
		snap.Counts[t] = n
	}
	if err := q.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM ferry_migrations`).Scan(&snap.Schema); err != nil {
		return snap, fmt.Errorf("store: schema version: %w", err)
	}
	rows, err := q.query(ctx, `SELECT DISTINCT sha256 FROM media`)
	if err != nil {
		return snap, fmt.Errorf("store: media hashes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return snap, err
		}
		snap.Media = append(snap.Media, s)
	}
	sort.Strings(snap.Media)
	return snap, rows.Err()
}

// Rows returns every row of a table as text, sorted, for comparing two
// databases (the backup test): each row is its columns' values joined.
func (q *Q) Rows(ctx context.Context, table string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return nil, fmt.Errorf("store: rows of %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		line := ""
		for i, v := range vals {
			if i > 0 {
				line += "\x1f"
			}
			switch v := v.(type) {
			case nil:
				line += "NULL"
			case []byte:
				line += fmt.Sprintf("%x", v)
			default:
				line += fmt.Sprint(v)
			}
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// LatestSchema is the schema version this binary's migrations reach.
func LatestSchema(d Dialect) (int, error) {
	ms, err := (&DB{dialect: d}).migrations()
	return len(ms), err
}

// ServerVersion is PostgreSQL's version string (SHOW server_version).
func (q *Q) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := q.queryRow(ctx, `SHOW server_version`).Scan(&v)
	return v, err
}

// OpenReadOnly opens a SQLite file for reading only, as it is (no WAL
// pragma): a backup's copy of the database.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=query_only(1)"
	conn := sql.OpenDB(cachingConnector{dsn: dsn, drv: &sqlite.Driver{}})
	conn.SetMaxOpenConns(1)
	db := &DB{dialect: SQLite, write: conn, read: conn, Now: time.Now}
	if err := conn.PingContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return db, nil
}
