package store

import (
	"context"
	"fmt"

	"github.com/ferry-social/ferry"
)

// SensitiveTerms lists a workspace's sensitive terms by term.
func (q *Q) SensitiveTerms(ctx context.Context, workspaceID string) ([]ferry.SensitiveTerm, error) {
	rows, err := q.query(ctx, `SELECT term, severity, suggestion, created_by, created_at FROM sensitive_terms WHERE workspace_id = ? ORDER BY term`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: sensitive terms: %w", err)
	}
	defer rows.Close()
	out := []ferry.SensitiveTerm{}
	for rows.Next() {
		var t ferry.SensitiveTerm
		var at int64
		if err := rows.Scan(&t.Term, &t.Severity, &t.Suggestion, &t.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("store: sensitive terms: %w", err)
		}
		t.CreatedAt = fromMS(at)
		out = append(out, t)
	}
	return out, rows.Err()
}

// PutSensitiveTerm adds a term or replaces its severity and suggestion.
func (q *Q) PutSensitiveTerm(ctx context.Context, workspaceID string, t *ferry.SensitiveTerm) error {
	t.CreatedAt = q.Now()
	_, err := q.exec(ctx, `INSERT INTO sensitive_terms (workspace_id, term, severity, suggestion, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, term) DO UPDATE SET severity = excluded.severity, suggestion = excluded.suggestion`,
		workspaceID, t.Term, string(t.Severity), t.Suggestion, t.CreatedBy, ms(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: put sensitive term: %w", err)
	}
	return nil
}

// DeleteSensitiveTerm removes a term; ENOTFOUND if there is none.
func (q *Q) DeleteSensitiveTerm(ctx context.Context, workspaceID, term string) error {
	return q.deleteOne(ctx, `DELETE FROM sensitive_terms WHERE workspace_id = ? AND term = ?`, "sensitive term", workspaceID, term)
}

// BlockedHostsOf lists the hosts a workspace adds to the built-in list.
func (q *Q) BlockedHostsOf(ctx context.Context, workspaceID string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT host FROM blocked_hosts WHERE workspace_id = ? ORDER BY host`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: blocked hosts: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// AddBlockedHost adds a host to the workspace's list (no change if there).
func (q *Q) AddBlockedHost(ctx context.Context, workspaceID, host, by string) error {
	_, err := q.exec(ctx, `INSERT INTO blocked_hosts (workspace_id, host, created_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, host) DO NOTHING`,
		workspaceID, host, by, ms(q.Now()))
	if err != nil {
		return fmt.Errorf("store: add blocked host: %w", err)
	}
	return nil
}

// DeleteBlockedHost removes a host of the workspace's list; ENOTFOUND if
// it is not on it.
func (q *Q) DeleteBlockedHost(ctx context.Context, workspaceID, host string) error {
	return q.deleteOne(ctx, `DELETE FROM blocked_hosts WHERE workspace_id = ? AND host = ?`, "blocked host", workspaceID, host)
}

func (q *Q) deleteOne(ctx context.Context, query, what string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "There is no such %s.", what)
	}
	return nil
}
