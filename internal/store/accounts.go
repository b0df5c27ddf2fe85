package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ferry-social/ferry"
)

// Sealer encrypts account credentials at rest (internal/secret).
type Sealer interface {
	Seal(plaintext, associated []byte) ([]byte, error)
	Open(sealed, associated []byte) ([]byte, error)
}

// SetSealer sets how credentials are encrypted. It must be called before
// any account is read or written.
func (db *DB) SetSealer(s Sealer) { db.sealer = s }

const accountColumns = `id, workspace_id, platform, external_id, name, credentials, settings, health, health_reason, created_at, updated_at`

// The account id is bound into the ciphertext, so sealed credentials cannot
// be swapped between accounts.
func (q *Q) sealCredentials(a *ferry.Account) ([]byte, error) {
	plain, err := json.Marshal(a.Credentials)
	if err != nil {
		return nil, err
	}
	return q.sealer.Seal(plain, []byte(a.ID))
}

// CreateAccount inserts an account. The same platform account can be
// connected once per workspace.
func (q *Q) CreateAccount(ctx context.Context, a *ferry.Account) error {
	now := q.Now()
	a.ID = NewID("acc", q.now())
	a.CreatedAt, a.UpdatedAt = now, now
	if a.Health == "" {
		a.Health = ferry.HealthConnected
	}
	sealed, err := q.sealCredentials(a)
	if err != nil {
		return fmt.Errorf("store: seal credentials: %w", err)
	}
	_, err = q.exec(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.WorkspaceID, string(a.Platform), a.ExternalID, a.Name, sealed, toJSON(orEmpty(a.Settings)), string(a.Health), a.HealthReason, ms(now), ms(now))
	if isUniqueViolation(err) {
		return ferry.Errorf(ferry.ECONFLICT, "This %s account (%s) is already connected in this workspace.", a.Platform, a.ExternalID)
	}
	if err != nil {
		return fmt.Errorf("store: create account: %w", err)
	}
	return nil
}

// Accounts are changed by narrow updates, each writing only its own
// columns, on the account as read again in the same transaction with
// AccountForUpdate: network calls (verification, publishing) happen before
// the transaction, and a change committed meanwhile (a reconnection, a close)
// is seen and kept rather than overwritten (docs/architecture.md, "Writes").

// AccountForUpdate reads an account of a workspace and, on PostgreSQL,
// locks its row until the transaction ends (SQLite transactions are
// already exclusive).
func (tx *Tx) AccountForUpdate(ctx context.Context, workspaceID, id string) (*ferry.Account, error) {
	a, err := tx.scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ? AND workspace_id = ?`+tx.forUpdate(), id, workspaceID))
	if err != nil {
		return nil, notFound(err, "account", id)
	}
	return a, nil
}

// AccountByIDForUpdate is AccountForUpdate whatever the account's
// workspace (jobs).
func (tx *Tx) AccountByIDForUpdate(ctx context.Context, id string) (*ferry.Account, error) {
	a, err := tx.scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`+tx.forUpdate(), id))
	if err != nil {
		return nil, notFound(err, "account", id)
	}
	return a, nil
}

func (tx *Tx) forUpdate() string {
	if tx.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// SetAccountCredentials saves new, verified credentials and marks the
// account connected. a is the account as read with AccountForUpdate; it is
// updated to match. A closed account stays closed: it is refused with
// ECONFLICT.
func (tx *Tx) SetAccountCredentials(ctx context.Context, a *ferry.Account, creds map[string]string) error {
	now := tx.Now()
	sealed, err := tx.sealCredentials(&ferry.Account{ID: a.ID, Credentials: creds})
	if err != nil {
		return fmt.Errorf("store: seal credentials: %w", err)
	}
	res, err := tx.exec(ctx, `UPDATE accounts SET credentials = ?, health = ?, health_reason = '', updated_at = ? WHERE id = ? AND health <> ?`,
		sealed, string(ferry.HealthConnected), ms(now), a.ID, string(ferry.HealthClosed))
	if err != nil {
		return fmt.Errorf("store: set account credentials: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ECONFLICT, "Account %s is closed.", a.ID)
	}
	a.Credentials, a.Health, a.HealthReason, a.UpdatedAt = creds, ferry.HealthConnected, "", now
	return nil
}

// SetAccountProfile saves what a person edits of an account: its name and
// settings. a is the account as read with AccountForUpdate; it is updated
// to match.
func (tx *Tx) SetAccountProfile(ctx context.Context, a *ferry.Account, name string, settings map[string]any) error {
	now := tx.Now()
	res, err := tx.exec(ctx, `UPDATE accounts SET name = ?, settings = ?, updated_at = ? WHERE id = ?`,
		name, toJSON(orEmpty(settings)), ms(now), a.ID)
	if err != nil {
		return fmt.Errorf("store: set account profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Account %q was not found.", a.ID)
	}
	a.Name, a.Settings, a.UpdatedAt = name, settings, now
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Account returns an account of a workspace with its credentials decrypted.
func (q *Q) Account(ctx context.Context, workspaceID, id string) (*ferry.Account, error) {
	row := q.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ? AND workspace_id = ?`, id, workspaceID)
	a, err := q.scanAccount(row)
	if err != nil {
		return nil, notFound(err, "account", id)
	}
	return a, nil
}

// AccountByID returns an account whatever its workspace (jobs).
func (q *Q) AccountByID(ctx context.Context, id string) (*ferry.Account, error) {
	if g := q.grouped(); g != nil {
		if a, ok := g.accounts[id]; ok {
			cp := *a
			return &cp, nil
		}
	}
	row := q.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id)
	a, err := q.scanAccount(row)
	if err != nil {
		return nil, notFound(err, "account", id)
	}
	return a, nil
}

// Accounts lists a workspace's accounts in the order they were connected.
func (q *Q) Accounts(ctx context.Context, workspaceID string) ([]*ferry.Account, error) {
	rows, err := q.query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE workspace_id = ? ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Account
	for rows.Next() {
		a, err := q.scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("store: accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func (q *Q) scanAccount(s scanner) (*ferry.Account, error) {
	var a ferry.Account
	var sealed []byte
	var settings string
	var created, updated int64
	if err := s.Scan(&a.ID, &a.WorkspaceID, &a.Platform, &a.ExternalID, &a.Name, &sealed, &settings, &a.Health, &a.HealthReason, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	var err error
	if a.Settings, err = fromJSON[map[string]any](settings); err != nil {
		return nil, fmt.Errorf("settings of account %s: %w", a.ID, err)
	}
	plain, err := q.sealer.Open(sealed, []byte(a.ID))
	if err != nil {
		return nil, fmt.Errorf("credentials of account %s cannot be decrypted (wrong FERRY_SECRET_KEY?): %w", a.ID, err)
	}
	if err := json.Unmarshal(plain, &a.Credentials); err != nil {
		return nil, fmt.Errorf("credentials of account %s: %w", a.ID, err)
	}
	return &a, nil
}
