package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestCalendarStore runs the calendar and snapshot part of the store suite
// against every backend.
func TestCalendarStore(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			calendarSuite(t, b)
		})
	}
}

func snapshotCount(n int64) *int64 { return &n }

func calendarSuite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()
	hk := time.FixedZone("HKT", 8*3600)

	t.Run("CalendarEventsOverlapAndStayInTheirWorkspace", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, hk) }
		blackout := &ferry.CalendarEvent{WorkspaceID: bu.ws.ID, Kind: ferry.EventBlackout, NameEN: "Election day", NameZh: "選舉日",
			AllDay: true, StartDate: "2026-12-07", EndDate: "2026-12-07", StartsAt: day(7), EndsAt: day(8), CreatedBy: bu.usr.ID}
		campaign := &ferry.CalendarEvent{WorkspaceID: bu.ws.ID, Kind: ferry.EventCampaign, NameEN: "Winter lights", Note: "evenings",
			StartsAt: day(5).Add(18 * time.Hour), EndsAt: day(10).Add(23 * time.Hour), CreatedBy: bu.usr.ID}
		later := &ferry.CalendarEvent{WorkspaceID: bu.ws.ID, Kind: ferry.EventBlackout, NameEN: "Quiet week",
			AllDay: true, StartDate: "2026-12-20", EndDate: "2026-12-26", StartsAt: day(20), EndsAt: day(27), CreatedBy: bu.usr.ID}
		for _, e := range []*ferry.CalendarEvent{blackout, campaign, later} {
			require.NoError(t, q.CreateCalendarEvent(ctx, e))
		}

		got, err := q.CalendarEvent(ctx, bu.ws.ID, blackout.ID)
		require.NoError(t, err)
		require.Equal(t, blackout.StartsAt.UTC(), got.StartsAt)
		require.Equal(t, "2026-12-07", got.StartDate)
		require.True(t, got.AllDay)
		require.Equal(t, "選舉日", got.NameZh)

		// [7th 12:00, 8th 00:00) overlaps the election day and the campaign;
		// an event ending exactly at From does not overlap.
		list, err := q.CalendarEvents(ctx, ferry.CalendarEventFilter{WorkspaceID: bu.ws.ID, From: day(7).Add(12 * time.Hour), To: day(8)})
		require.NoError(t, err)
		require.Equal(t, []string{campaign.ID, blackout.ID}, eventIDs(list), "ordered by start")
		list, err = q.CalendarEvents(ctx, ferry.CalendarEventFilter{WorkspaceID: bu.ws.ID, From: day(8), To: day(9)})
		require.NoError(t, err)
		require.Equal(t, []string{campaign.ID}, eventIDs(list))
		list, err = q.CalendarEvents(ctx, ferry.CalendarEventFilter{WorkspaceID: bu.ws.ID, Kind: ferry.EventBlackout})
		require.NoError(t, err)
		require.Equal(t, []string{blackout.ID, later.ID}, eventIDs(list))

		got.Kind, got.NameEN, got.EndDate, got.EndsAt = ferry.EventCampaign, "Election week", "2026-12-09", day(10)
		require.NoError(t, q.UpdateCalendarEvent(ctx, got))
		again, err := q.CalendarEvent(ctx, bu.ws.ID, blackout.ID)
		require.NoError(t, err)
		require.Equal(t, "Election week", again.NameEN)
		require.Equal(t, ferry.EventCampaign, again.Kind)
		require.Equal(t, day(10).UTC(), again.EndsAt)

		_, err = q.CalendarEvent(ctx, "ws_other", blackout.ID)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "events are scoped to their workspace")
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(q.DeleteCalendarEvent(ctx, "ws_other", blackout.ID)))
		require.NoError(t, q.DeleteCalendarEvent(ctx, bu.ws.ID, blackout.ID))
		_, err = q.CalendarEvent(ctx, bu.ws.ID, blackout.ID)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(q.UpdateCalendarEvent(ctx, got)))
	})

	t.Run("RecurringCampaignsKeepTheirRecurrence", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		bu.db.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		q := bu.db.Write()
		moon := &ferry.RecurringCampaign{WorkspaceID: bu.ws.ID, NameEN: "Mid-Autumn greeting", NameZh: "中秋祝福", Active: true, CreatedBy: bu.usr.ID,
			Recurrence: ferry.Recurrence{Festival: "mid_autumn", LocalTime: "20:00"}}
		laba := &ferry.RecurringCampaign{WorkspaceID: bu.ws.ID, NameEN: "Laba porridge", Active: false, CreatedBy: bu.usr.ID,
			Recurrence: ferry.Recurrence{LunarMonth: 12, LunarDay: 8, LocalTime: "09:30", Missing: "skip"}}
		require.NoError(t, q.CreateRecurringCampaign(ctx, moon))
		require.NoError(t, q.CreateRecurringCampaign(ctx, laba))

		got, err := q.RecurringCampaign(ctx, bu.ws.ID, laba.ID)
		require.NoError(t, err)
		require.Equal(t, laba.Recurrence, got.Recurrence)
		require.False(t, got.Active)

		all, err := q.RecurringCampaigns(ctx, bu.ws.ID, false)
		require.NoError(t, err)
		require.Len(t, all, 2)
		active, err := q.RecurringCampaigns(ctx, bu.ws.ID, true)
		require.NoError(t, err)
		require.Len(t, active, 1)
		require.Equal(t, moon.ID, active[0].ID)
		require.Equal(t, ferry.Recurrence{Festival: "mid_autumn", LocalTime: "20:00"}, active[0].Recurrence)

		got.Active, got.Recurrence = true, ferry.Recurrence{Month: 12, Day: 25, LocalTime: "10:00"}
		require.NoError(t, q.UpdateRecurringCampaign(ctx, got))
		active, err = q.RecurringCampaigns(ctx, bu.ws.ID, true)
		require.NoError(t, err)
		require.Len(t, active, 2)
		require.Equal(t, []string{moon.ID, laba.ID}, recurringIDs(active), "oldest first")
		require.Equal(t, 12, active[1].Recurrence.Month)

		_, err = q.RecurringCampaign(ctx, "ws_other", moon.ID)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
		require.NoError(t, q.DeleteRecurringCampaign(ctx, bu.ws.ID, moon.ID))
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(q.DeleteRecurringCampaign(ctx, bu.ws.ID, moon.ID)))
	})

	t.Run("SnapshotsKeepMissingCountsAndReplaceRepeats", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Weibo, ExternalID: "1234", Credentials: map[string]string{}}
		require.NoError(t, q.CreateAccount(ctx, a))
		s := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "t", Body: "b", CreatedBy: bu.usr.ID}
		require.NoError(t, q.CreateStory(ctx, s))
		pub := &ferry.Publication{WorkspaceID: bu.ws.ID, StoryID: s.ID, AccountID: a.ID, Platform: a.Platform, State: ferry.StatePublished}
		require.NoError(t, q.CreatePublication(ctx, pub))

		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		for i := range 3 {
			require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: t0.Add(time.Duration(i) * 24 * time.Hour), Followers: snapshotCount(int64(1000 + i))}))
		}
		// A repeated reading at the same instant replaces the first.
		require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: t0, Followers: snapshotCount(990), Posts: snapshotCount(7)}))
		snaps, err := q.AccountSnapshots(ctx, a.ID, t0, t0.Add(48*time.Hour))
		require.NoError(t, err)
		require.Len(t, snaps, 2, "[from, to)")
		require.Equal(t, ferry.AccountSnapshot{AccountID: a.ID, At: t0, Followers: snapshotCount(990), Posts: snapshotCount(7)}, snaps[0])
		require.Nil(t, snaps[1].Following, "a count the platform does not give stays unknown")
		all, err := q.AccountSnapshots(ctx, a.ID, time.Time{}, time.Time{})
		require.NoError(t, err)
		require.Len(t, all, 3)

		for i := range 3 {
			require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: a.ID, At: t0.Add(time.Duration(i) * time.Hour),
				Views: snapshotCount(int64(100 * (i + 1))), Likes: snapshotCount(int64(i)), Comments: snapshotCount(0)}))
		}
		require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: a.ID, At: t0.Add(2 * time.Hour), Likes: snapshotCount(9), Saves: snapshotCount(4)}))
		posts, err := q.PostSnapshots(ctx, ferry.PostSnapshotFilter{AccountID: a.ID, From: t0.Add(time.Hour)})
		require.NoError(t, err)
		require.Len(t, posts, 2)
		require.Equal(t, snapshotCount(200), posts[0].Views)
		require.Equal(t, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: a.ID, At: t0.Add(2 * time.Hour), Likes: snapshotCount(9), Saves: snapshotCount(4)}, posts[1])
		byPub, err := q.PostSnapshots(ctx, ferry.PostSnapshotFilter{PublicationID: pub.ID, To: t0.Add(time.Hour)})
		require.NoError(t, err)
		require.Len(t, byPub, 1)
		_, err = q.PostSnapshots(ctx, ferry.PostSnapshotFilter{})
		require.Error(t, err, "an unbounded scan of every account is refused")
	})
}

func recurringIDs(cs []*ferry.RecurringCampaign) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func eventIDs(es []*ferry.CalendarEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}
