package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestSetup_FirstRunCreatesTheOwnerAndKeepsBadInput(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			br := tb.browser()
			require.Equal(t, "/setup", br.get("/").location)
			require.Equal(t, "/setup", br.get("/login").location)
			form := br.get("/setup")
			require.Equal(t, 200, form.status)
			require.Contains(t, form.body, `<option value="Asia/Hong_Kong" selected>`)

			bad := br.post("/setup", "same-origin", url.Values{"workspace": {""}, "time_zone": {"Asia/Hong_Kong"}, "region": {"HK"},
				"name": {"Ada Lovelace"}, "email": {"ada@example.org"}, "password": {"short"}, "language": {"en"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `value="Ada Lovelace"`, "input is kept")
			require.Contains(t, bad.body, `value="ada@example.org"`)
			require.NotContains(t, bad.body, `value="short"`, "a password is never sent back")
			require.Regexp(t, `id="workspace" [^>]*aria-invalid="true" aria-describedby="workspace-error"`, bad.body)
			require.Contains(t, bad.body, `<p class="field-error" id="workspace-error">Fill this in.</p>`)
			require.Contains(t, bad.body, `<p class="field-error" id="password-error">The password needs at least 12 characters.</p>`)
			common := br.post("/setup", "same-origin", url.Values{"workspace": {"Harbour News"}, "time_zone": {"Asia/Hong_Kong"}, "region": {"HK"},
				"name": {"Ada"}, "email": {"ada@example.org"}, "password": {"Qwerty123456"}, "language": {"en"}})
			require.Equal(t, http.StatusBadRequest, common.status)
			require.Contains(t, common.body, `<p class="field-error" id="password-error">This password is among the most common ones; choose another.</p>`)
			require.NotContains(t, strings.ToLower(common.body), "qwerty123456", "a password is never sent back")
			needs, err := tb.svc.NeedsSetup(context.Background())
			require.NoError(t, err)
			require.True(t, needs, "nothing was saved")

			good := br.post("/setup", "same-origin", url.Values{"workspace": {"Harbour News"}, "time_zone": {"Asia/Hong_Kong"}, "region": {"HK"},
				"name": {"Ada"}, "email": {"ada@example.org"}, "password": {ownerPassword}, "language": {"zh-Hant"}})
			require.Equal(t, http.StatusSeeOther, good.status, good.body)
			require.Equal(t, "/", good.location)
			cookie := good.header.Get("Set-Cookie")
			require.Contains(t, cookie, "ferry_session=")
			require.Contains(t, cookie, "HttpOnly")
			require.Contains(t, cookie, "SameSite=Lax")
			require.NotContains(t, cookie, "Secure", "the public URL is http")

			home := br.get("/")
			require.Equal(t, 200, home.status)
			require.Contains(t, home.body, "Harbour News")
			require.Contains(t, home.body, `<html lang="zh-Hant-HK">`, "the owner's language")
			require.Equal(t, "/login", br.get("/setup").location, "setup happens once")
			again := br.post("/setup", "same-origin", url.Values{"csrf": {br.csrf()}, "workspace": {"Other"}, "time_zone": {"UTC"}, "region": {"HK"},
				"email": {"eve@example.org"}, "password": {ownerPassword}})
			require.Equal(t, http.StatusSeeOther, again.status)
			_, _, err = tb.svc.SignIn(context.Background(), "eve@example.org", ownerPassword, "")
			require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
		})
	}
}

func TestLogin_WrongPasswordKeepsTheEmailAndNextStaysOnSite(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	tb.setUp()
	br := tb.browser()
	require.Equal(t, "/login?next=%2Fstories%3Fstate%3Dfailed", br.get("/stories?state=failed").location)

	empty := br.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}})
	require.Equal(t, http.StatusBadRequest, empty.status)
	require.Contains(t, empty.body, `<p class="field-error" id="password-error">Fill this in.</p>`)
	require.Contains(t, empty.body, `value="ada@example.org"`)

	wrong := br.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}, "password": {"not the password"}, "next": {"/stories"}})
	require.Equal(t, http.StatusUnauthorized, wrong.status)
	require.Contains(t, wrong.body, "The email or password is not right.")
	require.Contains(t, wrong.body, `value="ada@example.org"`)
	require.Contains(t, wrong.body, `name="next" value="/stories"`)
	require.Empty(t, wrong.header.Get("Set-Cookie"))

	ok := br.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}, "password": {ownerPassword}, "next": {"/stories?state=failed"}})
	require.Equal(t, http.StatusSeeOther, ok.status)
	require.Equal(t, "/stories?state=failed", ok.location)
	require.Equal(t, "/", br.get("/login").location, "signed in already")

	for _, evil := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		other := tb.browser()
		p := other.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}, "password": {ownerPassword}, "next": {evil}})
		require.Equal(t, "/", p.location, evil)
	}
}

func TestForms_ACrossSitePostIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	p := tb.setUp()
	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)
	token := br.csrf()

	// From another site, even with the right token: 403, still signed in.
	refused := br.post("/logout", "cross-site", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusForbidden, refused.status)
	require.Contains(t, refused.body, "You are not allowed to do this.")
	require.Equal(t, 200, br.get("/").status)

	// An old browser that sends only Origin.
	req, err := http.NewRequest("POST", tb.srv.URL+"/language", strings.NewReader(url.Values{"csrf": {token}, "lang": {"zh-Hans"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, br.do(req).status)
	me, err := tb.svc.Me(context.Background(), p)
	require.NoError(t, err)
	require.Empty(t, me.User.Language, "the language did not change")

	// Behind a proxy that rewrites Host, the public URL's origin is ours.
	req, err = http.NewRequest("POST", tb.srv.URL+"/language", strings.NewReader(url.Values{"csrf": {token}, "lang": {"en"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://ferry.test")
	require.Equal(t, http.StatusSeeOther, br.do(req).status)
	me, err = tb.svc.Me(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, "en", me.User.Language)

	// Same site without the form's token: 403 too.
	require.Equal(t, http.StatusForbidden, br.post("/logout", "same-origin", nil).status)
	require.Equal(t, http.StatusForbidden, br.post("/language", "same-origin", url.Values{"lang": {"zh-Hans"}, "csrf": {"forged"}}).status)
	require.Equal(t, 200, br.get("/").status, "still signed in")
	me, err = tb.svc.Me(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, "en", me.User.Language, "the forged form changed nothing")

	// A sign-in posted from elsewhere signs no one in.
	other := tb.browser()
	login := other.post("/login", "cross-site", url.Values{"email": {"ada@example.org"}, "password": {ownerPassword}})
	require.Equal(t, http.StatusForbidden, login.status)
	require.Empty(t, login.header.Get("Set-Cookie"))

	// With the token, from the same site: signed out, and the session is
	// gone on the server too (setup's own session stays).
	sessions, err := tb.svc.DB.Read().Sessions(context.Background(), p.UserID)
	require.NoError(t, err)
	require.Len(t, sessions, 2)
	out := br.post("/logout", "same-origin", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, out.status)
	require.Equal(t, "/login", out.location)
	require.Equal(t, "/login", br.get("/").location)
	sessions, err = tb.svc.DB.Read().Sessions(context.Background(), p.UserID)
	require.NoError(t, err)
	require.Len(t, sessions, 1)
}

func TestLanguage_SettingWinsOverTheBrowserAndTheSwitchSavesIt(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	p := tb.setUp()
	br := tb.browser()
	br.lang = "zh-HK,zh;q=0.9,en;q=0.8"
	login := br.get("/login")
	require.Contains(t, login.body, `<html lang="zh-Hant-HK">`)
	require.Contains(t, login.body, "<h1>登入</h1>")

	// Switching before sign-in is remembered in a cookie.
	sw := br.post("/language", "same-origin", url.Values{"lang": {"en"}, "next": {"/login"}})
	require.Equal(t, http.StatusSeeOther, sw.status)
	require.Equal(t, "/login", sw.location)
	require.Contains(t, br.get("/login").body, "<h1>Sign in</h1>")

	br.signIn("ada@example.org", ownerPassword)
	sw = br.post("/language", "same-origin", url.Values{"lang": {"zh-Hans"}, "next": {"/stories"}, "csrf": {br.csrf()}})
	require.Equal(t, http.StatusSeeOther, sw.status)
	require.Equal(t, "/stories", sw.location)
	me, err := tb.svc.Me(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, "zh-Hans", me.User.Language, "saved as the person's setting")

	// Another browser of the same person, asking for English, gets the setting.
	other := tb.signedIn("ada@example.org", "en-GB")
	home := other.get("/")
	require.Contains(t, home.body, `<html lang="zh-Hans">`)
	require.Contains(t, home.body, "退出登录")

	bad := br.post("/language", "same-origin", url.Values{"lang": {"tlh"}, "csrf": {br.csrf()}})
	require.Equal(t, http.StatusBadRequest, bad.status)
}

// seed writes accounts, stories, publications and attempts through the
// store, as the engine would have left them.
type seeded struct {
	telegram, weibo *ferry.Account
	mixed, draft    *ferry.Story
	failed          *ferry.Publication
}

func (tb *testBundle) seed(p ferry.Principal) seeded {
	t := tb.t
	ctx := context.Background()
	w := tb.svc.DB.Write()
	var s seeded
	s.telegram = tb.account(p, ferry.Telegram, "@harbour", "Harbour Channel")
	s.weibo = tb.account(p, ferry.Weibo, "5000", "海港微博", func(a *ferry.Account) {
		a.Health, a.HealthReason = ferry.HealthNeedsReauth, "The token was revoked."
	})
	at := time.Date(2026, 9, 25, 12, 0, 0, 0, time.UTC)
	s.mixed = &ferry.Story{WorkspaceID: p.WorkspaceID, Title: "中秋節活動安排", Body: "今年中秋節，海港公園將舉行燈籠會。\nLantern fair at Harbour Park.", Tags: []string{"中秋"},
		Targets: []string{s.telegram.ID, s.weibo.ID}, ScheduledAt: &at, CreatedBy: p.UserID}
	require.NoError(t, w.CreateStory(ctx, s.mixed))
	published := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: s.mixed.ID, AccountID: s.telegram.ID, Platform: ferry.Telegram, State: ferry.StatePublished,
		Version: 1, ScheduledAt: &at, PublishedAt: &at, RemoteURL: "https://t.me/harbour/42", RemoteID: "42"}
	require.NoError(t, w.CreatePublication(ctx, published))
	s.failed = &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: s.mixed.ID, AccountID: s.weibo.ID, Platform: ferry.Weibo, State: ferry.StateFailed,
		Version: 1, ScheduledAt: &at, Error: &ferry.PubError{Code: "20019", Message: "Weibo refused the post as a repeat of an earlier one."}}
	require.NoError(t, w.CreatePublication(ctx, s.failed))
	attempt := &ferry.Attempt{PublicationID: s.failed.ID, Number: 1, Version: 1, StartedAt: at, Fingerprint: "f"}
	require.NoError(t, w.OpenAttempt(ctx, attempt))
	attempt.Outcome, attempt.ErrorCode, attempt.ErrorMessage = ferry.OutcomeFailed, "20019", "repeat content"
	end := at.Add(time.Second)
	attempt.FinishedAt = &end
	require.NoError(t, w.FinishAttempt(ctx, attempt))
	s.draft = &ferry.Story{WorkspaceID: p.WorkspaceID, Body: "A draft with no title yet", Targets: []string{s.telegram.ID}, CreatedBy: p.UserID}
	require.NoError(t, w.CreateStory(ctx, s.draft))
	require.NoError(t, w.CreatePublication(ctx, &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: s.draft.ID, AccountID: s.telegram.ID, Platform: ferry.Telegram, State: ferry.StateDraft, Version: 1}))
	return s
}

func TestPages_DashboardStoriesAndStoryShowWhatHappened(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			s := tb.seed(p)
			// A viewer sees every page.
			ctx := context.Background()
			viewer := tb.person(p, "vic@example.org", ferry.RoleViewer)
			br := tb.signedIn("vic@example.org", "en")

			dash := br.get("/")
			require.Equal(t, 200, dash.status)
			dt := text(dash.body)
			require.Contains(t, dt, "Failed or missed this week")
			require.Contains(t, dt, "Weibo refused the post as a repeat of an earlier one.")
			require.Contains(t, dt, "Accounts to reconnect")
			require.Contains(t, dt, "The token was revoked.")
			require.Contains(t, dt, "Festivals and holidays (Hong Kong)")
			require.Contains(t, dash.body, `aria-current="page">Dashboard</a>`)

			list := br.get("/stories")
			require.Equal(t, 200, list.status)
			lt := text(list.body)
			require.Contains(t, lt, "中秋節活動安排")
			require.Contains(t, lt, "published 1 of 2, 1 failed")
			require.Contains(t, lt, "published 0 of 1, 1 draft")
			require.Contains(t, lt, "Fri 25 Sep 2026, 20:00", "in the workspace's zone")

			failed := text(br.get("/stories?state=failed").body)
			require.Contains(t, failed, "中秋節活動安排")
			require.NotContains(t, failed, "A draft with no title yet")
			byAccount := br.get("/stories?account=" + s.weibo.ID)
			require.NotContains(t, text(byAccount.body), "A draft with no title yet")
			require.Contains(t, byAccount.body, `<option value="`+s.weibo.ID+`" selected>`)
			search := text(br.get("/stories?q=draft").body)
			require.Contains(t, search, "A draft with no title yet")
			require.NotContains(t, search, "中秋節活動安排")
			none := br.get("/stories?q=nothing+like+this")
			require.Contains(t, text(none.body), "No story matches these filters.")
			badState := br.get("/stories?state=exploded")
			require.Equal(t, 200, badState.status)
			require.Contains(t, badState.body, `<p class="field-error" id="state-error">This is not valid.</p>`)

			detail := br.get("/stories/" + s.mixed.ID)
			require.Equal(t, 200, detail.status)
			st := text(detail.body)
			require.Contains(t, st, "Weibo refused the post as a repeat of an earlier one.")
			require.Contains(t, st, "1 attempt")
			require.Contains(t, st, "repeat content")
			require.Contains(t, detail.body, `href="https://t.me/harbour/42"`)
			require.Contains(t, detail.body, `<title>中秋節活動安排 · Ferry</title>`)

			br.lang = "zh-HK"
			require.NoError(t, tb.svc.SetLanguage(ctx, viewer, "zh-Hant"))
			zh := text(br.get("/stories/" + s.mixed.ID).body)
			require.Contains(t, zh, "2026年9月25日 星期五 20:00")
			require.Contains(t, zh, "已發佈 1/2，失敗 1")
			require.Contains(t, zh, "開啟帖文")

			missing := br.get("/stories/sty_nonexistent")
			require.Equal(t, 404, missing.status)
			require.Contains(t, missing.header.Get("Content-Type"), "text/html")
			require.Equal(t, 404, br.get("/no/such/page").status)
		})
	}
}

func TestStories_PagesThroughALongList(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	p := tb.setUp()
	w := tb.svc.DB.Write()
	for i := range 30 {
		require.NoError(t, w.CreateStory(context.Background(), &ferry.Story{WorkspaceID: p.WorkspaceID, Title: "Story " + string(rune('A'+i)), CreatedBy: p.UserID}))
	}
	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)
	first := br.get("/stories?q=Story")
	require.Equal(t, 25, strings.Count(first.body, `class="card story-row"`))
	next := regexp.MustCompile(`href="([^"]+)" class="button" rel="next"`).FindStringSubmatch(first.body)
	require.NotNil(t, next)
	require.Contains(t, next[1], "q=Story")
	second := br.get(html.UnescapeString(next[1]))
	require.Equal(t, 5, strings.Count(second.body, `class="card story-row"`))
	require.NotContains(t, second.body, `rel="next"`)
	require.Contains(t, second.body, `href="/stories?q=Story" class="button">First page</a>`)
}

func TestPages_CarryTheSecurityHeadersAndStaticFilesAreCached(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	br := tb.browser()
	p := br.get("/setup")
	require.Equal(t, httpd.ContentSecurityPolicy, p.header.Get("Content-Security-Policy"))
	require.Equal(t, "nosniff", p.header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-store", p.header.Get("Cache-Control"))
	require.NotContains(t, p.body, "<script>", "no inline script")
	require.NotContains(t, p.body, "style=", "no inline style")
	css := regexp.MustCompile(`href="(/static/ferry.css\?v=[0-9a-f]+)"`).FindStringSubmatch(p.body)
	require.NotNil(t, css)
	static := br.get(css[1])
	require.Equal(t, 200, static.status)
	require.Contains(t, static.header.Get("Content-Type"), "text/css")
	require.Contains(t, static.header.Get("Cache-Control"), "immutable")
	require.Contains(t, static.body, "Noto Sans CJK HK")
	require.NotContains(t, static.body, "http", "nothing fetched from elsewhere")
}

// After five failures the email waits: the form comes back with 429,
// Retry-After and words saying when to try again, the email kept.
func TestLogin_TooManyFailuresSayWhenToRetry(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	tb.setUp()
	br := tb.browser()
	br.lang = "zh-Hans"
	for range 5 {
		p := br.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}, "password": {"not the password"}})
		require.Equal(t, http.StatusUnauthorized, p.status)
	}
	p := br.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}, "password": {ownerPassword}})
	require.Equal(t, http.StatusTooManyRequests, p.status)
	require.Equal(t, "1", p.header.Get("Retry-After"))
	require.Contains(t, p.body, `<p class="problem" role="alert" id="problem">失败次数太多，请在 1 秒后再试。</p>`)
	require.Contains(t, p.body, `value="ada@example.org"`)
	require.Empty(t, p.header.Get("Set-Cookie"), "not signed in")
}
