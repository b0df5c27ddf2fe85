package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// calendarBundle is a workspace in zone with an editor, an admin and a
// viewer (all with ownerPassword), a Telegram account and a story
// scheduled at 23:30 on day, three days from now.
type calendarBundle struct {
	*testBundle
	owner, editor, viewer ferry.Principal
	loc                   *time.Location
	day                   time.Time // midnight, in loc
	story                 *service.StoryView
}

func calendarSetup(t *testing.T, b testdb.Backend, zone string) *calendarBundle {
	t.Helper()
	ctx := context.Background()
	tb := setup(t, b)
	cb := &calendarBundle{testBundle: tb}
	cb.owner, _ = tb.setUpIn(zone, "")
	cb.editor = tb.person(cb.owner, "eddie@example.org", ferry.RoleEditor)
	cb.viewer = tb.person(cb.owner, "vic@example.org", ferry.RoleViewer)
	acct := tb.account(cb.owner, ferry.Telegram, "@harbour", "Harbour Channel", func(a *ferry.Account) { a.Credentials["bot_token"] = "t" })
	var err error
	cb.loc, err = time.LoadLocation(zone)
	require.NoError(t, err)
	y, m, d := time.Now().In(cb.loc).AddDate(0, 0, 3).Date()
	cb.day = time.Date(y, m, d, 0, 0, 0, 0, cb.loc)
	at := cb.day.Add(23*time.Hour + 30*time.Minute)
	cb.story, err = tb.svc.CreateStory(ctx, cb.editor, service.StoryInput{Title: "Night market opens", Body: "The night market opens at the pier.",
		Targets: []string{acct.ID}, ScheduledAt: &at})
	require.NoError(t, err)
	return cb
}

// scheduledAt is the story's time now, in the workspace's zone.
func (cb *calendarBundle) scheduledAt() time.Time {
	cb.t.Helper()
	st, err := cb.svc.Story(context.Background(), cb.owner, cb.story.Story.ID)
	require.NoError(cb.t, err)
	require.NotNil(cb.t, st.ScheduledAt)
	return st.ScheduledAt.In(cb.loc)
}

func storyCell(t *testing.T, body, id string) (date, hour string) {
	t.Helper()
	i := strings.Index(body, `id="story-`+id+`"`)
	require.NotEqual(t, -1, i, "the story is on the calendar")
	td := strings.LastIndex(body[:i], "<td ")
	require.NotEqual(t, -1, td)
	cell := body[td:i]
	date = regexp.MustCompile(`data-date="([0-9-]+)"`).FindStringSubmatch(cell)[1]
	if m := regexp.MustCompile(`data-hour="(\d+)"`).FindStringSubmatch(cell); m != nil {
		hour = m[1]
	}
	return date, hour
}

func TestCalendar_AStoryAt2330SitsOnItsDayInEveryView(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			// 23:30 in New York is the next day in UTC.
			cb := calendarSetup(t, b, "America/New_York")
			id, day := cb.story.Story.ID, cb.day.Format(time.DateOnly)
			require.NotEqual(t, day, cb.scheduledAt().UTC().Format(time.DateOnly))
			br := cb.signedIn("vic@example.org", "en")

			month := br.get("/calendar?month=" + cb.day.Format("2006-01"))
			require.Equal(t, 200, month.status)
			date, _ := storyCell(t, month.body, id)
			require.Equal(t, day, date, "month view")
			require.Contains(t, month.body, `<time class="cal-time" datetime="`+cb.day.Format("2006-01-02")+`T23:30:00-05:00">23:30</time>`, "the tile shows the time")
			require.Contains(t, month.body, `aria-current="page">Calendar</a>`)
			require.NotContains(t, month.body, `class="cal-item movable"`, "a viewer cannot move stories")
			require.Contains(t, text(month.body), "Editors and admins can add campaigns")

			week := br.get("/calendar?view=week&week=" + day)
			require.Equal(t, 200, week.status)
			date, hour := storyCell(t, week.body, id)
			require.Equal(t, day, date, "week view")
			require.Equal(t, "23", hour)

			move := br.get("/calendar/move?story=" + id)
			require.Equal(t, 200, move.status)
			require.Contains(t, text(move.body), fmt.Sprintf("Now: %s %d %s %d, 23:30", cb.day.Format("Mon"), cb.day.Day(), cb.day.Format("Jan"), cb.day.Year()))
			require.Contains(t, text(move.body), "Only editors and admins can move stories.")
		})
	}
}

func TestCalendar_ShowsHolidaysOfTheChosenRegionAndRefusesBadInput(t *testing.T) {
	t.Parallel()
	cb := calendarSetup(t, testdb.Backends()[0], "Asia/Hong_Kong")
	br := cb.signedIn("ada@example.org", "en")

	_, err := cb.svc.CreateRecurringCampaign(context.Background(), cb.owner, service.RecurringCampaignInput{NameEN: "Year-end review", NameZh: "年終回顧",
		Recurrence: ferry.Recurrence{Month: 12, Day: 28, LocalTime: "18:00"}})
	require.NoError(t, err)
	dec := br.get("/calendar?month=2026-12")
	require.Equal(t, 200, dec.status)
	require.Regexp(t, `<td class="day holiday" data-drop data-date="2026-12-25"`, dec.body)
	require.Contains(t, text(dec.body), "Christmas Day")
	require.Contains(t, text(dec.body), "December 2026")
	require.Contains(t, dec.body, `href="/compose?date=2026-12-07"`, "a day links to compose")
	require.Regexp(t, `data-date="2026-12-28"[^>]*>\s*<div class="day-top">.*\s*<ul class="evs"><li class="ev ev-campaign"><span class="sr-only">Campaign: </span><span class="ev-time">18:00</span> Year-end review</li>`, dec.body,
		"a recurring campaign's occurrence, with its time")

	cn := br.get("/calendar?month=2026-02&region=CN")
	require.Equal(t, 200, cn.status)
	require.Contains(t, cn.body, `<option value="CN" selected>`)
	require.Contains(t, cn.body, `class="ev ev-working_day"`, "the mainland's make-up working days")
	require.Regexp(t, `<td class="day working" data-drop data-date="2026-02-14"`, cn.body)
	require.Contains(t, text(cn.body), "Spring Festival")

	// Each script names the holidays its own way, whatever the region.
	br.lang = "zh-CN"
	require.Contains(t, text(br.get("/calendar?month=2026-12").body), "圣诞节")
	br.lang = "zh-HK"
	require.Contains(t, text(br.get("/calendar?month=2026-02&region=CN").body), "春節")
	br.lang = "en"

	bad := br.get("/calendar?month=2026-13&region=XX")
	require.Equal(t, 200, bad.status)
	require.Contains(t, bad.body, `<p class="field-error" id="month-error">Choose a month between 1901 and 2099.</p>`)
	require.Contains(t, bad.body, `<p class="field-error" id="region-error">This is not valid.</p>`)
	require.Contains(t, bad.body, `value="`+time.Now().In(cb.loc).Format("2006-01")+`"`, "the current month instead")
}

func TestCalendar_MoveKeepsTheTimeOfDayAndUndoMovesItBack(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			cb := calendarSetup(t, b, "Asia/Hong_Kong")
			id := cb.story.Story.ID
			was := cb.scheduledAt()
			br := cb.signedIn("eddie@example.org", "en")
			next := "/calendar?month=" + cb.day.Format("2006-01") + "&region=HK"
			page := br.get(next)
			require.Contains(t, page.body, `class="cal-item movable" id="story-`+id+`"`)
			token := br.csrf()
			to := cb.day.AddDate(0, 0, 2)
			mf := br.get("/calendar/move?story=" + id + "&next=" + url.QueryEscape(next))
			require.Equal(t, 200, mf.status)
			require.Contains(t, mf.body, `name="date" type="date" value="`+was.Format(time.DateOnly)+`"`, "without JavaScript, a form moves it")
			require.Contains(t, mf.body, `name="time" type="time" value="23:30"`)

			moved := br.post("/calendar/move", "same-origin", url.Values{"csrf": {token}, "story": {id}, "date": {to.Format(time.DateOnly)},
				"time": {"23:30"}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, moved.status, moved.body)
			require.True(t, strings.HasPrefix(moved.location, "/calendar?"), moved.location)
			require.Contains(t, moved.location, "#story-"+id)
			now := cb.scheduledAt()
			require.Equal(t, to.Add(23*time.Hour+30*time.Minute), now, "the time of day is kept")
			pubID := cb.story.Publications[0].ID
			require.Equal(t, now.UTC(), cb.jobs.at(pubID).UTC(), "the publication is enqueued at its new time")

			after := br.get(strings.Split(moved.location, "#")[0])
			require.Equal(t, 200, after.status)
			date, _ := storyCell(t, after.body, id)
			require.Equal(t, to.Format(time.DateOnly), date)
			at := text(after.body)
			require.Contains(t, at, "Moved “Night market opens” to")
			require.Contains(t, after.body, `<input type="hidden" name="date" value="`+was.Format(time.DateOnly)+`">`, "the undo form moves it back")

			undone := br.post("/calendar/move", "same-origin", url.Values{"csrf": {token}, "story": {id}, "date": {was.Format(time.DateOnly)},
				"time": {was.Format("15:04")}, "undo": {"1"}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, undone.status, undone.body)
			require.Contains(t, undone.location, "undone="+id)
			require.Equal(t, was, cb.scheduledAt())
			require.Contains(t, text(br.get(strings.Split(undone.location, "#")[0]).body), "“Night market opens” is back at")

			// Bad input comes back beside the fields, kept; nothing moves.
			bad := br.post("/calendar/move", "same-origin", url.Values{"csrf": {token}, "story": {id}, "date": {"2026-02-30"}, "time": {"25:99"}, "next": {next}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `<p class="field-error" id="date-error">Enter a date between 1901 and 2099.</p>`)
			require.Contains(t, bad.body, `<p class="field-error" id="time-error">Enter a time such as 09:30.</p>`)
			require.Contains(t, bad.body, `value="25:99"`)
			require.Equal(t, was, cb.scheduledAt())

			// Without the form's token, or from another site: refused.
			form := url.Values{"story": {id}, "date": {to.Format(time.DateOnly)}, "time": {"10:00"}, "next": {next}}
			require.Equal(t, http.StatusForbidden, br.post("/calendar/move", "same-origin", form).status)
			form.Set("csrf", token)
			require.Equal(t, http.StatusForbidden, br.post("/calendar/move", "cross-site", form).status)
			require.Equal(t, was, cb.scheduledAt())

			// A viewer is refused by the service.
			vb := cb.browser()
			vb.signIn("vic@example.org", ownerPassword)
			form.Set("csrf", vb.csrf())
			require.Equal(t, http.StatusForbidden, vb.post("/calendar/move", "same-origin", form).status)
			require.Equal(t, was, cb.scheduledAt())

			// Next never leaves the calendar.
			form.Set("csrf", token)
			form.Set("next", "https://evil.example/calendar")
			off := br.post("/calendar/move", "same-origin", form)
			require.Equal(t, http.StatusSeeOther, off.status)
			require.True(t, strings.HasPrefix(off.location, "/calendar?"), off.location)
		})
	}
}

func TestCalendar_BlackoutRefusesAMoveUnlessAnAdminOverrides(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			cb := calendarSetup(t, b, "Asia/Hong_Kong")
			id := cb.story.Story.ID
			was := cb.scheduledAt()
			blocked := cb.day.AddDate(0, 0, 1).Format(time.DateOnly)
			next := "/calendar?month=" + cb.day.Format("2006-01")

			// The editor may add a campaign but not a blackout.
			eb := cb.signedIn("eddie@example.org", "en")
			page := eb.get(next)
			require.Contains(t, page.body, `id="form-campaign"`)
			require.NotContains(t, page.body, `id="form-blackout"`)
			require.Contains(t, text(page.body), "Only admins can add blackout periods")
			token := eb.csrf()
			refused := eb.post("/calendar/events", "same-origin", url.Values{"csrf": {token}, "kind": {"blackout"}, "name_en": {"Election day"},
				"start_date": {blocked}, "next": {next}})
			require.Equal(t, http.StatusBadRequest, refused.status)
			require.Contains(t, refused.body, "Only admins can add blackout periods.")

			// Bad input: the errors beside the fields, the input kept.
			bad := eb.post("/calendar/events", "same-origin", url.Values{"csrf": {token}, "kind": {"campaign"}, "note": {"keep me"},
				"start_date": {blocked}, "end_date": {cb.day.Format(time.DateOnly)}, "next": {next}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `<p class="field-error" id="campaign-name_en-error">Give a name in English or in Chinese.</p>`)
			require.Contains(t, bad.body, `value="keep me"`)
			evs, err := cb.svc.CalendarEvents(context.Background(), cb.owner, service.CalendarEventFilter{})
			require.NoError(t, err)
			require.Empty(t, evs, "nothing half-saved")

			added := eb.post("/calendar/events", "same-origin", url.Values{"csrf": {token}, "kind": {"campaign"}, "name_en": {"Winter lights"},
				"name_zh": {"冬日燈飾"}, "start_date": {cb.day.Format(time.DateOnly)}, "end_date": {blocked}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, added.status, added.body)
			shown := eb.get(added.location)
			require.Contains(t, text(shown.body), "The campaign was added.")
			require.Equal(t, 2, strings.Count(shown.body, "Winter lights</li>"), "on each of its days")

			// The admin adds a blackout.
			ab := cb.signedIn("ada@example.org", "en")
			atoken := ab.csrf()
			require.Equal(t, http.StatusSeeOther, ab.post("/calendar/events", "same-origin", url.Values{"csrf": {atoken}, "kind": {"blackout"},
				"name_en": {"Election day"}, "start_date": {blocked}, "next": {next}}).status)
			require.Regexp(t, `<td class="day [^"]*blackout[^"]*" data-drop data-date="`+blocked+`"`, ab.get(next).body)

			// The editor's move into it is refused, saying why.
			form := url.Values{"csrf": {token}, "story": {id}, "date": {blocked}, "time": {"23:30"}, "next": {next}}
			no := eb.post("/calendar/move", "same-origin", form)
			require.Equal(t, http.StatusUnprocessableEntity, no.status)
			require.Contains(t, no.body, `<p class="field-error" id="date-error">This time falls in the blackout period “Election day”. Choose another time.</p>`)
			require.NotContains(t, no.body, `name="override"`, "an editor cannot override")
			require.Equal(t, was, cb.scheduledAt())
			form.Set("override", "1")
			require.Equal(t, http.StatusUnprocessableEntity, eb.post("/calendar/move", "same-origin", form).status)
			require.Equal(t, was, cb.scheduledAt())

			// The admin is offered the override, and it works.
			form.Set("csrf", atoken)
			form.Del("override")
			offer := ab.post("/calendar/move", "same-origin", form)
			require.Equal(t, http.StatusUnprocessableEntity, offer.status)
			require.Contains(t, offer.body, `name="override"`)
			form.Set("override", "1")
			require.Equal(t, http.StatusSeeOther, ab.post("/calendar/move", "same-origin", form).status)
			require.Equal(t, blocked, cb.scheduledAt().Format(time.DateOnly))
		})
	}
}

func TestCalendar_PersonTypedNamesAreShownInTheReadersScript(t *testing.T) {
	t.Parallel()
	cb := calendarSetup(t, testdb.Backends()[0], "Asia/Hong_Kong")
	ctx := context.Background()
	// A campaign typed in Traditional, a blackout typed in Simplified.
	_, err := cb.svc.CreateCalendarEvent(ctx, cb.owner, service.CalendarEventInput{Kind: ferry.EventCampaign, NameEN: "Winter lights", NameZh: "冬日燈飾節",
		StartDate: "2026-12-07", EndDate: "2026-12-08"})
	require.NoError(t, err)
	_, err = cb.svc.CreateCalendarEvent(ctx, cb.owner, service.CalendarEventInput{Kind: ferry.EventBlackout, NameZh: "选举日静默",
		StartDate: "2026-12-09", EndDate: "2026-12-09"})
	require.NoError(t, err)
	br := cb.browser()
	br.signIn("ada@example.org", ownerPassword)

	br.lang = "zh-CN"
	hans := text(br.get("/calendar?month=2026-12").body)
	require.Contains(t, hans, "冬日灯饰节")
	require.Contains(t, hans, "选举日静默")
	require.NotContains(t, hans, "燈飾")
	require.Contains(t, text(br.get("/calendar?view=week&week=2026-12-07").body), "冬日灯饰节", "the week too")

	br.lang = "zh-HK"
	hant := text(br.get("/calendar?month=2026-12").body)
	require.Contains(t, hant, "冬日燈飾節")
	require.Contains(t, hant, "選舉日靜默")
	require.NotContains(t, hant, "选举")

	// The compose page's time picker names the day's events the same way.
	form := url.Values{"csrf": {br.csrf()}, "body": {"Lanterns"}, "when": {"2026-12-09T20:00"}}
	pv := br.post("/compose/preview", "same-origin", form)
	require.Equal(t, 200, pv.status)
	require.Contains(t, text(pv.body), "選舉日靜默")
	br.lang = "zh-CN"
	form.Set("when", "2026-12-07T20:00")
	pv = br.post("/compose/preview", "same-origin", form)
	require.Contains(t, text(pv.body), "冬日灯饰节")

	br.lang = "en"
	en := text(br.get("/calendar?month=2026-12").body)
	require.Contains(t, en, "Winter lights")
	require.Contains(t, en, "选举日静默", "an English page shows Chinese as typed")

	// What is stored stays as it was typed.
	events, err := cb.svc.CalendarEvents(ctx, cb.owner, service.CalendarEventFilter{})
	require.NoError(t, err)
	var names []string
	for _, e := range events {
		names = append(names, e.NameZh)
	}
	require.ElementsMatch(t, []string{"冬日燈飾節", "选举日静默"}, names)
}
