package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// PlannedQuery is a store query with the arguments it runs with, for tests
// of its plan.
type PlannedQuery struct {
	SQL  string
	Args []any
}

// PublicationsOfStoriesQuery is the stories list's publications query.
func PublicationsOfStoriesQuery(storyIDs []string) PlannedQuery {
	q, args := publicationsOfStoriesQuery(storyIDs)
	return PlannedQuery{q, args}
}

// ScheduledOnQuery is the handoff sweep's query.
func ScheduledOnQuery(platform ferry.Platform, before time.Time) PlannedQuery {
	return PlannedQuery{scheduledOnQuery, []any{string(ferry.StateScheduled), string(platform), ms(before)}}
}

// PostReadingsQuery is the metrics collector's query.
func PostReadingsQuery(accountID string, since time.Time) PlannedQuery {
	q, args := postReadingsQuery(accountID, since)
	return PlannedQuery{q, args}
}

// PruneRatesQuery is the rate-history prune.
func PruneRatesQuery(before time.Time) PlannedQuery {
	return PlannedQuery{pruneRatesQuery, []any{ms(before)}}
}

// Plan returns the database's plan for a query, one step a line: EXPLAIN
// QUERY PLAN's details on SQLite, EXPLAIN's lines on PostgreSQL.
func (db *DB) Plan(ctx context.Context, pq PlannedQuery) (string, error) {
	q := db.Write() // EXPLAIN of a DELETE on SQLite's query-only pool is refused
	explain := "EXPLAIN "
	if db.dialect == SQLite {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := q.query(ctx, explain+pq.SQL, pq.Args...)
	if err != nil {
		return "", fmt.Errorf("plan: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if db.dialect == SQLite {
			var id, parent, unused int
			err = rows.Scan(&id, &parent, &unused, &line)
		} else {
			err = rows.Scan(&line)
		}
		if err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// PruneIdempotencyKeysQuery is the idempotency-key prune.
func PruneIdempotencyKeysQuery(before time.Time) PlannedQuery {
	return PlannedQuery{pruneIdempotencyKeysQuery, []any{ms(before)}}
}

// ExecForTest runs a statement, with `?` placeholders on either backend.
func (q *Q) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := q.exec(ctx, query, args...)
	return err
}

// PublicationsScheduledBetweenQuery is the calendar's query.
func PublicationsScheduledBetweenQuery(workspaceID string, from, to time.Time) PlannedQuery {
	return PlannedQuery{scheduledBetweenQuery, []any{workspaceID, ms(from), ms(to), string(ferry.StateCanceled)}}
}

// MigrateTo applies the migrations up to version upTo, to test a later
// migration on the data of an earlier schema.
func (db *DB) MigrateTo(ctx context.Context, upTo int) error { return db.migrateTo(ctx, upTo) }

// MigrationVersion returns the version of the migration whose file name
// ends in _name.sql, so that tests survive renumbering.
func (db *DB) MigrationVersion(name string) (int, error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		if strings.HasSuffix(m.name, "_"+name+".sql") {
			return m.version, nil
		}
	}
	return 0, fmt.Errorf("no migration %s", name)
}
