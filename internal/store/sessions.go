package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// CreateSession stores a session (its token's hash only), filling its id
// and times; LastSeenAt starts at creation.
func (q *Q) CreateSession(ctx context.Context, s *ferry.Session) error {
	s.ID = NewID("ses", q.now())
	s.CreatedAt = q.Now()
	s.LastSeenAt = s.CreatedAt
	_, err := q.exec(ctx, `INSERT INTO sessions (id, token_hash, user_id, workspace_id, user_agent, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.TokenHash, s.UserID, s.WorkspaceID, s.UserAgent, ms(s.CreatedAt), ms(s.LastSeenAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

const sessionColumns = `s.id, s.token_hash, s.user_id, s.workspace_id, m.role, s.user_agent, s.created_at, s.last_seen_at, s.expires_at`

// SessionByTokenHash returns the session with that token hash, with the
// user's current role in its workspace. An unknown token, or one whose user
// is no longer a member, is EUNAUTHORIZED; expiry is the caller's to judge.
func (q *Q) SessionByTokenHash(ctx context.Context, hash []byte) (*ferry.Session, error) {
	s, err := scanSession(q.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions s
		JOIN memberships m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id
		WHERE s.token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.EUNAUTHORIZED, "The session is not valid.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	return s, nil
}

// Sessions lists a user's sessions, most recently seen first.
func (q *Q) Sessions(ctx context.Context, userID string) ([]*ferry.Session, error) {
	rows, err := q.query(ctx, `SELECT `+sessionColumns+` FROM sessions s
		JOIN memberships m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id
		WHERE s.user_id = ? ORDER BY s.last_seen_at DESC, s.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: sessions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scanSession(sc scanner) (*ferry.Session, error) {
	var s ferry.Session
	var created, seen, expires int64
	if err := sc.Scan(&s.ID, &s.TokenHash, &s.UserID, &s.WorkspaceID, &s.Role, &s.UserAgent, &created, &seen, &expires); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return &s, nil
}

// TouchSession records that a session was seen at a time.
func (q *Q) TouchSession(ctx context.Context, id string, at time.Time) error {
	if _, err := q.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, ms(at), id); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one of a user's sessions; ending one that is already
// gone is not an error.
func (q *Q) DeleteSession(ctx context.Context, userID, id string) error {
	if _, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id = ?`, userID, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions deletes a user's sessions that ended before now or
// were last seen before seenBefore (idle), and returns how many.
func (q *Q) DeleteExpiredSessions(ctx context.Context, userID string, now, seenBefore time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND (expires_at <= ? OR last_seen_at < ?)`, userID, ms(now), ms(seenBefore))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// HasUsers reports whether any user exists: before the first, the web UI
// offers the setup page.
func (q *Q) HasUsers(ctx context.Context) (bool, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM users LIMIT 1) AS u`).Scan(&n); err != nil {
		return false, fmt.Errorf("store: has users: %w", err)
	}
	return n > 0, nil
}

// LockSetup serialises first-run setups: on PostgreSQL it takes a
// transaction-scoped advisory lock (SQLite transactions already exclude
// each other).
func (tx *Tx) LockSetup(ctx context.Context) error {
	if tx.dialect != Postgres {
		return nil
	}
	if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(727273)`); err != nil {
		return fmt.Errorf("store: lock setup: %w", err)
	}
	return nil
}

// SetUserLanguage saves the web UI language a user chose ("" for the
// browser's).
func (q *Q) SetUserLanguage(ctx context.Context, userID, lang string) error {
	res, err := q.exec(ctx, `UPDATE users SET language = ? WHERE id = ?`, lang, userID)
	if err != nil {
		return fmt.Errorf("store: set user language: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "User %q was not found.", userID)
	}
	return nil
}
