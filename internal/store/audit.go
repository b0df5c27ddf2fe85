package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
)

// Audit records an audit event. Inside a transaction the event is appended
// to its workspace's hash chain just before the transaction commits (see
// appendAudits), so the chain's lock is held only for the commit; outside
// one it is appended in a transaction of its own. The table refuses
// updates and deletes (0001_init, 0023_audit_chain).
func (q *Q) Audit(ctx context.Context, e ferry.Audit) error {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	e.At = q.Now()
	if q.tx != nil {
		q.tx.audits = append(q.tx.audits, e)
		return nil
	}
	pool, ok := q.ex.(*sql.DB)
	if !ok {
		return fmt.Errorf("store: audit outside a store transaction")
	}
	sqltx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	defer sqltx.Rollback() //nolint:errcheck // a no-op after Commit
	tx := &Tx{Q: Q{ex: sqltx, dialect: q.dialect, now: q.now, sealer: q.sealer}, tx: sqltx, audits: []ferry.Audit{e}}
	if err := tx.appendAudits(ctx); err != nil {
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// auditLockClass is the first key of the PostgreSQL advisory locks that
// serialise appends to one workspace's chain; the second is a hash of the
// workspace id.
const auditLockClass = 7_270_013

// appendAudits appends the transaction's recorded events to their chains.
// On PostgreSQL it first takes, in a fixed order, one transaction-scoped
// advisory lock per workspace involved, so appends from any number of
// processes produce one chain: the lock is released at commit, after the
// new head is visible. On SQLite the single writer already serialises them.
func (tx *Tx) appendAudits(ctx context.Context) error {
	if len(tx.audits) == 0 {
		return nil
	}
	events := tx.audits
	tx.audits = nil
	if tx.dialect == Postgres {
		var keys []int32
		for _, e := range events {
			keys = append(keys, auditLockKey(e.WorkspaceID))
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for i, k := range keys {
			if i > 0 && keys[i-1] == k {
				continue
			}
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, auditLockClass, k); err != nil {
				return fmt.Errorf("store: audit lock: %w", err)
			}
		}
	}
	heads := map[string]ferry.Audit{}
	data := make([]string, len(events)) // as hashed, and as stored
	for i := range events {
		e := &events[i]
		head, ok := heads[e.WorkspaceID]
		if !ok {
			var err error
			if head, err = tx.auditHead(ctx, e.WorkspaceID); err != nil {
				return err
			}
		}
		e.Seq, e.PrevHash = head.Seq+1, head.Hash
		data[i] = toJSON(e.Data)
		e.Hash = AuditHash(*e, data[i])
		heads[e.WorkspaceID] = *e
	}
	// One statement for all: on PostgreSQL each statement here is a round
	// trip made while holding the chain's lock.
	rows := make([][]any, len(events))
	for i, e := range events {
		rows[i] = []any{e.WorkspaceID, e.Actor, e.Action, e.TargetType, e.TargetID, data[i], ms(e.At), e.Seq, e.PrevHash, e.Hash}
	}
	if err := tx.insertMany(ctx, "audit_events", auditInsertColumns, rows); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

var auditInsertColumns = []column{{"workspace_id", "text"}, {"actor", "text"}, {"action", "text"}, {"target_type", "text"}, {"target_id", "text"},
	{"data", "text"}, {"at", "bigint"}, {"seq", "bigint"}, {"prev_hash", "text"}, {"hash", "text"}}

func auditLockKey(workspaceID string) int32 {
	h := fnv.New32a()
	h.Write([]byte(workspaceID))
	return int32(h.Sum32())
}

// auditHead returns the last event of a workspace's chain (Seq 0 and no
// hash when it has none).
func (q *Q) auditHead(ctx context.Context, workspaceID string) (ferry.Audit, error) {
	head := ferry.Audit{WorkspaceID: workspaceID}
	err := q.queryRow(ctx, `SELECT seq, hash FROM audit_events WHERE workspace_id = ? ORDER BY seq DESC LIMIT 1`, workspaceID).Scan(&head.Seq, &head.Hash)
	if err != nil && err != sql.ErrNoRows {
		return head, fmt.Errorf("store: audit head: %w", err)
	}
	return head, nil
}

// AuditHash is the hash that chains an event: the lowercase hex SHA-256 of
// its canonical encoding, a JSON array of
//
//	["ferry.audit.v1", workspace_id, seq, actor, action, target_type,
//	 target_id, data, at, prev_hash]
//
// where data is the event's data exactly as stored (a JSON text), at is
// milliseconds since the Unix epoch, and prev_hash is the previous event's
// hash ("" for the first). The row id is left out: it is assigned by the
// database and says nothing about the event; seq takes its place.
func AuditHash(e ferry.Audit, data string) string {
	b, err := json.Marshal([]any{"ferry.audit.v1", e.WorkspaceID, e.Seq, e.Actor, e.Action, e.TargetType, e.TargetID, data, e.At.UnixMilli(), e.PrevHash})
	if err != nil {
		panic(err) // strings and integers always encode
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chainAudit chains the events recorded before the log was chained
// (migration 0028): each workspace's events in id order get seq 1, 2, 3…
// and their hashes. It runs inside the migration's transaction, while the
// append-only triggers are dropped, in batches so that memory stays flat.
func chainAudit(ctx context.Context, tx *Tx) error {
	heads := map[string]ferry.Audit{}
	var after int64
	for {
		rows, err := tx.query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id > ? ORDER BY id LIMIT 500`, after)
		if err != nil {
			return fmt.Errorf("store: chain audit: %w", err)
		}
		var batch []auditRow
		for rows.Next() {
			r, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			head := heads[r.WorkspaceID]
			r.Seq, r.PrevHash = head.Seq+1, head.Hash
			r.Hash = AuditHash(r.Audit, r.data)
			if _, err := tx.exec(ctx, `UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?`, r.Seq, r.PrevHash, r.Hash, r.ID); err != nil {
				return fmt.Errorf("store: chain audit: %w", err)
			}
			heads[r.WorkspaceID] = r.Audit
			after = r.ID
		}
	}
}

const auditColumns = `id, workspace_id, actor, action, target_type, target_id, data, at, seq, prev_hash, hash`

// auditRow is an event with its data as stored, which its hash covers.
type auditRow struct {
	ferry.Audit
	data string
}

func scanAudit(s scanner) (auditRow, error) {
	var r auditRow
	var at int64
	if err := s.Scan(&r.ID, &r.WorkspaceID, &r.Actor, &r.Action, &r.TargetType, &r.TargetID, &r.data, &at, &r.Seq, &r.PrevHash, &r.Hash); err != nil {
		return r, err
	}
	r.At = fromMS(at)
	return r, nil
}

func (r auditRow) decode() (ferry.Audit, error) {
	e := r.Audit
	var err error
	if e.Data, err = fromJSON[map[string]any](r.data); err != nil {
		return e, fmt.Errorf("store: audit event %d: %w", r.ID, err)
	}
	return e, nil
}

// auditWhere turns a filter into a WHERE clause.
func auditWhere(f ferry.AuditFilter) (string, []any) {
	where, args := []string{"workspace_id = ?"}, []any{f.WorkspaceID}
	for _, c := range []struct{ col, val string }{
		{"actor", f.Actor}, {"action", f.Action}, {"target_type", f.TargetType}, {"target_id", f.TargetID},
	} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.Since != nil {
		where = append(where, "at >= ?")
		args = append(args, ms(*f.Since))
	}
	if f.Until != nil {
		where = append(where, "at < ?")
		args = append(args, ms(*f.Until))
	}
	return strings.Join(where, " AND "), args
}

// AuditEvents lists audit events, oldest first, at most f.Limit (1000 by
// default and at most).
func (q *Q) AuditEvents(ctx context.Context, f ferry.AuditFilter) ([]ferry.Audit, error) {
	where, args := auditWhere(f)
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []ferry.Audit
	err := q.eachAudit(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE `+where+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit), args, func(e ferry.Audit) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// AuditPage lists audit events newest first, a page at a time: f.Cursor
// continues after the event with that id; the cursor of the next page is
// returned, "" at the end.
func (q *Q) AuditPage(ctx context.Context, f ferry.AuditFilter) ([]ferry.Audit, string, error) {
	where, args := auditWhere(f)
	if f.Cursor != "" {
		id, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || id <= 0 {
			return nil, "", ferry.Errorf(ferry.EINVALID, "The cursor %q is not valid.", f.Cursor)
		}
		where += " AND id < ?"
		args = append(args, id)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []ferry.Audit
	err := q.eachAudit(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE `+where+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit+1), args, func(e ferry.Audit) error {
		out = append(out, e)
		return nil
	})
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	return out, strconv.FormatInt(out[limit-1].ID, 10), nil
}

// EachAudit calls fn with every event the filter selects, oldest first,
// reading them as it goes: an export of any size takes flat memory. It
// stops at fn's first error. f.Limit and f.Cursor are ignored.
func (q *Q) EachAudit(ctx context.Context, f ferry.AuditFilter, fn func(ferry.Audit) error) error {
	where, args := auditWhere(f)
	return q.eachAudit(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE `+where+` ORDER BY id`, args, fn)
}

func (q *Q) eachAudit(ctx context.Context, query string, args []any, fn func(ferry.Audit) error) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: audit events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("store: audit events: %w", err)
		}
		e, err := r.decode()
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditVerdict is what VerifyAudit found.
type AuditVerdict struct {
	// Events and Chains count what was checked.
	Events, Chains int
	// Heads are the last event of each workspace's chain, in workspace
	// order: record them elsewhere to detect a later removal of the
	// newest events, which no chain can reveal by itself.
	Heads []ferry.Audit
	// Broken is the first event that does not verify, nil if all do.
	Broken *AuditBreak
}

// AuditBreak names the first broken link.
type AuditBreak struct {
	Event ferry.Audit
	// Reason says, in English, what is wrong with it.
	Reason string
}

// VerifyAudit checks every chain (or only workspaceID's, when not empty):
// each workspace's events must be numbered 1, 2, 3… without a gap, each
// must carry the previous one's hash, and each hash must match the
// event's content. It reads the events as it goes and stops at the first
// broken link.
func (q *Q) VerifyAudit(ctx context.Context, workspaceID string) (AuditVerdict, error) {
	var v AuditVerdict
	where, args := "", []any(nil)
	if workspaceID != "" {
		where, args = " WHERE workspace_id = ?", []any{workspaceID}
	}
	rows, err := q.query(ctx, `SELECT `+auditColumns+` FROM audit_events`+where+` ORDER BY workspace_id, seq, id`, args...)
	if err != nil {
		return v, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	var prev *ferry.Audit
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return v, fmt.Errorf("store: verify audit: %w", err)
		}
		if prev == nil || prev.WorkspaceID != r.WorkspaceID {
			if prev != nil {
				v.Heads = append(v.Heads, *prev)
			}
			v.Chains++
			prev = &ferry.Audit{WorkspaceID: r.WorkspaceID}
		}
		v.Events++
		if reason := auditLinkProblem(*prev, r); reason != "" {
			v.Broken = &AuditBreak{Event: r.Audit, Reason: reason}
			return v, nil
		}
		e := r.Audit
		prev = &e
	}
	if err := rows.Err(); err != nil {
		return v, fmt.Errorf("store: verify audit: %w", err)
	}
	if prev != nil {
		v.Heads = append(v.Heads, *prev)
	}
	return v, nil
}

// auditLinkProblem says what is wrong with r following prev, or "".
func auditLinkProblem(prev ferry.Audit, r auditRow) string {
	switch {
	case r.Hash == "":
		return "it carries no hash: it was added without being chained"
	case r.Seq != prev.Seq+1 && r.Seq == prev.Seq:
		return fmt.Sprintf("its number, %d, repeats the previous event's: an event was inserted", r.Seq)
	case r.Seq != prev.Seq+1:
		return fmt.Sprintf("its number is %d where %d was expected: events before it were removed", r.Seq, prev.Seq+1)
	case r.PrevHash != prev.Hash:
		return "the previous-event hash it carries does not match the event before it: that event was changed or replaced"
	case AuditHash(r.Audit, r.data) != r.Hash:
		return "its hash does not match its content: the event was changed after it was written"
	}
	return ""
}
