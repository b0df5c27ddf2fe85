package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// Reasons are worded in the page's language from their codes, times in the
// workspace's zone; a platform's own message is quoted as it wrote it, and
// words stored before reasons had codes are shown as they are, marked
// English.
func TestPages_ReasonsInThePagesLanguage(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	p := tb.setUp()
	ctx := context.Background()
	w := tb.svc.DB.Write()
	weibo := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Weibo, ExternalID: "5000", Name: "海港微博", Health: ferry.HealthConnected, Credentials: map[string]string{}}
	tg := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Telegram, ExternalID: "@harbour", Name: "Harbour Channel", Health: ferry.HealthConnected, Credentials: map[string]string{}}
	fb := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Facebook, ExternalID: "77", Name: "Harbour Page", Health: ferry.HealthConnected, Credentials: map[string]string{}}
	for _, a := range []*ferry.Account{weibo, tg, fb} {
		require.NoError(t, w.CreateAccount(ctx, a))
	}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	st := &ferry.Story{WorkspaceID: p.WorkspaceID, Title: "中秋節活動安排", Body: "燈籠會", Targets: []string{weibo.ID, tg.ID, fb.ID}, ScheduledAt: &at, CreatedBy: p.UserID}
	require.NoError(t, w.CreateStory(ctx, st))

	// 20:07 in Hong Kong on 25 September 2026.
	next := time.Date(2026, 9, 25, 12, 7, 0, 0, time.UTC)
	waiting := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: weibo.ID, Platform: ferry.Weibo, State: ferry.StateWaiting, Version: 1, ScheduledAt: &at, NextAt: &next}
	waiting.SetReason(ferry.Because(ferry.ReasonRateLimit, "platform", ferry.Weibo, "max", 30, "window", time.Hour, "at", next))
	failed := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: tg.ID, Platform: ferry.Telegram, State: ferry.StateFailed, Version: 1, ScheduledAt: &at, Attempts: 3,
		Error: &ferry.PubError{Code: "502", Message: "Bad Gateway from api.telegram.org"}}
	failed.SetReason(ferry.Because(ferry.ReasonGiveUp, "attempts", 3, "after", 2*time.Hour, "message", "Bad Gateway from api.telegram.org"))
	legacy := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: fb.ID, Platform: ferry.Facebook, State: ferry.StateMissed, Version: 1, ScheduledAt: &at,
		Reason: "It could not go out within 2h0m0s of its scheduled time."} // moved before reasons had codes
	for _, pub := range []*ferry.Publication{waiting, failed, legacy} {
		require.NoError(t, w.CreatePublication(ctx, pub))
	}

	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "zh-Hant"))
	story := br.get("/stories/" + st.ID)
	require.Equal(t, 200, story.status)
	zh := text(story.body)
	require.Contains(t, zh, "正等候微博的發佈上限（每 1 小時 30 則）。下一個時段：2026年9月25日 星期五 20:07。")
	require.Contains(t, zh, "嘗試 3 次、歷時 2 小時仍未成功，已停止：Bad Gateway from api.telegram.org", "the platform's words as it wrote them")
	require.Contains(t, story.body, `<p class="item-detail" lang="en">It could not go out within 2h0m0s of its scheduled time.</p>`, "stored words, shown as they are")
	require.NotContains(t, zh, "Waiting for the Weibo limit")
	require.NotContains(t, zh, "Gave up after")
	require.Equal(t, 1, strings.Count(zh, "Bad Gateway"), "the reason quotes the error: it is not shown twice")

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "zh-Hans"))
	dash := br.get("/")
	require.Equal(t, 200, dash.status)
	dt := text(dash.body)
	require.Contains(t, dt, "正在等待微博的发布上限（每 1 小时 30 条）。下一个时段：2026年9月25日 星期五 20:07。")
	require.Contains(t, dt, "尝试 3 次、历时 2 小时仍未成功，已停止：Bad Gateway from api.telegram.org")
	require.NotContains(t, dt, "Waiting for the Weibo limit")
	require.Equal(t, 1, strings.Count(dt, "Bad Gateway"))

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "en"))
	en := text(br.get("/stories/" + st.ID).body)
	require.Contains(t, en, "Waiting for the Weibo limit of 30 posts per 1 hour. Next slot: Fri 25 Sep 2026, 20:07.")
	require.Contains(t, en, "Gave up after 3 attempts over 2 hours: Bad Gateway from api.telegram.org")
}
