package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

const publicationColumns = `id, workspace_id, story_id, account_id, platform, state, reason, reason_code, reason_args, version, scheduled_at, next_attempt_at, published_at, remote_id, remote_ids, remote_url, error_code, error_message, attempts, created_at, updated_at`

// publicationColumnsOfP are publicationColumns of the table aliased p.
var publicationColumnsOfP = "p." + strings.ReplaceAll(publicationColumns, ", ", ", p.")

// CreatePublication inserts a publication.
func (q *Q) CreatePublication(ctx context.Context, p *ferry.Publication) error {
	now := q.Now()
	p.ID = NewID("pub", q.now())
	p.CreatedAt, p.UpdatedAt = now, now
	if p.Version == 0 {
		p.Version = 1
	}
	code, msg := pubErr(p.Error)
	_, err := q.exec(ctx, `INSERT INTO publications (`+publicationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.WorkspaceID, p.StoryID, p.AccountID, string(p.Platform), string(p.State), p.Reason, string(p.ReasonCode), toJSON(p.ReasonArgs), p.Version,
		msPtr(p.ScheduledAt), msPtr(p.NextAt), msPtr(p.PublishedAt), p.RemoteID, remoteIDs(p.RemoteIDs), p.RemoteURL, code, msg, p.Attempts, ms(now), ms(now))
	if isUniqueViolation(err) {
		return ferry.Errorf(ferry.ECONFLICT, "The story already targets account %s.", p.AccountID)
	}
	if err != nil {
		return fmt.Errorf("store: create publication: %w", err)
	}
	return nil
}

func pubErr(e *ferry.PubError) (string, string) {
	if e == nil {
		return "", ""
	}
	return e.Code, e.Message
}

// SavePublication writes a publication's mutable fields. The caller holds
// the row (read in the same transaction with PublicationForUpdate).
func (q *Q) SavePublication(ctx context.Context, p *ferry.Publication) error {
	p.UpdatedAt = q.Now()
	code, msg := pubErr(p.Error)
	if g := q.grouped(); g != nil {
		g.savedPublications = append(g.savedPublications, []any{p.ID, string(p.State), p.Reason, string(p.ReasonCode), toJSON(p.ReasonArgs), p.Version, msPtr(p.ScheduledAt), msPtr(p.NextAt), msPtr(p.PublishedAt),
			p.RemoteID, remoteIDs(p.RemoteIDs), p.RemoteURL, code, msg, p.Attempts, ms(p.UpdatedAt)})
		delete(g.pubs, p.ID)
		return nil
	}
	res, err := q.exec(ctx, `UPDATE publications SET state = ?, reason = ?, reason_code = ?, reason_args = ?, version = ?, scheduled_at = ?, next_attempt_at = ?, published_at = ?,
		remote_id = ?, remote_ids = ?, remote_url = ?, error_code = ?, error_message = ?, attempts = ?, updated_at = ? WHERE id = ?`,
		string(p.State), p.Reason, string(p.ReasonCode), toJSON(p.ReasonArgs), p.Version, msPtr(p.ScheduledAt), msPtr(p.NextAt), msPtr(p.PublishedAt),
		p.RemoteID, remoteIDs(p.RemoteIDs), p.RemoteURL, code, msg, p.Attempts, ms(p.UpdatedAt), p.ID)
	if err != nil {
		return fmt.Errorf("store: save publication: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Publication %q was not found.", p.ID)
	}
	return nil
}

// Publication returns a publication of a workspace.
func (q *Q) Publication(ctx context.Context, workspaceID, id string) (*ferry.Publication, error) {
	p, err := scanPublication(q.queryRow(ctx, `SELECT `+publicationColumns+` FROM publications WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "publication", id)
	}
	return p, nil
}

// PublicationByID returns a publication whatever its workspace (jobs).
func (q *Q) PublicationByID(ctx context.Context, id string) (*ferry.Publication, error) {
	p, err := scanPublication(q.queryRow(ctx, `SELECT `+publicationColumns+` FROM publications WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "publication", id)
	}
	return p, nil
}

// PublicationForUpdate reads a publication and, on PostgreSQL, locks its
// row until the transaction ends (SQLite transactions are already
// exclusive), so that the state it reads is the state it changes.
func (tx *Tx) PublicationForUpdate(ctx context.Context, id string) (*ferry.Publication, error) {
	if g := tx.group; g != nil {
		if p, ok := g.pubs[id]; ok {
			delete(g.pubs, id)
			return p, nil
		}
	}
	p, err := scanPublication(tx.queryRow(ctx, `SELECT `+publicationColumns+` FROM publications WHERE id = ?`+tx.forUpdate(), id))
	if err != nil {
		return nil, notFound(err, "publication", id)
	}
	return p, nil
}

// Publications lists publications in creation order.
func (q *Q) Publications(ctx context.Context, f ferry.PublicationFilter) ([]*ferry.Publication, error) {
	where, args := "1 = 1", []any{}
	for _, c := range []struct{ col, val string }{{"workspace_id", f.WorkspaceID}, {"story_id", f.StoryID}, {"account_id", f.AccountID}} {
		if c.val != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.val)
		}
	}
	if len(f.States) > 0 {
		where += " AND state IN (?" + repeat(", ?", len(f.States)-1) + ")"
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	rows, err := q.query(ctx, `SELECT `+publicationColumns+` FROM publications WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: publications: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PublicationsOfStories returns the publications of several stories, by
// story id, each story's in creation order, in one query (a page of the
// stories list: at most a few hundred ids). Stories without any are absent.
func (q *Q) PublicationsOfStories(ctx context.Context, storyIDs []string) (map[string][]*ferry.Publication, error) {
	out := make(map[string][]*ferry.Publication, len(storyIDs))
	if len(storyIDs) == 0 {
		return out, nil
	}
	query, args := publicationsOfStoriesQuery(storyIDs)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: publications of stories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: publications of stories: %w", err)
		}
		out[p.StoryID] = append(out[p.StoryID], p)
	}
	return out, rows.Err()
}

func publicationsOfStoriesQuery(storyIDs []string) (string, []any) {
	args := make([]any, len(storyIDs))
	for i, id := range storyIDs {
		args[i] = id
	}
	return `SELECT ` + publicationColumns + ` FROM publications WHERE story_id IN (?` + repeat(", ?", len(storyIDs)-1) + `) ORDER BY created_at, id`, args
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

func scanPublication(s scanner) (*ferry.Publication, error) {
	var p ferry.Publication
	var sched, next, published sql.NullInt64
	var code, msg, args, ids string
	var created, updated int64
	if err := s.Scan(&p.ID, &p.WorkspaceID, &p.StoryID, &p.AccountID, &p.Platform, &p.State, &p.Reason, &p.ReasonCode, &args, &p.Version, &sched, &next, &published,
		&p.RemoteID, &ids, &p.RemoteURL, &code, &msg, &p.Attempts, &created, &updated); err != nil {
		return nil, err
	}
	p.ScheduledAt, p.NextAt, p.PublishedAt = fromNullMS(sched), fromNullMS(next), fromNullMS(published)
	var err error
	if p.ReasonArgs, err = fromJSON[ferry.ReasonArgs](args); err != nil {
		return nil, fmt.Errorf("store: publication %s: reason_args: %w", p.ID, err)
	}
	if p.RemoteIDs, err = fromJSON[[]string](ids); err != nil {
		return nil, fmt.Errorf("store: publication %s: remote_ids: %w", p.ID, err)
	}
	if code != "" || msg != "" {
		p.Error = &ferry.PubError{Code: code, Message: msg}
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

// remoteIDs is a post's message ids as stored: ” for none.
func remoteIDs(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return toJSON(ids)
}

// OpenAttempt journals the start of an attempt.
func (q *Q) OpenAttempt(ctx context.Context, a *ferry.Attempt) error {
	a.ID = NewID("att", q.now())
	a.StartedAt = q.Now()
	if g := q.grouped(); g != nil {
		g.newAttempts = append(g.newAttempts, []any{a.ID, a.PublicationID, a.Number, a.Version, ms(a.StartedAt), a.Fingerprint})
		return nil
	}
	_, err := q.exec(ctx, `INSERT INTO attempts (id, publication_id, number, version, started_at, fingerprint) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.PublicationID, a.Number, a.Version, ms(a.StartedAt), a.Fingerprint)
	if err != nil {
		return fmt.Errorf("store: open attempt: %w", err)
	}
	return nil
}

// FinishAttempt records an attempt's outcome.
func (q *Q) FinishAttempt(ctx context.Context, a *ferry.Attempt) error {
	now := q.Now()
	a.FinishedAt = &now
	if g := q.grouped(); g != nil {
		g.finishedAttempts = append(g.finishedAttempts, []any{a.ID, ms(now), a.Outcome, a.ErrorCode, a.ErrorMessage, a.RemoteID})
		return nil
	}
	_, err := q.exec(ctx, `UPDATE attempts SET finished_at = ?, outcome = ?, error_code = ?, error_message = ?, remote_id = ? WHERE id = ?`,
		ms(now), a.Outcome, a.ErrorCode, a.ErrorMessage, a.RemoteID, a.ID)
	if err != nil {
		return fmt.Errorf("store: finish attempt: %w", err)
	}
	return nil
}

const attemptColumns = `id, publication_id, number, version, started_at, finished_at, outcome, error_code, error_message, remote_id, fingerprint`

// Attempts lists a publication's attempts in order.
func (q *Q) Attempts(ctx context.Context, publicationID string) ([]*ferry.Attempt, error) {
	rows, err := q.query(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE publication_id = ? ORDER BY number`, publicationID)
	if err != nil {
		return nil, fmt.Errorf("store: attempts: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Attempt
	for rows.Next() {
		var a ferry.Attempt
		var started int64
		var finished sql.NullInt64
		if err := rows.Scan(&a.ID, &a.PublicationID, &a.Number, &a.Version, &started, &finished, &a.Outcome, &a.ErrorCode, &a.ErrorMessage, &a.RemoteID, &a.Fingerprint); err != nil {
			return nil, err
		}
		a.StartedAt, a.FinishedAt = fromMS(started), fromNullMS(finished)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// RateStatus is where a limit key stands: posts counted since a time, the
// oldest of them, and a platform's request to wait (zero when none).
type RateStatus struct {
	Count  int
	Oldest time.Time
	Hold   time.Time
}

// RateStatuses reads several limit keys at once, each counted since its own
// time, in one round trip.
func (q *Q) RateStatuses(ctx context.Context, since map[string]time.Time) (map[string]RateStatus, error) {
	out := make(map[string]RateStatus, len(since))
	if len(since) == 0 {
		return out, nil
	}
	if g := q.grouped(); g != nil && g.rates != nil {
		for k, s := range since {
			c, ok := g.rates[k]
			if !ok || c.since.After(s) {
				break
			}
			out[k] = c.status
		}
		if len(out) == len(since) {
			return out, nil
		}
		clear(out)
	}
	keys := make([]string, 0, len(since))
	for k := range since {
		keys = append(keys, k)
	}
	slices.Sort(keys) // stable query text, so the prepared statement is reused
	var usage, holds []string
	var args []any
	for _, k := range keys {
		usage = append(usage, "(limit_key = ? AND at > ?)")
		args = append(args, k, ms(since[k]))
	}
	for _, k := range keys {
		holds = append(holds, "?")
		args = append(args, k)
	}
	rows, err := q.query(ctx, `SELECT limit_key, count(*), MIN(at), 0 FROM rate_events WHERE `+strings.Join(usage, " OR ")+` GROUP BY limit_key
		UNION ALL SELECT limit_key, 0, NULL, until FROM rate_holds WHERE limit_key IN (`+strings.Join(holds, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rate statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		var oldest sql.NullInt64
		var hold int64
		if err := rows.Scan(&key, &n, &oldest, &hold); err != nil {
			return nil, fmt.Errorf("store: rate statuses: %w", err)
		}
		st := out[key]
		if n > 0 {
			st.Count, st.Oldest = n, fromMS(oldest.Int64)
		}
		if hold > 0 {
			st.Hold = fromMS(hold)
		}
		out[key] = st
	}
	return out, rows.Err()
}

// RecordRate counts one post under key.
func (q *Q) RecordRate(ctx context.Context, key, publicationID string, at time.Time) error {
	if g := q.grouped(); g != nil {
		g.rateEvents = append(g.rateEvents, []any{key, ms(at), publicationID})
		if c, ok := g.rates[key]; ok {
			if at := fromMS(ms(at)); c.status.Count == 0 || at.Before(c.status.Oldest) {
				c.status.Oldest = at // as RateStatuses reads it
			}
			c.status.Count++
			g.rates[key] = c
		}
		return nil
	}
	_, err := q.exec(ctx, `INSERT INTO rate_events (limit_key, at, publication_id) VALUES (?, ?, ?)`, key, ms(at), publicationID)
	if err != nil {
		return fmt.Errorf("store: record rate: %w", err)
	}
	return nil
}

// HoldRate records that nothing under key may be sent before until. A
// later hold wins over an earlier one.
func (q *Q) HoldRate(ctx context.Context, key string, until time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO rate_holds (limit_key, until) VALUES (?, ?)
		ON CONFLICT (limit_key) DO UPDATE SET until = CASE WHEN excluded.until > rate_holds.until THEN excluded.until ELSE rate_holds.until END`, key, ms(until))
	if err != nil {
		return fmt.Errorf("store: hold rate: %w", err)
	}
	return nil
}

// RelaxDurability lets this transaction's commit return before its WAL
// record is flushed to disk (PostgreSQL's synchronous_commit = off; a
// no-op on SQLite, which cannot change its synchronous setting inside a
// transaction: there every commit syncs, as the pool runs synchronous=FULL).
// Only for transactions whose loss in a crash is recovered by design.
func (tx *Tx) RelaxDurability(ctx context.Context) error {
	if tx.dialect != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SET LOCAL synchronous_commit = off`)
	return err
}

// pruneRatesQuery is a range of rate_events_at. rate_holds has one row per
// limit key, too few to index.
const pruneRatesQuery = `DELETE FROM rate_events WHERE at < ?`

// PruneRates forgets posts counted before a time.
func (q *Q) PruneRates(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, pruneRatesQuery, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune rates: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM rate_holds WHERE until < ?`, ms(before)); err != nil {
		return 0, fmt.Errorf("store: prune rate holds: %w", err)
	}
	return res.RowsAffected()
}

// ReserveIdempotencyKey claims a user's key in a workspace for a request before it is
// handled. A claim made before abandonedBefore and never answered is taken
// over by a request with the same hash: the request that made it is taken
// to have died with its process. If the key is otherwise claimed it returns
// the stored answer (Status 0 while the first request is still running)
// and claimed=false.
func (q *Q) ReserveIdempotencyKey(ctx context.Context, workspaceID, userID, key, requestHash string, abandonedBefore time.Time) (prev *ferry.IdempotentResponse, claimed bool, err error) {
	// A claim released between the two statements is claimed again.
	for range 3 {
		// One statement, so that two requests never both take over a
		// claim: the second sees the first one's created_at.
		res, err := q.exec(ctx, `INSERT INTO idempotency_keys (workspace_id, user_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)
			ON CONFLICT (workspace_id, user_id, key) DO UPDATE SET created_at = excluded.created_at
			WHERE idempotency_keys.status = 0 AND idempotency_keys.created_at < ? AND idempotency_keys.request_hash = excluded.request_hash`,
			workspaceID, userID, key, requestHash, []byte{}, ms(q.Now()), ms(abandonedBefore))
		if err != nil {
			return nil, false, fmt.Errorf("store: reserve idempotency key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, false, fmt.Errorf("store: reserve idempotency key: %w", err)
		} else if n > 0 {
			return nil, true, nil
		}
		var r ferry.IdempotentResponse
		err = q.queryRow(ctx, `SELECT request_hash, status, body FROM idempotency_keys WHERE workspace_id = ? AND user_id = ? AND key = ?`, workspaceID, userID, key).Scan(&r.RequestHash, &r.Status, &r.Body)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("store: idempotency key: %w", err)
		}
		return &r, false, nil
	}
	return nil, false, fmt.Errorf("store: idempotency key %q is claimed and released over and over", key)
}

// CompleteIdempotencyKey stores the answer for a claimed key.
func (q *Q) CompleteIdempotencyKey(ctx context.Context, workspaceID, userID, key string, status int, body []byte) error {
	_, err := q.exec(ctx, `UPDATE idempotency_keys SET status = ?, body = ? WHERE workspace_id = ? AND user_id = ? AND key = ?`, status, body, workspaceID, userID, key)
	if err != nil {
		return fmt.Errorf("store: complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed in a way
// that may be retried.
func (q *Q) ReleaseIdempotencyKey(ctx context.Context, workspaceID, userID, key string) error {
	_, err := q.exec(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = ? AND user_id = ? AND key = ?`, workspaceID, userID, key)
	if err != nil {
		return fmt.Errorf("store: release idempotency key: %w", err)
	}
	return nil
}

// pruneIdempotencyKeysQuery is a range of idempotency_keys_created.
const pruneIdempotencyKeysQuery = `DELETE FROM idempotency_keys WHERE created_at < ?`

// PruneIdempotencyKeys forgets the keys claimed before a time: their
// answers, and claims never answered (by then long abandoned). It returns
// how many it forgot.
func (q *Q) PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, pruneIdempotencyKeysQuery, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

// scheduledBetweenQuery is a range of publications_workspace_scheduled;
// canceled publications and those of deleted stories are left out.
var scheduledBetweenQuery = `SELECT ` + publicationColumnsOfP + ` FROM publications p JOIN stories s ON s.id = p.story_id
		WHERE p.workspace_id = ? AND p.scheduled_at >= ? AND p.scheduled_at < ? AND p.state <> ? AND s.deleted_at IS NULL
		ORDER BY p.scheduled_at, p.story_id, p.created_at, p.id`

// PublicationsScheduledBetween lists a workspace's publications scheduled
// in [from, to), soonest first, one story's together: what the calendar
// shows. Canceled publications and those of deleted stories are left out.
func (q *Q) PublicationsScheduledBetween(ctx context.Context, workspaceID string, from, to time.Time) ([]*ferry.Publication, error) {
	rows, err := q.query(ctx, scheduledBetweenQuery, workspaceID, ms(from), ms(to), string(ferry.StateCanceled))
	if err != nil {
		return nil, fmt.Errorf("store: publications scheduled between: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: publications scheduled between: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
