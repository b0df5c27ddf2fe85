package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func count(v int64) *int64 { return &v }

// seedReadings gives the seeded accounts follower readings for the last
// 60 days and the published post readings at its checkpoints.
func (tb *testBundle) seedReadings(s seeded) {
	t := tb.t
	ctx := context.Background()
	w := tb.svc.DB.Write()
	now := tb.svc.DB.Now()
	for i := 60; i >= 0; i-- {
		at := now.Add(-time.Duration(i)*24*time.Hour - time.Hour)
		require.NoError(t, w.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: s.telegram.ID, At: at, Followers: count(120_000 + int64(60-i)*37)}))
		require.NoError(t, w.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: s.weibo.ID, At: at, Followers: count(8_000 - int64(60-i))}))
	}
	pubs, err := tb.svc.DB.Read().Publications(ctx, ferry.PublicationFilter{WorkspaceID: s.telegram.WorkspaceID, StoryID: s.mixed.ID})
	require.NoError(t, err)
	for _, p := range pubs {
		if p.State != ferry.StatePublished {
			continue
		}
		for k, after := range []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour} {
			require.NoError(t, w.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: p.ID, AccountID: p.AccountID, At: p.PublishedAt.Add(after),
				Views: count(int64(20_000 * (k + 1))), Likes: count(int64(300 * (k + 1))), Shares: count(12)}))
		}
	}
}

func TestAnalytics_PagesShowReadingsAndKeepBadInputBesideTheField(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			tb := setup(t, be)
			p := tb.setUp()
			s := tb.seed(p)
			tb.seedReadings(s)
			b := tb.browser()
			b.signIn("ada@example.org", ownerPassword)

			pg := b.get("/analytics")
			require.Equal(t, http.StatusOK, pg.status, pg.body)
			require.Contains(t, pg.body, `href="/analytics" aria-current="page"`)
			require.Contains(t, pg.body, `href="/analytics/accounts/`+s.telegram.ID+`"`)
			require.Contains(t, pg.body, "122,220", "followers now")
			require.Contains(t, pg.body, "+<span class=\"num\">1,073</span>", "change over 30 days: 29 × 37")
			require.Contains(t, pg.body, `<svg class="spark"`)
			require.Contains(t, text(pg.body), "Harbour Channel: from 121,147 to 122,220")

			// An unknown period: the form again, the choice kept, the error beside it.
			pg = b.get("/analytics?period=2w")
			require.Equal(t, http.StatusBadRequest, pg.status)
			require.Contains(t, pg.body, `aria-invalid="true" aria-describedby="period-error"`)
			require.Contains(t, pg.body, `id="period-error">Choose one of the periods listed.`)
			pg = b.get("/analytics?period=custom&from=2026-09-10&to=2026-09-01")
			require.Equal(t, http.StatusBadRequest, pg.status)
			require.Contains(t, pg.body, `value="2026-09-10"`)
			require.Contains(t, pg.body, `id="to-error">The end must not be before the start.`)

			pg = b.get("/analytics/accounts/" + s.telegram.ID + "?period=all&sort=views")
			require.Equal(t, http.StatusOK, pg.status, pg.body)
			require.Contains(t, pg.body, `<svg class="chart"`)
			require.Contains(t, pg.body, `<title id="followers-chart-t">Followers of Harbour Channel</title>`)
			require.Contains(t, pg.body, `aria-sort="descending"><a href="?period=all&amp;sort=views">Views</a>`)
			require.Contains(t, pg.body, "中秋節活動安排")
			require.Contains(t, pg.body, `<table class="heat">`)
			require.Contains(t, pg.body, "<code>platform_defaults</code>")
			pg = b.get("/analytics/accounts/" + s.telegram.ID + "?sort=loudness")
			require.Equal(t, http.StatusBadRequest, pg.status)
			require.Contains(t, pg.body, "Posts cannot be sorted that way.")
			require.Equal(t, http.StatusNotFound, b.get("/analytics/accounts/acc_nope").status)

			pg = b.get("/stories/" + s.mixed.ID)
			require.Contains(t, pg.body, `href="/analytics/stories/`+s.mixed.ID+`"`)
			pg = b.get("/analytics/stories/" + s.mixed.ID)
			require.Equal(t, http.StatusOK, pg.status, pg.body)
			require.Contains(t, pg.body, "https://t.me/harbour/42")
			require.Contains(t, pg.body, `<title id="story-chart-t">`)
			require.Contains(t, pg.body, "60,000", "latest views")

			// In Chinese: 12.2萬 beside the exact figure.
			b.lang = "zh-HK"
			pg = b.get("/analytics")
			require.Equal(t, http.StatusOK, pg.status)
			require.Contains(t, pg.body, `<span class="num-short">12.2萬</span> <span class="num-exact">(122,220)</span>`)
			require.Contains(t, pg.body, "數據分析")
			// The best times' basis in the page's language too.
			pg = b.get("/analytics/accounts/" + s.telegram.ID)
			require.Equal(t, http.StatusOK, pg.status)
			require.Contains(t, pg.body, "Telegram 頻道多是一次過閱讀的經驗法則")
			require.NotContains(t, pg.body, "rule of thumb")
		})
	}
}

func TestAnalytics_RetentionSettingIsSavedAndABadValueComesBackBesideTheField(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			tb := setup(t, be)
			p := tb.setUp()
			b := tb.signedIn("ada@example.org", "en")
			form := url.Values{"csrf": {b.csrf()}, "name": {"Harbour News"}, "time_zone": {"Asia/Hong_Kong"}, "region": {"HK"}, "thin_post_readings_after_days": {"7"}}
			pg := b.post("/settings/workspace", "same-origin", form)
			require.Equal(t, http.StatusBadRequest, pg.status)
			require.Contains(t, pg.body, `value="7" aria-describedby="thin-help thin-error" aria-invalid="true"`)
			require.Contains(t, pg.body, `id="thin-error">Leave it empty, or give a whole number of days from 31.`)
			form.Set("thin_post_readings_after_days", "400")
			pg = b.post("/settings/workspace", "same-origin", form)
			require.Equal(t, http.StatusSeeOther, pg.status, pg.body)
			ws, err := tb.svc.Workspace(context.Background(), p)
			require.NoError(t, err)
			require.Equal(t, 400, ws.ThinPostReadingsAfterDays)
			require.Contains(t, b.get("/settings/workspace").body, `name="thin_post_readings_after_days" min="0" step="1" inputmode="numeric" value="400"`)
			// Saving the form without the field turns thinning off.
			form.Del("thin_post_readings_after_days")
			require.Equal(t, http.StatusSeeOther, b.post("/settings/workspace", "same-origin", form).status)
			ws, err = tb.svc.Workspace(context.Background(), p)
			require.NoError(t, err)
			require.Zero(t, ws.ThinPostReadingsAfterDays)
		})
	}
}
