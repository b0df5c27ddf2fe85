package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// OAuthState is a started OAuth connection flow: who started it, for which
// platform, and until when its callback is accepted. A state is used once.
type OAuthState struct {
	Nonce       string
	WorkspaceID string
	UserID      string
	Platform    ferry.Platform
	ExpiresAt   time.Time
	CreatedAt   time.Time
	UsedAt      *time.Time
}

// CreateOAuthState records a started flow. Flows that expired more than a
// day ago are forgotten at the same time, so the table stays small.
func (q *Q) CreateOAuthState(ctx context.Context, s *OAuthState) error {
	now := q.Now()
	s.CreatedAt = now
	if _, err := q.exec(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, ms(now.Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("store: forget old oauth states: %w", err)
	}
	_, err := q.exec(ctx, `INSERT INTO oauth_states (nonce, workspace_id, user_id, platform, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.Nonce, s.WorkspaceID, s.UserID, string(s.Platform), ms(s.ExpiresAt), ms(now))
	if err != nil {
		return fmt.Errorf("store: create oauth state: %w", err)
	}
	return nil
}

// ClaimOAuthState marks a flow's state used and returns it. It succeeds once
// per state, and only before the state expires: a second claim, even a
// concurrent one, fails with ECONFLICT; an expired or unknown state with
// ENOTFOUND.
func (q *Q) ClaimOAuthState(ctx context.Context, nonce string) (*OAuthState, error) {
	now := q.Now()
	res, err := q.exec(ctx, `UPDATE oauth_states SET used_at = ? WHERE nonce = ? AND used_at IS NULL AND expires_at > ?`, ms(now), nonce, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: claim oauth state: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("store: claim oauth state: %w", err)
	}
	var s OAuthState
	var expires, created int64
	var used sql.NullInt64
	err = q.queryRow(ctx, `SELECT nonce, workspace_id, user_id, platform, expires_at, created_at, used_at FROM oauth_states WHERE nonce = ?`, nonce).
		Scan(&s.Nonce, &s.WorkspaceID, &s.UserID, &s.Platform, &expires, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "The connection flow was not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: oauth state: %w", err)
	}
	s.ExpiresAt, s.CreatedAt, s.UsedAt = fromMS(expires), fromMS(created), fromNullMS(used)
	if n == 0 {
		if s.UsedAt != nil {
			return nil, ferry.Errorf(ferry.ECONFLICT, "The connection flow was already completed.")
		}
		return nil, ferry.Errorf(ferry.ENOTFOUND, "The connection flow has expired.")
	}
	return &s, nil
}
