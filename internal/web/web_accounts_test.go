package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestAccounts_PagesShowEveryAccountAndHideAdminActionsFromOthers(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			s := tb.seed(owner)
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)

			list := br.get("/accounts")
			require.Equal(t, 200, list.status, list.body)
			require.Contains(t, list.body, "Harbour Channel")
			require.Contains(t, list.body, "海港微博")
			require.Contains(t, list.body, "Reconnect needed")
			require.Contains(t, list.body, `href="/accounts/connect"`)
			require.Contains(t, list.body, `aria-current="page">Accounts`)

			for _, a := range []*ferry.Account{s.telegram, s.weibo} {
				p := br.get("/accounts/" + a.ID)
				require.Equal(t, 200, p.status, p.body)
				require.Contains(t, p.body, `id="settings-form"`)
				require.Contains(t, p.body, `/accounts/`+a.ID+`/close`)
			}
			require.Contains(t, br.get("/accounts/"+s.weibo.ID).body, `id="link_url"`, "Weibo asks for its link")
			require.Equal(t, 200, br.get("/accounts/connect").status)
			require.Equal(t, 200, br.get("/accounts/"+s.telegram.ID+"/close").status)
			require.Equal(t, http.StatusNotFound, br.get("/accounts/acc_nothing").status)

			editor := tb.member(owner, "ed@example.org", ferry.RoleEditor)
			p := editor.get("/accounts/" + s.weibo.ID)
			require.Equal(t, 200, p.status)
			require.Contains(t, p.body, "Only workspace admins can connect, change or close accounts.")
			require.Contains(t, p.body, "<fieldset disabled>")
			require.NotContains(t, p.body, "/close")
			require.NotContains(t, editor.get("/accounts").body, `href="/accounts/connect"`)
			refused := editor.post("/accounts/"+s.weibo.ID, "same-origin", url.Values{"csrf": {editor.csrf()}, "name": {"Mine now"}})
			require.Equal(t, http.StatusForbidden, refused.status)
			refused = editor.post("/accounts/"+s.weibo.ID+"/close", "same-origin", url.Values{"csrf": {editor.csrf()}})
			require.Equal(t, http.StatusForbidden, refused.status)
			a, err := tb.svc.Account(context.Background(), owner, s.weibo.ID)
			require.NoError(t, err)
			require.Equal(t, "海港微博", a.Name)
			require.Equal(t, ferry.HealthNeedsReauth, a.Health)
		})
	}
}

func TestAccounts_SettingsErrorsComeBackBesideTheFieldsAndNothingIsSaved(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			tb.svc.Connectors = platform.NewRegistry() // none: accounts are not checked
			owner := tb.setUp()
			s := tb.seed(owner)
			ctx := context.Background()
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)
			csrf := br.csrf()

			bad := br.post("/accounts/"+s.weibo.ID, "same-origin", url.Values{"csrf": {csrf}, "name": {"Renamed"}, "link_url": {"ferry.example/x"}, "audience_script": {"klingon"}})
			require.Equal(t, http.StatusBadRequest, bad.status, bad.body)
			require.Contains(t, bad.body, `id="link_url-error"`)
			require.Contains(t, text(bad.body), "Enter a full web address starting with https://")
			require.Contains(t, bad.body, `id="audience_script-error"`)
			require.Contains(t, bad.body, `value="ferry.example/x"`, "the input is kept")
			require.Contains(t, bad.body, `value="Renamed"`)
			a, err := tb.svc.Account(ctx, owner, s.weibo.ID)
			require.NoError(t, err)
			require.Equal(t, "海港微博", a.Name, "nothing was saved")

			// A cross-site post or one without the token changes nothing.
			require.Equal(t, http.StatusForbidden, br.post("/accounts/"+s.weibo.ID, "cross-site", url.Values{"csrf": {csrf}, "name": {"X"}}).status)
			require.Equal(t, http.StatusForbidden, br.post("/accounts/"+s.weibo.ID, "same-origin", url.Values{"name": {"X"}}).status)

			good := br.post("/accounts/"+s.weibo.ID, "same-origin", url.Values{"csrf": {csrf}, "name": {"Renamed"}, "link_url": {"https://ferry.example/x"}, "audience_script": {"hk"}})
			require.Equal(t, http.StatusSeeOther, good.status, good.body)
			a, err = tb.svc.Account(ctx, owner, s.weibo.ID)
			require.NoError(t, err)
			require.Equal(t, "Renamed", a.Name)
			require.Equal(t, map[string]any{"link_url": "https://ferry.example/x", "audience_script": "hk"}, a.Settings)

			// Xiaohongshu operators, one a line; a bad one is told.
			xhs, err := tb.svc.CreateAccount(ctx, owner, ferryXHS())
			require.NoError(t, err)
			bad = br.post("/accounts/"+xhs.ID, "same-origin", url.Values{"csrf": {csrf}, "name": {"RED"}, "operators": {"li@example.org, Li, 12345\nnot-an-email"}, "lead_time": {"soon"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `id="operators-error"`)
			require.Contains(t, bad.body, `id="lead_time-error"`)
			good = br.post("/accounts/"+xhs.ID, "same-origin", url.Values{"csrf": {csrf}, "name": {"RED"}, "operators": {"li@example.org, Li, 12345\nops@example.org"}, "lead_time": {"15m"}, "deadline_after": {"2h"}})
			require.Equal(t, http.StatusSeeOther, good.status, good.body)
			page := br.get("/accounts/" + xhs.ID)
			require.Contains(t, page.body, "li@example.org, Li, 12345\nops@example.org")

			// Closing asks first; the post closes it.
			require.Contains(t, text(br.get("/accounts/"+xhs.ID+"/close").body), "Its publications that have not gone out yet are canceled.")
			closed := br.post("/accounts/"+xhs.ID+"/close", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusSeeOther, closed.status)
			a, err = tb.svc.Account(ctx, owner, xhs.ID)
			require.NoError(t, err)
			require.Equal(t, ferry.HealthClosed, a.Health)
		})
	}
}

func TestAccounts_ConnectFormKeepsInputAndTellsEachFieldsProblem(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	tb.setUp()
	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)
	br.lang = "zh-HK"
	p := br.post("/accounts/connect", "same-origin", url.Values{"csrf": {br.csrf()}, "platform": {"telegram"}, "channel": {"not a channel"}, "name": {"海港頻道"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, text(p.body), "請輸入 @頻道名稱")
	require.Contains(t, text(p.body), "請貼上機械人 token。")
	require.Contains(t, p.body, `value="not a channel"`)
	require.Contains(t, p.body, `value="海港頻道"`)
}

func ferryXHS() service.AccountInput {
	return service.AccountInput{Platform: ferry.Xiaohongshu, Name: "RED", ExternalID: "harbour_red"}
}

func TestOAuthCallback_ABadStateConnectsNothingAndSendsNoReferrer(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	tb.setUp()
	br := tb.browser()
	br.lang = "zh-HK"
	p := br.get("/oauth/weibo/callback?code=secret-code&state=v1.forged.sig")
	require.Equal(t, http.StatusNotFound, p.status, "no sign-in is configured in this test")
	require.Equal(t, "no-referrer", p.header.Get("Referrer-Policy"))
	require.Equal(t, "no-store", p.header.Get("Cache-Control"))
	require.Contains(t, p.body, "未有連接任何帳戶")
	require.Contains(t, p.body, `href="/accounts"`)
	require.NotContains(t, p.body, "secret-code")
	require.NotRegexp(t, regexp.MustCompile(`<style|style=`), p.body, "no inline style")
}
