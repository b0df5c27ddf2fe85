package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func n64(v int64) *int64 { return &v }

// analyticsData stores two accounts with daily follower readings over the
// last 100 days, and published posts with readings.
type analyticsData struct {
	weibo, telegram *ferry.Account
	story           *ferry.Story
	pubs            []*ferry.Publication
}

func (b *testBundle) analyticsData(t *testing.T) analyticsData {
	t.Helper()
	ctx := context.Background()
	w := b.db.Write()
	var d analyticsData
	d.weibo = b.account(t, ferry.Weibo, "海港微博", nil)
	d.telegram = b.account(t, ferry.Telegram, "Harbour Channel", nil)
	for i := 100; i >= 0; i-- { // weibo: 10,000 + 10 a day; telegram: 500 flat
		at := b.now.Add(-time.Duration(i) * 24 * time.Hour)
		require.NoError(t, w.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: d.weibo.ID, At: at, Followers: n64(10_000 + int64(100-i)*10)}))
		require.NoError(t, w.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: d.telegram.ID, At: at, Followers: n64(500)}))
	}
	d.story = &ferry.Story{WorkspaceID: b.ws.ID, Title: "Lantern fair", Body: "b", Targets: []string{d.weibo.ID, d.telegram.ID}, CreatedBy: b.editor().UserID}
	require.NoError(t, w.CreateStory(ctx, d.story))
	// Weibo posts 3 and 40 days ago; Telegram 3 days ago (the story's two).
	for i, c := range []struct {
		acct *ferry.Account
		ago  time.Duration
		st   *ferry.Story
	}{{d.weibo, 3 * 24 * time.Hour, d.story}, {d.telegram, 3 * 24 * time.Hour, d.story}, {d.weibo, 40 * 24 * time.Hour, nil}} {
		st := c.st
		if st == nil {
			st = &ferry.Story{WorkspaceID: b.ws.ID, Title: "Older", Body: "b", Targets: []string{c.acct.ID}, CreatedBy: b.editor().UserID}
			require.NoError(t, w.CreateStory(ctx, st))
		}
		at := b.now.Add(-c.ago)
		pub := &ferry.Publication{WorkspaceID: b.ws.ID, StoryID: st.ID, AccountID: c.acct.ID, Platform: c.acct.Platform, State: ferry.StatePublished,
			Version: 1, PublishedAt: &at, RemoteID: "r"}
		require.NoError(t, w.CreatePublication(ctx, pub))
		d.pubs = append(d.pubs, pub)
		// Readings at 1 h, 6 h, 24 h, 3 d: likes grow 10, 20, 30, 40 (+ i).
		for k, after := range []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour} {
			require.NoError(t, w.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: c.acct.ID, At: at.Add(after),
				Views: n64(int64(100 * (k + 1))), Likes: n64(int64(10*(k+1) + i)), Comments: n64(1)}))
		}
	}
	return d
}

func TestAnalytics_OverviewRangesChangeAndRates(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := setup(t, be)
			d := b.analyticsData(t)
			ctx := context.Background()
			viewer := b.as[ferry.RoleViewer]

			o, err := b.svc.AnalyticsOverview(ctx, viewer, "30d", "", "")
			require.NoError(t, err)
			require.Equal(t, "30d", o.Range.Period)
			require.Len(t, o.Accounts, 2)
			byID := func(o *service.AnalyticsOverview, id string) service.AccountSummary {
				for _, a := range o.Accounts {
					if a.Account.ID == id {
						return a
					}
				}
				t.Fatalf("no account %s", id)
				return service.AccountSummary{}
			}
			wb := byID(o, d.weibo.ID)
			require.Equal(t, int64(11_000), *wb.Followers)
			// 31 readings (30 days ago and now both included): +300.
			require.Equal(t, int64(300), *wb.Change)
			require.Len(t, wb.Series, 31)
			// One post in the last 30 days: 40 likes + 1 comment.
			require.Equal(t, 1, wb.Totals.Posts)
			require.Equal(t, int64(41), wb.Totals.Engagement)
			require.InDelta(t, 41.0/11_000, *wb.Rate, 1e-9)
			require.Equal(t, int64(11_000), wb.Series[30].Value)
			tg := byID(o, d.telegram.ID)
			require.Equal(t, int64(0), *tg.Change)
			require.Equal(t, int64(42), tg.Totals.Engagement)
			require.Equal(t, 2, o.Totals.Posts)

			o, err = b.svc.AnalyticsOverview(ctx, viewer, "90d", "", "")
			require.NoError(t, err)
			require.Equal(t, 2, byID(o, d.weibo.ID).Totals.Posts)
			require.Equal(t, int64(900), *byID(o, d.weibo.ID).Change)

			// A custom range, to inclusive, in the workspace's zone.
			from, to := b.now.AddDate(0, 0, -41).Format(time.DateOnly), b.now.AddDate(0, 0, -39).Format(time.DateOnly)
			o, err = b.svc.AnalyticsOverview(ctx, viewer, "custom", from, to)
			require.NoError(t, err)
			require.Equal(t, 1, byID(o, d.weibo.ID).Totals.Posts)
			require.Equal(t, 0, byID(o, d.telegram.ID).Totals.Posts)

			for _, c := range []struct{ period, from, to, field string }{
				{"2w", "", "", "period"}, {"custom", "", "2026-09-01", "from"}, {"custom", "2026-09-01", "soon", "to"},
				{"custom", "2026-09-10", "2026-09-01", "to"},
			} {
				_, err := b.svc.AnalyticsOverview(ctx, viewer, c.period, c.from, c.to)
				require.True(t, ferry.IsCode(err, ferry.EINVALID), "%v: %v", c, err)
				var fe *ferry.Error
				require.ErrorAs(t, err, &fe)
				require.Contains(t, fe.Details.(map[string]string), c.field, "%v", c)
			}
			_, err = b.svc.AnalyticsOverview(ctx, ferry.Principal{WorkspaceID: b.ws.ID, UserID: "x"}, "30d", "", "")
			require.Error(t, err)
		})
	}
}

func TestAnalytics_AccountSortsPostsAndGainsPerPost(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := setup(t, be)
			d := b.analyticsData(t)
			ctx := context.Background()
			a, err := b.svc.AccountAnalytics(ctx, b.as[ferry.RoleViewer], d.weibo.ID, "all", "", "", "engagement")
			require.NoError(t, err)
			require.Len(t, a.Series, 101)
			require.Equal(t, b.now.AddDate(0, 0, -100), a.FirstReading.UTC())
			require.Equal(t, int64(1000), *a.Change)
			require.Equal(t, 2, a.Totals.Posts)
			require.InDelta(t, 500.0, *a.GainedPerPost, 1e-9)
			require.Len(t, a.Posts, 2)
			// The older post has i = 2: 42 + 1 beats 40 + 1.
			require.Equal(t, d.pubs[2].ID, a.Posts[0].PublicationID)
			require.Equal(t, int64(43), *a.Posts[0].Engagement)
			require.Equal(t, "Older", a.Posts[0].Title)
			require.NotNil(t, a.BestTimes)
			require.Equal(t, "platform_defaults", a.BestTimes.Source)

			a, err = b.svc.AccountAnalytics(ctx, b.as[ferry.RoleViewer], d.weibo.ID, "all", "", "", "")
			require.NoError(t, err)
			require.Equal(t, d.pubs[0].ID, a.Posts[0].PublicationID, "newest first by default")

			_, err = b.svc.AccountAnalytics(ctx, b.as[ferry.RoleViewer], d.weibo.ID, "all", "", "", "loudness")
			require.True(t, ferry.IsCode(err, ferry.EINVALID))
			_, err = b.svc.AccountAnalytics(ctx, b.as[ferry.RoleViewer], "nope", "all", "", "", "")
			require.True(t, ferry.IsCode(err, ferry.ENOTFOUND))
		})
	}
}

func TestAnalytics_StoryCurvesAndTotals(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := setup(t, be)
			d := b.analyticsData(t)
			s, err := b.svc.StoryAnalytics(context.Background(), b.as[ferry.RoleViewer], d.story.ID)
			require.NoError(t, err)
			require.Equal(t, []string{"1h", "6h", "24h", "3d", "7d", "30d"}, s.Checkpoints)
			require.Len(t, s.Publications, 2)
			require.Equal(t, 2, s.Totals.Posts)
			require.Equal(t, int64(41+42), s.Totals.Engagement)
			require.Equal(t, int64(800), s.Totals.Views)
			for _, p := range s.Publications {
				require.Len(t, p.Curve, 6)
				require.NotNil(t, p.Curve[0].Engagement)
				require.NotNil(t, p.Curve[3].Engagement)
				require.Nil(t, p.Curve[4].Engagement, "no 7-day reading yet")
				require.Less(t, *p.Curve[0].Engagement, *p.Curve[3].Engagement)
			}
		})
	}
}

func TestAnalytics_RetentionThinsOldPostReadingsToOneADayAndNeverAccountReadings(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			b := setup(t, be)
			ctx := context.Background()
			w := b.db.Write()
			acct := b.account(t, ferry.Weibo, "海港微博", nil)
			st := &ferry.Story{WorkspaceID: b.ws.ID, Title: "Old", Body: "b", Targets: []string{acct.ID}, CreatedBy: b.editor().UserID}
			require.NoError(t, w.CreateStory(ctx, st))
			published := b.now.AddDate(0, 0, -100).Truncate(24 * time.Hour)
			pub := &ferry.Publication{WorkspaceID: b.ws.ID, StoryID: st.ID, AccountID: acct.ID, Platform: ferry.Weibo, State: ferry.StatePublished, PublishedAt: &published, RemoteID: "1"}
			require.NoError(t, w.CreatePublication(ctx, pub))
			// Four readings a day for 100 days, of the post and of the account.
			for d := range 100 {
				for h := range 4 {
					at := published.Add(time.Duration(d)*24*time.Hour + time.Duration(h*6+1)*time.Hour)
					n := int64(d*10 + h)
					require.NoError(t, w.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: acct.ID, At: at, Likes: &n}))
					require.NoError(t, w.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: acct.ID, At: at, Followers: &n}))
				}
			}
			// Off by default: nothing is thinned.
			n, err := service.ThinPostReadings(ctx, b.db)
			require.NoError(t, err)
			require.Zero(t, n)

			days := 60
			_, err = b.svc.PatchWorkspace(ctx, b.as[ferry.RoleAdmin], service.WorkspacePatch{ThinPostReadingsAfterDays: &days})
			require.NoError(t, err)
			tooSoon := 7
			_, err = b.svc.PatchWorkspace(ctx, b.as[ferry.RoleAdmin], service.WorkspacePatch{ThinPostReadingsAfterDays: &tooSoon})
			require.True(t, ferry.IsCode(err, ferry.EINVALID), "the checkpoints' 30 days are always kept")
			_, err = b.svc.PatchWorkspace(ctx, b.as[ferry.RoleViewer], service.WorkspacePatch{ThinPostReadingsAfterDays: &days})
			require.Error(t, err)

			n, err = service.ThinPostReadings(ctx, b.db)
			require.NoError(t, err)
			cut := b.now.AddDate(0, 0, -60)
			snaps, err := b.db.Read().PostSnapshots(ctx, ferry.PostSnapshotFilter{PublicationID: pub.ID})
			require.NoError(t, err)
			perDay := map[string][]ferry.PostSnapshot{}
			for _, sn := range snaps {
				perDay[sn.At.UTC().Format(time.DateOnly)] = append(perDay[sn.At.UTC().Format(time.DateOnly)], sn)
			}
			old := 0
			for day, ss := range perDay {
				if ss[len(ss)-1].At.Before(cut) && day < cut.Format(time.DateOnly) {
					require.Len(t, ss, 1, "one reading a day before the cut: %s", day)
					require.Equal(t, int64(3), *ss[0].Likes%10, "the day's last reading is kept")
					old++
				} else if day > cut.Format(time.DateOnly) {
					require.Len(t, ss, 4, "recent days keep every reading: %s", day)
				}
			}
			require.Greater(t, old, 30)
			// Three of four on each old day, and on the day of the cut (10:00)
			// the two taken before it, the day's later readings remaining.
			require.EqualValues(t, 3*old+2, n)
			acc, err := b.db.Read().AccountSnapshots(ctx, acct.ID, time.Time{}, time.Time{})
			require.NoError(t, err)
			require.Len(t, acc, 400, "account readings are never thinned")

			// A second run finds nothing more; a closed account's history stays.
			acct.Health = ferry.HealthClosed
			_, err = b.db.Write().SetAccountHealth(ctx, acct, ferry.HealthClosed, "closed")
			require.NoError(t, err)
			n, err = service.ThinPostReadings(ctx, b.db)
			require.NoError(t, err)
			require.Zero(t, n)
			a, err := b.svc.AccountAnalytics(ctx, b.as[ferry.RoleViewer], acct.ID, "all", "", "", "")
			require.NoError(t, err)
			require.Len(t, a.Series, 400)
			require.Len(t, a.Posts, 1)
		})
	}
}
