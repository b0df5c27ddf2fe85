// Package store keeps Ferry's data in SQLite (the embedded default) or
// PostgreSQL, behind one set of methods and one test suite. SQL is written
// once, in the portable subset both dialects share, with `?` placeholders
// that are rebound for PostgreSQL; the two schemas live side by side under
// migrations/.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"

	"github.com/ferry-social/ferry"
)

// Dialect names a database backend.
type Dialect string

// The supported backends.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open store.
type DB struct {
	dialect Dialect
	// write takes every transaction. On SQLite it holds exactly one
	// connection: SQLite allows one writer, and River shares this pool
	// so that jobs are inserted in the same transaction as Ferry's rows.
	write *sql.DB
	// read serves plain reads. On SQLite it is a separate read-only pool
	// (WAL lets readers run beside the writer); on PostgreSQL it is write.
	read *sql.DB
	// listen is a pgx pool for River's LISTEN/NOTIFY on PostgreSQL.
	listen *pgxpool.Pool
	// Now is the store's clock.
	Now func() time.Time
	// TxTrace, when set, is called as each transaction of InTx begins
	// on the write pool, and the function it returns once the transaction
	// has committed or rolled back: on SQLite, the time between is what
	// every other writer waits. Benchmarks measure it; set it while no
	// transaction runs.
	TxTrace func() (end func())

	sealer Sealer
	// auditHook is told of every audit event a transaction writes.
	auditHook AuditHook
}

// Options say which database to open.
type Options struct {
	// URL is a postgres:// URL; empty selects SQLite at Path.
	URL string
	// Path is the SQLite file.
	Path string
}

// Open opens the database. It does not migrate it.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		return openPostgres(ctx, o.URL)
	}
	return openSQLite(ctx, o.Path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: no SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// synchronous=FULL: a commit is on disk when it returns, power cut or
	// not; an attempt that was opened stays opened (architecture.md).
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?"
	drv := &sqlite.Driver{}
	write := sql.OpenDB(cachingConnector{dsn: dsn + pragmas + "&_txlock=immediate", drv: drv})
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	read := sql.OpenDB(cachingConnector{dsn: dsn + pragmas + "&_pragma=query_only(1)", drv: drv})
	read.SetMaxOpenConns(4)
	// Kept open, not closed and reopened between bursts: each connection
	// keeps its prepared statements (sqlitecache.go).
	read.SetMaxIdleConns(4)
	db := &DB{dialect: SQLite, write: write, read: read, Now: time.Now}
	if err := write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	// As many kept idle as may be open: a burst of publications uses them
	// all, and a connection closed and opened again costs the server a
	// process and pgx its prepared statements.
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres url: %w", err)
	}
	cfg.MaxConns = 2
	listen, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres listener pool: %w", err)
	}
	return &DB{dialect: Postgres, write: pool, read: pool, listen: listen, Now: time.Now}, nil
}

// Warm opens the connections a burst of work will use, so that the burst
// does not wait for them: on PostgreSQL, where each is a server process
// (the pool keeps them; see openPostgres), as many as the pool holds. On
// SQLite it does nothing.
func (db *DB) Warm(ctx context.Context) error {
	if db.dialect != Postgres {
		return nil
	}
	n := db.write.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: warm: %w", err)
		}
		conns = append(conns, c)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.listen != nil {
		db.listen.Close()
	}
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// Dialect returns the backend in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// WritePool is the pool every transaction uses; River shares it.
func (db *DB) WritePool() *sql.DB { return db.write }

// ListenPool is the pgx pool River uses for LISTEN/NOTIFY on PostgreSQL;
// nil on SQLite.
func (db *DB) ListenPool() *pgxpool.Pool { return db.listen }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// execer is what *sql.DB and *sql.Tx share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Q runs queries, inside a transaction or not. All store methods hang on it.
type Q struct {
	ex      execer
	dialect Dialect
	now     func() time.Time
	sealer  Sealer
	// tx is the transaction this Q runs in, nil outside one: audit
	// events wait in it to be chained just before it commits.
	tx *Tx
}

// Read returns a Q for reads outside any transaction.
func (db *DB) Read() *Q { return &Q{ex: db.read, dialect: db.dialect, now: db.Now, sealer: db.sealer} }

// Tx is a transaction.
type Tx struct {
	Q
	tx          *sql.Tx
	afterCommit []func()
	auditHook   AuditHook
	// audits are the events Audit recorded, appended to their chains
	// just before commit (see appendAudits).
	audits []ferry.Audit
	// pauses memoizes StandingPause's read, by workspace.
	pauses map[string][]*ferry.Pause
	// beforeCommit runs inside the transaction once its work is done.
	beforeCommit []func(ctx context.Context) error
	local        map[any]any
	// group is set by Grouped (group.go).
	group *group
}

// BeforeCommit registers fn to run inside the transaction once the work
// given to InTx has returned, just before the commit, in the order
// registered; an error rolls the transaction back. Work shared by many
// parts of one transaction is done there once for all (jobs: the River
// jobs completed by a group of publications).
func (tx *Tx) BeforeCommit(fn func(ctx context.Context) error) {
	tx.beforeCommit = append(tx.beforeCommit, fn)
}

// Local returns the transaction's value for key, made by init on first
// use; it lives as long as the transaction.
func (tx *Tx) Local(key any, init func() any) any {
	v, ok := tx.local[key]
	if !ok {
		if tx.local == nil {
			tx.local = map[any]any{}
		}
		v = init()
		tx.local[key] = v
	}
	return v
}

// AfterCommit registers fn to run once the transaction has committed, in
// the order registered; it never runs if the transaction rolls back. What
// the world is told (events, metrics) must not announce a change that may
// still be undone.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// SQL returns the underlying transaction, for River's InsertTx and
// JobCompleteTx.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// InTx runs fn in a transaction, committing if fn returns nil, and then
// runs the functions registered with AfterCommit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{Q: Q{ex: sqltx, dialect: db.dialect, now: db.Now, sealer: db.sealer}, tx: sqltx, auditHook: db.auditHook}
	tx.Q.tx = tx
	if db.TxTrace != nil {
		defer db.TxTrace()()
	}
	committed := false
	defer func() {
		if p := recover(); p != nil {
			_ = sqltx.Rollback()
			panic(p)
		}
		if !committed { // an error, or fn left by runtime.Goexit (a failed test)
			_ = sqltx.Rollback()
		}
	}()
	err = fn(tx)
	if g := tx.group; g != nil {
		switch {
		case g.err != nil:
			// A held-back write that failed is the cause of whatever
			// failed after it.
			err = g.err
		case err == nil:
			err = tx.sendHeldBack(ctx) // the last ones
		}
	}
	if err != nil {
		return err
	}
	for _, before := range tx.beforeCommit {
		if err = before(ctx); err != nil {
			return err
		}
	}
	if err = tx.appendAudits(ctx); err != nil {
		return err
	}
	if err = sqltx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	for _, after := range tx.afterCommit {
		after()
	}
	return nil
}

// rebind turns `?` placeholders into `$n` for PostgreSQL. Queries contain no
// literal question marks.
func (q *Q) rebind(query string) string {
	if q.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (q *Q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.grouped() != nil {
		if err := q.beforeStatement(ctx, query); err != nil {
			return nil, err
		}
	}
	return q.ex.ExecContext(ctx, q.rebind(query), args...)
}

func (q *Q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.grouped() != nil {
		if err := q.beforeStatement(ctx, query); err != nil {
			return nil, err
		}
	}
	return q.ex.QueryContext(ctx, q.rebind(query), args...)
}

func (q *Q) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if q.grouped() != nil {
		// An error is kept by the group and returned by InTx; the
		// transaction is failed already.
		_ = q.beforeStatement(ctx, query)
	}
	return q.ex.QueryRowContext(ctx, q.rebind(query), args...)
}

// Now returns the store's current time, truncated to what it keeps.
func (q *Q) Now() time.Time { return q.now().UTC().Truncate(time.Millisecond) }

// Write returns a Q for single statements on the write pool, outside any
// transaction.
func (db *DB) Write() *Q {
	return &Q{ex: db.write, dialect: db.dialect, now: db.Now, sealer: db.sealer}
}
