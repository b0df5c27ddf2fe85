package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// Queries of the analytics pages: each answers one need in one statement.

// WorkspaceAccountSnapshots lists the readings in [from, to) of every
// account of a workspace (closed ones too), by account, then time; a zero
// bound leaves that side open.
func (q *Q) WorkspaceAccountSnapshots(ctx context.Context, workspaceID, accountID string, from, to time.Time) ([]ferry.AccountSnapshot, error) {
	where, args := "s.account_id IN (SELECT id FROM accounts WHERE workspace_id = ?)", []any{workspaceID}
	if accountID != "" {
		where, args = "s.account_id = ? AND s.account_id IN (SELECT id FROM accounts WHERE workspace_id = ?)", []any{accountID, workspaceID}
	}
	if !from.IsZero() {
		where += " AND s.at >= ?"
		args = append(args, ms(from))
	}
	if !to.IsZero() {
		where += " AND s.at < ?"
		args = append(args, ms(to))
	}
	rows, err := q.query(ctx, `SELECT s.account_id, s.at, s.followers, s.following, s.posts FROM account_snapshots s WHERE `+where+` ORDER BY s.account_id, s.at`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: workspace account snapshots: %w", err)
	}
	defer rows.Close()
	var out []ferry.AccountSnapshot
	for rows.Next() {
		s, err := scanAccountSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: workspace account snapshots: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// LatestAccountSnapshots returns the latest reading of each account of a
// workspace that has one, by account id.
func (q *Q) LatestAccountSnapshots(ctx context.Context, workspaceID string) (map[string]ferry.AccountSnapshot, error) {
	rows, err := q.query(ctx, `SELECT s.account_id, s.at, s.followers, s.following, s.posts
		FROM accounts a JOIN account_snapshots s ON s.account_id = a.id
			AND s.at = (SELECT MAX(x.at) FROM account_snapshots x WHERE x.account_id = a.id)
		WHERE a.workspace_id = ?`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: latest account snapshots: %w", err)
	}
	defer rows.Close()
	out := map[string]ferry.AccountSnapshot{}
	for rows.Next() {
		s, err := scanAccountSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: latest account snapshots: %w", err)
		}
		out[s.AccountID] = s
	}
	return out, rows.Err()
}

// FirstAccountReading returns the time of an account's first reading, or
// nil if it has none.
func (q *Q) FirstAccountReading(ctx context.Context, accountID string) (*time.Time, error) {
	var at sql.NullInt64
	if err := q.queryRow(ctx, `SELECT MIN(at) FROM account_snapshots WHERE account_id = ?`, accountID).Scan(&at); err != nil {
		return nil, fmt.Errorf("store: first account reading: %w", err)
	}
	return fromNullMS(at), nil
}

// PostResultFilter selects published publications for analytics. At least
// WorkspaceID is set.
type PostResultFilter struct {
	WorkspaceID string
	AccountID   string
	StoryID     string
	// Published in [From, To); a zero bound leaves that side open.
	From, To time.Time
}

// PostResult is a published publication with its latest reading.
type PostResult struct {
	PublicationID string
	StoryID       string
	AccountID     string
	Platform      ferry.Platform
	PublishedAt   time.Time
	RemoteURL     string
	// Title is the variant's title, else the story's, else the start of
	// the story's body.
	Title string
	// Latest is the latest reading; nil if the post was never read.
	Latest *ferry.PostSnapshot
}

// PostResults lists published publications with their latest readings,
// newest first.
func (q *Q) PostResults(ctx context.Context, f PostResultFilter) ([]PostResult, error) {
	where, args := "p.workspace_id = ? AND p.state = ? AND p.published_at IS NOT NULL", []any{f.WorkspaceID, string(ferry.StatePublished)}
	if f.AccountID != "" {
		where += " AND p.account_id = ?"
		args = append(args, f.AccountID)
	}
	if f.StoryID != "" {
		where += " AND p.story_id = ?"
		args = append(args, f.StoryID)
	}
	if !f.From.IsZero() {
		where += " AND p.published_at >= ?"
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where += " AND p.published_at < ?"
		args = append(args, ms(f.To))
	}
	// The latest reading of each post. SQLite answers a subquery per post
	// with one step down the primary key (publication_id, at); PostgreSQL
	// plans that as a filter over every reading, and is better served by
	// one grouped pass over the account's readings, joined back by key
	// (docs/benchmarks.md, "Analytics").
	latest, largs := `LEFT JOIN post_snapshots s ON s.publication_id = p.id
			AND s.at = (SELECT MAX(x.at) FROM post_snapshots x WHERE x.publication_id = p.id)`, []any{}
	if q.dialect == Postgres {
		group, gargs := "account_id IN (SELECT id FROM accounts WHERE workspace_id = ?)", []any{f.WorkspaceID}
		if f.AccountID != "" {
			group, gargs = "account_id = ?", []any{f.AccountID}
		}
		latest = `LEFT JOIN (SELECT publication_id, MAX(at) AS at FROM post_snapshots WHERE ` + group + ` GROUP BY publication_id) m ON m.publication_id = p.id
			LEFT JOIN post_snapshots s ON s.publication_id = m.publication_id AND s.at = m.at`
		largs = gargs
	}
	rows, err := q.query(ctx, `SELECT p.id, p.story_id, p.account_id, p.platform, p.published_at, p.remote_url,
			COALESCE(v.title, ''), st.title, SUBSTR(st.body, 1, 80),
			s.at, s.views, s.likes, s.comments, s.shares, s.saves
		FROM publications p JOIN stories st ON st.id = p.story_id
		LEFT JOIN variants v ON v.story_id = p.story_id AND v.account_id = p.account_id
		`+latest+`
		WHERE `+where+` ORDER BY p.published_at DESC, p.id`, append(largs, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: post results: %w", err)
	}
	defer rows.Close()
	var out []PostResult
	for rows.Next() {
		var r PostResult
		var published int64
		var vTitle, sTitle, body string
		var at, views, likes, comments, shares, saves sql.NullInt64
		if err := rows.Scan(&r.PublicationID, &r.StoryID, &r.AccountID, &r.Platform, &published, &r.RemoteURL,
			&vTitle, &sTitle, &body, &at, &views, &likes, &comments, &shares, &saves); err != nil {
			return nil, fmt.Errorf("store: post results: %w", err)
		}
		r.PublishedAt = fromMS(published)
		switch {
		case vTitle != "":
			r.Title = vTitle
		case sTitle != "":
			r.Title = sTitle
		default:
			r.Title = body
		}
		if at.Valid {
			r.Latest = &ferry.PostSnapshot{PublicationID: r.PublicationID, AccountID: r.AccountID, At: fromMS(at.Int64),
				Views: countOf(views), Likes: countOf(likes), Comments: countOf(comments), Shares: countOf(shares), Saves: countOf(saves)}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StoryPostSnapshots lists the readings of every publication of a story,
// by publication, then time.
func (q *Q) StoryPostSnapshots(ctx context.Context, workspaceID, storyID string) ([]ferry.PostSnapshot, error) {
	rows, err := q.query(ctx, `SELECT s.publication_id, s.account_id, s.at, s.views, s.likes, s.comments, s.shares, s.saves
		FROM publications p JOIN post_snapshots s ON s.publication_id = p.id
		WHERE p.workspace_id = ? AND p.story_id = ? ORDER BY s.publication_id, s.at`, workspaceID, storyID)
	if err != nil {
		return nil, fmt.Errorf("store: story post snapshots: %w", err)
	}
	defer rows.Close()
	var out []ferry.PostSnapshot
	for rows.Next() {
		s, err := scanPostSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: story post snapshots: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ThinPostSnapshots deletes the post readings of a workspace taken before
// a time that are not the last of their publication's (UTC) day, so that
// one reading a day is left. Account readings are never touched. It
// returns how many readings it deleted.
func (q *Q) ThinPostSnapshots(ctx context.Context, workspaceID string, before time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM post_snapshots
		WHERE at < ? AND account_id IN (SELECT id FROM accounts WHERE workspace_id = ?)
		AND EXISTS (SELECT 1 FROM post_snapshots y WHERE y.publication_id = post_snapshots.publication_id
			AND y.at > post_snapshots.at AND y.at / 86400000 = post_snapshots.at / 86400000)`, ms(before), workspaceID)
	if err != nil {
		return 0, fmt.Errorf("store: thin post snapshots: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// MeasuredReading is a published post and the reading it is measured by.
type MeasuredReading struct {
	PublicationID string
	PublishedAt   time.Time
	Reading       ferry.PostSnapshot
}

// MeasuredReadings lists an account's posts published since a time, each
// with its last reading taken within `within` of publication (posts with
// none are left out): one row per post, whatever the number of readings.
func (q *Q) MeasuredReadings(ctx context.Context, accountID string, since time.Time, within time.Duration) ([]MeasuredReading, error) {
	// As in PostResults: a subquery per post on SQLite, one grouped pass on
	// PostgreSQL.
	query, args := `SELECT p.id, p.published_at, s.at, s.views, s.likes, s.comments, s.shares, s.saves
		FROM publications p JOIN post_snapshots s ON s.publication_id = p.id
			AND s.at = (SELECT MAX(x.at) FROM post_snapshots x WHERE x.publication_id = p.id AND x.at <= p.published_at + ?)
		WHERE p.account_id = ? AND p.state = ? AND p.published_at >= ?
		ORDER BY p.published_at, p.id`, []any{within.Milliseconds(), accountID, string(ferry.StatePublished), ms(since)}
	if q.dialect == Postgres {
		query, args = `SELECT p.id, p.published_at, s.at, s.views, s.likes, s.comments, s.shares, s.saves
		FROM (SELECT x.publication_id, MAX(x.at) AS at FROM post_snapshots x JOIN publications y ON y.id = x.publication_id
				WHERE x.account_id = ? AND x.at >= ? AND y.published_at >= ? AND x.at <= y.published_at + ? GROUP BY x.publication_id) m
		JOIN publications p ON p.id = m.publication_id
		JOIN post_snapshots s ON s.publication_id = m.publication_id AND s.at = m.at
		WHERE p.state = ? ORDER BY p.published_at, p.id`, []any{accountID, ms(since), ms(since), within.Milliseconds(), string(ferry.StatePublished)}
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: measured readings: %w", err)
	}
	defer rows.Close()
	var out []MeasuredReading
	for rows.Next() {
		var r MeasuredReading
		var published, at int64
		var views, likes, comments, shares, saves sql.NullInt64
		if err := rows.Scan(&r.PublicationID, &published, &at, &views, &likes, &comments, &shares, &saves); err != nil {
			return nil, fmt.Errorf("store: measured readings: %w", err)
		}
		r.PublishedAt = fromMS(published)
		r.Reading = ferry.PostSnapshot{PublicationID: r.PublicationID, AccountID: accountID, At: fromMS(at),
			Views: countOf(views), Likes: countOf(likes), Comments: countOf(comments), Shares: countOf(shares), Saves: countOf(saves)}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ThinningWorkspaces returns, by workspace id, the age in days after which
// each workspace that thins its post readings thins them.
func (q *Q) ThinningWorkspaces(ctx context.Context) (map[string]int, error) {
	rows, err := q.query(ctx, `SELECT id, thin_post_readings_after_days FROM workspaces WHERE thin_post_readings_after_days > 0`)
	if err != nil {
		return nil, fmt.Errorf("store: thinning workspaces: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var days int
		if err := rows.Scan(&id, &days); err != nil {
			return nil, fmt.Errorf("store: thinning workspaces: %w", err)
		}
		out[id] = days
	}
	return out, rows.Err()
}
