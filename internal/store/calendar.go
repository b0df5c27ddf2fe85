package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// Kinds of a workspace's own calendar events.
const (
	KindCampaign = "campaign" // a dated campaign: informative
	KindBlackout = "blackout" // a period in which nothing may be scheduled without an override
)

// CalendarEvent is a workspace's own dated event: a campaign or a blackout
// period. An all-day event is kept as dates (StartDate, EndDate, inclusive,
// YYYY-MM-DD), which are authoritative, and its instants are derived in the
// workspace's time zone; a timed event is kept as instants only.
type CalendarEvent struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	Kind        string `json:"kind"`
	NameEN      string `json:"name_en"`
	NameZh      string `json:"name_zh"`
	Note        string `json:"note"`
	AllDay      bool   `json:"all_day"`
	StartDate   string `json:"start_date"`
	EndDate     string `json:"end_date"`
	// StartsAt and EndsAt bound the event, end exclusive.
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const calendarEventColumns = `id, workspace_id, kind, name_en, name_zh, note, all_day, start_date, end_date, starts_at, ends_at, created_by, created_at, updated_at`

// CreateCalendarEvent inserts a workspace calendar event.
func (q *Q) CreateCalendarEvent(ctx context.Context, e *CalendarEvent) error {
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
func (q *Q) UpdateCalendarEvent(ctx context.Context, e *CalendarEvent) error {
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
func (q *Q) CalendarEvent(ctx context.Context, workspaceID, id string) (*CalendarEvent, error) {
	e, err := scanCalendarEvent(q.queryRow(ctx, `SELECT `+calendarEventColumns+` FROM calendar_events WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "calendar event", id)
	}
	return e, nil
}

// CalendarEventFilter selects a workspace's events.
type CalendarEventFilter struct {
	WorkspaceID string
	// Kind keeps one kind; empty keeps all.
	Kind string
	// From and To keep the events overlapping [From, To) by their stored
	// instants; zero values leave that side open.
	From, To time.Time
}

// CalendarEvents lists events by start, then id.
func (q *Q) CalendarEvents(ctx context.Context, f CalendarEventFilter) ([]*CalendarEvent, error) {
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
	var out []*CalendarEvent
	for rows.Next() {
		e, err := scanCalendarEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: calendar events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanCalendarEvent(s scanner) (*CalendarEvent, error) {
	var e CalendarEvent
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

// Recurrence is a yearly date and wall-clock time, as stored and as the API
// shows it. Exactly one of Festival, a lunar date (LunarMonth, LunarDay,
// Leap) or a Gregorian date (Month, Day) is set; package calendar gives it
// meaning.
type Recurrence struct {
	Festival   string `json:"festival,omitempty"`
	LunarMonth int    `json:"lunar_month,omitempty"`
	LunarDay   int    `json:"lunar_day,omitempty"`
	Leap       bool   `json:"leap,omitempty"`
	Month      int    `json:"month,omitempty"`
	Day        int    `json:"day,omitempty"`
	// LocalTime is HH:MM in the workspace's time zone.
	LocalTime string `json:"local_time"`
	// Missing says what happens in a year without the day: "clamp" (the
	// default: the nearest day that exists) or "skip".
	Missing string `json:"missing,omitempty"`
}

// RecurringCampaign is a campaign that comes back every year, such as
// "every Mid-Autumn at 20:00".
type RecurringCampaign struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"-"`
	NameEN      string     `json:"name_en"`
	NameZh      string     `json:"name_zh"`
	Note        string     `json:"note"`
	Recurrence  Recurrence `json:"recurrence"`
	Active      bool       `json:"active"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

const recurringColumns = `id, workspace_id, name_en, name_zh, note, recurrence, active, created_by, created_at, updated_at`

// CreateRecurringCampaign inserts a recurring campaign.
func (q *Q) CreateRecurringCampaign(ctx context.Context, c *RecurringCampaign) error {
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
func (q *Q) UpdateRecurringCampaign(ctx context.Context, c *RecurringCampaign) error {
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
func (q *Q) RecurringCampaign(ctx context.Context, workspaceID, id string) (*RecurringCampaign, error) {
	c, err := scanRecurring(q.queryRow(ctx, `SELECT `+recurringColumns+` FROM recurring_campaigns WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "recurring campaign", id)
	}
	return c, nil
}

// RecurringCampaigns lists a workspace's recurring campaigns, oldest first;
// activeOnly leaves out the paused ones.
func (q *Q) RecurringCampaigns(ctx context.Context, workspaceID string, activeOnly bool) ([]*RecurringCampaign, error) {
	where := "workspace_id = ?"
	if activeOnly {
		where += " AND active = 1"
	}
	rows, err := q.query(ctx, `SELECT `+recurringColumns+` FROM recurring_campaigns WHERE `+where+` ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: recurring campaigns: %w", err)
	}
	defer rows.Close()
	var out []*RecurringCampaign
	for rows.Next() {
		c, err := scanRecurring(rows)
		if err != nil {
			return nil, fmt.Errorf("store: recurring campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanRecurring(s scanner) (*RecurringCampaign, error) {
	var c RecurringCampaign
	var rec string
	var active int
	var created, updated int64
	if err := s.Scan(&c.ID, &c.WorkspaceID, &c.NameEN, &c.NameZh, &c.Note, &rec, &active, &c.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if c.Recurrence, err = fromJSON[Recurrence](rec); err != nil {
		return nil, err
	}
	c.Active = active != 0
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// AccountSnapshot is a reading of an account's counts at a time. A count the
// platform does not give is nil.
type AccountSnapshot struct {
	AccountID string    `json:"account_id"`
	At        time.Time `json:"at"`
	Followers *int64    `json:"followers"`
	Following *int64    `json:"following"`
	Posts     *int64    `json:"posts"`
}

// PutAccountSnapshot records a reading; a second reading of the account at
// the same instant replaces the first, so a collector may safely repeat.
func (q *Q) PutAccountSnapshot(ctx context.Context, s AccountSnapshot) error {
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
func (q *Q) AccountSnapshots(ctx context.Context, accountID string, from, to time.Time) ([]AccountSnapshot, error) {
	where, args := atRange("account_id = ?", []any{accountID}, from, to)
	rows, err := q.query(ctx, `SELECT account_id, at, followers, following, posts FROM account_snapshots WHERE `+where+` ORDER BY at`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: account snapshots: %w", err)
	}
	defer rows.Close()
	var out []AccountSnapshot
	for rows.Next() {
		var s AccountSnapshot
		var at int64
		var followers, following, posts sql.NullInt64
		if err := rows.Scan(&s.AccountID, &at, &followers, &following, &posts); err != nil {
			return nil, fmt.Errorf("store: account snapshots: %w", err)
		}
		s.At = fromMS(at)
		s.Followers, s.Following, s.Posts = countOf(followers), countOf(following), countOf(posts)
		out = append(out, s)
	}
	return out, rows.Err()
}

// PostSnapshot is a reading of a publication's counts on its platform at a
// time. A count the platform does not give is nil.
type PostSnapshot struct {
	PublicationID string    `json:"publication_id"`
	AccountID     string    `json:"account_id"`
	At            time.Time `json:"at"`
	Views         *int64    `json:"views"`
	Likes         *int64    `json:"likes"`
	Comments      *int64    `json:"comments"`
	Shares        *int64    `json:"shares"`
	Saves         *int64    `json:"saves"`
}

// PutPostSnapshot records a reading; a second reading of the publication at
// the same instant replaces the first.
func (q *Q) PutPostSnapshot(ctx context.Context, s PostSnapshot) error {
	_, err := q.exec(ctx, `INSERT INTO post_snapshots (publication_id, account_id, at, views, likes, comments, shares, saves) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (publication_id, at) DO UPDATE SET views = excluded.views, likes = excluded.likes, comments = excluded.comments, shares = excluded.shares, saves = excluded.saves`,
		s.PublicationID, s.AccountID, ms(s.At), nullCount(s.Views), nullCount(s.Likes), nullCount(s.Comments), nullCount(s.Shares), nullCount(s.Saves))
	if err != nil {
		return fmt.Errorf("store: put post snapshot: %w", err)
	}
	return nil
}

// PostSnapshotFilter selects post readings. AccountID or PublicationID (or
// both) must be set.
type PostSnapshotFilter struct {
	AccountID     string
	PublicationID string
	// From and To keep readings taken in [From, To); a zero bound leaves
	// that side open.
	From, To time.Time
}

// PostSnapshots lists readings by publication, then time.
func (q *Q) PostSnapshots(ctx context.Context, f PostSnapshotFilter) ([]PostSnapshot, error) {
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
	var out []PostSnapshot
	for rows.Next() {
		var s PostSnapshot
		var at int64
		var views, likes, comments, shares, saves sql.NullInt64
		if err := rows.Scan(&s.PublicationID, &s.AccountID, &at, &views, &likes, &comments, &shares, &saves); err != nil {
			return nil, fmt.Errorf("store: post snapshots: %w", err)
		}
		s.At = fromMS(at)
		s.Views, s.Likes, s.Comments, s.Shares, s.Saves = countOf(views), countOf(likes), countOf(comments), countOf(shares), countOf(saves)
		out = append(out, s)
	}
	return out, rows.Err()
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
