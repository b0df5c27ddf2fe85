package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// AccountReadings lists every connected account, of every workspace, with
// the time of its latest snapshot (metrics jobs).
func (q *Q) AccountReadings(ctx context.Context) ([]ferry.AccountReading, error) {
	rows, err := q.query(ctx, `SELECT a.id, a.workspace_id, a.platform, w.time_zone, MAX(s.at)
		FROM accounts a JOIN workspaces w ON w.id = a.workspace_id LEFT JOIN account_snapshots s ON s.account_id = a.id
		WHERE a.health = ? GROUP BY a.id, a.workspace_id, a.platform, w.time_zone ORDER BY a.id`, string(ferry.HealthConnected))
	if err != nil {
		return nil, fmt.Errorf("store: account readings: %w", err)
	}
	defer rows.Close()
	var out []ferry.AccountReading
	for rows.Next() {
		var r ferry.AccountReading
		var last sql.NullInt64
		if err := rows.Scan(&r.AccountID, &r.WorkspaceID, &r.Platform, &r.TimeZone, &last); err != nil {
			return nil, fmt.Errorf("store: account readings: %w", err)
		}
		r.LastAt = fromNullMS(last)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PostReadings lists the publications published since a time on connected
// accounts (of one account, when accountID is set), with the time of each
// one's latest snapshot, by account, then publication time.
func (q *Q) PostReadings(ctx context.Context, accountID string, publishedSince time.Time) ([]ferry.PostReading, error) {
	query, args := postReadingsQuery(accountID, publishedSince)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: post readings: %w", err)
	}
	defer rows.Close()
	var out []ferry.PostReading
	for rows.Next() {
		var r ferry.PostReading
		var published int64
		var last sql.NullInt64
		if err := rows.Scan(&r.PublicationID, &r.AccountID, &r.WorkspaceID, &r.Platform, &r.RemoteID, &published, &last); err != nil {
			return nil, fmt.Errorf("store: post readings: %w", err)
		}
		r.PublishedAt, r.LastAt = fromMS(published), fromNullMS(last)
		out = append(out, r)
	}
	return out, rows.Err()
}

// postReadingsQuery is a range of publications_state_published, or of
// publications_account_state_published for one account.
func postReadingsQuery(accountID string, publishedSince time.Time) (string, []any) {
	where, args := "p.state = ? AND p.published_at >= ? AND p.remote_id <> '' AND a.health = ?",
		[]any{string(ferry.StatePublished), ms(publishedSince), string(ferry.HealthConnected)}
	if accountID != "" {
		where += " AND p.account_id = ?"
		args = append(args, accountID)
	}
	return `SELECT p.id, p.account_id, p.workspace_id, p.platform, p.remote_id, p.published_at, MAX(s.at)
		FROM publications p JOIN accounts a ON a.id = p.account_id LEFT JOIN post_snapshots s ON s.publication_id = p.id
		WHERE ` + where + ` GROUP BY p.id, p.account_id, p.workspace_id, p.platform, p.remote_id, p.published_at
		ORDER BY p.account_id, p.published_at, p.id`, args
}

// ConnectedAccounts lists the connected accounts of every workspace, with
// their credentials (the token watch).
func (q *Q) ConnectedAccounts(ctx context.Context) ([]*ferry.Account, error) {
	rows, err := q.query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE health = ? ORDER BY id`, string(ferry.HealthConnected))
	if err != nil {
		return nil, fmt.Errorf("store: connected accounts: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Account
	for rows.Next() {
		a, err := q.scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("store: connected accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetAccountHealth changes an account's health and reason, provided the
// account is still as it was read: same health and same updated_at (so a
// reconnection in between is never undone). It reports whether it changed
// the account, and updates a when it did.
func (q *Q) SetAccountHealth(ctx context.Context, a *ferry.Account, health ferry.AccountHealth, reason string) (bool, error) {
	now := q.Now()
	res, err := q.exec(ctx, `UPDATE accounts SET health = ?, health_reason = ?, updated_at = ? WHERE id = ? AND health = ? AND updated_at = ?`,
		string(health), reason, ms(now), a.ID, string(a.Health), ms(a.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("store: set account health: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	a.Health, a.HealthReason, a.UpdatedAt = health, reason, now
	return true, nil
}

// LastAudit returns when an action was last recorded against a target, or
// nil if it never was.
func (q *Q) LastAudit(ctx context.Context, workspaceID, targetType, targetID, action string) (*time.Time, error) {
	var at sql.NullInt64
	err := q.queryRow(ctx, `SELECT MAX(at) FROM audit_events WHERE workspace_id = ? AND target_type = ? AND target_id = ? AND action = ?`,
		workspaceID, targetType, targetID, action).Scan(&at)
	if err != nil {
		return nil, fmt.Errorf("store: last audit: %w", err)
	}
	return fromNullMS(at), nil
}
