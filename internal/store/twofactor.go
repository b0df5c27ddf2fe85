package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// TwoFactor is a person's TOTP enrolment; Secret is in clear here only.
type TwoFactor struct {
	UserID    string
	Secret    string
	EnabledAt *time.Time
	LastStep  int64
}

func twoFactorAD(userID string) []byte { return []byte("two_factor:" + userID) }

// PutTwoFactorPending stores a new secret awaiting its first code,
// replacing an earlier pending one; an enabled enrolment stays (ECONFLICT).
func (q *Q) PutTwoFactorPending(ctx context.Context, userID, secret string) error {
	sealed, err := q.sealer.Seal([]byte(secret), twoFactorAD(userID))
	if err != nil {
		return fmt.Errorf("store: seal two-factor secret: %w", err)
	}
	res, err := q.exec(ctx, `INSERT INTO two_factor (user_id, secret, enabled_at, last_step) VALUES (?, ?, NULL, 0)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0 WHERE two_factor.enabled_at IS NULL`, userID, sealed)
	if err != nil {
		return fmt.Errorf("store: put two-factor secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ECONFLICT, "Two-factor sign-in is on already; turn it off first.")
	}
	return nil
}

// TwoFactor returns a person's enrolment, ENOTFOUND when there is none.
func (q *Q) TwoFactor(ctx context.Context, userID string) (*TwoFactor, error) {
	var (
		sealed  []byte
		enabled sql.NullInt64
		t       = &TwoFactor{UserID: userID}
	)
	err := q.queryRow(ctx, `SELECT secret, enabled_at, last_step FROM two_factor WHERE user_id = ?`, userID).Scan(&sealed, &enabled, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Two-factor sign-in is not set up.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read two-factor: %w", err)
	}
	plain, err := q.sealer.Open(sealed, twoFactorAD(userID))
	if err != nil {
		return nil, fmt.Errorf("store: open two-factor secret: %w", err)
	}
	t.Secret = string(plain)
	if enabled.Valid {
		at := fromMS(enabled.Int64)
		t.EnabledAt = &at
	}
	return t, nil
}

// UseTwoFactorStep records that a code of step was accepted, and reports
// false when a code of that step or a later one was accepted already (a
// replay): one statement, so two processes cannot both accept it.
func (q *Q) UseTwoFactorStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE two_factor SET last_step = ? WHERE user_id = ? AND last_step < ?`, step, userID, step)
	if err != nil {
		return false, fmt.Errorf("store: use two-factor step: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EnableTwoFactor turns a pending enrolment on and replaces the recovery
// codes with hashes.
func (q *Q) EnableTwoFactor(ctx context.Context, userID string, at time.Time, recoveryHashes [][]byte) error {
	if _, err := q.exec(ctx, `UPDATE two_factor SET enabled_at = ? WHERE user_id = ?`, ms(at), userID); err != nil {
		return fmt.Errorf("store: enable two-factor: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: replace recovery codes: %w", err)
	}
	for _, h := range recoveryHashes {
		if _, err := q.exec(ctx, `INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`, userID, h); err != nil {
			return fmt.Errorf("store: add recovery code: %w", err)
		}
	}
	return nil
}

// DeleteTwoFactor turns two-factor sign-in off: the secret and the
// recovery codes go.
func (q *Q) DeleteTwoFactor(ctx context.Context, userID string) error {
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: delete recovery codes: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM two_factor WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: delete two-factor: %w", err)
	}
	return nil
}

// UseRecoveryCode spends a recovery code, reporting false when it is not
// one of the person's unused codes.
func (q *Q) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`, ms(at), userID, hash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts a person's unused recovery codes.
func (q *Q) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count recovery codes: %w", err)
	}
	return n, nil
}

// CreateSignInChallenge stores the half-signed-in state of a person who
// gave the right password, and deletes ended challenges.
func (q *Q) CreateSignInChallenge(ctx context.Context, tokenHash []byte, userID string, expires, now time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM sign_in_challenges WHERE expires_at < ?`, ms(now)); err != nil {
		return fmt.Errorf("store: delete ended challenges: %w", err)
	}
	if _, err := q.exec(ctx, `INSERT INTO sign_in_challenges (token_hash, user_id, expires_at) VALUES (?, ?, ?)`, tokenHash, userID, ms(expires)); err != nil {
		return fmt.Errorf("store: create challenge: %w", err)
	}
	return nil
}

// SignInChallenge returns the user of a live challenge; EUNAUTHORIZED when
// there is none.
func (q *Q) SignInChallenge(ctx context.Context, tokenHash []byte, now time.Time) (string, error) {
	var userID string
	err := q.queryRow(ctx, `SELECT user_id FROM sign_in_challenges WHERE token_hash = ? AND expires_at > ?`, tokenHash, ms(now)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ferry.Errorf(ferry.EUNAUTHORIZED, "The sign-in has ended; enter your email and password again.")
	}
	if err != nil {
		return "", fmt.Errorf("store: read challenge: %w", err)
	}
	return userID, nil
}

// DeleteSignInChallenge ends a challenge.
func (q *Q) DeleteSignInChallenge(ctx context.Context, tokenHash []byte) error {
	if _, err := q.exec(ctx, `DELETE FROM sign_in_challenges WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete challenge: %w", err)
	}
	return nil
}
