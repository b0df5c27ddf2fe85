package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ferry-social/ferry"
)

// Account archives and closures (service/archive.go, service/closure.go).

const archiveColumns = `id, workspace_id, account_id, state, error, sha256, bytes, files, posts, created_by, created_at, finished_at`

// CreateArchive inserts a queued archive.
func (q *Q) CreateArchive(ctx context.Context, a *ferry.Archive) error {
	now := q.Now()
	a.ID, a.State, a.CreatedAt = NewID("arc", now), ferry.ArchiveQueued, now
	if _, err := q.exec(ctx, `INSERT INTO archives (`+archiveColumns+`) VALUES (?, ?, ?, ?, '', '', 0, 0, 0, ?, ?, NULL)`,
		a.ID, a.WorkspaceID, a.AccountID, string(a.State), a.CreatedBy, ms(now)); err != nil {
		return fmt.Errorf("store: create archive: %w", err)
	}
	return nil
}

// SaveArchive writes an archive's state and outcome.
func (q *Q) SaveArchive(ctx context.Context, a *ferry.Archive) error {
	if _, err := q.exec(ctx, `UPDATE archives SET state = ?, error = ?, sha256 = ?, bytes = ?, files = ?, posts = ?, finished_at = ? WHERE id = ?`,
		string(a.State), a.Error, a.SHA256, a.Bytes, a.Files, a.Posts, msPtr(a.FinishedAt), a.ID); err != nil {
		return fmt.Errorf("store: save archive: %w", err)
	}
	return nil
}

// Archive returns an archive of a workspace ("" workspace: any, for jobs).
func (q *Q) Archive(ctx context.Context, workspaceID, id string) (*ferry.Archive, error) {
	where, args := `id = ?`, []any{id}
	if workspaceID != "" {
		where, args = where+` AND workspace_id = ?`, append(args, workspaceID)
	}
	a, err := scanArchive(q.queryRow(ctx, `SELECT `+archiveColumns+` FROM archives WHERE `+where, args...))
	if err != nil {
		return nil, notFound(err, "archive", id)
	}
	return a, nil
}

// Archives lists an account's archives, newest first.
func (q *Q) Archives(ctx context.Context, workspaceID, accountID string) ([]*ferry.Archive, error) {
	rows, err := q.query(ctx, `SELECT `+archiveColumns+` FROM archives WHERE workspace_id = ? AND account_id = ? ORDER BY created_at DESC, id DESC`, workspaceID, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: archives: %w", err)
	}
	defer rows.Close()
	out := []*ferry.Archive{}
	for rows.Next() {
		a, err := scanArchive(rows)
		if err != nil {
			return nil, fmt.Errorf("store: archives: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanArchive(s scanner) (*ferry.Archive, error) {
	var a ferry.Archive
	var created int64
	var finished sql.NullInt64
	if err := s.Scan(&a.ID, &a.WorkspaceID, &a.AccountID, &a.State, &a.Error, &a.SHA256, &a.Bytes, &a.Files, &a.Posts, &a.CreatedBy, &created, &finished); err != nil {
		return nil, err
	}
	a.CreatedAt, a.FinishedAt = fromMS(created), fromNullMS(finished)
	return &a, nil
}

const closureColumns = `account_id, workspace_id, state, step, options, progress, archive_id, error, created_by, created_at, finished_at`

// CreateClosure inserts an account's closure, queued. An account has at
// most one: it reports false, writing nothing, when one exists.
func (q *Q) CreateClosure(ctx context.Context, c *ferry.Closure) (bool, error) {
	now := q.Now()
	c.State, c.CreatedAt = ferry.ClosureQueued, now
	res, err := q.exec(ctx, `INSERT INTO closures (`+closureColumns+`) VALUES (?, ?, ?, '', ?, ?, '', '', ?, ?, NULL) ON CONFLICT DO NOTHING`,
		c.AccountID, c.WorkspaceID, string(c.State), toJSON(c.Options), toJSON(c.Progress), c.CreatedBy, ms(now))
	if err != nil {
		return false, fmt.Errorf("store: create closure: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SaveClosure writes a closure's state, step, progress and outcome.
func (q *Q) SaveClosure(ctx context.Context, c *ferry.Closure) error {
	if _, err := q.exec(ctx, `UPDATE closures SET state = ?, step = ?, progress = ?, archive_id = ?, error = ?, finished_at = ? WHERE account_id = ?`,
		string(c.State), c.Step, toJSON(c.Progress), c.ArchiveID, c.Error, msPtr(c.FinishedAt), c.AccountID); err != nil {
		return fmt.Errorf("store: save closure: %w", err)
	}
	return nil
}

// Closure returns an account's closure ("" workspace: any, for jobs).
func (q *Q) Closure(ctx context.Context, workspaceID, accountID string) (*ferry.Closure, error) {
	where, args := `account_id = ?`, []any{accountID}
	if workspaceID != "" {
		where, args = where+` AND workspace_id = ?`, append(args, workspaceID)
	}
	var c ferry.Closure
	var options, progress string
	var created int64
	var finished sql.NullInt64
	err := q.queryRow(ctx, `SELECT `+closureColumns+` FROM closures WHERE `+where, args...).Scan(&c.AccountID, &c.WorkspaceID, &c.State, &c.Step,
		&options, &progress, &c.ArchiveID, &c.Error, &c.CreatedBy, &created, &finished)
	if err != nil {
		return nil, notFound(err, "closure", accountID)
	}
	c.CreatedAt, c.FinishedAt = fromMS(created), fromNullMS(finished)
	if c.Options, err = fromJSON[ferry.ClosureOptions](options); err != nil {
		return nil, err
	}
	if c.Progress, err = fromJSON[ferry.ClosureProgress](progress); err != nil {
		return nil, err
	}
	return &c, nil
}

// ForgetAccountCredentials replaces an account's credentials by none: a
// closed account keeps no way to act on its platform.
func (q *Q) ForgetAccountCredentials(ctx context.Context, a *ferry.Account) error {
	sealed, err := q.sealCredentials(&ferry.Account{ID: a.ID, Credentials: map[string]string{}})
	if err != nil {
		return fmt.Errorf("store: seal credentials: %w", err)
	}
	if _, err := q.exec(ctx, `UPDATE accounts SET credentials = ?, updated_at = ? WHERE id = ?`, sealed, ms(q.Now()), a.ID); err != nil {
		return fmt.Errorf("store: forget credentials: %w", err)
	}
	a.Credentials = map[string]string{}
	return nil
}

// What an archive holds is read row by row as it is written, so that an
// account with years of posts is never held in memory.

// EachAccountStory calls fn for each story with a publication through the
// account (deleted stories included), oldest first.
func (q *Q) EachAccountStory(ctx context.Context, accountID string, fn func(*ferry.Story) error) error {
	return eachRow(ctx, q, `SELECT `+storyColumns+` FROM stories WHERE id IN (SELECT story_id FROM publications WHERE account_id = ?) ORDER BY created_at, id`,
		[]any{accountID}, scanStory, fn)
}

// EachAccountVariant calls fn for each of the account's variants.
func (q *Q) EachAccountVariant(ctx context.Context, accountID string, fn func(*ferry.Variant) error) error {
	return eachRow(ctx, q, `SELECT `+variantColumns+` FROM variants WHERE account_id = ? ORDER BY story_id`, []any{accountID}, scanVariant, fn)
}

// EachAccountVersion calls fn for each saved version of the account's
// variants and of the stories they belong to (content_versions), by
// story, the story's own first, each history oldest first.
func (q *Q) EachAccountVersion(ctx context.Context, workspaceID, accountID string, fn func(*ferry.ContentVersion) error) error {
	return eachRow(ctx, q, `SELECT `+versionColumns+` FROM content_versions WHERE workspace_id = ? AND (account_id = ?
		OR (account_id = '' AND story_id IN (SELECT story_id FROM variants WHERE account_id = ?))) ORDER BY story_id, account_id, n`,
		[]any{workspaceID, accountID, accountID}, scanVersion, fn)
}

// EachAccountPublication calls fn for each of the account's publications.
func (q *Q) EachAccountPublication(ctx context.Context, accountID string, fn func(*ferry.Publication) error) error {
	return eachRow(ctx, q, `SELECT `+publicationColumns+` FROM publications WHERE account_id = ? ORDER BY created_at, id`, []any{accountID}, scanPublication, fn)
}

// EachAccountAttempt calls fn for each attempt of the account's
// publications.
func (q *Q) EachAccountAttempt(ctx context.Context, accountID string, fn func(*ferry.Attempt) error) error {
	return eachRow(ctx, q, `SELECT `+prefixed("t.", attemptColumns)+` FROM attempts t JOIN publications p ON p.id = t.publication_id
		WHERE p.account_id = ? ORDER BY t.publication_id, t.number`, []any{accountID}, func(s scanner) (*ferry.Attempt, error) {
		var a ferry.Attempt
		var started int64
		var finished sql.NullInt64
		if err := s.Scan(&a.ID, &a.PublicationID, &a.Number, &a.Version, &started, &finished, &a.Outcome, &a.ErrorCode, &a.ErrorMessage, &a.RemoteID, &a.Fingerprint); err != nil {
			return nil, err
		}
		a.StartedAt, a.FinishedAt = fromMS(started), fromNullMS(finished)
		return &a, nil
	}, fn)
}

// EachAccountHandoff calls fn for each of the account's handoffs.
func (q *Q) EachAccountHandoff(ctx context.Context, accountID string, fn func(*ferry.Handoff) error) error {
	return eachRow(ctx, q, `SELECT `+handoffColumns+` FROM handoffs WHERE account_id = ? ORDER BY created_at, id`, []any{accountID}, scanHandoff, fn)
}

// EachAccountPostSnapshot calls fn for each reading of the account's
// posts, by post then time.
func (q *Q) EachAccountPostSnapshot(ctx context.Context, accountID string, fn func(*ferry.PostSnapshot) error) error {
	return eachRow(ctx, q, `SELECT publication_id, at, views, likes, comments, shares, saves FROM post_snapshots WHERE account_id = ? ORDER BY publication_id, at`,
		[]any{accountID}, func(s scanner) (*ferry.PostSnapshot, error) {
			var p ferry.PostSnapshot
			var at int64
			var views, likes, comments, shares, saves sql.NullInt64
			if err := s.Scan(&p.PublicationID, &at, &views, &likes, &comments, &shares, &saves); err != nil {
				return nil, err
			}
			p.At = fromMS(at)
			p.Views, p.Likes, p.Comments, p.Shares, p.Saves = countOf(views), countOf(likes), countOf(comments), countOf(shares), countOf(saves)
			return &p, nil
		}, fn)
}

// EachAccountAudit calls fn for each audit event about the account or one
// of its publications, oldest first.
func (q *Q) EachAccountAudit(ctx context.Context, workspaceID, accountID string, fn func(*ferry.Audit) error) error {
	return eachRow(ctx, q, `SELECT id, workspace_id, actor, action, target_type, target_id, data, at FROM audit_events
		WHERE workspace_id = ? AND ((target_type = 'account' AND target_id = ?)
		OR (target_type = 'publication' AND target_id IN (SELECT id FROM publications WHERE account_id = ?))) ORDER BY id`,
		[]any{workspaceID, accountID, accountID}, func(s scanner) (*ferry.Audit, error) {
			var e ferry.Audit
			var data string
			var at int64
			if err := s.Scan(&e.ID, &e.WorkspaceID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &data, &at); err != nil {
				return nil, err
			}
			e.At = fromMS(at)
			var err error
			e.Data, err = fromJSON[map[string]any](data)
			return &e, err
		}, fn)
}

// eachRow runs a query and calls fn with each row as scan reads it.
func eachRow[T any](ctx context.Context, q *Q, query string, args []any, scan func(scanner) (T, error), fn func(T) error) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}
