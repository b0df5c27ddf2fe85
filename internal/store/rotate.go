package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Rotator is a Sealer that can tell whether a value is sealed with its
// current key (secret.Keyring).
type Rotator interface {
	Sealer
	Current(sealed, associated []byte) bool
}

// RotationCount is what a key rotation did to one kind of sealed value.
type RotationCount struct {
	// Table and Column name where the values live.
	Table, Column string
	// Rotated were re-encrypted with the current key; Current already
	// were; Changed were rewritten by someone else while being rotated
	// (left as that write made them, and checked again on the next run);
	// Unreadable open with none of the keys (listed in Failed by row).
	Rotated, Current, Changed, Unreadable int
	Failed                                []string
}

// sealedColumn is one place where values sealed with the secret key live.
// Every sealed value is listed here: a new one must be added, or key
// rotation leaves it under the old key (TestRotateSecrets_... checks the
// counts cover every row).
type sealedColumn struct {
	table, key, column string
	// ad is the associated data the value is bound to, from its row.
	ad func(key string) []byte
	// where narrows the rows (e.g. River jobs not yet finished).
	where string
	// unwrap and wrap take the sealed bytes out of the column's value and
	// put them back (River job arguments are JSON).
	unwrap func(raw []byte) ([]byte, error)
	wrap   func(raw, sealed []byte) ([]byte, error)
}

// invitationJobArgs is the sealed part of an invitation email job's
// arguments (internal/jobs.InvitationEmailArgs).
type invitationJobArgs struct {
	InvitationID string `json:"invitation_id"`
	SealedToken  []byte `json:"sealed_token"`
}

func sealedColumns() []sealedColumn {
	same := func(raw []byte) ([]byte, error) { return raw, nil }
	replace := func(_, sealed []byte) ([]byte, error) { return sealed, nil }
	return []sealedColumn{
		{table: "accounts", key: "id", column: "credentials", ad: func(id string) []byte { return []byte(id) }, unwrap: same, wrap: replace},
		{table: "notification_settings", key: "workspace_id", column: "webhook_secret", ad: notificationAD, unwrap: same, wrap: replace},
		// An invitation email waiting in River holds the link's token
		// sealed, bound to the invitation (service.sealAD).
		{table: "river_job", key: "id", column: "args", where: "kind = 'invitation_email' AND state NOT IN ('completed', 'cancelled', 'discarded')",
			unwrap: func(raw []byte) ([]byte, error) {
				var a invitationJobArgs
				if err := json.Unmarshal(raw, &a); err != nil {
					return nil, err
				}
				return a.SealedToken, nil
			},
			wrap: func(raw, sealed []byte) ([]byte, error) {
				var a map[string]any
				if err := json.Unmarshal(raw, &a); err != nil {
					return nil, err
				}
				a["sealed_token"] = sealed
				return json.Marshal(a)
			}},
	}
}

// invitationAD must match service.sealAD.
func invitationAD(raw []byte) []byte {
	var a invitationJobArgs
	_ = json.Unmarshal(raw, &a)
	return []byte("ferry invitation " + a.InvitationID)
}

// RotateSecrets re-encrypts every sealed value not yet under the sealer's
// current key, batch rows at a time, each batch in its own transaction. It
// can be interrupted and run again: values already current are skipped.
// A value rewritten concurrently (by a process sealing with the current
// key) is left as written. progress, if not nil, is called after each
// batch.
func (db *DB) RotateSecrets(ctx context.Context, batch int, progress func(RotationCount)) ([]RotationCount, error) {
	rot, ok := db.sealer.(Rotator)
	if !ok {
		return nil, fmt.Errorf("store: the sealer cannot rotate keys")
	}
	if batch <= 0 {
		batch = 100
	}
	var out []RotationCount
	for _, col := range sealedColumns() {
		c := RotationCount{Table: col.table, Column: col.column}
		after := ""
		for {
			last, err := db.rotateBatch(ctx, rot, col, after, batch, &c)
			if err != nil {
				return append(out, c), err
			}
			if progress != nil {
				progress(c)
			}
			if last == "" {
				break
			}
			after = last
		}
		out = append(out, c)
	}
	return out, nil
}

// rotateBatch rotates the rows after key after, up to n of them, in one
// transaction, and returns the last key seen ("" when there are no more).
func (db *DB) rotateBatch(ctx context.Context, rot Rotator, col sealedColumn, after string, n int, c *RotationCount) (string, error) {
	var last string
	err := db.InTx(ctx, func(tx *Tx) error {
		last = ""
		where := ""
		if col.where != "" {
			where = " AND " + col.where
		}
		keyExpr := col.key
		if col.table == "river_job" {
			// River's ids are integers: compare them as such.
			keyExpr = "CAST(id AS TEXT)"
		}
		order := col.key
		cond := keyExpr + " > ?"
		var arg any = after
		if col.table == "river_job" {
			cond = "id > ?"
			var id int64
			if after != "" {
				_, _ = fmt.Sscan(after, &id)
			}
			arg = id
		}
		rows, err := tx.query(ctx, `SELECT `+keyExpr+`, `+col.column+` FROM `+col.table+` WHERE `+cond+where+` ORDER BY `+order+` LIMIT ?`, arg, n)
		if err != nil {
			return fmt.Errorf("store: rotate %s: %w", col.table, err)
		}
		type row struct {
			key string
			raw []byte
		}
		var rs []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.key, &r.raw); err != nil {
				rows.Close()
				return fmt.Errorf("store: rotate %s: %w", col.table, err)
			}
			rs = append(rs, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range rs {
			last = r.key
			sealed, err := col.unwrap(r.raw)
			if err != nil {
				c.Unreadable++
				c.Failed = append(c.Failed, r.key)
				continue
			}
			if len(sealed) == 0 {
				continue // nothing sealed (e.g. no webhook secret)
			}
			ad := invitationAD(r.raw)
			if col.ad != nil {
				ad = col.ad(r.key)
			}
			if rot.Current(sealed, ad) {
				c.Current++
				continue
			}
			plain, err := rot.Open(sealed, ad)
			if err != nil {
				c.Unreadable++
				c.Failed = append(c.Failed, r.key)
				continue
			}
			resealed, err := rot.Seal(plain, ad)
			if err != nil {
				return err
			}
			value, err := col.wrap(r.raw, resealed)
			if err != nil {
				return err
			}
			res, err := tx.updateSealed(ctx, col, r.key, r.raw, value)
			if err != nil {
				return fmt.Errorf("store: rotate %s %s: %w", col.table, r.key, err)
			}
			if res == 0 {
				c.Changed++
				continue
			}
			c.Rotated++
		}
		return nil
	})
	return last, err
}

// updateSealed writes a re-encrypted value if the row still holds the one
// read (compare and set), and says how many rows it changed.
func (tx *Tx) updateSealed(ctx context.Context, col sealedColumn, key string, old, value []byte) (int64, error) {
	var res sql.Result
	var err error
	if col.table == "river_job" {
		// River never changes a job's arguments: no comparison needed, and
		// PostgreSQL keeps them as jsonb (compared by value, not bytes).
		var id int64
		_, _ = fmt.Sscan(key, &id)
		var v any = value
		if tx.dialect == Postgres {
			v = string(value)
		}
		res, err = tx.exec(ctx, `UPDATE river_job SET args = ? WHERE id = ? AND `+col.where, v, id)
	} else {
		res, err = tx.exec(ctx, `UPDATE `+col.table+` SET `+col.column+` = ? WHERE `+col.key+` = ? AND `+col.column+` = ?`, value, key, old)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
