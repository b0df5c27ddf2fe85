package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

const handoffColumns = `id, workspace_id, publication_id, story_id, account_id, version, state, due_at, deadline_at, expires_at, url, closed_by, closed_at, created_at, updated_at`

// CreateHandoff inserts a handoff. A second handoff for the same
// publication version is a conflict.
func (q *Q) CreateHandoff(ctx context.Context, h *ferry.Handoff) error {
	now := q.Now()
	h.ID = NewID("hof", q.now())
	h.CreatedAt, h.UpdatedAt = now, now
	_, err := q.exec(ctx, `INSERT INTO handoffs (`+handoffColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.WorkspaceID, h.PublicationID, h.StoryID, h.AccountID, h.Version, h.State, ms(h.DueAt), ms(h.DeadlineAt), ms(h.ExpiresAt),
		h.URL, h.ClosedBy, msPtr(h.ClosedAt), ms(now), ms(now))
	if isUniqueViolation(err) {
		return ferry.Errorf(ferry.ECONFLICT, "Publication %s already has a handoff at version %d.", h.PublicationID, h.Version)
	}
	if err != nil {
		return fmt.Errorf("store: create handoff: %w", err)
	}
	return nil
}

// SaveHandoff writes a handoff's state, URL and closing.
func (q *Q) SaveHandoff(ctx context.Context, h *ferry.Handoff) error {
	h.UpdatedAt = q.Now()
	res, err := q.exec(ctx, `UPDATE handoffs SET state = ?, url = ?, closed_by = ?, closed_at = ?, updated_at = ? WHERE id = ?`,
		h.State, h.URL, h.ClosedBy, msPtr(h.ClosedAt), ms(h.UpdatedAt), h.ID)
	if err != nil {
		return fmt.Errorf("store: save handoff: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Handoff %q was not found.", h.ID)
	}
	return nil
}

// Handoff returns a handoff whatever its workspace (signed links, jobs).
func (q *Q) Handoff(ctx context.Context, id string) (*ferry.Handoff, error) {
	h, err := scanHandoff(q.queryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "handoff", id)
	}
	return h, nil
}

// LatestHandoff returns the handoff of a workspace's publication at its
// highest version.
func (q *Q) LatestHandoff(ctx context.Context, workspaceID, publicationID string) (*ferry.Handoff, error) {
	h, err := scanHandoff(q.queryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE workspace_id = ? AND publication_id = ?
		ORDER BY version DESC LIMIT 1`, workspaceID, publicationID))
	if err != nil {
		return nil, notFound(err, "handoff of publication", publicationID)
	}
	return h, nil
}

func scanHandoff(s scanner) (*ferry.Handoff, error) {
	var h ferry.Handoff
	var due, deadline, expires, created, updated int64
	var closed sql.NullInt64
	if err := s.Scan(&h.ID, &h.WorkspaceID, &h.PublicationID, &h.StoryID, &h.AccountID, &h.Version, &h.State, &due, &deadline, &expires,
		&h.URL, &h.ClosedBy, &closed, &created, &updated); err != nil {
		return nil, err
	}
	h.DueAt, h.DeadlineAt, h.ExpiresAt = fromMS(due), fromMS(deadline), fromMS(expires)
	h.ClosedAt, h.CreatedAt, h.UpdatedAt = fromNullMS(closed), fromMS(created), fromMS(updated)
	return &h, nil
}

// scheduledOnQuery is a range of publications_state_platform_scheduled.
const scheduledOnQuery = `SELECT ` + publicationColumns + ` FROM publications WHERE state = ? AND platform = ? AND scheduled_at <= ?
		ORDER BY scheduled_at, id`

// ScheduledOn lists the publications to a platform that are scheduled no
// later than before, soonest first.
func (q *Q) ScheduledOn(ctx context.Context, platform ferry.Platform, before time.Time) ([]*ferry.Publication, error) {
	rows, err := q.query(ctx, scheduledOnQuery, string(ferry.StateScheduled), string(platform), ms(before))
	if err != nil {
		return nil, fmt.Errorf("store: scheduled publications: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scheduled publications: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// WorkspaceMembers lists a workspace's members with one of the given
// roles (all members when none is given), in the order they joined.
func (q *Q) WorkspaceMembers(ctx context.Context, workspaceID string, roles ...ferry.Role) ([]ferry.WorkspaceMember, error) {
	where, args := "m.workspace_id = ?", []any{workspaceID}
	if len(roles) > 0 {
		where += " AND m.role IN (?" + repeat(", ?", len(roles)-1) + ")"
		for _, r := range roles {
			args = append(args, string(r))
		}
	}
	rows, err := q.query(ctx, `SELECT u.id, u.email, u.name, u.created_at, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE `+where+` ORDER BY m.created_at, u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: members: %w", err)
	}
	defer rows.Close()
	var out []ferry.WorkspaceMember
	for rows.Next() {
		var m ferry.WorkspaceMember
		var created int64
		if err := rows.Scan(&m.User.ID, &m.User.Email, &m.User.Name, &created, &m.Role); err != nil {
			return nil, fmt.Errorf("store: members: %w", err)
		}
		m.User.CreatedAt = fromMS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// NotificationSettings returns a workspace's settings; a workspace that
// never set any gets empty ones.
func (q *Q) NotificationSettings(ctx context.Context, workspaceID string) (*ferry.NotificationSettings, error) {
	ns := &ferry.NotificationSettings{WorkspaceID: workspaceID}
	var sealed []byte
	var updated int64
	err := q.queryRow(ctx, `SELECT webhook_url, webhook_secret, updated_at FROM notification_settings WHERE workspace_id = ?`, workspaceID).
		Scan(&ns.WebhookURL, &sealed, &updated)
	if err == sql.ErrNoRows {
		return ns, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: notification settings: %w", err)
	}
	ns.UpdatedAt = fromMS(updated)
	if len(sealed) > 0 {
		plain, err := q.sealer.Open(sealed, notificationAD(workspaceID))
		if err != nil {
			return nil, fmt.Errorf("store: webhook secret of workspace %s cannot be decrypted (wrong FERRY_SECRET_KEY?): %w", workspaceID, err)
		}
		ns.WebhookSecret = string(plain)
	}
	return ns, nil
}

// PutNotificationSettings saves a workspace's settings.
func (q *Q) PutNotificationSettings(ctx context.Context, ns *ferry.NotificationSettings) error {
	ns.UpdatedAt = q.Now()
	sealed := []byte{}
	if ns.WebhookSecret != "" {
		var err error
		if sealed, err = q.sealer.Seal([]byte(ns.WebhookSecret), notificationAD(ns.WorkspaceID)); err != nil {
			return fmt.Errorf("store: seal webhook secret: %w", err)
		}
	}
	_, err := q.exec(ctx, `INSERT INTO notification_settings (workspace_id, webhook_url, webhook_secret, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at`,
		ns.WorkspaceID, ns.WebhookURL, sealed, ms(ns.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put notification settings: %w", err)
	}
	return nil
}

// notificationAD binds a sealed webhook secret to its workspace.
func notificationAD(workspaceID string) []byte { return []byte("notification_settings:" + workspaceID) }
