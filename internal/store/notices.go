package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// AuditHook is told of every audit event written in a transaction, in that
// transaction: what it writes commits, or rolls back, with the event. The
// service hangs its notices on it (service/notices.go).
type AuditHook func(ctx context.Context, tx *Tx, e ferry.Audit) error

// SetAuditHook sets the hook, before any transaction runs.
func (db *DB) SetAuditHook(h AuditHook) { db.auditHook = h }

// Audit appends an audit event and tells the audit hook, in tx.
func (tx *Tx) Audit(ctx context.Context, e ferry.Audit) error {
	if err := tx.Q.Audit(ctx, e); err != nil {
		return err
	}
	if tx.auditHook == nil {
		return nil
	}
	return tx.auditHook(ctx, tx, e)
}

// CreateNotice stores a notice; digest marks it for the person's daily
// email.
func (q *Q) CreateNotice(ctx context.Context, n *ferry.Notice, digest bool) error {
	if n.ID == "" {
		n.ID = NewID("ntc", q.Now())
	}
	n.CreatedAt = q.Now()
	_, err := q.exec(ctx, `INSERT INTO notices (id, workspace_id, user_id, kind, actor, target_type, target_id, data, created_at, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.WorkspaceID, n.UserID, string(n.Kind), n.Actor, n.TargetType, n.TargetID, toJSON(n.Data), ms(n.CreatedAt), boolInt(digest))
	if err != nil {
		return fmt.Errorf("store: create notice: %w", err)
	}
	return nil
}

const noticeColumns = `n.id, n.workspace_id, n.user_id, n.kind, n.actor, COALESCE(NULLIF(u.name, ''), u.email, ''), n.target_type, n.target_id, n.data, n.created_at, n.read_at`

const noticeFrom = ` FROM notices n LEFT JOIN users u ON n.actor = 'user:' || u.id `

func scanNotices(rows *sql.Rows) ([]*ferry.Notice, error) {
	defer rows.Close()
	var out []*ferry.Notice
	for rows.Next() {
		n := &ferry.Notice{}
		var data string
		var created int64
		var read sql.NullInt64
		if err := rows.Scan(&n.ID, &n.WorkspaceID, &n.UserID, &n.Kind, &n.Actor, &n.ActorName, &n.TargetType, &n.TargetID, &data, &created, &read); err != nil {
			return nil, fmt.Errorf("store: notices: %w", err)
		}
		var err error
		if n.Data, err = fromJSON[map[string]string](data); err != nil {
			return nil, err
		}
		n.CreatedAt = fromMS(created)
		if read.Valid {
			t := fromMS(read.Int64)
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Notice returns one of a person's notices.
func (q *Q) Notice(ctx context.Context, workspaceID, userID, id string) (*ferry.Notice, error) {
	return q.oneNotice(ctx, `n.id = ? AND n.workspace_id = ? AND n.user_id = ?`, id, workspaceID, userID)
}

// NoticeByID returns a notice whoever's it is, for its delivery job.
func (q *Q) NoticeByID(ctx context.Context, id string) (*ferry.Notice, error) {
	return q.oneNotice(ctx, `n.id = ?`, id)
}

func (q *Q) oneNotice(ctx context.Context, where string, args ...any) (*ferry.Notice, error) {
	rows, err := q.query(ctx, `SELECT `+noticeColumns+noticeFrom+`WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: notice: %w", err)
	}
	list, err := scanNotices(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound(sql.ErrNoRows, "notice", fmt.Sprint(args[0]))
	}
	return list[0], nil
}

// Notices lists a person's notices in a workspace, newest first, before
// the notice with id before (all when empty), at most limit.
func (q *Q) Notices(ctx context.Context, workspaceID, userID string, unreadOnly bool, before string, limit int) ([]*ferry.Notice, error) {
	where, args := "n.workspace_id = ? AND n.user_id = ?", []any{workspaceID, userID}
	if unreadOnly {
		where += " AND n.read_at IS NULL"
	}
	if before != "" {
		// Ids sort by creation time (NewID); the id breaks ties.
		where += " AND n.id < ?"
		args = append(args, before)
	}
	rows, err := q.query(ctx, `SELECT `+noticeColumns+noticeFrom+`WHERE `+where+fmt.Sprintf(` ORDER BY n.id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	return scanNotices(rows)
}

// UnreadNotices counts a person's unread notices in a workspace.
func (q *Q) UnreadNotices(ctx context.Context, workspaceID, userID string) (int, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM notices WHERE user_id = ? AND workspace_id = ? AND read_at IS NULL`, userID, workspaceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread notices: %w", err)
	}
	return n, nil
}

// MarkNoticesRead marks a person's notices read: those named, or all when
// ids is empty. It returns how many changed.
func (q *Q) MarkNoticesRead(ctx context.Context, workspaceID, userID string, ids []string, at time.Time) (int64, error) {
	where, args := "workspace_id = ? AND user_id = ? AND read_at IS NULL", []any{ms(at), workspaceID, userID}
	if len(ids) > 0 {
		where += " AND id IN (?" + repeat(", ?", len(ids)-1) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := q.exec(ctx, `UPDATE notices SET read_at = ? WHERE `+where, args...)
	if err != nil {
		return 0, fmt.Errorf("store: mark notices read: %w", err)
	}
	return res.RowsAffected()
}

// NoticePrefs returns the modes a person chose in a workspace (kinds and
// channels not chosen are absent: their default applies).
func (q *Q) NoticePrefs(ctx context.Context, workspaceID, userID string) ([]ferry.NoticePref, error) {
	rows, err := q.query(ctx, `SELECT kind, channel, mode FROM notice_prefs WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: notice prefs: %w", err)
	}
	defer rows.Close()
	var out []ferry.NoticePref
	for rows.Next() {
		var p ferry.NoticePref
		if err := rows.Scan(&p.Kind, &p.Channel, &p.Mode); err != nil {
			return nil, fmt.Errorf("store: notice prefs: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutNoticePrefs replaces a person's choices in a workspace.
func (q *Q) PutNoticePrefs(ctx context.Context, workspaceID, userID string, prefs []ferry.NoticePref) error {
	if _, err := q.exec(ctx, `DELETE FROM notice_prefs WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID); err != nil {
		return fmt.Errorf("store: notice prefs: %w", err)
	}
	for _, p := range prefs {
		if _, err := q.exec(ctx, `INSERT INTO notice_prefs (user_id, workspace_id, kind, channel, mode) VALUES (?, ?, ?, ?, ?)`,
			userID, workspaceID, string(p.Kind), string(p.Channel), string(p.Mode)); err != nil {
			return fmt.Errorf("store: notice prefs: %w", err)
		}
	}
	return nil
}

// NoticeTelegramChat returns the chat a person's Telegram notices go to, or "".
func (q *Q) NoticeTelegramChat(ctx context.Context, userID string) (string, error) {
	var chat string
	err := q.queryRow(ctx, `SELECT telegram_chat_id FROM notice_channels WHERE user_id = ?`, userID).Scan(&chat)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: notice channels: %w", err)
	}
	return chat, nil
}

// SetNoticeTelegramChat sets it ("" for none).
func (q *Q) SetNoticeTelegramChat(ctx context.Context, userID, chat string) error {
	_, err := q.exec(ctx, `INSERT INTO notice_channels (user_id, telegram_chat_id) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET telegram_chat_id = excluded.telegram_chat_id`, userID, chat)
	if err != nil {
		return fmt.Errorf("store: notice channels: %w", err)
	}
	return nil
}

// DigestNotices returns the notices waiting for a daily digest, by person
// and workspace, oldest first.
func (q *Q) DigestNotices(ctx context.Context) (map[string][]*ferry.Notice, error) {
	rows, err := q.query(ctx, `SELECT `+noticeColumns+noticeFrom+`WHERE n.digest = 1 ORDER BY n.user_id, n.workspace_id, n.id`)
	if err != nil {
		return nil, fmt.Errorf("store: digest notices: %w", err)
	}
	list, err := scanNotices(rows)
	if err != nil {
		return nil, err
	}
	out := map[string][]*ferry.Notice{}
	for _, n := range list {
		key := n.UserID + "/" + n.WorkspaceID
		out[key] = append(out[key], n)
	}
	return out, nil
}

// DigestSent clears the digest mark of the notices named.
func (q *Q) DigestSent(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	if _, err := q.exec(ctx, `UPDATE notices SET digest = 0 WHERE id IN (?`+repeat(", ?", len(ids)-1)+`)`, args...); err != nil {
		return fmt.Errorf("store: digest sent: %w", err)
	}
	return nil
}
