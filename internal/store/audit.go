package store

import (
	"context"
	"fmt"

	"github.com/ferry-social/ferry"
)

// Audit appends an audit event. The table refuses updates and deletes.
func (q *Q) Audit(ctx context.Context, e ferry.Audit) error {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	_, err := q.exec(ctx, `INSERT INTO audit_events (workspace_id, actor, action, target_type, target_id, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.WorkspaceID, e.Actor, e.Action, e.TargetType, e.TargetID, toJSON(e.Data), ms(q.Now()))
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditEvents lists audit events, oldest first.
func (q *Q) AuditEvents(ctx context.Context, f ferry.AuditFilter) ([]ferry.Audit, error) {
	where, args := "workspace_id = ?", []any{f.WorkspaceID}
	if f.TargetType != "" {
		where += " AND target_type = ?"
		args = append(args, f.TargetType)
	}
	if f.TargetID != "" {
		where += " AND target_id = ?"
		args = append(args, f.TargetID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := q.query(ctx, `SELECT id, workspace_id, actor, action, target_type, target_id, data, at FROM audit_events WHERE `+where+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	defer rows.Close()
	var out []ferry.Audit
	for rows.Next() {
		var e ferry.Audit
		var data string
		var at int64
		if err := rows.Scan(&e.ID, &e.WorkspaceID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &data, &at); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		if e.Data, err = fromJSON[map[string]any](data); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
