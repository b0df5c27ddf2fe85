package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// CreateWorkspace inserts a workspace, filling its id and creation time.
func (q *Q) CreateWorkspace(ctx context.Context, w *ferry.Workspace) error {
	w.ID = NewID("ws", q.now())
	w.CreatedAt = q.Now()
	if w.TimeZone == "" {
		w.TimeZone = ferry.DefaultTimeZone
	}
	if w.Region == "" {
		w.Region = ferry.DefaultRegion
	}
	_, err := q.exec(ctx, `INSERT INTO workspaces (id, name, time_zone, region, created_at, require_alt_text, thin_post_readings_after_days, require_two_factor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, w.ID, w.Name, w.TimeZone, w.Region, ms(w.CreatedAt), w.RequireAltText, w.ThinPostReadingsAfterDays, w.RequireTwoFactor)
	if err != nil {
		return fmt.Errorf("store: create workspace: %w", err)
	}
	return nil
}

// Workspace returns a workspace by id.
func (q *Q) Workspace(ctx context.Context, id string) (*ferry.Workspace, error) {
	var w ferry.Workspace
	var created int64
	err := q.queryRow(ctx, `SELECT id, name, time_zone, region, created_at, require_alt_text, thin_post_readings_after_days, require_two_factor FROM workspaces WHERE id = ?`, id).Scan(&w.ID, &w.Name, &w.TimeZone, &w.Region, &created, &w.RequireAltText, &w.ThinPostReadingsAfterDays, &w.RequireTwoFactor)
	if err != nil {
		return nil, notFound(err, "workspace", id)
	}
	w.CreatedAt = fromMS(created)
	return &w, nil
}

// WorkspaceByName returns the first workspace with that name.
func (q *Q) WorkspaceByName(ctx context.Context, name string) (*ferry.Workspace, error) {
	var id string
	err := q.queryRow(ctx, `SELECT id FROM workspaces WHERE name = ? ORDER BY created_at LIMIT 1`, name).Scan(&id)
	if err != nil {
		return nil, notFound(err, "workspace", name)
	}
	return q.Workspace(ctx, id)
}

// CreateUser inserts a user. The email is stored lower-cased; a taken email
// is a conflict.
func (q *Q) CreateUser(ctx context.Context, u *ferry.User) error {
	u.ID = NewID("usr", q.now())
	u.CreatedAt = q.Now()
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	_, err := q.exec(ctx, `INSERT INTO users (id, email, name, password_hash, language, created_at) VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, u.PasswordHash, u.Language, ms(u.CreatedAt))
	if isUniqueViolation(err) {
		return ferry.Errorf(ferry.ECONFLICT, "A user with email %s already exists.", u.Email)
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// UserByEmail returns a user by email (case-insensitive).
func (q *Q) UserByEmail(ctx context.Context, email string) (*ferry.User, error) {
	return q.user(ctx, `email = ?`, strings.ToLower(strings.TrimSpace(email)))
}

// User returns a user by id.
func (q *Q) User(ctx context.Context, id string) (*ferry.User, error) {
	return q.user(ctx, `id = ?`, id)
}

func (q *Q) user(ctx context.Context, where string, arg string) (*ferry.User, error) {
	var u ferry.User
	var created int64
	err := q.queryRow(ctx, `SELECT id, email, name, password_hash, language, created_at FROM users WHERE `+where, arg).Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Language, &created)
	if err != nil {
		return nil, notFound(err, "user", arg)
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// SetMembership gives a user a role in a workspace, replacing any role they
// had there.
func (q *Q) SetMembership(ctx context.Context, workspaceID, userID string, role ferry.Role) error {
	_, err := q.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`, workspaceID, userID, string(role), ms(q.Now()))
	if err != nil {
		return fmt.Errorf("store: set membership: %w", err)
	}
	return nil
}

// Memberships lists a user's memberships, oldest first.
func (q *Q) Memberships(ctx context.Context, userID string) ([]ferry.Membership, error) {
	rows, err := q.query(ctx, `SELECT workspace_id, user_id, role, created_at FROM memberships WHERE user_id = ? ORDER BY created_at`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	defer rows.Close()
	var out []ferry.Membership
	for rows.Next() {
		var m ferry.Membership
		var created int64
		if err := rows.Scan(&m.WorkspaceID, &m.UserID, &m.Role, &created); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// tokenColumns are an API token's columns, read by scanToken.
const tokenColumns = `t.id, t.user_id, t.workspace_id, t.name, t.scope, t.created_at, t.expires_at, t.last_used_at, t.last_used_addr`

func scanToken(s scanner, extra ...any) (*ferry.APIToken, error) {
	var t ferry.APIToken
	var created int64
	var expires, lastUsed sql.NullInt64
	dest := append([]any{&t.ID, &t.UserID, &t.WorkspaceID, &t.Name, &t.Scope, &created, &expires, &lastUsed, &t.LastUsedAddr}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromMS(created), fromNullMS(expires), fromNullMS(lastUsed)
	return &t, nil
}

// CreateToken stores a token (its hash only).
func (q *Q) CreateToken(ctx context.Context, t *ferry.APIToken) error {
	t.ID = NewID("tok", q.now())
	t.CreatedAt = q.Now()
	if t.Scope == "" {
		t.Scope = ferry.ScopeAdmin // what a token could do before scopes
	}
	if !t.Scope.Valid() {
		return fmt.Errorf("store: create token: scope %q", t.Scope)
	}
	var expires any
	if t.ExpiresAt != nil {
		expires = ms(*t.ExpiresAt)
	}
	_, err := q.exec(ctx, `INSERT INTO api_tokens (id, user_id, workspace_id, name, hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, t.WorkspaceID, t.Name, t.Hash, string(t.Scope), ms(t.CreatedAt), expires)
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// PrincipalByTokenHash resolves a token hash to who acts with it (the
// token's user, in the token's workspace, with their current role there
// and the token's scope) and to the token. An unknown token is
// EUNAUTHORIZED; an expired one is found (the caller says it expired).
func (q *Q) PrincipalByTokenHash(ctx context.Context, hash []byte) (ferry.Principal, *ferry.APIToken, error) {
	var p ferry.Principal
	t, err := scanToken(q.queryRow(ctx, `SELECT `+tokenColumns+`, m.role FROM api_tokens t
		JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = t.user_id
		WHERE t.hash = ?`, hash), &p.Role)
	if err == sql.ErrNoRows {
		return p, nil, ferry.Errorf(ferry.EUNAUTHORIZED, "The API token is not valid.")
	}
	if err != nil {
		return p, nil, fmt.Errorf("store: token: %w", err)
	}
	t.Hash = hash
	p.UserID, p.WorkspaceID, p.Scope = t.UserID, t.WorkspaceID, t.Scope
	return p, t, nil
}

// TouchToken records that a token was used at a time from a client
// address. A recorded use never moves back (concurrent requests may record
// theirs in any order).
func (q *Q) TouchToken(ctx context.Context, id string, at time.Time, addr string) error {
	_, err := q.exec(ctx, `UPDATE api_tokens SET last_used_at = ?, last_used_addr = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, ms(at), addr, id, ms(at))
	if err != nil {
		return fmt.Errorf("store: touch token: %w", err)
	}
	return nil
}
