package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// calendarUser adds a member with a role to the demo workspace and returns
// a bundle acting as them.
func (b *testBundle) calendarUser(t *testing.T, role ferry.Role) (*testBundle, string) {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s-%d@calendar.example", role, time.Now().UnixNano())
	u, _, err := app.CreateUser(ctx, b.m.DB, email, "calendar-test-password", app.DemoWorkspace, role)
	require.NoError(t, err)
	tok, err := app.CreateToken(ctx, b.m.DB, email, app.DemoWorkspace, service.TokenInput{Name: "calendar test"})
	require.NoError(t, err)
	c := *b
	c.token = tok
	return &c, u.ID
}

type calendarEntry struct {
	Date        string `json:"date"`
	EndDate     string `json:"end_date"`
	Kind        string `json:"kind"`
	Key         string `json:"key"`
	NameEN      string `json:"name_en"`
	NameZh      string `json:"name_zh"`
	EventID     string `json:"event_id"`
	RecurringID string `json:"recurring_id"`
	At          string `json:"at"`
}

type calendarAnswer struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Region   string          `json:"region"`
	TimeZone string          `json:"time_zone"`
	Events   []calendarEntry `json:"events"`
	Notes    []string        `json:"notes"`
}

// find returns the entries of a date, of a kind.
func (c calendarAnswer) find(date, kind string) []calendarEntry {
	var out []calendarEntry
	for _, e := range c.Events {
		if e.Date == date && e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

type calendarEvent struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	StartsAt  string `json:"starts_at"`
	EndsAt    string `json:"ends_at"`
	AllDay    bool   `json:"all_day"`
}

func TestCalendar_HongKongYearWithTheWorkspacesOwnEvents(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")

	var campaign, blackout calendarEvent
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/calendar/events", map[string]any{"kind": "campaign", "name_en": "Winter lights", "name_zh": "冬日燈飾",
		"start_date": "2026-12-01", "end_date": "2026-12-03"}, &campaign))
	require.True(t, campaign.AllDay)
	require.Equal(t, "2026-12-01T00:00:00+08:00", campaign.StartsAt, "all-day events run from midnight in the workspace's zone")
	require.Equal(t, "2026-12-04T00:00:00+08:00", campaign.EndsAt)
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/calendar/events", map[string]any{"kind": "blackout", "name_en": "Day of mourning", "name_zh": "哀悼日",
		"starts_at": "2026-07-01T00:00:00+08:00", "ends_at": "2026-07-01T18:00:00+08:00"}, &blackout))
	require.False(t, blackout.AllDay)
	require.Equal(t, "2026-07-01", blackout.StartDate)
	require.Equal(t, "2026-07-01", blackout.EndDate)

	var cal calendarAnswer
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar?from=2026-01-01&to=2026-12-31&region=HK", nil, &cal))
	require.Equal(t, "HK", cal.Region)
	require.Equal(t, "Asia/Hong_Kong", cal.TimeZone)
	require.Empty(t, cal.Notes)

	midAutumn := cal.find("2026-09-25", "festival")
	require.Len(t, midAutumn, 1)
	require.Equal(t, calendarEntry{Date: "2026-09-25", Kind: "festival", Key: "mid_autumn", NameEN: "Mid-Autumn Festival", NameZh: "中秋節"}, midAutumn[0])
	dayAfter := cal.find("2026-09-26", "public_holiday")
	require.Len(t, dayAfter, 1)
	require.Equal(t, "The day following the Chinese Mid-Autumn Festival", dayAfter[0].NameEN)
	require.Equal(t, "中秋節翌日", dayAfter[0].NameZh)
	christmas := cal.find("2026-12-25", "public_holiday")
	require.Len(t, christmas, 1)
	require.Equal(t, "Christmas Day", christmas[0].NameEN)
	require.Equal(t, "聖誕節", christmas[0].NameZh)

	own := cal.find("2026-12-01", "campaign")
	require.Len(t, own, 1)
	require.Equal(t, campaign.ID, own[0].EventID)
	require.Equal(t, "2026-12-03", own[0].EndDate)
	require.Equal(t, "冬日燈飾", own[0].NameZh)
	mourning := cal.find("2026-07-01", "blackout")
	require.Len(t, mourning, 1)
	require.Equal(t, blackout.ID, mourning[0].EventID)
	for i := 1; i < len(cal.Events); i++ {
		require.LessOrEqual(t, cal.Events[i-1].Date, cal.Events[i].Date, "sorted by date")
	}

	t.Run("MainlandDataRunsOut", func(t *testing.T) {
		var cn calendarAnswer
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar?from=2027-06-01&to=2028-12-31&region=cn", nil, &cn))
		require.Equal(t, "CN", cn.Region)
		require.Len(t, cn.Notes, 1)
		require.Contains(t, cn.Notes[0], "ends at year 2027")
		require.NotEmpty(t, cn.find("2028-10-03", "festival"), "festivals are still computed: Mid-Autumn 2028")
		require.Equal(t, "中秋节", cn.find("2028-10-03", "festival")[0].NameZh, "Simplified names on the mainland")
		require.Empty(t, cn.find("2028-10-01", "public_holiday"), "no made-up holidays")
		require.NotEmpty(t, cn.find("2027-10-01", "public_holiday"))
	})

	t.Run("BadQueriesAreRefusedClearly", func(t *testing.T) {
		cases := []struct{ name, query, field string }{
			{"UnknownRegion", "region=JP", "region"},
			{"MalformedFrom", "from=2026-13-01&to=2026-12-31", "from"},
			{"MalformedTo", "from=2026-01-01&to=31/12/2026", "to"},
			{"Backwards", "from=2026-12-31&to=2026-01-01", "to"},
			{"OverThreeYears", "from=2026-01-01&to=2029-01-01", "to"},
			{"BeyondTheTable", "from=2100-06-01&to=2101-01-01", "to"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var e apiError
				require.Equal(t, 400, b.do(t, "GET", "/api/v1/calendar?"+c.query, nil, &e))
				require.Equal(t, "invalid", e.Error.Code)
				require.Contains(t, e.Error.Details, c.field, "details: %v", e.Error.Details)
			})
		}
		var e apiError
		require.Equal(t, 400, b.do(t, "GET", "/api/v1/calendar?region=JP", nil, &e))
		require.Equal(t, []any{"HK", "CN", "TW", "MO"}, e.Error.Details["regions"], "the answer lists the regions")
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar?from=2026-01-01&to=2028-12-31", nil, &cal), "three years is allowed")
	})
}

func TestCalendar_RecurringMidAutumnCampaignExpands(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	var rc struct {
		ID         string         `json:"id"`
		Active     bool           `json:"active"`
		TimeZone   string         `json:"time_zone"`
		NextAt     *time.Time     `json:"next_at"`
		Recurrence map[string]any `json:"recurrence"`
	}
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/calendar/recurring", map[string]any{"name_en": "Mid-Autumn greeting", "name_zh": "中秋祝福",
		"recurrence": map[string]any{"festival": "mid_autumn", "local_time": "20:00"}}, &rc))
	require.True(t, rc.Active)
	require.Equal(t, "Asia/Hong_Kong", rc.TimeZone)
	require.NotNil(t, rc.NextAt)
	require.True(t, rc.NextAt.After(time.Now()))
	require.Equal(t, 20, rc.NextAt.In(time.FixedZone("HKT", 8*3600)).Hour())

	var occ struct {
		Occurrences []struct {
			Date string `json:"date"`
			At   string `json:"at"`
		} `json:"occurrences"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar/recurring/"+rc.ID+"/occurrences?from=2026-01-01&to=2027-12-31", nil, &occ))
	require.Len(t, occ.Occurrences, 2)
	require.Equal(t, "2026-09-25", occ.Occurrences[0].Date)
	require.Equal(t, "2026-09-25T20:00:00+08:00", occ.Occurrences[0].At)
	require.Equal(t, "2027-09-15", occ.Occurrences[1].Date)
	require.Equal(t, "2027-09-15T20:00:00+08:00", occ.Occurrences[1].At)

	var cal calendarAnswer
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar?from=2026-09-01&to=2026-09-30", nil, &cal))
	greeting := cal.find("2026-09-25", "campaign")
	require.Len(t, greeting, 1)
	require.Equal(t, rc.ID, greeting[0].RecurringID)
	require.Equal(t, "2026-09-25T20:00:00+08:00", greeting[0].At)
	require.Equal(t, "中秋祝福", greeting[0].NameZh)

	t.Run("LunarDateGivesTheSameDays", func(t *testing.T) {
		var lunar struct{ ID string }
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/calendar/recurring", map[string]any{"name_en": "Lunar 8/15",
			"recurrence": map[string]any{"lunar_month": 8, "lunar_day": 15, "local_time": "20:00"}}, &lunar))
		var again struct {
			Occurrences []struct{ At string } `json:"occurrences"`
		}
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar/recurring/"+lunar.ID+"/occurrences?from=2026-01-01&to=2027-12-31", nil, &again))
		require.Len(t, again.Occurrences, 2)
		require.Equal(t, occ.Occurrences[1].At, again.Occurrences[1].At)
	})

	t.Run("PausedCampaignsLeaveTheCalendar", func(t *testing.T) {
		var paused struct {
			Active bool       `json:"active"`
			NextAt *time.Time `json:"next_at"`
		}
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/calendar/recurring", map[string]any{"name_en": "Christmas post",
			"recurrence": map[string]any{"month": 12, "day": 25, "local_time": "10:00"}, "active": false}, &paused))
		require.False(t, paused.Active)
		require.Nil(t, paused.NextAt)
		var dec calendarAnswer
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/calendar?from=2026-12-25&to=2026-12-25", nil, &dec))
		require.Empty(t, dec.find("2026-12-25", "campaign"))
	})

	t.Run("InvalidRecurrencesSayWhy", func(t *testing.T) {
		cases := []struct {
			name  string
			rec   map[string]any
			field string
		}{
			{"UnknownFestival", map[string]any{"festival": "moon_day", "local_time": "20:00"}, "recurrence.festival"},
			{"TwoDates", map[string]any{"festival": "mid_autumn", "month": 9, "day": 1, "local_time": "20:00"}, "recurrence"},
			{"NoTime", map[string]any{"festival": "mid_autumn"}, "recurrence.local_time"},
			{"BadTime", map[string]any{"festival": "mid_autumn", "local_time": "8pm"}, "recurrence.local_time"},
			{"NoSuchDay", map[string]any{"month": 4, "day": 31, "local_time": "08:00"}, "recurrence"},
			{"BadLunarDay", map[string]any{"lunar_month": 8, "lunar_day": 31, "local_time": "08:00"}, "recurrence.lunar_month"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var e apiError
				require.Equal(t, 400, b.do(t, "POST", "/api/v1/calendar/recurring", map[string]any{"name_en": "x", "recurrence": c.rec}, &e))
				require.Contains(t, e.Error.Details, c.field, "details: %v", e.Error.Details)
			})
		}
	})
}

func TestCalendar_BlackoutBlocksSchedulingUnlessAnAdminOverrides(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			blackoutSuite(t, boot(t, t.TempDir(), be.Options(t).URL))
		})
	}
}

func blackoutSuite(t *testing.T, b *testBundle) {
	ctx := context.Background()
	acc := b.accountID(t, ferry.Telegram)
	editor, _ := b.calendarUser(t, ferry.RoleEditor)
	admin, adminID := b.calendarUser(t, ferry.RoleAdmin)

	hkt := time.FixedZone("HKT", 8*3600)
	start := time.Now().Add(48 * time.Hour).In(hkt).Truncate(time.Hour)
	inside := start.Add(3 * time.Hour).Format(time.RFC3339)
	outside := start.Add(-3 * time.Hour).Format(time.RFC3339)
	blackoutBody := map[string]any{"kind": "blackout", "name_en": "Election quiet period", "name_zh": "選舉靜默期",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(24 * time.Hour).Format(time.RFC3339)}

	var e apiError
	require.Equal(t, 403, editor.do(t, "POST", "/api/v1/calendar/events", blackoutBody, &e), "blackouts are an admin's decision")
	require.Equal(t, 201, editor.do(t, "POST", "/api/v1/calendar/events", map[string]any{"kind": "campaign", "name_en": "Campaign", "start_date": "2030-01-01"}, nil),
		"editors plan campaigns")
	var blackout calendarEvent
	require.Equal(t, 201, admin.do(t, "POST", "/api/v1/calendar/events", blackoutBody, &blackout))

	t.Run("EditorIsRefused", func(t *testing.T) {
		var e apiError
		require.Equal(t, 422, editor.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Vote!", "targets": []string{acc}, "scheduled_at": inside}, &e))
		require.Equal(t, "unprocessable", e.Error.Code)
		require.Contains(t, e.Error.Message, "Election quiet period")
		got, ok := e.Error.Details["blackout"].(map[string]any)
		require.True(t, ok, "details: %v", e.Error.Details)
		require.Equal(t, blackout.ID, got["id"])
		require.Equal(t, "選舉靜默期", got["name_zh"])

		require.Equal(t, 403, editor.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Vote!", "targets": []string{acc}, "scheduled_at": inside, "override_blackout": true}, &e))
		require.Equal(t, "forbidden", e.Error.Code)
		require.Equal(t, 201, editor.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Before", "targets": []string{acc}, "scheduled_at": outside}, nil),
			"outside the blackout all is well")
	})

	t.Run("ScheduleAndPatchAreChecked", func(t *testing.T) {
		var draft story
		require.Equal(t, 201, editor.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Draft", "targets": []string{acc}}, &draft), "a draft has no time to check")
		var e apiError
		require.Equal(t, 422, editor.do(t, "POST", "/api/v1/stories/"+draft.ID+"/schedule", map[string]any{"at": inside}, &e))
		require.Equal(t, 422, editor.do(t, "PATCH", "/api/v1/stories/"+draft.ID, map[string]any{"scheduled_at": inside}, &e))
		require.Equal(t, 403, editor.do(t, "POST", "/api/v1/stories/"+draft.ID+"/schedule", map[string]any{"at": inside, "override_blackout": true}, &e))
		var scheduled story
		require.Equal(t, 200, admin.do(t, "POST", "/api/v1/stories/"+draft.ID+"/schedule", map[string]any{"at": inside, "override_blackout": true}, &scheduled))
		require.Equal(t, "scheduled", scheduled.Publications[0].State)
		require.Equal(t, 422, editor.do(t, "PATCH", "/api/v1/stories/"+draft.ID, map[string]any{"title": "Draft, edited"}, &e),
			"an edit that leaves the story in the blackout needs the override again")
		require.Equal(t, 200, editor.do(t, "PATCH", "/api/v1/stories/"+draft.ID, map[string]any{"scheduled_at": nil}, nil), "back to draft is always allowed")
	})

	t.Run("AdminOverrideIsAudited", func(t *testing.T) {
		var created story
		require.Equal(t, 201, admin.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Statement", "targets": []string{acc}, "scheduled_at": inside, "override_blackout": true}, &created))
		require.Equal(t, "scheduled", created.Publications[0].State)
		ws, err := b.m.DB.Read().WorkspaceByName(ctx, app.DemoWorkspace)
		require.NoError(t, err)
		events, err := b.m.DB.Read().AuditEvents(ctx, ferry.AuditFilter{WorkspaceID: ws.ID, TargetType: "calendar_event", TargetID: blackout.ID})
		require.NoError(t, err)
		var overrides []ferry.Audit
		for _, ev := range events {
			if ev.Action == "calendar_event.blackout_override" {
				overrides = append(overrides, ev)
			}
		}
		require.NotEmpty(t, overrides)
		last := overrides[len(overrides)-1]
		require.Equal(t, "user:"+adminID, last.Actor)
		require.Equal(t, "Statement", last.Data["story_title"])
	})

	t.Run("PublishNowIsChecked", func(t *testing.T) {
		var now calendarEvent
		require.Equal(t, 201, admin.do(t, "POST", "/api/v1/calendar/events", map[string]any{"kind": "blackout", "name_en": "Right now",
			"starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, &now))
		var draft story
		require.Equal(t, 201, editor.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Urgent", "targets": []string{acc}}, &draft))
		var e apiError
		require.Equal(t, 422, editor.do(t, "POST", "/api/v1/stories/"+draft.ID+"/publish", nil, &e))
		require.Equal(t, now.ID, e.Error.Details["blackout"].(map[string]any)["id"])
		require.Equal(t, 200, admin.do(t, "POST", "/api/v1/stories/"+draft.ID+"/publish", map[string]any{"override_blackout": true}, nil))
		require.Equal(t, 200, admin.do(t, "DELETE", "/api/v1/calendar/events/"+now.ID, nil, nil))
		b.waitState(t, draft.ID, "published", 10*time.Second)
	})
}

func TestCalendar_BestTimesFromDefaultsThenHistory(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			bestTimesSuite(t, boot(t, t.TempDir(), be.Options(t).URL))
		})
	}
}

func bestTimesSuite(t *testing.T, b *testBundle) {
	ctx := context.Background()
	type answer struct {
		Source        string `json:"source"`
		Metric        string `json:"metric"`
		TimeZone      string `json:"time_zone"`
		PostsAnalysed int    `json:"posts_analysed"`
		PostsNeeded   int    `json:"posts_needed"`
		Basis         string `json:"basis"`
		Weekdays      []struct {
			Weekday string `json:"weekday"`
			Slots   []struct {
				Start string   `json:"start"`
				End   string   `json:"end"`
				Score *float64 `json:"score"`
				Posts int      `json:"posts"`
			} `json:"slots"`
		} `json:"weekdays"`
	}
	starts := func(a answer, day int) []string {
		var out []string
		for _, s := range a.Weekdays[day].Slots {
			out = append(out, s.Start)
		}
		return out
	}
	tg := b.accountID(t, ferry.Telegram)

	t.Run("PlatformDefaults", func(t *testing.T) {
		var a answer
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+b.accountID(t, ferry.Xiaohongshu)+"/best-times", nil, &a))
		require.Equal(t, "platform_defaults", a.Source)
		require.Equal(t, "Asia/Hong_Kong", a.TimeZone)
		require.Equal(t, 0, a.PostsAnalysed)
		require.Equal(t, 20, a.PostsNeeded)
		require.Contains(t, a.Basis, "Heuristic")
		require.Len(t, a.Weekdays, 7)
		require.Equal(t, "monday", a.Weekdays[0].Weekday)
		// China time and Hong Kong time agree, so the defaults stand as given.
		require.Equal(t, []string{"20:00", "12:00", "18:00"}, starts(a, 0))
		require.Equal(t, "21:00", a.Weekdays[0].Slots[0].End)
		require.Nil(t, a.Weekdays[0].Slots[0].Score)
		require.Equal(t, []string{"20:00", "15:00", "11:00"}, starts(a, 6), "sunday")
	})

	t.Run("History", func(t *testing.T) {
		ws, err := b.m.DB.Read().WorkspaceByName(ctx, app.DemoWorkspace)
		require.NoError(t, err)
		hkt := time.FixedZone("HKT", 8*3600)
		// Four weeks of posts, the last Tuesday at least a week ago: on
		// Tuesdays at 20:00 (the best) and 09:00, and on Fridays at 13:00.
		today := time.Now().In(hkt)
		sinceTuesday := (int(today.Weekday()) - int(time.Tuesday) + 7) % 7
		last := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, hkt).AddDate(0, 0, -sinceTuesday-7)
		q := b.m.DB.Write()
		// The audience doubles between the second and third weeks.
		require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: tg, At: last.AddDate(0, 0, -60), Followers: snapshotCount(1000)}))
		require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: tg, At: last.AddDate(0, 0, -8), Followers: snapshotCount(2000)}))
		publish := func(at time.Time, likes, comments int64) {
			t.Helper()
			s := &ferry.Story{WorkspaceID: ws.ID, Title: "history", Body: "b", CreatedBy: "test"}
			require.NoError(t, q.CreateStory(ctx, s))
			pub := &ferry.Publication{WorkspaceID: ws.ID, StoryID: s.ID, AccountID: tg, Platform: ferry.Telegram, State: ferry.StatePublished, PublishedAt: &at}
			require.NoError(t, q.CreatePublication(ctx, pub))
			// An early reading and one past the first week are not the
			// measure; the last reading of the first week is.
			require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: tg, At: at.Add(time.Hour), Likes: snapshotCount(1)}))
			require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: tg, At: at.Add(48 * time.Hour), Likes: snapshotCount(likes), Comments: snapshotCount(comments)}))
			require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: tg, At: at.Add(10 * 24 * time.Hour), Likes: snapshotCount(100000)}))
		}
		for week := range 4 {
			day := last.AddDate(0, 0, -7*(3-week))
			followers := int64(1000)
			if week >= 2 {
				followers = 2000 // the same rate is twice the likes
			}
			for range 3 {
				publish(day.Add(20*time.Hour), 8*followers/100, 2*followers/100)
				publish(day.Add(9*time.Hour), 2*followers/100, 0)
			}
			publish(day.AddDate(0, 0, 3).Add(13*time.Hour), 4*followers/100, 1*followers/100)
		}

		var a answer
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+tg+"/best-times", nil, &a))
		require.Equal(t, "history", a.Source, "basis: %s", a.Basis)
		require.Equal(t, "engagement_rate", a.Metric)
		require.Equal(t, 28, a.PostsAnalysed)
		tue := a.Weekdays[1]
		require.Equal(t, "tuesday", tue.Weekday)
		require.Equal(t, []string{"20:00", "13:00", "09:00"}, starts(a, 1))
		require.Equal(t, 12, tue.Slots[0].Posts)
		require.Greater(t, *tue.Slots[0].Score, 1.5, "well above the account's average")
		require.Less(t, *tue.Slots[2].Score, 1.0)
		fri := a.Weekdays[4]
		require.Equal(t, "friday", fri.Weekday)
		require.Equal(t, "13:00", fri.Slots[1].Start, "Friday's own posts pull 13:00 up, but 20:00's record elsewhere still leads")
		require.Equal(t, 4, fri.Slots[1].Posts)

		var e apiError
		require.Equal(t, 404, b.do(t, "GET", "/api/v1/accounts/acc_nope/best-times", nil, &e))
	})
}

func snapshotCount(n int64) *int64 { return &n }

func TestCalendar_BestTimeDefaultsKeepTheAudiencesClock(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	// A workspace in New York running a Xiaohongshu account: the defaults
	// are hours of China time, so some land on the previous day in New York.
	_, err := b.m.DB.WritePool().Exec(`UPDATE workspaces SET time_zone = 'America/New_York'`)
	require.NoError(t, err)
	var a struct {
		TimeZone string `json:"time_zone"`
		Weekdays []struct {
			Weekday string `json:"weekday"`
			Slots   []struct {
				Start string `json:"start"`
			} `json:"slots"`
		} `json:"weekdays"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+b.accountID(t, ferry.Xiaohongshu)+"/best-times", nil, &a))
	require.Equal(t, "America/New_York", a.TimeZone)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	china, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	weekday, weekend := []int{20, 12, 18}, []int{20, 15, 11}
	total := 0
	today := time.Now().In(ny)
	for i, day := range a.Weekdays {
		for _, slot := range day.Slots {
			// The coming day of that weekday, at the slot's time in New York,
			// is one of the default hours of its day in China.
			d := today.AddDate(0, 0, (i+1-int(today.Weekday())+7)%7)
			require.Equal(t, day.Weekday, strings.ToLower(d.Weekday().String()))
			clock, err := time.Parse("15:04", slot.Start)
			require.NoError(t, err)
			at := time.Date(d.Year(), d.Month(), d.Day(), clock.Hour(), clock.Minute(), 0, 0, ny).In(china)
			hours := weekday
			if at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
				hours = weekend
			}
			require.Contains(t, hours, at.Hour(), "%s %s in New York is %v in China", day.Weekday, slot.Start, at)
			total++
		}
	}
	require.Equal(t, 21, total, "three a day, wherever they land")
	require.NotEqual(t, "20:00", a.Weekdays[0].Slots[0].Start, "not China's clock")
}
