package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ferry-social/ferry"
)

// Pauses. The order of locks makes a pause take effect at once on every
// worker: on PostgreSQL, whoever starts a pause first locks the workspace's
// row (LockWorkspacePauses, FOR UPDATE), and the engine's transaction that
// would open an attempt reads the standing pauses under a FOR KEY SHARE
// lock of the same row (StandingPause). So an attempt opened in a
// transaction that read "not paused" committed before the pause did, and
// every transaction after the pause sees it. SQLite transactions are
// exclusive already.

const pauseColumns = `p.id, p.workspace_id, p.account_id, p.reason, p.note, p.paused_by, COALESCE(NULLIF(u.name, ''), u.email, p.paused_by), p.paused_at, p.ended_at, p.ended_by, p.due, COALESCE(a.name, '')`

const pauseFrom = ` FROM pauses p LEFT JOIN users u ON u.id = p.paused_by LEFT JOIN accounts a ON a.id = p.account_id `

// LockWorkspacePauses locks the workspace's row on PostgreSQL until the
// transaction ends, before a pause starts or ends.
func (tx *Tx) LockWorkspacePauses(ctx context.Context, workspaceID string) error {
	if tx.dialect != Postgres {
		return nil
	}
	var id string
	if err := tx.queryRow(ctx, `SELECT id FROM workspaces WHERE id = ? FOR UPDATE`, workspaceID).Scan(&id); err != nil {
		return notFound(err, "workspace", workspaceID)
	}
	return nil
}

// StandingPause returns the pause that holds an account's publications
// (the workspace's, else the account's own), or nil. On PostgreSQL it
// holds a FOR KEY SHARE lock of the workspace's row until the transaction
// ends (see above). The workspace's standing pauses are read once per
// transaction: under that lock (or SQLite's exclusive transaction) they
// cannot change before it ends, so the engine's transaction that opens
// the attempts of many publications reads them once for all.
func (tx *Tx) StandingPause(ctx context.Context, workspaceID, accountID string) (*ferry.Pause, error) {
	list, ok := tx.pauses[workspaceID]
	if !ok {
		if tx.dialect == Postgres {
			var id string
			if err := tx.queryRow(ctx, `SELECT id FROM workspaces WHERE id = ? FOR KEY SHARE`, workspaceID).Scan(&id); err != nil {
				return nil, notFound(err, "workspace", workspaceID)
			}
		}
		var err error
		if list, err = tx.StandingPauses(ctx, workspaceID); err != nil {
			return nil, err
		}
		if tx.pauses == nil {
			tx.pauses = map[string][]*ferry.Pause{}
		}
		tx.pauses[workspaceID] = list
	}
	var own *ferry.Pause
	for _, pz := range list {
		switch pz.AccountID {
		case "":
			return pz, nil // the workspace's
		case accountID:
			own = pz
		}
	}
	return own, nil
}

// StandingPauses lists a workspace's standing pauses, the workspace's
// first, then by account.
func (q *Q) StandingPauses(ctx context.Context, workspaceID string) ([]*ferry.Pause, error) {
	rows, err := q.query(ctx, `SELECT `+pauseColumns+pauseFrom+`WHERE p.workspace_id = ? AND p.ended_at IS NULL ORDER BY p.account_id, p.paused_at`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: standing pauses: %w", err)
	}
	return scanPauses(rows)
}

// PauseHistory lists a workspace's pauses, newest first, at most limit.
func (q *Q) PauseHistory(ctx context.Context, workspaceID string, limit int) ([]*ferry.Pause, error) {
	rows, err := q.query(ctx, `SELECT `+pauseColumns+pauseFrom+`WHERE p.workspace_id = ? ORDER BY p.paused_at DESC, p.id DESC LIMIT ?`, workspaceID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pause history: %w", err)
	}
	return scanPauses(rows)
}

// CreatePause starts a pause, filling its id and time. A scope already
// paused is ECONFLICT.
func (q *Q) CreatePause(ctx context.Context, pz *ferry.Pause) error {
	pz.ID = NewID("pause", q.now())
	pz.PausedAt = q.Now()
	_, err := q.exec(ctx, `INSERT INTO pauses (id, workspace_id, account_id, reason, note, paused_by, paused_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		pz.ID, pz.WorkspaceID, pz.AccountID, string(pz.Reason), pz.Note, pz.PausedBy, ms(pz.PausedAt))
	if isUniqueViolation(err) {
		return ferry.Errorf(ferry.ECONFLICT, "Sending is already paused there.")
	}
	if err != nil {
		return fmt.Errorf("store: create pause: %w", err)
	}
	return nil
}

// EndPause ends a standing pause, recording by whom and what was done
// with what came due; one already ended is ENOTFOUND.
func (q *Q) EndPause(ctx context.Context, pz *ferry.Pause) error {
	at := q.Now()
	res, err := q.exec(ctx, `UPDATE pauses SET ended_at = ?, ended_by = ?, due = ? WHERE id = ? AND ended_at IS NULL`, ms(at), pz.EndedBy, pz.Due, pz.ID)
	if err != nil {
		return fmt.Errorf("store: end pause: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Pause %q is not standing.", pz.ID)
	}
	pz.EndedAt = &at
	return nil
}

// HeldPublications lists a workspace's held publications (waiting, held by
// a pause or a blackout period; ferry.Publication.Held), of some accounts
// (none: all), oldest due first.
func (q *Q) HeldPublications(ctx context.Context, workspaceID string, accountIDs []string) ([]*ferry.Publication, error) {
	where, args := `workspace_id = ? AND state = ? AND reason_code IN (?, ?, ?)`, []any{workspaceID, string(ferry.StateWaiting)}
	for _, c := range ferry.HeldReasonCodes {
		args = append(args, string(c))
	}
	if len(accountIDs) > 0 {
		where += " AND account_id IN (?" + repeat(", ?", len(accountIDs)-1) + ")"
		for _, a := range accountIDs {
			args = append(args, a)
		}
	}
	rows, err := q.query(ctx, `SELECT `+publicationColumns+` FROM publications WHERE `+where+` ORDER BY scheduled_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: held publications: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: held publications: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReleaseHold records that a person released a publication version from
// its hold. Releasing the same version twice is no error.
func (q *Q) ReleaseHold(ctx context.Context, publicationID string, version int, by string) error {
	var exists int
	err := q.queryRow(ctx, `SELECT 1 FROM hold_releases WHERE publication_id = ? AND version = ?`, publicationID, version).Scan(&exists)
	if err == nil {
		return nil
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("store: release hold: %w", err)
	}
	if _, err := q.exec(ctx, `INSERT INTO hold_releases (publication_id, version, released_by, released_at) VALUES (?, ?, ?, ?)`, publicationID, version, by, ms(q.Now())); err != nil {
		return fmt.Errorf("store: release hold: %w", err)
	}
	return nil
}

// HoldReleased reports whether a person released this publication version
// from a hold.
func (q *Q) HoldReleased(ctx context.Context, publicationID string, version int) (bool, error) {
	var exists int
	err := q.queryRow(ctx, `SELECT 1 FROM hold_releases WHERE publication_id = ? AND version = ?`, publicationID, version).Scan(&exists)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: hold released: %w", err)
	}
	return true, nil
}

func scanPauses(rows *sql.Rows) ([]*ferry.Pause, error) {
	defer rows.Close()
	var out []*ferry.Pause
	for rows.Next() {
		var pz ferry.Pause
		var at int64
		var ended sql.NullInt64
		if err := rows.Scan(&pz.ID, &pz.WorkspaceID, &pz.AccountID, &pz.Reason, &pz.Note, &pz.PausedBy, &pz.PausedByName, &at, &ended, &pz.EndedBy, &pz.Due, &pz.AccountName); err != nil {
			return nil, fmt.Errorf("store: pauses: %w", err)
		}
		pz.PausedAt, pz.EndedAt = fromMS(at), fromNullMS(ended)
		out = append(out, &pz)
	}
	return out, rows.Err()
}
