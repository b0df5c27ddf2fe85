package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// Distinctive app secrets, so tests can tell they never leak; the sandbox
// accepts any.
const (
	testWeiboSecret    = "wb-app-secret-7f3a91"
	testFacebookSecret = "fb-app-secret-c0ffee"
)

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bootOAuth is boot with app credentials for both OAuth platforms and the
// log kept, so tests can check what it contains.
func bootOAuth(t *testing.T, dbURL string) (*testBundle, *syncBuffer) {
	t.Helper()
	ctx := context.Background()
	logs := &syncBuffer{}
	cfg := config.Defaults()
	cfg.DataDir, cfg.DatabaseURL, cfg.Addr, cfg.Demo = t.TempDir(), dbURL, "127.0.0.1:0", true
	cfg.AttemptTimeout, cfg.RescueAfter = 10*time.Second, 20*time.Second
	cfg.WeiboClientID, cfg.WeiboClientSecret = "3141592653", testWeiboSecret
	cfg.FacebookAppID, cfg.FacebookAppSecret = "2718281828", testFacebookSecret
	m := app.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, m.Open(ctx, false))
	require.NoError(t, m.Listen())
	require.NoError(t, m.Build())
	stop := runMain(t, m)
	tok, err := app.CreateToken(ctx, m.DB, app.DemoEmail, "", service.TokenInput{Name: "test"})
	require.NoError(t, err)
	return &testBundle{m: m, url: m.URL(), token: tok, cfg: cfg, stop: stop}, logs
}

type connectionStart struct {
	AuthorizeURL string    `json:"authorize_url"`
	RedirectURI  string    `json:"redirect_uri"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// start starts a connection flow and returns its authorize URL.
func (b *testBundle) start(t *testing.T, p ferry.Platform) connectionStart {
	t.Helper()
	var s connectionStart
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/connections/"+string(p)+"/start", nil, &s))
	require.Equal(t, b.url+"/oauth/"+string(p)+"/callback", s.RedirectURI)
	require.WithinDuration(t, time.Now().Add(10*time.Minute), s.ExpiresAt, time.Minute)
	return s
}

// callbackURL follows the authorize URL to the platform (the sandbox signs
// the person in at once) and returns where it sends the browser back.
func callbackURL(t *testing.T, authorize string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authorize)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.NotEmpty(t, loc)
	return loc
}

// browse opens a URL as a browser would and returns the status and page.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if strings.HasPrefix(resp.Request.URL.Path, "/oauth/") {
		require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, string(body)
}

type accountView struct {
	ID           string         `json:"id"`
	Platform     string         `json:"platform"`
	ExternalID   string         `json:"external_id"`
	Name         string         `json:"name"`
	Health       string         `json:"health"`
	HealthReason string         `json:"health_reason"`
	Settings     map[string]any `json:"settings"`
}

func (b *testBundle) accounts(t *testing.T) []accountView {
	t.Helper()
	var list struct {
		Accounts []accountView `json:"accounts"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts", nil, &list))
	return list.Accounts
}

func (b *testBundle) accountsOf(t *testing.T, p ferry.Platform) []accountView {
	t.Helper()
	var out []accountView
	for _, a := range b.accounts(t) {
		if a.Platform == string(p) {
			out = append(out, a)
		}
	}
	return out
}

// rawCredentials returns the stored (sealed) credentials column of an
// account.
func (b *testBundle) rawCredentials(t *testing.T, id string) []byte {
	t.Helper()
	query := `SELECT credentials FROM accounts WHERE id = ?`
	if b.m.DB.Dialect() == store.Postgres {
		query = `SELECT credentials FROM accounts WHERE id = $1`
	}
	var raw []byte
	require.NoError(t, b.m.DB.WritePool().QueryRowContext(t.Context(), query, id).Scan(&raw))
	return raw
}

// requireNoSecrets fails if any secret appears in any of the texts.
func requireNoSecrets(t *testing.T, secrets []string, texts ...string) {
	t.Helper()
	for _, s := range secrets {
		require.NotEmpty(t, s)
		for i, text := range texts {
			require.NotContains(t, text, s, "secret leaked into text %d", i)
		}
	}
}

func TestOAuth_WeiboFlowConnectsTheAccountWithASealedExpiringToken(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			testWeiboFlow(t, be.Options(t).URL)
		})
	}
}

func testWeiboFlow(t *testing.T, dbURL string) {
	b, logs := bootOAuth(t, dbURL)
	ws := b.workspace(t)
	before := len(b.accountsOf(t, ferry.Weibo))

	s := b.start(t, ferry.Weibo)
	au, err := url.Parse(s.AuthorizeURL)
	require.NoError(t, err)
	require.Equal(t, b.url+"/sandbox/weibo/oauth2/authorize", au.Scheme+"://"+au.Host+au.Path)
	require.Equal(t, "3141592653", au.Query().Get("client_id"))
	require.NotContains(t, s.AuthorizeURL, testWeiboSecret)

	back := callbackURL(t, s.AuthorizeURL)
	cu, err := url.Parse(back)
	require.NoError(t, err)
	code, state := cu.Query().Get("code"), cu.Query().Get("state")
	status, page := browse(t, back)
	require.Equal(t, 200, status, page)
	require.Contains(t, page, "<h1>Connected</h1>")
	require.Contains(t, page, "link_url", "the page asks for the link Weibo requires")

	weibos := b.accountsOf(t, ferry.Weibo)
	require.Len(t, weibos, before+1)
	acc := weibos[len(weibos)-1]
	require.Equal(t, "connected", acc.Health)
	require.Regexp(t, `^[0-9]+$`, acc.ExternalID)
	require.NotEqual(t, acc.ExternalID, acc.Name, "named after the Weibo user")
	require.Contains(t, page, acc.ID)

	full, err := b.m.DB.Read().Account(t.Context(), ws, acc.ID)
	require.NoError(t, err)
	token := full.Credentials["access_token"]
	require.NotEmpty(t, token)
	exp, err := time.Parse(time.RFC3339, full.Credentials["expires_at"])
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(7*24*time.Hour), exp, time.Hour, "the sandbox grants an audited app's 7 days")
	require.NotContains(t, string(b.rawCredentials(t, acc.ID)), token, "credentials are sealed at rest")

	// The account's answer, the page and the log carry no secret.
	var one map[string]any
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+acc.ID, nil, &one))
	require.NotContains(t, one, "credentials")
	require.Contains(t, logs.String(), "oauth connection completed")
	requireNoSecrets(t, []string{token, code, state, testWeiboSecret}, page, logs.String())

	// With the link Weibo needs, the account publishes.
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/accounts/"+acc.ID, map[string]any{"settings": map[string]any{"link_url": "https://ferry.example/oauth"}}, nil))
	var st story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "signed in through OAuth", "targets": []string{acc.ID}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &st))
	b.waitState(t, st.ID, "published", 15*time.Second)
}

func TestOAuth_WeiboReconnectRenewsTheTokenAndResumesWaitingPublications(t *testing.T) {
	t.Parallel()
	b, _ := bootOAuth(t, "")
	ws := b.workspace(t)
	// Tokens that expire at once, as an unaudited app's do after a day.
	b.m.Sandbox.SetWeiboTokenLifetime(2 * time.Second)
	status, page := browse(t, callbackURL(t, b.start(t, ferry.Weibo).AuthorizeURL))
	require.Equal(t, 200, status, page)
	weibos := b.accountsOf(t, ferry.Weibo)
	acc := weibos[len(weibos)-1]
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/accounts/"+acc.ID, map[string]any{"name": "My Weibo", "settings": map[string]any{"link_url": "https://ferry.example/r"}}, nil))
	old, err := b.m.DB.Read().Account(t.Context(), ws, acc.ID)
	require.NoError(t, err)

	time.Sleep(2500 * time.Millisecond)
	var st story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "waits for the token", "targets": []string{acc.ID}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &st))
	b.waitState(t, st.ID, "needs_reauth", 15*time.Second)

	// Signing in again reconnects the same account and the post goes out.
	b.m.Sandbox.SetWeiboTokenLifetime(7 * 24 * time.Hour)
	status, page = browse(t, callbackURL(t, b.start(t, ferry.Weibo).AuthorizeURL))
	require.Equal(t, 200, status, page)
	require.Contains(t, page, "reconnected")
	require.Contains(t, page, "1 waiting publication resumed.")
	require.NotContains(t, page, "link_url", "the link is already set")
	require.Len(t, b.accountsOf(t, ferry.Weibo), len(weibos), "no second account")
	again, err := b.m.DB.Read().Account(t.Context(), ws, acc.ID)
	require.NoError(t, err)
	require.Equal(t, ferry.HealthConnected, again.Health)
	require.Equal(t, "My Weibo", again.Name, "the name given in Ferry is kept")
	require.Equal(t, "https://ferry.example/r", again.Settings["link_url"])
	require.NotEqual(t, old.Credentials["access_token"], again.Credentials["access_token"])
	b.waitState(t, st.ID, "published", 15*time.Second)
}

func TestOAuth_FacebookFlowConnectsEveryPageAndItsLinkedInstagram(t *testing.T) {
	t.Parallel()
	b, logs := bootOAuth(t, "")
	ws := b.workspace(t)
	fbBefore, igBefore := len(b.accountsOf(t, ferry.Facebook)), len(b.accountsOf(t, ferry.Instagram))

	s := b.start(t, ferry.Facebook)
	au, err := url.Parse(s.AuthorizeURL)
	require.NoError(t, err)
	require.Equal(t, "/sandbox/graph/v23.0/dialog/oauth", au.Path)
	require.Contains(t, au.Query().Get("scope"), "pages_manage_posts")
	back := callbackURL(t, s.AuthorizeURL)
	cu, _ := url.Parse(back)
	status, page := browse(t, back)
	require.Equal(t, 200, status, page)

	// The sandbox user manages two pages; the first has an Instagram
	// professional account.
	fbs, igs := b.accountsOf(t, ferry.Facebook), b.accountsOf(t, ferry.Instagram)
	require.Len(t, fbs, fbBefore+2)
	require.Len(t, igs, igBefore+1)
	pages := map[string]accountView{}
	for _, a := range fbs[fbBefore:] {
		pages[a.ExternalID] = a
	}
	require.Equal(t, "Ferry Sandbox Page", pages["100000000000001"].Name)
	require.Equal(t, "Ferry Sandbox Notes", pages["100000000000002"].Name)
	ig := igs[igBefore]
	require.Equal(t, "178414100000000000001", ig.ExternalID)
	require.NotContains(t, page, "link_url")

	var secrets []string
	for _, id := range []string{pages["100000000000001"].ID, pages["100000000000002"].ID, ig.ID} {
		a, err := b.m.DB.Read().Account(t.Context(), ws, id)
		require.NoError(t, err)
		tok := a.Credentials["page_access_token"] + a.Credentials["access_token"]
		require.NotEmpty(t, tok)
		require.NotContains(t, string(b.rawCredentials(t, id)), tok)
		require.Contains(t, page, id)
		secrets = append(secrets, tok)
	}
	secrets = append(secrets, cu.Query().Get("code"), cu.Query().Get("state"), testFacebookSecret)
	requireNoSecrets(t, secrets, page, logs.String())

	// The page tokens work: one story reaches the page and its Instagram
	// account.
	img := jpegBytes(t, 1080, 1080, 90)
	var media struct{ ID string }
	require.Equal(t, 201, b.upload(t, img, &media))
	var st story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "Through Facebook Login", "media_ids": []string{media.ID},
		"targets": []string{pages["100000000000001"].ID, ig.ID}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &st))
	settled := b.settle(t, []string{st.ID}, 30*time.Second)[st.ID]
	for _, p := range settled.Publications {
		require.Equal(t, "published", p.State, "%+v", p)
	}

	// Connecting again reconnects the same three accounts.
	status, page = browse(t, callbackURL(t, b.start(t, ferry.Facebook).AuthorizeURL))
	require.Equal(t, 200, status, page)
	require.Equal(t, 3, strings.Count(page, "reconnected"))
	require.Len(t, b.accountsOf(t, ferry.Facebook), fbBefore+2)
}

func TestOAuth_BadStatesConnectNothing(t *testing.T) {
	t.Parallel()
	b, logs := bootOAuth(t, "")
	count := len(b.accounts(t))
	fresh := func(p ferry.Platform) *url.URL {
		u, err := url.Parse(callbackURL(t, b.start(t, p).AuthorizeURL))
		require.NoError(t, err)
		return u
	}
	with := func(u *url.URL, path string, set map[string]string) string {
		v := *u
		if path != "" {
			v.Path = path
		}
		q := v.Query()
		for k, val := range set {
			if val == "" {
				q.Del(k)
			} else {
				q.Set(k, val)
			}
		}
		v.RawQuery = q.Encode()
		return v.String()
	}
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}

	cases := []struct {
		name   string
		url    func() string
		status int
		says   string
	}{
		{"TamperedSignature", func() string {
			u := fresh(ferry.Weibo)
			st := u.Query().Get("state")
			return with(u, "", map[string]string{"state": flip(st, len(st)-3)})
		}, 400, "not valid"},
		{"TamperedPayload", func() string {
			u := fresh(ferry.Weibo)
			return with(u, "", map[string]string{"state": flip(u.Query().Get("state"), 5)})
		}, 400, "not valid"},
		{"MissingState", func() string { return with(fresh(ferry.Weibo), "", map[string]string{"state": ""}) }, 400, "not valid"},
		{"OtherPlatformsCallback", func() string {
			return with(fresh(ferry.Weibo), "/oauth/facebook/callback", nil)
		}, 400, "made for Weibo"},
		{"Expired", func() string {
			u := fresh(ferry.Weibo)
			_, err := b.m.DB.WritePool().ExecContext(t.Context(), `UPDATE oauth_states SET expires_at = 0`)
			require.NoError(t, err)
			return u.String()
		}, 400, "expired"},
		{"Reused", func() string {
			u := fresh(ferry.Facebook)
			status, page := browse(t, u.String())
			require.Equal(t, 200, status, page)
			count = len(b.accounts(t))
			return u.String()
		}, 409, "already used"},
		{"ConsentDenied", func() string {
			return with(fresh(ferry.Weibo), "", map[string]string{"code": "", "error": "access_denied", "error_code": "21330", "error_description": "user denied"})
		}, 403, "did not allow"},
		{"ExchangeRefused", func() string {
			return with(fresh(ferry.Weibo), "", map[string]string{"code": "0123456789abcdef0123456789abcdef"})
		}, 422, "did not complete the sign-in"},
	}
	for _, c := range cases {
		// Not parallel: "Expired" expires every started flow.
		u := c.url()
		status, page := browse(t, u)
		require.Equal(t, c.status, status, "%s: %s", c.name, page)
		require.Contains(t, page, "Nothing was connected", c.name)
		require.Contains(t, page, c.says, c.name)
		require.Len(t, b.accounts(t), count, "%s: no account changed", c.name)
		pu, _ := url.Parse(u)
		if code := pu.Query().Get("code"); code != "" {
			requireNoSecrets(t, []string{code}, page, logs.String())
		}
	}
	requireNoSecrets(t, []string{testWeiboSecret, testFacebookSecret}, logs.String())
}

func TestOAuth_StartIsForAdminsOfPlatformsWithSignIn(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")

	// In sandbox mode both flows work without app credentials.
	var methods struct {
		Platforms []struct {
			Platform    string `json:"platform"`
			Method      string `json:"method"`
			Configured  bool   `json:"configured"`
			RedirectURI string `json:"redirect_uri"`
		} `json:"platforms"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/connections", nil, &methods))
	byPlatform := map[string]string{}
	for _, m := range methods.Platforms {
		require.True(t, m.Configured, m.Platform)
		byPlatform[m.Platform] = m.Method
	}
	require.Equal(t, map[string]string{"weibo": "oauth", "facebook": "oauth", "instagram": "facebook", "telegram": "bot_token", "xiaohongshu": "manual"}, byPlatform)
	status, page := browse(t, callbackURL(t, b.start(t, ferry.Weibo).AuthorizeURL))
	require.Equal(t, 200, status, page)

	var e apiError
	require.Equal(t, 422, b.do(t, "POST", "/api/v1/connections/telegram/start", nil, &e))
	require.Contains(t, e.Error.Message, "bot token")
	require.Equal(t, 422, b.do(t, "POST", "/api/v1/connections/instagram/start", nil, &e))
	require.Contains(t, e.Error.Message, "through Facebook")
	require.Equal(t, 404, b.do(t, "POST", "/api/v1/connections/myspace/start", nil, &e))

	editor, _ := b.calendarUser(t, ferry.RoleEditor)
	require.Equal(t, 403, editor.do(t, "POST", "/api/v1/connections/weibo/start", nil, &e))
	require.Contains(t, e.Error.Message, "admin")

	// An admin who is demoted before the platform sends them back
	// connects nothing.
	admin, adminID := b.calendarUser(t, ferry.RoleAdmin)
	u := callbackURL(t, admin.start(t, ferry.Facebook).AuthorizeURL)
	require.NoError(t, b.m.DB.Write().SetMembership(t.Context(), b.workspace(t), adminID, ferry.RoleEditor))
	before := len(b.accounts(t))
	status, page = browse(t, u)
	require.Equal(t, 403, status, page)
	require.Len(t, b.accounts(t), before)
}

func TestOAuth_TelegramConnectExplainsWhatIsWrong(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	var e apiError
	status := b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@missing_channel", "credentials": map[string]string{"bot_token": "300000000:sandbox-test-token-x"}}, &e)
	require.Equal(t, 422, status)
	require.Contains(t, e.Error.Message, "@missing_channel")
	require.Contains(t, e.Error.Message, "administrator")
	require.NotContains(t, e.Error.Message, "refused the post")

	status = b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@readonly_news", "credentials": map[string]string{"bot_token": "300000000:sandbox-test-token-x"}}, &e)
	require.Equal(t, 422, status)
	require.Contains(t, e.Error.Message, "The bot is a member in @readonly_news, but it must be an administrator allowed to post messages")
	require.Equal(t, "telegram:not_admin", e.Error.Details["platform_code"])

	b.m.Sandbox.RevokeTelegramToken("300000001:sandbox-test-token-y")
	status = b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@some_channel", "credentials": map[string]string{"bot_token": "300000001:sandbox-test-token-y"}}, &e)
	require.Equal(t, 422, status)
	require.Contains(t, e.Error.Message, "bot token")
	require.NotContains(t, e.Error.Message, "sandbox-test-token-y")
}
