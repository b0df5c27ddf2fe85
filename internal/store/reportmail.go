package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SetReportRecipients replaces the members who receive the workspace's
// monthly report by email.
func (q *Q) SetReportRecipients(ctx context.Context, workspaceID string, userIDs []string) error {
	if _, err := q.exec(ctx, `DELETE FROM report_recipients WHERE workspace_id = ?`, workspaceID); err != nil {
		return fmt.Errorf("store: report recipients: %w", err)
	}
	for _, id := range userIDs {
		if _, err := q.exec(ctx, `INSERT INTO report_recipients (workspace_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			workspaceID, id, ms(q.Now())); err != nil {
			return fmt.Errorf("store: report recipients: %w", err)
		}
	}
	return nil
}

// ReportRecipients lists the ids of the workspace's members who receive
// its monthly report, who are still members.
func (q *Q) ReportRecipients(ctx context.Context, workspaceID string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT r.user_id FROM report_recipients r
		JOIN memberships m ON m.workspace_id = r.workspace_id AND m.user_id = r.user_id
		WHERE r.workspace_id = ? ORDER BY r.created_at, r.user_id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: report recipients: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: report recipients: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ReportWorkspaces lists the workspaces with at least one report
// recipient.
func (q *Q) ReportWorkspaces(ctx context.Context) ([]string, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT workspace_id FROM report_recipients ORDER BY workspace_id`)
	if err != nil {
		return nil, fmt.Errorf("store: report workspaces: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: report workspaces: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ReportDelivered reports whether a month's report was emailed to a member.
func (q *Q) ReportDelivered(ctx context.Context, workspaceID, month, userID string) (bool, error) {
	var n int
	if err := q.ex.QueryRowContext(ctx, q.rebind(`SELECT COUNT(*) FROM report_deliveries WHERE workspace_id = ? AND month = ? AND user_id = ?`),
		workspaceID, month, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: report delivered: %w", err)
	}
	return n > 0, nil
}

// MarkReportDelivered records that a month's report was emailed to a
// member.
func (q *Q) MarkReportDelivered(ctx context.Context, workspaceID, month, userID string, at time.Time) error {
	if _, err := q.exec(ctx, `INSERT INTO report_deliveries (workspace_id, month, user_id, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		workspaceID, month, userID, ms(at)); err != nil {
		return fmt.Errorf("store: report delivered: %w", err)
	}
	return nil
}

// PutCalendarFeed sets a member's calendar feed token (its hash),
// replacing any earlier one.
func (q *Q) PutCalendarFeed(ctx context.Context, workspaceID, userID string, hash []byte) error {
	if _, err := q.exec(ctx, `DELETE FROM calendar_feeds WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID); err != nil {
		return fmt.Errorf("store: calendar feed: %w", err)
	}
	if _, err := q.exec(ctx, `INSERT INTO calendar_feeds (workspace_id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?)`,
		workspaceID, userID, hash, ms(q.Now())); err != nil {
		return fmt.Errorf("store: calendar feed: %w", err)
	}
	return nil
}

// DeleteCalendarFeed revokes a member's calendar feed; it reports whether
// there was one.
func (q *Q) DeleteCalendarFeed(ctx context.Context, workspaceID, userID string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM calendar_feeds WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID)
	if err != nil {
		return false, fmt.Errorf("store: calendar feed: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CalendarFeedOwner returns the workspace and member a feed token's hash
// belongs to; ok is false for none.
func (q *Q) CalendarFeedOwner(ctx context.Context, hash []byte) (workspaceID, userID string, ok bool, err error) {
	err = q.ex.QueryRowContext(ctx, q.rebind(`SELECT workspace_id, user_id FROM calendar_feeds WHERE token_hash = ?`), hash).Scan(&workspaceID, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("store: calendar feed: %w", err)
	}
	return workspaceID, userID, true, nil
}

// HasCalendarFeed reports whether a member has a calendar feed.
func (q *Q) HasCalendarFeed(ctx context.Context, workspaceID, userID string) (bool, error) {
	var n int
	if err := q.ex.QueryRowContext(ctx, q.rebind(`SELECT COUNT(*) FROM calendar_feeds WHERE workspace_id = ? AND user_id = ?`), workspaceID, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: calendar feed: %w", err)
	}
	return n > 0, nil
}
