package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/testdb"
)

// withWeiboSandbox connects a Weibo account served by a sandbox.
func (tb *testBundle) withWeiboSandbox(p ferry.Principal) {
	tb.t.Helper()
	sb := httptest.NewServer(sandbox.New())
	tb.t.Cleanup(sb.Close)
	tb.svc.Connectors = platform.NewRegistry(weibo.New(weibo.Config{BaseURL: sb.URL + "/weibo", RIP: "203.0.113.9"}))
	tb.svc.VerifyTimeout = 5 * time.Second
	require.NoError(tb.t, tb.svc.DB.Write().CreateAccount(context.Background(), &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Weibo,
		ExternalID: "5000000001", Name: "Harbour 微博", Credentials: map[string]string{"access_token": "sandbox-weibo-5000000001"}, Health: ferry.HealthConnected}))
}

func TestPeers_PageAddsRemovesAndKeepsBadInputBesideTheField(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			tb.withWeiboSandbox(owner)
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)

			p := br.get("/analytics/peers")
			require.Equal(t, 200, p.status, p.body)
			require.Contains(t, text(p.body), "No peers yet")
			csrf := br.csrf()

			// A handle Weibo does not know: the form comes back with the
			// handle kept and Weibo's words beside it.
			p = br.post("/analytics/peers", "same-origin", url.Values{"csrf": {csrf}, "platform": {"weibo"}, "handle": {"missing_person"}})
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, p.body, `value="missing_person"`)
			require.Contains(t, p.body, `id="peer-handle-error"`)
			require.Contains(t, text(p.body), "User does not exists!")
			require.Contains(t, p.body, `aria-invalid="true"`)

			// No Instagram account to look with: the error is beside the platform.
			p = br.post("/analytics/peers", "same-origin", url.Values{"csrf": {csrf}, "platform": {"instagram"}, "handle": {"hk.culture"}})
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, p.body, `id="peer-platform-error"`)

			p = br.post("/analytics/peers", "same-origin", url.Values{"csrf": {csrf}, "platform": {"weibo"}, "handle": {"港聞速遞"}})
			require.Equal(t, http.StatusSeeOther, p.status, p.body)
			p = br.post("/analytics/peers", "same-origin", url.Values{"csrf": {csrf}, "platform": {"xiaohongshu"}, "handle": {"港漂日记"}})
			require.Equal(t, http.StatusSeeOther, p.status, p.body)

			p = br.get(p.location)
			require.Equal(t, 200, p.status)
			body := text(p.body)
			require.Contains(t, body, "港聞速遞")
			require.Contains(t, body, "Harbour 微博", "the team's own Weibo account, side by side")
			require.Contains(t, body, "港漂日记")

			// The Xiaohongshu peer is read by hand; a bad count stays in its field.
			peers, err := tb.svc.Peers(context.Background(), owner, "", "")
			require.NoError(t, err)
			var xhs string
			for _, pr := range peers.Peers {
				if pr.Platform == ferry.Xiaohongshu {
					xhs = pr.ID
				}
			}
			p = br.post("/analytics/peers/"+xhs+"/readings", "same-origin", url.Values{"csrf": {csrf}, "followers": {"many"}})
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, p.body, `value="many"`)
			require.Contains(t, p.body, `id="followers-`+xhs+`-error"`)
			p = br.post("/analytics/peers/"+xhs+"/readings", "same-origin", url.Values{"csrf": {csrf}, "followers": {"1.2万"}, "posts": {"88"}})
			require.Equal(t, http.StatusSeeOther, p.status, p.body)
			require.Contains(t, text(br.get("/analytics/peers").body), "12,000")

			// Viewers compare; they do not add or remove.
			viewer := tb.member(owner, "vi@example.org", ferry.RoleViewer)
			p = viewer.get("/analytics/peers")
			require.Equal(t, 200, p.status)
			require.NotContains(t, p.body, `action="/analytics/peers"`)
			require.Contains(t, text(p.body), "港聞速遞")
			require.Equal(t, http.StatusForbidden, viewer.post("/analytics/peers/"+xhs+"/remove", "same-origin", url.Values{"csrf": {viewer.csrf()}}).status)

			p = br.post("/analytics/peers/"+xhs+"/remove", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusSeeOther, p.status)
			require.NotContains(t, text(br.get("/analytics/peers").body), "港漂日记")
		})
	}
}
