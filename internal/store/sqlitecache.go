package store

import (
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// SQLite connections keep their prepared statements: modernc's SQLite is
// compiled to Go, and parsing SQL dominated the delivery engine's CPU time
// (44% of it in a profile of 1,000 publications) before statements were
// kept. database/sql prepares nothing for plain Exec/Query calls, and its
// own *sql.Stmt cannot be prepared inside a transaction on a pool of one
// connection without deadlocking, so the cache lives in the driver
// connection, where every call already runs on the right connection.
// (pgx caches prepared statements per connection by itself.)

// maxCachedStatements bounds each connection's cache; queries built with
// varying text (IN lists of different lengths) beyond it are prepared and
// closed each time.
const maxCachedStatements = 512

type cachingConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn, stmts: map[string]driver.Stmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what modernc's connection implements.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is used by one goroutine at a time (database/sql guarantees
// it), so its map needs no lock.
type cachingConn struct {
	conn  driver.Conn
	stmts map[string]driver.Stmt
}

func (c *cachingConn) inner() sqliteConn { return c.conn.(sqliteConn) }

// stmt returns the connection's prepared statement for query, and whether
// the caller must close it after use (the cache was full).
func (c *cachingConn) stmt(ctx context.Context, query string) (driver.Stmt, bool, error) {
	if s, ok := c.stmts[query]; ok {
		return s, false, nil
	}
	s, err := c.inner().PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	if len(c.stmts) >= maxCachedStatements {
		return s, true, nil
	}
	c.stmts[query] = s
	return s, false, nil
}

// ExecContext runs a statement. Calls without arguments go straight to the
// driver: they may hold several statements (migrations), which a prepared
// statement cannot.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.inner().ExecContext(ctx, query, args)
	}
	s, closeAfter, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if closeAfter {
		defer s.Close()
	}
	return s.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs a query on the cached statement. Callers read all rows
// before running the same query text again on the connection.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, closeAfter, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.(driver.StmtQueryContext).QueryContext(ctx, args)
	if closeAfter {
		if err != nil {
			s.Close()
			return nil, err
		}
		return closingRows{Rows: rows, stmt: s}, nil
	}
	return rows, err
}

type closingRows struct {
	driver.Rows
	stmt driver.Stmt
}

func (r closingRows) Close() error { return errors.Join(r.Rows.Close(), r.stmt.Close()) }

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner().PrepareContext(ctx, query)
}
func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.inner().BeginTx(context.Background(), driver.TxOptions{})
}
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner().BeginTx(ctx, opts)
}
func (c *cachingConn) Ping(ctx context.Context) error         { return c.inner().Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.inner().ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.inner().IsValid() }

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	c.stmts = nil
	return errors.Join(append(errs, c.conn.Close())...)
}
