package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/store"
)

// CalendarRegions lists the regions whose festivals and public holidays the
// calendar knows, the default first.
func CalendarRegions() []string {
	return []string{calendar.RegionHK, calendar.RegionCN, calendar.RegionTW, calendar.RegionMO}
}

// Limits of the calendar.
const (
	// maxCalendarYears bounds a query (and an event): three years is a
	// long planning horizon, and keeps an answer to a few hundred entries.
	maxCalendarYears = 3
	maxEventName     = 200
	maxEventNote     = 2000
)

// The dates the calendar can compute: the lunar table covers the Gregorian
// years 1900–2100.
var (
	firstCalendarDate = calendar.NewDate(1900, time.January, 1)
	lastCalendarDate  = calendar.NewDate(2100, time.December, 31)
)

// CalendarQuery asks for the calendar of a date range. Dates are YYYY-MM-DD
// in the workspace's time zone; empty From means today, empty To a year
// after From; empty Region means HK.
type CalendarQuery struct {
	From, To string
	Region   string
}

// CalendarView is the calendar of a date range: festivals and public
// holidays of a region, and the workspace's own events.
type CalendarView struct {
	From     calendar.Date   `json:"from"`
	To       calendar.Date   `json:"to"`
	Region   string          `json:"region"`
	TimeZone string          `json:"time_zone"`
	Events   []CalendarEntry `json:"events"`
	// Notes say what the answer lacks, such as mainland holidays not yet
	// announced.
	Notes []string `json:"notes"`
}

// CalendarEntry is one line of the calendar. Its Kind is a calendar.Kind
// (festival, public_holiday, working_day) for the region's entries, and
// ferry.EventCampaign or ferry.EventBlackout for the workspace's own.
// Festivals and holidays carry Key and Region; a workspace event carries
// EventID and its bounds, and is listed once, under its first day, with
// EndDate its last; an occurrence of a recurring campaign carries
// RecurringID and At.
type CalendarEntry struct {
	Date        calendar.Date  `json:"date"`
	EndDate     *calendar.Date `json:"end_date,omitempty"`
	Kind        string         `json:"kind"`
	NameEN      string         `json:"name_en"`
	NameZh      string         `json:"name_zh"`
	Key         string         `json:"key,omitempty"`
	Region      string         `json:"region,omitempty"`
	Substitute  bool           `json:"substitute,omitempty"`
	EventID     string         `json:"event_id,omitempty"`
	RecurringID string         `json:"recurring_id,omitempty"`
	AllDay      bool           `json:"all_day,omitempty"`
	StartsAt    *time.Time     `json:"starts_at,omitempty"`
	EndsAt      *time.Time     `json:"ends_at,omitempty"`
	At          *time.Time     `json:"at,omitempty"`
	Note        string         `json:"note,omitempty"`
	// NameZhHant and NameZhHans name a festival or holiday in each script,
	// for a page in either (NameZh is the region's own).
	NameZhHant string `json:"-"`
	NameZhHans string `json:"-"`
}

// Calendar lists, for a date range, the festivals and public holidays of a
// region, the workspace's campaigns and blackout periods, and the
// occurrences of its active recurring campaigns, by date.
func (s *Service) Calendar(ctx context.Context, p ferry.Principal, cq CalendarQuery) (*CalendarView, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	region := strings.ToUpper(strings.TrimSpace(cq.Region))
	if region == "" {
		region = calendar.RegionHK
	}
	if !slices.Contains(CalendarRegions(), region) {
		return nil, ferry.Errorf(ferry.EINVALID, "Region %q is not one Ferry knows; use one of %s.", cq.Region, strings.Join(CalendarRegions(), ", ")).
			WithDetails(map[string]any{"region": "unknown", "regions": CalendarRegions()})
	}
	from, to, err := dateRange(cq.From, cq.To, calendar.DateOf(s.DB.Now().In(loc)))
	if err != nil {
		return nil, err
	}
	view := &CalendarView{From: from, To: to, Region: region, TimeZone: loc.String(), Events: []CalendarEntry{}, Notes: []string{}}

	events, err := calendar.Events(region, from, to)
	var cov *calendar.CoverageError
	switch {
	case errors.As(err, &cov):
		view.Notes = append(view.Notes, coverageNote(cov))
	case err != nil:
		return nil, fmt.Errorf("service: calendar: %w", err)
	}
	for _, e := range events {
		view.Events = append(view.Events, CalendarEntry{
			Date: e.Date, Kind: string(e.Kind), Key: e.Key, Region: e.Region, Substitute: e.Substitute,
			NameEN: e.NameEN, NameZh: chineseName(region, e.NameZhHant, e.NameZhHans), NameZhHant: e.NameZhHant, NameZhHans: e.NameZhHans,
		})
	}

	start, end := from.At(0, 0, loc), to.AddDays(1).At(0, 0, loc)
	own, err := s.eventsBetween(ctx, q, p.WorkspaceID, "", start, end, loc)
	if err != nil {
		return nil, err
	}
	for _, e := range own {
		first, err := calendar.ParseDate(e.StartDate)
		if err != nil {
			return nil, fmt.Errorf("service: calendar event %s: %w", e.ID, err)
		}
		last, err := calendar.ParseDate(e.EndDate)
		if err != nil {
			return nil, fmt.Errorf("service: calendar event %s: %w", e.ID, err)
		}
		entry := CalendarEntry{Date: first, Kind: e.Kind, NameEN: e.NameEN, NameZh: e.NameZh, EventID: e.ID, AllDay: e.AllDay,
			StartsAt: &e.StartsAt, EndsAt: &e.EndsAt, Note: e.Note}
		if last != first {
			entry.EndDate = &last
		}
		view.Events = append(view.Events, entry)
	}

	campaigns, err := q.RecurringCampaigns(ctx, p.WorkspaceID, true)
	if err != nil {
		return nil, err
	}
	for _, c := range campaigns {
		rec, err := recurrence(c.Recurrence)
		if err != nil {
			return nil, fmt.Errorf("service: recurring campaign %s: %w", c.ID, err)
		}
		for _, at := range occurrences(rec, from, to, loc) {
			view.Events = append(view.Events, CalendarEntry{Date: calendar.DateOf(at), Kind: ferry.EventCampaign, NameEN: c.NameEN, NameZh: c.NameZh,
				RecurringID: c.ID, At: &at, Note: c.Note})
		}
	}
	// Stable: within a day, the region's entries keep their order (the
	// holiday holding the day off first), then the workspace's own.
	slices.SortStableFunc(view.Events, func(a, b CalendarEntry) int { return a.Date.Compare(b.Date) })
	return view, nil
}

// chineseName picks the script a region reads: Simplified on the mainland,
// Traditional elsewhere.
func chineseName(region, hant, hans string) string {
	if region == calendar.RegionCN {
		return hans
	}
	return hant
}

func coverageNote(cov *calendar.CoverageError) string {
	years := make([]string, len(cov.Years))
	for i, y := range cov.Years {
		years[i] = fmt.Sprint(y)
	}
	if cov.Region == calendar.RegionCN {
		first, last := calendar.CNHolidayYears()
		return fmt.Sprintf("Mainland China's public holidays are announced each year by the State Council; Ferry's data covers %d–%d and ends at year %d, so %s shows festivals only.",
			first, last, last, strings.Join(years, ", "))
	}
	return fmt.Sprintf("The public holidays of %s are not computed for %s; festivals only.", cov.Region, strings.Join(years, ", "))
}

// dateRange parses and checks a range of dates given as YYYY-MM-DD, with
// defaults: from today, to a year later less a day.
func dateRange(fromS, toS string, today calendar.Date) (from, to calendar.Date, err error) {
	details := map[string]string{}
	from, to = today, calendar.Date{}
	if fromS = strings.TrimSpace(fromS); fromS != "" {
		if from, err = calendar.ParseDate(fromS); err != nil {
			details["from"] = "must be a date in the form YYYY-MM-DD"
		}
	}
	if toS = strings.TrimSpace(toS); toS != "" {
		if to, err = calendar.ParseDate(toS); err != nil {
			details["to"] = "must be a date in the form YYYY-MM-DD"
		}
	} else if details["from"] == "" {
		to = calendar.NewDate(from.Year+1, from.Month, from.Day).AddDays(-1)
	}
	if len(details) == 0 {
		covers := fmt.Sprintf("the calendar covers %v to %v", firstCalendarDate, lastCalendarDate)
		switch {
		case from.Before(firstCalendarDate):
			details["from"] = covers
		case to.After(lastCalendarDate):
			details["to"] = covers
		case to.Before(from):
			details["to"] = "must not be before from"
		case !to.Before(calendar.NewDate(from.Year+maxCalendarYears, from.Month, from.Day)):
			details["to"] = fmt.Sprintf("the range may span at most %d years", maxCalendarYears)
		}
	}
	if len(details) > 0 {
		return from, to, ferry.Errorf(ferry.EINVALID, "The date range is not valid.").WithDetails(details)
	}
	return from, to, nil
}

// location returns the workspace's time zone.
func (s *Service) location(ctx context.Context, q *store.Q, workspaceID string) (*time.Location, error) {
	ws, err := q.Workspace(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("service: workspace %s time zone: %w", workspaceID, err)
	}
	return loc, nil
}

// CalendarEventInput creates a campaign or blackout period of the
// workspace: all day, from StartDate to EndDate inclusive (EndDate defaults
// to StartDate), or timed, from StartsAt to EndsAt (exclusive).
type CalendarEventInput struct {
	Kind      string     `json:"kind"`
	NameEN    string     `json:"name_en"`
	NameZh    string     `json:"name_zh"`
	Note      string     `json:"note"`
	StartDate string     `json:"start_date"`
	EndDate   string     `json:"end_date"`
	StartsAt  *time.Time `json:"starts_at"`
	EndsAt    *time.Time `json:"ends_at"`
}

// CalendarEventPatch edits an event; nil fields stay as they are. Setting
// either date makes the event all-day; setting either instant makes it timed.
type CalendarEventPatch struct {
	Kind      *string    `json:"kind"`
	NameEN    *string    `json:"name_en"`
	NameZh    *string    `json:"name_zh"`
	Note      *string    `json:"note"`
	StartDate *string    `json:"start_date"`
	EndDate   *string    `json:"end_date"`
	StartsAt  *time.Time `json:"starts_at"`
	EndsAt    *time.Time `json:"ends_at"`
}

// mayManageEvent says who may change an event of a kind: any editor may
// plan a campaign, but a blackout stops everyone's scheduling, so it is a
// decision for an admin.
func mayManageEvent(p ferry.Principal, kind string) error {
	if kind == ferry.EventBlackout {
		return require(p, ferry.RoleAdmin, "manage blackout periods")
	}
	return require(p, ferry.RoleEditor, "manage campaigns")
}

// validate checks the input and fills e's fields from it.
func (in *CalendarEventInput) validate(e *ferry.CalendarEvent, loc *time.Location) error {
	details := map[string]string{}
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind != ferry.EventCampaign && in.Kind != ferry.EventBlackout {
		details["kind"] = `must be "campaign" or "blackout"`
	}
	in.NameEN, in.NameZh, in.Note = strings.TrimSpace(in.NameEN), strings.TrimSpace(in.NameZh), strings.TrimSpace(in.Note)
	switch {
	case in.NameEN == "" && in.NameZh == "":
		details["name_en"] = "an event needs a name in English or Chinese (name_zh)"
	case utf8.RuneCountInString(in.NameEN) > maxEventName:
		details["name_en"] = fmt.Sprintf("must be at most %d characters", maxEventName)
	case utf8.RuneCountInString(in.NameZh) > maxEventName:
		details["name_zh"] = fmt.Sprintf("must be at most %d characters", maxEventName)
	}
	if utf8.RuneCountInString(in.Note) > maxEventNote {
		details["note"] = fmt.Sprintf("must be at most %d characters", maxEventNote)
	}
	dated := in.StartDate != "" || in.EndDate != ""
	timed := in.StartsAt != nil || in.EndsAt != nil
	var starts, ends time.Time
	switch {
	case dated && timed:
		details["start_date"] = "give either start_date and end_date (all day) or starts_at and ends_at, not both"
	case dated:
		if in.EndDate == "" {
			in.EndDate = in.StartDate
		}
		first, err1 := calendar.ParseDate(in.StartDate)
		last, err2 := calendar.ParseDate(in.EndDate)
		switch {
		case err1 != nil:
			details["start_date"] = "must be a date in the form YYYY-MM-DD"
		case err2 != nil:
			details["end_date"] = "must be a date in the form YYYY-MM-DD"
		case first.Before(firstCalendarDate) || last.After(lastCalendarDate):
			details["start_date"] = fmt.Sprintf("the calendar covers %v to %v", firstCalendarDate, lastCalendarDate)
		case last.Before(first):
			details["end_date"] = "must not be before start_date"
		default:
			in.StartDate, in.EndDate = first.String(), last.String()
			starts, ends = first.At(0, 0, loc), last.AddDays(1).At(0, 0, loc)
		}
	case timed:
		switch {
		case in.StartsAt == nil:
			details["starts_at"] = "is required with ends_at"
		case in.EndsAt == nil:
			details["ends_at"] = "is required with starts_at"
		case !in.EndsAt.After(*in.StartsAt):
			details["ends_at"] = "must be after starts_at"
		default:
			starts, ends = in.StartsAt.UTC().Truncate(time.Millisecond), in.EndsAt.UTC().Truncate(time.Millisecond)
		}
	default:
		details["start_date"] = "give start_date (and end_date) for an all-day event, or starts_at and ends_at"
	}
	if len(details) == 0 && ends.After(starts.AddDate(maxCalendarYears, 0, 0)) {
		details["end_date"] = fmt.Sprintf("an event may last at most %d years", maxCalendarYears)
	}
	if len(details) > 0 {
		return ferry.Errorf(ferry.EINVALID, "The calendar event is not valid.").WithDetails(details)
	}
	e.Kind, e.NameEN, e.NameZh, e.Note = in.Kind, in.NameEN, in.NameZh, in.Note
	e.AllDay, e.StartDate, e.EndDate = dated, "", ""
	if dated {
		e.StartDate, e.EndDate = in.StartDate, in.EndDate
	}
	e.StartsAt, e.EndsAt = starts.UTC(), ends.UTC()
	return nil
}

// present gives an event its bounds in the workspace's time zone: the
// instants of an all-day event are recomputed from its dates (they are
// authoritative, should the zone change), and a timed event gets the dates
// of its first and last moments.
func present(e *ferry.CalendarEvent, loc *time.Location) error {
	if e.AllDay {
		first, err := calendar.ParseDate(e.StartDate)
		if err != nil {
			return fmt.Errorf("service: calendar event %s: %w", e.ID, err)
		}
		last, err := calendar.ParseDate(e.EndDate)
		if err != nil {
			return fmt.Errorf("service: calendar event %s: %w", e.ID, err)
		}
		e.StartsAt, e.EndsAt = first.At(0, 0, loc), last.AddDays(1).At(0, 0, loc)
		return nil
	}
	e.StartsAt, e.EndsAt = e.StartsAt.In(loc), e.EndsAt.In(loc)
	e.StartDate = calendar.DateOf(e.StartsAt).String()
	e.EndDate = calendar.DateOf(e.EndsAt.Add(-time.Millisecond)).String()
	return nil
}

// zoneSlack widens stored-instant queries so that all-day events saved under
// another time-zone offset are still found; their exact bounds are then
// recomputed and checked.
const zoneSlack = 48 * time.Hour

// eventsBetween returns the workspace's events (of a kind, or all when kind
// is empty) overlapping [start, end), presented in loc.
func (s *Service) eventsBetween(ctx context.Context, q *store.Q, workspaceID, kind string, start, end time.Time, loc *time.Location) ([]*ferry.CalendarEvent, error) {
	list, err := q.CalendarEvents(ctx, ferry.CalendarEventFilter{WorkspaceID: workspaceID, Kind: kind, From: start.Add(-zoneSlack), To: end.Add(zoneSlack)})
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, e := range list {
		if err := present(e, loc); err != nil {
			return nil, err
		}
		if e.StartsAt.Before(end) && e.EndsAt.After(start) {
			out = append(out, e)
		}
	}
	return out, nil
}

// CalendarEventFilter selects the workspace's events: of one kind (empty
// for all) overlapping a date range (YYYY-MM-DD, in the workspace's time
// zone; empty for no bound).
type CalendarEventFilter struct {
	Kind     string
	From, To string
}

// CalendarEvents lists the workspace's campaigns and blackout periods by
// start.
func (s *Service) CalendarEvents(ctx context.Context, p ferry.Principal, f CalendarEventFilter) ([]*ferry.CalendarEvent, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	if f.Kind != "" && f.Kind != ferry.EventCampaign && f.Kind != ferry.EventBlackout {
		return nil, ferry.Errorf(ferry.EINVALID, `kind must be "campaign" or "blackout".`).WithDetails(map[string]string{"kind": `must be "campaign" or "blackout"`})
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	start, end := firstCalendarDate.At(0, 0, loc), lastCalendarDate.AddDays(1).At(0, 0, loc)
	if f.From != "" || f.To != "" {
		from, to := firstCalendarDate, lastCalendarDate
		details := map[string]string{}
		if f.From != "" {
			if from, err = calendar.ParseDate(f.From); err != nil {
				details["from"] = "must be a date in the form YYYY-MM-DD"
			}
		}
		if f.To != "" {
			if to, err = calendar.ParseDate(f.To); err != nil {
				details["to"] = "must be a date in the form YYYY-MM-DD"
			}
		}
		if len(details) > 0 {
			return nil, ferry.Errorf(ferry.EINVALID, "The date range is not valid.").WithDetails(details)
		}
		start, end = from.At(0, 0, loc), to.AddDays(1).At(0, 0, loc)
	}
	list, err := s.eventsBetween(ctx, q, p.WorkspaceID, f.Kind, start, end, loc)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*ferry.CalendarEvent{}
	}
	return list, nil
}

// CalendarEvent returns one of the workspace's events.
func (s *Service) CalendarEvent(ctx context.Context, p ferry.Principal, id string) (*ferry.CalendarEvent, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	e, err := q.CalendarEvent(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return e, present(e, loc)
}

// CreateCalendarEvent adds a campaign (editors and above) or a blackout
// period (admins and owners).
func (s *Service) CreateCalendarEvent(ctx context.Context, p ferry.Principal, in CalendarEventInput) (*ferry.CalendarEvent, error) {
	if err := require(p, ferry.RoleEditor, "manage the calendar"); err != nil {
		return nil, err
	}
	e := &ferry.CalendarEvent{WorkspaceID: p.WorkspaceID, CreatedBy: p.UserID}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		loc, err := s.location(ctx, &tx.Q, p.WorkspaceID)
		if err != nil {
			return err
		}
		if err := in.validate(e, loc); err != nil {
			return err
		}
		if err := mayManageEvent(p, e.Kind); err != nil {
			return err
		}
		if err := tx.CreateCalendarEvent(ctx, e); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "calendar_event.create", "calendar_event", e.ID, eventAudit(e))); err != nil {
			return err
		}
		return present(e, loc)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func eventAudit(e *ferry.CalendarEvent) map[string]any {
	return map[string]any{"kind": e.Kind, "name_en": e.NameEN, "name_zh": e.NameZh, "starts_at": e.StartsAt.UTC(), "ends_at": e.EndsAt.UTC(), "all_day": e.AllDay}
}

// UpdateCalendarEvent edits an event. Who may depends on its kind before
// and after the edit (see CreateCalendarEvent).
func (s *Service) UpdateCalendarEvent(ctx context.Context, p ferry.Principal, id string, patch CalendarEventPatch) (*ferry.CalendarEvent, error) {
	if err := require(p, ferry.RoleEditor, "manage the calendar"); err != nil {
		return nil, err
	}
	var e *ferry.CalendarEvent
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		loc, err := s.location(ctx, &tx.Q, p.WorkspaceID)
		if err != nil {
			return err
		}
		if e, err = tx.CalendarEvent(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if err := mayManageEvent(p, e.Kind); err != nil {
			return err
		}
		in := CalendarEventInput{Kind: e.Kind, NameEN: e.NameEN, NameZh: e.NameZh, Note: e.Note}
		if e.AllDay {
			in.StartDate, in.EndDate = e.StartDate, e.EndDate
		} else {
			in.StartsAt, in.EndsAt = &e.StartsAt, &e.EndsAt
		}
		patch.apply(&in)
		if err := in.validate(e, loc); err != nil {
			return err
		}
		if err := mayManageEvent(p, e.Kind); err != nil {
			return err
		}
		if err := tx.UpdateCalendarEvent(ctx, e); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "calendar_event.update", "calendar_event", e.ID, eventAudit(e))); err != nil {
			return err
		}
		return present(e, loc)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (patch CalendarEventPatch) apply(in *CalendarEventInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Kind, patch.Kind)
	set(&in.NameEN, patch.NameEN)
	set(&in.NameZh, patch.NameZh)
	set(&in.Note, patch.Note)
	// An event is either all day or timed: touching one form drops the
	// other, and a change of form needs both bounds of the new one.
	switch {
	case patch.StartDate != nil || patch.EndDate != nil:
		in.StartsAt, in.EndsAt = nil, nil
		set(&in.StartDate, patch.StartDate)
		set(&in.EndDate, patch.EndDate)
	case patch.StartsAt != nil || patch.EndsAt != nil:
		in.StartDate, in.EndDate = "", ""
		if patch.StartsAt != nil {
			in.StartsAt = patch.StartsAt
		}
		if patch.EndsAt != nil {
			in.EndsAt = patch.EndsAt
		}
	}
}

// DeleteCalendarEvent deletes an event (see CreateCalendarEvent for who may)
// and returns what it was.
func (s *Service) DeleteCalendarEvent(ctx context.Context, p ferry.Principal, id string) (*ferry.CalendarEvent, error) {
	if err := require(p, ferry.RoleEditor, "manage the calendar"); err != nil {
		return nil, err
	}
	var e *ferry.CalendarEvent
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		loc, err := s.location(ctx, &tx.Q, p.WorkspaceID)
		if err != nil {
			return err
		}
		if e, err = tx.CalendarEvent(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if err := mayManageEvent(p, e.Kind); err != nil {
			return err
		}
		if err := tx.DeleteCalendarEvent(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "calendar_event.delete", "calendar_event", e.ID, eventAudit(e))); err != nil {
			return err
		}
		return present(e, loc)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
