package service

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/store"
)

// RecurringCampaignInput creates a campaign that comes back every year, at
// Recurrence.LocalTime in the workspace's time zone. Active defaults to true.
type RecurringCampaignInput struct {
	NameEN     string           `json:"name_en"`
	NameZh     string           `json:"name_zh"`
	Note       string           `json:"note"`
	Recurrence ferry.Recurrence `json:"recurrence"`
	Active     *bool            `json:"active"`
}

// RecurringCampaignPatch edits a recurring campaign; nil fields stay as they
// are. A new Recurrence replaces the old one whole.
type RecurringCampaignPatch struct {
	NameEN     *string           `json:"name_en"`
	NameZh     *string           `json:"name_zh"`
	Note       *string           `json:"note"`
	Recurrence *ferry.Recurrence `json:"recurrence"`
	Active     *bool             `json:"active"`
}

// RecurringCampaignView is a recurring campaign with its next occurrence
// (nil when paused or past the calendar's range).
type RecurringCampaignView struct {
	*ferry.RecurringCampaign
	TimeZone string     `json:"time_zone"`
	NextAt   *time.Time `json:"next_at"`
}

// Occurrence is one instance of a recurring campaign.
type Occurrence struct {
	Date calendar.Date `json:"date"`
	At   time.Time     `json:"at"`
}

// OccurrencesView lists a recurring campaign's occurrences in a date range.
type OccurrencesView struct {
	RecurringID string        `json:"recurring_id"`
	From        calendar.Date `json:"from"`
	To          calendar.Date `json:"to"`
	TimeZone    string        `json:"time_zone"`
	Occurrences []Occurrence  `json:"occurrences"`
}

// recurrence checks a stored recurrence and turns it into the calendar's.
func recurrence(r ferry.Recurrence) (calendar.Recurrence, error) {
	rec, details := checkRecurrence(r)
	if len(details) > 0 {
		return rec, ferry.Errorf(ferry.EINVALID, "The recurrence is not valid.").WithDetails(details)
	}
	return rec, nil
}

// checkRecurrence converts a recurrence and lists its problems by field.
func checkRecurrence(r ferry.Recurrence) (calendar.Recurrence, map[string]string) {
	details := map[string]string{}
	rec := calendar.Recurrence{Festival: r.Festival, LunarMonth: r.LunarMonth, LunarDay: r.LunarDay, LunarLeap: r.Leap,
		Month: time.Month(r.Month), Day: r.Day, LocalTime: r.LocalTime}
	forms := 0
	if r.Festival != "" {
		forms++
		if _, err := calendar.FestivalNames(r.Festival); err != nil {
			details["recurrence.festival"] = "must be one of " + strings.Join(calendar.FestivalKeys(), ", ")
		}
	}
	if r.LunarMonth != 0 || r.LunarDay != 0 || r.Leap {
		forms++
		if r.LunarMonth < 1 || r.LunarMonth > 12 || r.LunarDay < 1 || r.LunarDay > 30 {
			details["recurrence.lunar_month"] = "a lunar date needs lunar_month 1–12 and lunar_day 1–30"
		}
	}
	if r.Month != 0 || r.Day != 0 {
		forms++
		if r.Month < 1 || r.Month > 12 || r.Day < 1 || r.Day > 31 {
			details["recurrence.month"] = "a Gregorian date needs month 1–12 and day 1–31"
		}
	}
	if forms != 1 {
		details["recurrence"] = "set exactly one of festival, lunar_month and lunar_day (and leap), or month and day"
	}
	if _, err := time.Parse("15:04", r.LocalTime); err != nil || len(r.LocalTime) != 5 {
		details["recurrence.local_time"] = "is required, as HH:MM (24-hour) in the workspace's time zone"
	}
	switch r.Missing {
	case "", "clamp":
		rec.Missing = calendar.ClampDay
	case "skip":
		rec.Missing = calendar.SkipYear
	default:
		details["recurrence.missing"] = `must be "clamp" (the nearest day that exists) or "skip"`
	}
	if len(details) == 0 {
		if err := rec.Validate(); err != nil {
			// For example the 31st of a 30-day month.
			details["recurrence"] = strings.TrimPrefix(err.Error(), "calendar: ")
		}
	}
	return rec, details
}

// occurrences returns the instants of rec whose dates in loc fall in
// [from, to].
func occurrences(rec calendar.Recurrence, from, to calendar.Date, loc *time.Location) []time.Time {
	// A yearly recurrence happens at most once per year of the range.
	n := to.Year - from.Year + 2
	var out []time.Time
	for _, t := range rec.Next(from.At(0, 0, loc).Add(-time.Nanosecond), loc, n) {
		if calendar.DateOf(t.In(loc)).After(to) {
			break
		}
		out = append(out, t.In(loc))
	}
	return out
}

func (in *RecurringCampaignInput) validate(c *ferry.RecurringCampaign) error {
	in.NameEN, in.NameZh, in.Note = strings.TrimSpace(in.NameEN), strings.TrimSpace(in.NameZh), strings.TrimSpace(in.Note)
	details := map[string]string{}
	switch {
	case in.NameEN == "" && in.NameZh == "":
		details["name_en"] = "a campaign needs a name in English or Chinese (name_zh)"
	case utf8.RuneCountInString(in.NameEN) > maxEventName:
		details["name_en"] = fmt.Sprintf("must be at most %d characters", maxEventName)
	case utf8.RuneCountInString(in.NameZh) > maxEventName:
		details["name_zh"] = fmt.Sprintf("must be at most %d characters", maxEventName)
	}
	if utf8.RuneCountInString(in.Note) > maxEventNote {
		details["note"] = fmt.Sprintf("must be at most %d characters", maxEventNote)
	}
	in.Recurrence.Festival = strings.TrimSpace(in.Recurrence.Festival)
	in.Recurrence.LocalTime = strings.TrimSpace(in.Recurrence.LocalTime)
	_, problems := checkRecurrence(in.Recurrence)
	maps.Copy(details, problems)
	if len(details) > 0 {
		return ferry.Errorf(ferry.EINVALID, "The recurring campaign is not valid.").WithDetails(details)
	}
	c.NameEN, c.NameZh, c.Note, c.Recurrence = in.NameEN, in.NameZh, in.Note, in.Recurrence
	c.Active = in.Active == nil || *in.Active
	return nil
}

// recurringView adds the time zone and the next occurrence.
func (s *Service) recurringView(c *ferry.RecurringCampaign, loc *time.Location) *RecurringCampaignView {
	v := &RecurringCampaignView{RecurringCampaign: c, TimeZone: loc.String()}
	if rec, err := recurrence(c.Recurrence); err == nil && c.Active {
		if next := rec.Next(s.DB.Now(), loc, 1); len(next) == 1 {
			at := next[0].In(loc)
			v.NextAt = &at
		}
	}
	return v
}

// RecurringCampaigns lists the workspace's recurring campaigns, oldest first.
func (s *Service) RecurringCampaigns(ctx context.Context, p ferry.Principal) ([]*RecurringCampaignView, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	list, err := q.RecurringCampaigns(ctx, p.WorkspaceID, false)
	if err != nil {
		return nil, err
	}
	out := make([]*RecurringCampaignView, 0, len(list))
	for _, c := range list {
		out = append(out, s.recurringView(c, loc))
	}
	return out, nil
}

// RecurringCampaign returns one recurring campaign.
func (s *Service) RecurringCampaign(ctx context.Context, p ferry.Principal, id string) (*RecurringCampaignView, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	c, err := q.RecurringCampaign(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return s.recurringView(c, loc), nil
}

// CreateRecurringCampaign adds a recurring campaign (editors and above).
func (s *Service) CreateRecurringCampaign(ctx context.Context, p ferry.Principal, in RecurringCampaignInput) (*RecurringCampaignView, error) {
	if err := require(p, ferry.RoleEditor, "manage campaigns"); err != nil {
		return nil, err
	}
	c := &ferry.RecurringCampaign{WorkspaceID: p.WorkspaceID, CreatedBy: p.UserID}
	if err := in.validate(c); err != nil {
		return nil, err
	}
	var loc *time.Location
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if loc, err = s.location(ctx, &tx.Q, p.WorkspaceID); err != nil {
			return err
		}
		if err := tx.CreateRecurringCampaign(ctx, c); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "recurring_campaign.create", "recurring_campaign", c.ID, recurringAudit(c)))
	})
	if err != nil {
		return nil, err
	}
	return s.recurringView(c, loc), nil
}

func recurringAudit(c *ferry.RecurringCampaign) map[string]any {
	return map[string]any{"name_en": c.NameEN, "name_zh": c.NameZh, "recurrence": c.Recurrence, "active": c.Active}
}

// UpdateRecurringCampaign edits a recurring campaign (editors and above).
func (s *Service) UpdateRecurringCampaign(ctx context.Context, p ferry.Principal, id string, patch RecurringCampaignPatch) (*RecurringCampaignView, error) {
	if err := require(p, ferry.RoleEditor, "manage campaigns"); err != nil {
		return nil, err
	}
	var c *ferry.RecurringCampaign
	var loc *time.Location
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if loc, err = s.location(ctx, &tx.Q, p.WorkspaceID); err != nil {
			return err
		}
		if c, err = tx.RecurringCampaign(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		in := RecurringCampaignInput{NameEN: c.NameEN, NameZh: c.NameZh, Note: c.Note, Recurrence: c.Recurrence, Active: &c.Active}
		if patch.NameEN != nil {
			in.NameEN = *patch.NameEN
		}
		if patch.NameZh != nil {
			in.NameZh = *patch.NameZh
		}
		if patch.Note != nil {
			in.Note = *patch.Note
		}
		if patch.Recurrence != nil {
			in.Recurrence = *patch.Recurrence
		}
		if patch.Active != nil {
			in.Active = patch.Active
		}
		if err := in.validate(c); err != nil {
			return err
		}
		if err := tx.UpdateRecurringCampaign(ctx, c); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "recurring_campaign.update", "recurring_campaign", c.ID, recurringAudit(c)))
	})
	if err != nil {
		return nil, err
	}
	return s.recurringView(c, loc), nil
}

// DeleteRecurringCampaign deletes a recurring campaign (editors and above)
// and returns what it was.
func (s *Service) DeleteRecurringCampaign(ctx context.Context, p ferry.Principal, id string) (*RecurringCampaignView, error) {
	if err := require(p, ferry.RoleEditor, "manage campaigns"); err != nil {
		return nil, err
	}
	var c *ferry.RecurringCampaign
	var loc *time.Location
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if loc, err = s.location(ctx, &tx.Q, p.WorkspaceID); err != nil {
			return err
		}
		if c, err = tx.RecurringCampaign(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if err := tx.DeleteRecurringCampaign(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "recurring_campaign.delete", "recurring_campaign", c.ID, recurringAudit(c)))
	})
	if err != nil {
		return nil, err
	}
	// Deleted, it will not come back: no next occurrence.
	return &RecurringCampaignView{RecurringCampaign: c, TimeZone: loc.String()}, nil
}

// Occurrences lists the dates and instants of a recurring campaign in a date
// range (see CalendarQuery for the defaults), whether or not it is active.
func (s *Service) Occurrences(ctx context.Context, p ferry.Principal, id, from, to string) (*OccurrencesView, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	c, err := q.RecurringCampaign(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	first, last, err := dateRange(from, to, calendar.DateOf(s.DB.Now().In(loc)))
	if err != nil {
		return nil, err
	}
	rec, err := recurrence(c.Recurrence)
	if err != nil {
		return nil, fmt.Errorf("service: recurring campaign %s: %w", c.ID, err)
	}
	v := &OccurrencesView{RecurringID: c.ID, From: first, To: last, TimeZone: loc.String(), Occurrences: []Occurrence{}}
	for _, at := range occurrences(rec, first, last, loc) {
		v.Occurrences = append(v.Occurrences, Occurrence{Date: calendar.DateOf(at), At: at})
	}
	return v, nil
}
