package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// undoSeconds is how long the calendar offers to undo a move (the page's
// script hides the offer then; without the script it stays).
const undoSeconds = 10

// accountColors is how many account colours calendar.css defines.
const accountColors = 8

// calendarPage is the calendar's month or week with what falls on its days.
type calendarPage struct {
	Week     bool
	Region   string
	Regions  []string
	Heading  string
	Anchor   string // the month (2026-12) or the week's Monday (2026-12-07) shown
	Prev     string
	Next     string
	Today    string
	Other    string // the same place in the other view
	Weekdays []string
	Weeks    [][]*calDay // month view: rows of seven days
	Days     []*calDay   // week view: seven days
	Hours    []string    // week view: "00:00" … "23:00"
	Notes    []string
	Accounts []calAccount
	// CanMove: editors move stories and add campaigns; CanAdmin: admins add
	// blackouts and may schedule into one.
	CanMove, CanAdmin bool
	Here              string
	Moved             *calMoved
	Added             string // "campaign" or "blackout" just added
	Form              eventForm
}

// calDay is one day of the calendar.
type calDay struct {
	Date     calendar.Date
	ISO      string
	Label    string // the whole date in words, for screen readers
	Number   int
	Outside  bool // a day of the month before or after
	Today    bool
	Holiday  bool // a public holiday
	Working  bool // a make-up working day
	Blackout bool
	Entries  []calEntry
	Stories  []*calStory
	Slots    [][]*calStory // week view: by hour
}

// calEntry is a festival, holiday, campaign or blackout on a day.
type calEntry struct {
	Kind string // festival, public_holiday, working_day, campaign, blackout
	Name string
	Time string // a recurring campaign's time, or a timed event's bounds
}

// calStory is a story's publications due at one time.
type calStory struct {
	ID, Title string
	At        time.Time
	Time      string // 15:04
	Date      string // 2006-01-02
	Movable   bool
	Pubs      []calPub
}

// calPub is one publication's chip.
type calPub struct {
	Platform ferry.Platform
	Account  string
	Color    int
	State    ferry.PublicationState
	Tone     string
}

// calAccount is an account in the legend.
type calAccount struct {
	Name     string
	Platform ferry.Platform
	Color    int
}

// calMoved is the notice after a move, with its undo.
type calMoved struct {
	Story  string
	Title  string
	To     time.Time
	Was    time.Time
	Undone bool
}

// eventForm is the input of the form adding a campaign or blackout.
type eventForm struct {
	Kind, NameEN, NameZh, StartDate, EndDate, Note string
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderCalendar(w, r, rq, http.StatusOK, eventForm{}, nil, "")
}

// renderCalendar shows the calendar the URL asks for; a form sent back with
// errors shows them beside its fields.
func (s *Server) renderCalendar(w http.ResponseWriter, r *http.Request, rq *request, status int, form eventForm, errs map[string]string, problem string) {
	ctx, p, loc := r.Context(), rq.principal(), rq.location()
	q := r.URL.Query()
	v := s.view(r, rq, "calendar.title")
	v.Errors = map[string]string{}
	for k, e := range errs {
		v.Errors[k] = e
	}
	v.Problem = problem
	page := calendarPage{Week: q.Get("view") == "week", Regions: service.CalendarRegions(), Form: form, Here: r.URL.RequestURI(),
		CanMove: rq.me.Role.AtLeast(ferry.RoleEditor), CanAdmin: rq.me.Role.AtLeast(ferry.RoleAdmin), Added: q.Get("added")}
	page.Region = strings.ToUpper(q.Get("region"))
	if page.Region == "" {
		page.Region = rq.me.Workspace.Region
	}
	if !slices.Contains(page.Regions, page.Region) {
		v.Errors["region"] = "field.invalid"
		page.Region = rq.me.Workspace.Region
		if !slices.Contains(page.Regions, page.Region) {
			page.Region = page.Regions[0]
		}
	}
	today := calendar.DateOf(s.svc.DB.Now().In(loc))

	// The days shown: a month from the Monday on or before its first day to
	// the Sunday on or after its last, or a week from Monday.
	var first, last calendar.Date
	if page.Week {
		anchor := monday(today)
		if s := q.Get("week"); s != "" {
			d, err := calendar.ParseDate(s)
			if err != nil || d.Year < 1901 || d.Year > 2099 {
				v.Errors["week"] = "calendar.bad_week"
			} else {
				anchor = monday(d)
			}
		}
		first, last = anchor, anchor.AddDays(6)
		page.Anchor = anchor.String()
		page.Heading = v.T("calendar.week_title", "from", v.Date(first), "to", v.Date(last))
		page.Prev, page.Next, page.Today = s.calendarLink(true, anchor.AddDays(-7).String(), page.Region), s.calendarLink(true, anchor.AddDays(7).String(), page.Region), s.calendarLink(true, "", page.Region)
		page.Other = s.calendarLink(false, monthOf(anchor), page.Region)
	} else {
		month := calendar.NewDate(today.Year, today.Month, 1)
		if s := q.Get("month"); s != "" {
			d, err := calendar.ParseDate(s + "-01")
			if err != nil || d.Year < 1901 || d.Year > 2099 {
				v.Errors["month"] = "calendar.bad_month"
			} else {
				month = d
			}
		}
		first = monday(month)
		end := calendar.NewDate(month.Year, month.Month+1, 1).AddDays(-1)
		last = monday(end).AddDays(6)
		page.Anchor = monthOf(month)
		page.Heading = v.T("calendar.month_title", "month", v.T("calendar.month."+strconv.Itoa(int(month.Month))), "year", month.Year)
		prev, next := calendar.NewDate(month.Year, month.Month-1, 1), calendar.NewDate(month.Year, month.Month+1, 1)
		page.Prev, page.Next, page.Today = s.calendarLink(false, monthOf(prev), page.Region), s.calendarLink(false, monthOf(next), page.Region), s.calendarLink(false, "", page.Region)
		weekOf := month
		if month.Year == today.Year && month.Month == today.Month {
			weekOf = today
		}
		page.Other = s.calendarLink(true, monday(weekOf).String(), page.Region)
	}
	for i := range 7 {
		page.Weekdays = append(page.Weekdays, v.T("calendar.weekday."+strconv.Itoa((i+1)%7)))
	}

	days := map[calendar.Date]*calDay{}
	var all []*calDay
	for d := first; !d.After(last); d = d.AddDays(1) {
		day := &calDay{Date: d, ISO: d.String(), Label: v.Date(d), Number: d.Day, Today: d == today,
			Outside: !page.Week && (d.Month != first.AddDays(7).Month)}
		if page.Week {
			day.Slots = make([][]*calStory, 24)
		}
		days[d] = day
		all = append(all, day)
	}
	if page.Week {
		page.Days = all
		for h := range 24 {
			page.Hours = append(page.Hours, time.Date(2000, 1, 1, h, 0, 0, 0, time.UTC).Format("15:04"))
		}
	} else {
		for i := 0; i < len(all); i += 7 {
			page.Weeks = append(page.Weeks, all[i:i+7])
		}
	}

	cal, err := s.svc.Calendar(ctx, p, service.CalendarQuery{From: first.String(), To: last.String(), Region: page.Region})
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Notes = cal.Notes
	for _, e := range cal.Events {
		entry := calEntry{Kind: e.Kind, Name: s.entryName(rq, e)}
		end := e.Date
		if e.EndDate != nil {
			end = *e.EndDate
		}
		switch {
		case e.At != nil:
			entry.Time = e.At.In(loc).Format("15:04")
		case e.EventID != "" && !e.AllDay && e.StartsAt != nil && e.EndsAt != nil:
			entry.Time = e.StartsAt.In(loc).Format("15:04") + "–" + e.EndsAt.In(loc).Format("15:04")
		}
		for d := e.Date; !d.After(end); d = d.AddDays(1) {
			day := days[d]
			if day == nil {
				continue
			}
			day.Entries = append(day.Entries, entry)
			switch e.Kind {
			case string(calendar.KindPublicHoliday):
				day.Holiday = true
			case string(calendar.KindWorkingDay):
				day.Working = true
			case ferry.EventBlackout:
				day.Blackout = true
			}
		}
	}

	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	colors := map[string]int{}
	names := map[string]string{}
	for i, a := range accts {
		colors[a.ID], names[a.ID] = i%accountColors, a.Name
		if a.Health != ferry.HealthClosed {
			page.Accounts = append(page.Accounts, calAccount{Name: a.Name, Platform: a.Platform, Color: i % accountColors})
		}
	}
	stories, err := s.svc.CalendarPublications(ctx, p, first, last)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	for _, cs := range stories {
		day := days[cs.Day]
		if day == nil {
			continue
		}
		item := &calStory{ID: cs.Story.ID, Title: cs.Title, At: cs.At, Time: cs.At.Format("15:04"), Date: cs.Day.String(), Movable: page.CanMove && cs.Movable()}
		for _, pub := range cs.Publications {
			item.Pubs = append(item.Pubs, calPub{Platform: pub.Platform, Account: names[pub.AccountID], Color: colors[pub.AccountID], State: pub.State, Tone: stateTone(pub.State)})
		}
		day.Stories = append(day.Stories, item)
		if page.Week {
			day.Slots[cs.At.Hour()] = append(day.Slots[cs.At.Hour()], item)
		}
	}

	if id := q.Get("moved"); id != "" {
		page.Moved = s.movedNotice(r, rq, id, q.Get("was"), false)
	} else if id := q.Get("undone"); id != "" {
		page.Moved = s.movedNotice(r, rq, id, "", true)
	}
	v.Data = page
	s.pages.Render(w, r, status, "calendar.html", v)
}

// movedNotice describes a story just moved (or moved back), or nil when it
// cannot be found.
func (s *Server) movedNotice(r *http.Request, rq *request, id, was string, undone bool) *calMoved {
	st, err := s.svc.Story(r.Context(), rq.principal(), id)
	if err != nil || st.ScheduledAt == nil {
		return nil
	}
	m := &calMoved{Story: id, Title: service.StoryTitle(st.Story), To: st.ScheduledAt.In(rq.location()), Undone: undone}
	if !undone {
		t, err := time.Parse(time.RFC3339, was)
		if err != nil {
			return nil
		}
		m.Was = t.In(rq.location())
	}
	return m
}

// entryName names a calendar entry in the page's language: a festival by
// its name in the page's script, a campaign or blackout by what a person
// typed, converted to the page's script (see inScript).
func (s *Server) entryName(rq *request, e service.CalendarEntry) string {
	switch {
	case rq.lang == "en" && e.NameEN != "" || e.NameZh == "":
		return e.NameEN
	case rq.lang == "zh-Hant" && e.NameZhHant != "":
		return e.NameZhHant
	case rq.lang == "zh-Hans" && e.NameZhHans != "":
		return e.NameZhHans
	}
	return s.inScript(rq.lang, e.NameZh)
}

// eventName names a workspace's campaign or blackout in the page's
// language, as entryName does.
func (s *Server) eventName(rq *request, e *ferry.CalendarEvent) string {
	if rq.lang != "en" && e.NameZh != "" || e.NameEN == "" {
		return s.inScript(rq.lang, e.NameZh)
	}
	return e.NameEN
}

// inScript shows Chinese a person typed in the script of the page's
// language: Traditional (Hong Kong forms) on a 繁體 page, Simplified on a
// 简体 page; English pages show it as typed. Only what is shown changes,
// never what is stored; a failed conversion shows the text as typed.
func (s *Server) inScript(lang, text string) string {
	var cfg script.Config
	switch lang {
	case "zh-Hant":
		cfg = script.S2HK
	case "zh-Hans":
		cfg = script.HK2S
	default:
		return text
	}
	if out, err := s.conv.Convert(cfg, text); err == nil {
		return out
	}
	return text
}

// calendarLink is the calendar's URL for a month (2026-12) or a week (its
// Monday), "" meaning the current one.
func (s *Server) calendarLink(week bool, at, region string) string {
	vals := url.Values{}
	if week {
		vals.Set("view", "week")
		if at != "" {
			vals.Set("week", at)
		}
	} else if at != "" {
		vals.Set("month", at)
	}
	vals.Set("region", region)
	return "/calendar?" + vals.Encode()
}

func monday(d calendar.Date) calendar.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

func monthOf(d calendar.Date) string { return d.String()[:7] }

// movePage is the form moving a story to another day and time.
type movePage struct {
	Story    *service.StoryView
	Title    string
	Date     string
	Time     string
	Override bool
	Next     string
	Undo     bool
	// Blackout names the blackout period the time falls in.
	Blackout string
	CanMove  bool
	CanAdmin bool
	// TooLate answers for each publication when the move was refused
	// because one was being sent; Names are the accounts' names.
	TooLate []service.PublicationAnswer
	Names   map[string]string
}

func (s *Server) moveForm(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	st, err := s.svc.Story(r.Context(), rq.principal(), q.Get("story"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page := movePage{Story: st, Title: service.StoryTitle(st.Story), Next: calendarNext(q.Get("next"))}
	if st.ScheduledAt != nil {
		at := st.ScheduledAt.In(rq.location())
		page.Date, page.Time = at.Format(time.DateOnly), at.Format("15:04")
	}
	s.renderMove(w, r, rq, http.StatusOK, page, nil, "")
}

func (s *Server) renderMove(w http.ResponseWriter, r *http.Request, rq *request, status int, page movePage, errs map[string]string, problem string) {
	page.CanMove, page.CanAdmin = rq.me.Role.AtLeast(ferry.RoleEditor), rq.me.Role.AtLeast(ferry.RoleAdmin)
	v := s.view(r, rq, "calendar.move.title")
	v.Errors, v.Problem, v.Data = errs, problem, page
	s.pages.Render(w, r, status, "calendar_move.html", v)
}

// move reschedules a story through the service's ScheduleStory, keeping
// whatever the form does not change, and goes back to the calendar with
// the offer to undo.
func (s *Server) move(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p, loc := r.Context(), rq.principal(), rq.location()
	f := r.PostForm
	st, err := s.svc.Story(ctx, p, f.Get("story"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page := movePage{Story: st, Title: service.StoryTitle(st.Story), Date: strings.TrimSpace(f.Get("date")), Time: strings.TrimSpace(f.Get("time")),
		Override: f.Get("override") != "", Next: calendarNext(f.Get("next")), Undo: f.Get("undo") != ""}
	errs := map[string]string{}
	day, err := calendar.ParseDate(page.Date)
	switch {
	case page.Date == "":
		errs["date"] = "field.required"
	case err != nil || day.Year < 1901 || day.Year > 2099:
		errs["date"] = "calendar.bad_date"
	}
	clock, err := time.Parse("15:04", page.Time)
	switch {
	case page.Time == "":
		errs["time"] = "field.required"
	case err != nil:
		errs["time"] = "calendar.bad_time"
	}
	if len(errs) > 0 {
		s.renderMove(w, r, rq, http.StatusBadRequest, page, errs, "")
		return
	}
	at := day.At(clock.Hour(), clock.Minute(), loc)
	was := st.ScheduledAt
	_, err = s.svc.ScheduleStory(ctx, p, st.ID, service.ScheduleInput{At: at, OverrideBlackout: page.Override})
	if err != nil {
		var fe *ferry.Error
		if errors.As(err, &fe) {
			if details, ok := fe.Details.(map[string]any); ok {
				if b, ok := details["blackout"].(*ferry.CalendarEvent); ok {
					page.Blackout = s.eventName(rq, b)
					key := "calendar.move.blackout"
					switch {
					case fe.Code == ferry.EFORBIDDEN:
						key = "calendar.move.blackout_admin"
					case rq.me.Role.AtLeast(ferry.RoleAdmin):
						key = "calendar.move.blackout_override"
					}
					s.renderMove(w, r, rq, http.StatusUnprocessableEntity, page, map[string]string{"date": key}, "")
					return
				}
			}
			switch fe.Code {
			case ferry.EINVALID, ferry.EUNPROCESSABLE:
				s.renderMove(w, r, rq, http.StatusUnprocessableEntity, page, nil, "calendar.move.refused")
				return
			case ferry.ECONFLICT:
				if page.TooLate = refusedAnswers(err); page.TooLate != nil {
					page.Names = s.accountNames(ctx, p)
				}
				s.renderMove(w, r, rq, http.StatusConflict, page, nil, "calendar.move.conflict")
				return
			}
		}
		s.fail(w, r, rq, err)
		return
	}
	u, vals := calendarBack(page.Next)
	if page.Undo || was == nil {
		vals.Set("undone", st.ID)
	} else {
		vals.Set("moved", st.ID)
		vals.Set("was", was.In(loc).Format(time.RFC3339))
	}
	u.RawQuery = vals.Encode()
	u.Fragment = "story-" + st.ID
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// calendarNext is where a calendar form goes back to: a calendar page.
func calendarNext(next string) string {
	next = localPath(next)
	if next != "/calendar" && !strings.HasPrefix(next, "/calendar?") {
		return "/calendar"
	}
	return next
}

// calendarBack parses a calendarNext address and its query without the
// notices of the last move or addition.
func calendarBack(next string) (*url.URL, url.Values) {
	u, err := url.Parse(next)
	if err != nil {
		u = &url.URL{Path: "/calendar"}
	}
	vals := u.Query()
	for _, k := range []string{"moved", "was", "undone", "added"} {
		vals.Del(k)
	}
	return u, vals
}

// addEvent adds a campaign (editors) or a blackout period (admins) through
// the service; the calendar comes back with the errors beside the fields.
func (s *Server) addEvent(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	form := eventForm{Kind: f.Get("kind"), NameEN: f.Get("name_en"), NameZh: f.Get("name_zh"), StartDate: strings.TrimSpace(f.Get("start_date")),
		EndDate: strings.TrimSpace(f.Get("end_date")), Note: f.Get("note")}
	next := calendarNext(f.Get("next"))
	if form.Kind != ferry.EventBlackout {
		form.Kind = ferry.EventCampaign
	}
	_, err := s.svc.CreateCalendarEvent(r.Context(), rq.principal(), service.CalendarEventInput{Kind: form.Kind, NameEN: form.NameEN, NameZh: form.NameZh,
		Note: form.Note, StartDate: form.StartDate, EndDate: form.EndDate})
	if err != nil {
		var fe *ferry.Error
		if !errors.As(err, &fe) || (fe.Code != ferry.EINVALID && fe.Code != ferry.EFORBIDDEN) {
			s.fail(w, r, rq, err)
			return
		}
		errs, problem := map[string]string{}, ""
		if fe.Code == ferry.EFORBIDDEN {
			problem = "calendar.event.forbidden." + form.Kind
		}
		details, _ := fe.Details.(map[string]string)
		for field := range details {
			switch field {
			case "name_en", "name_zh":
				if strings.TrimSpace(form.NameEN) == "" && strings.TrimSpace(form.NameZh) == "" {
					errs["name_en"] = "calendar.event.name_needed"
				} else {
					errs[field] = "field.too_long"
				}
			case "note":
				errs["note"] = "field.too_long"
			case "start_date":
				if form.StartDate == "" {
					errs["start_date"] = "field.required"
				} else {
					errs["start_date"] = "calendar.bad_date"
				}
			case "end_date":
				if _, err := calendar.ParseDate(form.EndDate); err != nil {
					errs["end_date"] = "calendar.bad_date"
				} else {
					errs["end_date"] = "calendar.event.end_range"
				}
			}
		}
		// The calendar comes back as it was, with the form open.
		_, vals := calendarBack(next)
		r.URL.Path, r.URL.RawQuery = "/calendar", vals.Encode()
		errs["form"] = form.Kind
		s.renderCalendar(w, r, rq, http.StatusBadRequest, form, errs, problem)
		return
	}
	u, vals := calendarBack(next)
	vals.Set("added", form.Kind)
	u.RawQuery = vals.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// UndoSeconds is how long the page offers to undo a move.
func (calendarPage) UndoSeconds() int { return undoSeconds }

// EventFields are the fields of the forms adding events, in order.
func (calendarPage) EventFields() []string {
	return []string{"name_en", "name_zh", "start_date", "end_date", "note"}
}

// calArgs carries the page's helpers into the calendar's sub-templates.
type calArgs struct {
	V    *view
	Page calendarPage
	Day  *calDay
	Item *calStory
	Kind string
}

// Cal bundles the view with a day, a story or a form's kind, and the
// calendar page, for the calendar's sub-templates.
func (v *view) Cal(args ...any) calArgs {
	a := calArgs{V: v}
	a.Page, _ = v.Data.(calendarPage)
	for _, x := range args {
		switch x := x.(type) {
		case *calDay:
			a.Day = x
		case *calStory:
			a.Item = x
		case string:
			a.Kind = x
		}
	}
	return a
}

// DayHead names a day in a week view's column head: "Mon 14 Dec",
// "12月14日 星期一".
func (v *view) DayHead(d calendar.Date) string { return v.format("format.calendar_day", d) }

// accountNames are the workspace's account names by id, or none when they
// cannot be read (the page then shows platforms only).
func (s *Server) accountNames(ctx context.Context, p ferry.Principal) map[string]string {
	names := map[string]string{}
	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		return names
	}
	for _, a := range accts {
		names[a.ID] = a.Name
	}
	return names
}
