package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

const calendarEventColumns = `id, workspace_id, kind, name_en, name_zh, note, all_day, start_date, end_date, starts_at, ends_at, created_by, created_at, updated_at`

// CreateCalendarEvent inserts a workspace calendar event.
func (q *Q) CreateCalendarEvent(ctx context.Context, e *ferry.CalendarEvent) error {
	now := q.Now()
	e.ID = NewID("cal", q.now())
	e.CreatedAt, e.UpdatedAt = now, now
	_, err := q.exec(ctx, `INSERT INTO calendar_events (`+calendarEventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.WorkspaceID, e.Kind, e.NameEN, e.NameZh, e.Note, boolInt(e.AllDay), e.StartDate, e.EndDate, ms(e.StartsAt), ms(e.EndsAt), e.CreatedBy, ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("store: create calendar event: %w", err)
	}
	return nil
}

// UpdateCalendarEvent saves an event's editable fields.
func (q *Q) UpdateCalendarEvent(ctx context.Context, e *ferry.CalendarEvent) error {
	e.UpdatedAt = q.Now()
	res, err := q.exec(ctx, `UPDATE calendar_events SET kind = ?, name_en = ?, name_zh = ?, note = ?, all_day = ?, start_date = ?, end_date = ?, starts_at = ?, ends_at = ?, updated_at = ?
		WHERE id = ? AND workspace_id = ?`,
		e.Kind, e.NameEN, e.NameZh, e.Note, boolInt(e.AllDay), e.StartDate, e.EndDate, ms(e.StartsAt), ms(e.EndsAt), ms(e.UpdatedAt), e.ID, e.WorkspaceID)
	if err != nil {
		return fmt.Errorf("store: update calendar event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Calendar event %q was not found.", e.ID)
	}
	return nil
}

// DeleteCalendarEvent deletes an event of a workspace.
func (q *Q) DeleteCalendarEvent(ctx context.Context, workspaceID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM calendar_events WHERE id = ? AND workspace_id = ?`, id, workspaceID)
	if err != nil {
		return fmt.Errorf("store: delete calendar event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Calendar event %q was not found.", id)
	}
	return nil
}

// CalendarEvent returns an event of a workspace.
func (q *Q) CalendarEvent(ctx context.Context, workspaceID, id string) (*ferry.CalendarEvent, error) {
	e, err := scanCalendarEvent(q.queryRow(ctx, `SELECT `+calendarEventColumns+` FROM calendar_events WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "calendar event", id)
	}
	return e, nil
}

// CalendarEvents lists events by start, then id.
func (q *Q) CalendarEvents(ctx context.Context, f ferry.CalendarEventFilter) ([]*ferry.CalendarEvent, error) {
	where, args := "workspace_id = ?", []any{f.WorkspaceID}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if !f.To.IsZero() {
		where += " AND starts_at < ?"
		args = append(args, ms(f.To))
	}
	if !f.From.IsZero() {
		where += " AND ends_at > ?"
		args = append(args, ms(f.From))
	}
	rows, err := q.query(ctx, `SELECT `+calendarEventColumns+` FROM calendar_events WHERE `+where+` ORDER BY starts_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: calendar events: %w", err)
	}
	defer rows.Close()
	var out []*ferry.CalendarEvent
	for rows.Next() {
		e, err := scanCalendarEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: calendar events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanCalendarEvent(s scanner) (*ferry.CalendarEvent, error) {
	var e ferry.CalendarEvent
	var allDay int
	var starts, ends, created, updated int64
	if err := s.Scan(&e.ID, &e.WorkspaceID, &e.Kind, &e.NameEN, &e.NameZh, &e.Note, &allDay, &e.StartDate, &e.EndDate,
		&starts, &ends, &e.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	e.AllDay = allDay != 0
	e.StartsAt, e.EndsAt = fromMS(starts), fromMS(ends)
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	return &e, nil
}

const recurringColumns = `id, workspace_id, name_en, name_zh, note, recurrence, active, created_by, created_at, updated_at`

// CreateRecurringCampaign inserts a recurring campaign.
func (q *Q) CreateRecurringCampaign(ctx context.Context, c *ferry.RecurringCampaign) error {
	now := q.Now()
	c.ID = NewID("rcp", q.now())
	c.CreatedAt, c.UpdatedAt = now, now
	_, err := q.exec(ctx, `INSERT INTO recurring_campaigns (`+recurringColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, c.NameEN, c.NameZh, c.Note, toJSON(c.Recurrence), boolInt(c.Active), c.CreatedBy, ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("store: create recurring campaign: %w", err)
	}
	return nil
}

// UpdateRecurringCampaign saves a recurring campaign's editable fields.
func (q *Q) UpdateRecurringCampaign(ctx context.Context, c *ferry.RecurringCampaign) error {
	c.UpdatedAt = q.Now()
	res, err := q.exec(ctx, `UPDATE recurring_campaigns SET name_en = ?, name_zh = ?, note = ?, recurrence = ?, active = ?, updated_at = ? WHERE id = ? AND workspace_id = ?`,
		c.NameEN, c.NameZh, c.Note, toJSON(c.Recurrence), boolInt(c.Active), ms(c.UpdatedAt), c.ID, c.WorkspaceID)
	if err != nil {
		return fmt.Errorf("store: update recurring campaign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Recurring campaign %q was not found.", c.ID)
	}
	return nil
}

// DeleteRecurringCampaign deletes a recurring campaign of a workspace.
func (q *Q) DeleteRecurringCampaign(ctx context.Context, workspaceID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM recurring_campaigns WHERE id = ? AND workspace_id = ?`, id, workspaceID)
	if err != nil {
		return fmt.Errorf("store: delete recurring campaign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Recurring campaign %q was not found.", id)
	}
	return nil
}

// RecurringCampaign returns a recurring campaign of a workspace.
func (q *Q) RecurringCampaign(ctx context.Context, workspaceID, id string) (*ferry.RecurringCampaign, error) {
	c, err := scanRecurring(q.queryRow(ctx, `SELECT `+recurringColumns+` FROM recurring_campaigns WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "recurring campaign", id)
	}
	return c, nil
}

// RecurringCampaigns lists a workspace's recurring campaigns, oldest first;
// activeOnly leaves out the paused ones.
func (q *Q) RecurringCampaigns(ctx context.Context, workspaceID string, activeOnly bool) ([]*ferry.RecurringCampaign, error) {
	where := "workspace_id = ?"
	if activeOnly {
		where += " AND active = 1"
	}
	rows, err := q.query(ctx, `SELECT `+recurringColumns+` FROM recurring_campaigns WHERE `+where+` ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: recurring campaigns: %w", err)
	}
	defer rows.Close()
	var out []*ferry.RecurringCampaign
	for rows.Next() {
		c, err := scanRecurring(rows)
		if err != nil {
			return nil, fmt.Errorf("store: recurring campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanRecurring(s scanner) (*ferry.RecurringCampaign, error) {
	var c ferry.RecurringCampaign
	var rec string
	var active int
	var created, updated int64
	if err := s.Scan(&c.ID, &c.WorkspaceID, &c.NameEN, &c.NameZh, &c.Note, &rec, &active, &c.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if c.Recurrence, err = fromJSON[ferry.Recurrence](rec); err != nil {
		return nil, err
	}
	c.Active = active != 0
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// PutAccountSnapshot records a reading; a second reading of the account at
// the same instant replaces the first, so a collector may safely repeat.
func (q *Q) PutAccountSnapshot(ctx context.Context, s ferry.AccountSnapshot) error {
	_, err := q.exec(ctx, `INSERT INTO account_snapshots (account_id, at, followers, following, posts) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, at) DO UPDATE SET followers = excluded.followers, following = excluded.following, posts = excluded.posts`,
		s.AccountID, ms(s.At), nullCount(s.Followers), nullCount(s.Following), nullCount(s.Posts))
	if err != nil {
		return fmt.Errorf("store: put account snapshot: %w", err)
	}
	return nil
}

// AccountSnapshots lists an account's readings in [from, to), oldest first;
// a zero bound leaves that side open.
func (q *Q) AccountSnapshots(ctx context.Context, accountID string, from, to time.Time) ([]ferry.AccountSnapshot, error) {
	where, args := atRange("account_id = ?", []any{accountID}, from, to)
	rows, err := q.query(ctx, `SELECT account_id, at, followers, following, posts FROM account_snapshots WHERE `+where+` ORDER BY at`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: account snapshots: %w", err)
	}
	defer rows.Close()
	var out []ferry.AccountSnapshot
	for rows.Next() {
		s, err := scanAccountSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: account snapshots: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// scanAccountSnapshot reads a row of account_id, at, followers, following,
// posts.
func scanAccountSnapshot(rows *sql.Rows) (ferry.AccountSnapshot, error) {
	var s ferry.AccountSnapshot
	var at int64
	var followers, following, posts sql.NullInt64
	if err := rows.Scan(&s.AccountID, &at, &followers, &following, &posts); err != nil {
		return s, err
	}
	s.At = fromMS(at)
	s.Followers, s.Following, s.Posts = countOf(followers), countOf(following), countOf(posts)
	return s, nil
}

// PutPostSnapshot records a reading; a second reading of the publication at
// the same instant replaces the first.
func (q *Q) PutPostSnapshot(ctx context.Context, s ferry.PostSnapshot) error {
	_, err := q.exec(ctx, `INSERT INTO post_snapshots (publication_id, account_id, at, views, likes, comments, shares, saves) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (publication_id, at) DO UPDATE SET views = excluded.views, likes = excluded.likes, comments = excluded.comments, shares = excluded.shares, saves = excluded.saves`,
		s.PublicationID, s.AccountID, ms(s.At), nullCount(s.Views), nullCount(s.Likes), nullCount(s.Comments), nullCount(s.Shares), nullCount(s.Saves))
	if err != nil {
		return fmt.Errorf("store: put post snapshot: %w", err)
	}
	return nil
}

// PostSnapshots lists readings by publication, then time.
func (q *Q) PostSnapshots(ctx context.Context, f ferry.PostSnapshotFilter) ([]ferry.PostSnapshot, error) {
	if f.AccountID == "" && f.PublicationID == "" {
		return nil, fmt.Errorf("store: post snapshots: no account or publication given")
	}
	where, args := "1 = 1", []any{}
	if f.AccountID != "" {
		where += " AND account_id = ?"
		args = append(args, f.AccountID)
	}
	if f.PublicationID != "" {
		where += " AND publication_id = ?"
		args = append(args, f.PublicationID)
	}
	where, args = atRange(where, args, f.From, f.To)
	rows, err := q.query(ctx, `SELECT publication_id, account_id, at, views, likes, comments, shares, saves FROM post_snapshots WHERE `+where+` ORDER BY publication_id, at`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: post snapshots: %w", err)
	}
	defer rows.Close()
	var out []ferry.PostSnapshot
	for rows.Next() {
		s, err := scanPostSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: post snapshots: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// scanPostSnapshot reads a row of publication_id, account_id, at, views,
// likes, comments, shares, saves.
func scanPostSnapshot(rows *sql.Rows) (ferry.PostSnapshot, error) {
	var s ferry.PostSnapshot
	var at int64
	var views, likes, comments, shares, saves sql.NullInt64
	if err := rows.Scan(&s.PublicationID, &s.AccountID, &at, &views, &likes, &comments, &shares, &saves); err != nil {
		return s, err
	}
	s.At = fromMS(at)
	s.Views, s.Likes, s.Comments, s.Shares, s.Saves = countOf(views), countOf(likes), countOf(comments), countOf(shares), countOf(saves)
	return s, nil
}

// atRange adds "at" bounds [from, to) to a WHERE clause.
func atRange(where string, args []any, from, to time.Time) (string, []any) {
	if !from.IsZero() {
		where += " AND at >= ?"
		args = append(args, ms(from))
	}
	if !to.IsZero() {
		where += " AND at < ?"
		args = append(args, ms(to))
	}
	return where, args
}

func nullCount(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

func countOf(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}
