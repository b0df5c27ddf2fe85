package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sign-in throttling (service/throttle.go): one row per throttled key,
// shared by every process of one Ferry.

// ThrottleBlockedUntil returns the latest time until which any of keys is
// refused, or the zero time when none is.
func (q *Q) ThrottleBlockedUntil(ctx context.Context, now time.Time, keys ...[]byte) (time.Time, error) {
	var latest time.Time
	for _, k := range keys {
		var until int64
		err := q.queryRow(ctx, `SELECT blocked_until FROM sign_in_throttle WHERE key = ?`, k).Scan(&until)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("store: read throttle: %w", err)
		}
		if t := fromMS(until); t.After(now) && t.After(latest) {
			latest = t
		}
	}
	return latest, nil
}

// ThrottleFailure counts a failure against key, in one statement so that
// processes failing at once each count: the count starts again at one when
// the last failure is older than quiet. It returns the new count.
func (q *Q) ThrottleFailure(ctx context.Context, key []byte, now time.Time, quiet time.Duration) (int, error) {
	var n int
	err := q.queryRow(ctx, `INSERT INTO sign_in_throttle (key, failures, last_failure_at, blocked_until) VALUES (?, 1, ?, 0)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN sign_in_throttle.last_failure_at < ? THEN 1 ELSE sign_in_throttle.failures + 1 END,
			blocked_until = CASE WHEN sign_in_throttle.last_failure_at < ? THEN 0 ELSE sign_in_throttle.blocked_until END,
			notified_at = CASE WHEN sign_in_throttle.last_failure_at < ? THEN NULL ELSE sign_in_throttle.notified_at END,
			last_failure_at = excluded.last_failure_at
		RETURNING failures`, key, ms(now), ms(now.Add(-quiet)), ms(now.Add(-quiet)), ms(now.Add(-quiet))).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count throttle failure: %w", err)
	}
	return n, nil
}

// ThrottleBlock refuses key until until, unless it already is for longer.
func (q *Q) ThrottleBlock(ctx context.Context, key []byte, until time.Time) error {
	if _, err := q.exec(ctx, `UPDATE sign_in_throttle SET blocked_until = ? WHERE key = ? AND blocked_until < ?`, ms(until), key, ms(until)); err != nil {
		return fmt.Errorf("store: throttle: %w", err)
	}
	return nil
}

// ThrottleNotified marks key's person as told, and reports whether this
// call did it (false: another process told them already in this run of
// failures).
func (q *Q) ThrottleNotified(ctx context.Context, key []byte, now time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE sign_in_throttle SET notified_at = ? WHERE key = ? AND notified_at IS NULL`, ms(now), key)
	if err != nil {
		return false, fmt.Errorf("store: throttle notice: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ThrottleClear forgets key (a successful sign-in) and every key quiet
// since before quietSince.
func (q *Q) ThrottleClear(ctx context.Context, key []byte, quietSince time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM sign_in_throttle WHERE key = ? OR (last_failure_at < ? AND blocked_until < ?)`, key, ms(quietSince), ms(quietSince)); err != nil {
		return fmt.Errorf("store: clear throttle: %w", err)
	}
	return nil
}
