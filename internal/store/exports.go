package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// PublicationRow is one publication as exports and reports read it: its
// story, account, text as sent, and its latest reading.
type PublicationRow struct {
	ID          string
	StoryID     string
	StoryTitle  string
	AccountID   string
	AccountName string
	Platform    ferry.Platform
	State       ferry.PublicationState
	ScheduledAt *time.Time
	PublishedAt *time.Time
	RemoteURL   string
	// Text is the variant's text (the story's body where no variant is kept);
	// MediaIDs the variant's media, JSON.
	Text     string
	MediaIDs string
	// ReadAt is the latest reading's time; nil when never read.
	ReadAt                                *time.Time
	Views, Likes, Comments, Shares, Saves *int64
}

// EachPublication calls fn for each publication of the workspace (of one
// account when accountID is set) published, or else scheduled, in
// [from, to), oldest first, with its latest reading. Rows are read as fn
// consumes them, so a long range is never held in memory.
func (q *Q) EachPublication(ctx context.Context, workspaceID, accountID string, from, to time.Time, fn func(*PublicationRow) error) error {
	where := "p.workspace_id = ? AND COALESCE(p.published_at, p.scheduled_at) >= ? AND COALESCE(p.published_at, p.scheduled_at) < ?"
	args := []any{workspaceID, ms(from), ms(to)}
	if accountID != "" {
		where += " AND p.account_id = ?"
		args = append(args, accountID)
	}
	rows, err := q.query(ctx, `SELECT p.id, p.story_id, s.title, p.account_id, a.name, p.platform, p.state, p.scheduled_at, p.published_at, p.remote_url,
		COALESCE(v.text, s.body), COALESCE(v.media_ids, s.media_ids),
		ps.at, ps.views, ps.likes, ps.comments, ps.shares, ps.saves
		FROM publications p
		JOIN stories s ON s.id = p.story_id
		JOIN accounts a ON a.id = p.account_id
		LEFT JOIN variants v ON v.story_id = p.story_id AND v.account_id = p.account_id
		LEFT JOIN post_snapshots ps ON ps.publication_id = p.id AND ps.at = (SELECT MAX(at) FROM post_snapshots WHERE publication_id = p.id)
		WHERE `+where+` ORDER BY COALESCE(p.published_at, p.scheduled_at), p.id`, args...)
	if err != nil {
		return fmt.Errorf("store: publications to export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r PublicationRow
		var sched, pub, at sql.NullInt64
		var views, likes, comments, shares, saves sql.NullInt64
		if err := rows.Scan(&r.ID, &r.StoryID, &r.StoryTitle, &r.AccountID, &r.AccountName, &r.Platform, &r.State, &sched, &pub, &r.RemoteURL,
			&r.Text, &r.MediaIDs, &at, &views, &likes, &comments, &shares, &saves); err != nil {
			return fmt.Errorf("store: publications to export: %w", err)
		}
		r.ScheduledAt, r.PublishedAt, r.ReadAt = fromNullMS(sched), fromNullMS(pub), fromNullMS(at)
		r.Views, r.Likes, r.Comments, r.Shares, r.Saves = countOf(views), countOf(likes), countOf(comments), countOf(shares), countOf(saves)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AccountSnapshotRow is one reading of an account with the account's name.
type AccountSnapshotRow struct {
	ferry.AccountSnapshot
	AccountName string
	Platform    ferry.Platform
}

// EachAccountSnapshot calls fn for each reading in [from, to) of the
// workspace's accounts (one account when accountID is set), by account
// then time, reading rows as fn consumes them.
func (q *Q) EachAccountSnapshot(ctx context.Context, workspaceID, accountID string, from, to time.Time, fn func(*AccountSnapshotRow) error) error {
	where := "a.workspace_id = ? AND s.at >= ? AND s.at < ?"
	args := []any{workspaceID, ms(from), ms(to)}
	if accountID != "" {
		where += " AND s.account_id = ?"
		args = append(args, accountID)
	}
	rows, err := q.query(ctx, `SELECT s.account_id, a.name, a.platform, s.at, s.followers, s.following, s.posts
		FROM account_snapshots s JOIN accounts a ON a.id = s.account_id
		WHERE `+where+` ORDER BY a.name, s.account_id, s.at`, args...)
	if err != nil {
		return fmt.Errorf("store: account readings to export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r AccountSnapshotRow
		var at int64
		var followers, following, posts sql.NullInt64
		if err := rows.Scan(&r.AccountID, &r.AccountName, &r.Platform, &at, &followers, &following, &posts); err != nil {
			return fmt.Errorf("store: account readings to export: %w", err)
		}
		r.At = fromMS(at)
		r.Followers, r.Following, r.Posts = countOf(followers), countOf(following), countOf(posts)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}
