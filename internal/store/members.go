package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// UpdateWorkspace saves a workspace's name, time zone, region and whether
// it requires alt text.
func (q *Q) UpdateWorkspace(ctx context.Context, w *ferry.Workspace) error {
	res, err := q.exec(ctx, `UPDATE workspaces SET name = ?, time_zone = ?, region = ?, require_alt_text = ?, thin_post_readings_after_days = ?, require_two_factor = ? WHERE id = ?`, w.Name, w.TimeZone, w.Region, w.RequireAltText, w.ThinPostReadingsAfterDays, w.RequireTwoFactor, w.ID)
	if err != nil {
		return fmt.Errorf("store: update workspace: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Workspace %q was not found.", w.ID)
	}
	return nil
}

// DeleteMembership removes a user from a workspace; their sessions and API
// tokens there stop working with it, as both are read through the
// membership.
func (q *Q) DeleteMembership(ctx context.Context, workspaceID, userID string) error {
	if _, err := q.exec(ctx, `DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID); err != nil {
		return fmt.Errorf("store: delete membership: %w", err)
	}
	return nil
}

// SetUserName saves a user's name.
func (q *Q) SetUserName(ctx context.Context, userID, name string) error {
	if _, err := q.exec(ctx, `UPDATE users SET name = ? WHERE id = ?`, name, userID); err != nil {
		return fmt.Errorf("store: set user name: %w", err)
	}
	return nil
}

// SetUserPassword saves a user's password hash.
func (q *Q) SetUserPassword(ctx context.Context, userID, hash string) error {
	if _, err := q.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
		return fmt.Errorf("store: set user password: %w", err)
	}
	return nil
}

// DeleteOtherSessions ends every session of a user but one, and returns
// how many.
func (q *Q) DeleteOtherSessions(ctx context.Context, userID, keepID string) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keepID)
	if err != nil {
		return 0, fmt.Errorf("store: delete other sessions: %w", err)
	}
	return res.RowsAffected()
}

// Tokens lists a user's API tokens in a workspace, newest first.
func (q *Q) Tokens(ctx context.Context, userID, workspaceID string) ([]*ferry.APIToken, error) {
	rows, err := q.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens t
		WHERE t.user_id = ? AND t.workspace_id = ? ORDER BY t.created_at DESC, t.id DESC`, userID, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer rows.Close()
	var out []*ferry.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes one of a user's API tokens in a workspace.
func (q *Q) DeleteToken(ctx context.Context, userID, workspaceID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ? AND workspace_id = ?`, id, userID, workspaceID)
	if err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "API token %q was not found.", id)
	}
	return nil
}

const invitationColumns = `id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at, language, email_state, email_error, email_at`

// CreateInvitation stores an invitation (its token's hash only), filling
// its id and creation time.
func (q *Q) CreateInvitation(ctx context.Context, inv *ferry.Invitation) error {
	inv.ID = NewID("inv", q.now())
	inv.CreatedAt = q.Now()
	inv.Email = strings.ToLower(strings.TrimSpace(inv.Email))
	_, err := q.exec(ctx, `INSERT INTO invitations (`+invitationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, '', NULL)`,
		inv.ID, inv.WorkspaceID, inv.Email, string(inv.Role), inv.TokenHash, inv.InvitedBy, ms(inv.CreatedAt), ms(inv.ExpiresAt), inv.Language, string(inv.EmailState))
	if err != nil {
		return fmt.Errorf("store: create invitation: %w", err)
	}
	return nil
}

// InvitationByTokenHash returns the invitation with that token hash;
// an unknown one is ENOTFOUND.
func (q *Q) InvitationByTokenHash(ctx context.Context, hash []byte) (*ferry.Invitation, error) {
	inv, err := scanInvitation(q.queryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "The invitation was not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: invitation: %w", err)
	}
	return inv, nil
}

// Invitations lists a workspace's invitations that are not accepted and
// end after now, newest first.
func (q *Q) Invitations(ctx context.Context, workspaceID string, now time.Time) ([]*ferry.Invitation, error) {
	rows, err := q.query(ctx, `SELECT `+invitationColumns+` FROM invitations
		WHERE workspace_id = ? AND accepted_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC`, workspaceID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: invitations: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: invitations: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// Invitation returns an invitation by id, used or not; an unknown one is
// ENOTFOUND.
func (q *Q) Invitation(ctx context.Context, id string) (*ferry.Invitation, error) {
	inv, err := scanInvitation(q.queryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Invitation %q was not found.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: invitation: %w", err)
	}
	return inv, nil
}

// RenewInvitation gives an open invitation a new token hash, expiry,
// language and email state (resending it): the old link stops working.
// One accepted or withdrawn since is ENOTFOUND.
func (q *Q) RenewInvitation(ctx context.Context, inv *ferry.Invitation) error {
	res, err := q.exec(ctx, `UPDATE invitations SET token_hash = ?, expires_at = ?, language = ?, email_state = ?, email_error = '', email_at = NULL
		WHERE workspace_id = ? AND id = ? AND accepted_at IS NULL`, inv.TokenHash, ms(inv.ExpiresAt), inv.Language, string(inv.EmailState), inv.WorkspaceID, inv.ID)
	if err != nil {
		return fmt.Errorf("store: renew invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Invitation %q was not found.", inv.ID)
	}
	return nil
}

// SetInvitationEmail records what became of an invitation's email, if the
// invitation still has the token hash the email carried (a resent one has
// another, and its older email's outcome no longer matters). It reports
// whether it recorded it.
func (q *Q) SetInvitationEmail(ctx context.Context, id string, tokenHash []byte, state ferry.InvitationEmailState, reason string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE invitations SET email_state = ?, email_error = ?, email_at = ? WHERE id = ? AND token_hash = ?`,
		string(state), reason, ms(at), id, tokenHash)
	if err != nil {
		return false, fmt.Errorf("store: invitation email: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AcceptInvitation marks an invitation used at a time, once: a second
// claim, or one of a deleted invitation, is ECONFLICT.
func (q *Q) AcceptInvitation(ctx context.Context, id string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`, ms(at), id)
	if err != nil {
		return fmt.Errorf("store: accept invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ECONFLICT, "This invitation was already used.")
	}
	return nil
}

// DeleteInvitation withdraws a workspace's invitation.
func (q *Q) DeleteInvitation(ctx context.Context, workspaceID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM invitations WHERE workspace_id = ? AND id = ? AND accepted_at IS NULL`, workspaceID, id)
	if err != nil {
		return fmt.Errorf("store: delete invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Invitation %q was not found.", id)
	}
	return nil
}

func scanInvitation(sc scanner) (*ferry.Invitation, error) {
	var inv ferry.Invitation
	var created, expires int64
	var accepted, emailAt sql.NullInt64
	if err := sc.Scan(&inv.ID, &inv.WorkspaceID, &inv.Email, &inv.Role, &inv.TokenHash, &inv.InvitedBy, &created, &expires, &accepted,
		&inv.Language, &inv.EmailState, &inv.EmailError, &emailAt); err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt, inv.EmailAt = fromMS(created), fromMS(expires), fromNullMS(accepted), fromNullMS(emailAt)
	return &inv, nil
}
