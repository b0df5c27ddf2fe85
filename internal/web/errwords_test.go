package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The words Ferry writes in an error (a lost connection, a timeout, an
// expiring authorisation) are shown in the page's language from their code;
// a platform's own words, and Ferry's with details its code cannot say, are
// shown as stored, marked English.
func TestPages_ErrorWordsInThePagesLanguage(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	p := tb.setUp()
	ctx := context.Background()
	w := tb.svc.DB.Write()
	tg := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Telegram, ExternalID: "@harbour", Name: "Harbour Channel", Health: ferry.HealthConnected, Credentials: map[string]string{}}
	fb := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Facebook, ExternalID: "77", Name: "Harbour Page", Health: ferry.HealthConnected, Credentials: map[string]string{}}
	ig := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Instagram, ExternalID: "78", Name: "harbour.ig", Health: ferry.HealthConnected, Credentials: map[string]string{}}
	// Set by the token watch (internal/metrics): 20:07 in Hong Kong.
	weibo := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Weibo, ExternalID: "5000", Name: "海港微博", Health: ferry.HealthNeedsReauth, Credentials: map[string]string{},
		HealthReason: "The Weibo authorisation expired at 2026-09-25T12:07:00Z; reconnect the account."}
	for _, a := range []*ferry.Account{tg, fb, ig, weibo} {
		require.NoError(t, w.CreateAccount(ctx, a))
	}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	st := &ferry.Story{WorkspaceID: p.WorkspaceID, Title: "中秋節活動安排", Body: "燈籠會", Targets: []string{tg.ID, fb.ID, ig.ID, weibo.ID}, ScheduledAt: &at, CreatedBy: p.UserID}
	require.NoError(t, w.CreateStory(ctx, st))

	const broke = "The connection to Telegram broke before it answered; the post may or may not have gone out."
	unknown := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: tg.ID, Platform: ferry.Telegram, State: ferry.StateUnknown, Version: 1, ScheduledAt: &at, Attempts: 1,
		Error: &ferry.PubError{Code: "telegram:transport", Message: broke}}
	unknown.SetReason(ferry.Because(ferry.ReasonOutcomeUnknown, "message", broke))
	const timeout = "The Graph API did not answer in time; the call may or may not have taken effect."
	graph := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: fb.ID, Platform: ferry.Facebook, State: ferry.StateUnknown, Version: 1, ScheduledAt: &at, Attempts: 1,
		Error: &ferry.PubError{Code: "facebook:timeout", Message: timeout}}
	const slow = "Instagram was still processing the image after 5m0s; nothing was published." // "the image" is not the catalog's to translate
	failed := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: ig.ID, Platform: ferry.Instagram, State: ferry.StateFailed, Version: 1, ScheduledAt: &at, Attempts: 1,
		Error: &ferry.PubError{Code: "instagram:processing_timeout", Message: slow}}
	// Ferry's sentence around Weibo's own words (a code with Weibo's number).
	refused := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: weibo.ID, Platform: ferry.Weibo, State: ferry.StateFailed, Version: 1, ScheduledAt: &at, Attempts: 1,
		Error: &ferry.PubError{Code: "weibo:20012", Message: `The text is longer than Weibo's 140 characters ("文本太长"); shorten it.`}}
	for _, pub := range []*ferry.Publication{unknown, graph, failed, refused} {
		require.NoError(t, w.CreatePublication(ctx, pub))
	}

	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "zh-Hant"))
	story := br.get("/stories/" + st.ID)
	require.Equal(t, 200, story.status)
	zh := text(story.body)
	require.Contains(t, zh, "與 Telegram 的連線在回覆前中斷；帖文可能已發佈，也可能未發佈。平台無法查看", "the reason quotes Ferry's words in the page's language, with no stray space after them")
	require.Contains(t, story.body, `<p class="item-detail bad">Graph API 未有及時回覆；這次呼叫可能已生效，也可能未生效。</p>`)
	require.Contains(t, story.body, `<p class="item-detail bad" lang="en">`+slow+`</p>`, "details the code cannot say: as stored")
	require.Contains(t, story.body, `<p class="item-detail bad">文字超過微博的 140 字上限（「文本太长」）；請刪減。</p>`)
	require.NotContains(t, zh, "The connection to Telegram broke")
	require.NotContains(t, zh, "The Graph API did not answer")

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "zh-Hans"))
	dash := br.get("/")
	require.Equal(t, 200, dash.status)
	require.Contains(t, dash.body, `<p class="item-detail">Graph API 未及时响应；这次调用可能已生效，也可能未生效。</p>`)
	require.Contains(t, text(dash.body), "微博授权已于 2026年9月25日 星期五 20:07 过期；请重新连接账号。")
	require.NotContains(t, dash.body, "The Graph API did not answer")

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "zh-Hant"))
	acct := br.get("/accounts/" + weibo.ID)
	require.Equal(t, 200, acct.status)
	require.Contains(t, acct.body, `<span class="muted">微博授權已於 2026年9月25日 星期五 20:07 過期；請重新連接帳戶。</span>`)
	accts := br.get("/accounts")
	require.Contains(t, accts.body, `<p class="acct-reason">微博授權已於 2026年9月25日 星期五 20:07 過期；請重新連接帳戶。</p>`)

	require.NoError(t, tb.svc.SetLanguage(ctx, p, "en"))
	en := br.get("/stories/" + st.ID)
	require.Contains(t, text(en.body), broke)
	require.Contains(t, en.body, `<p class="item-detail bad">`+timeout+`</p>`)
	require.Contains(t, text(br.get("/accounts/"+weibo.ID).body), weibo.HealthReason)
}
