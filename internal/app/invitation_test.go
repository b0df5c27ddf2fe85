package app_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/notify/smtptest"
	"github.com/ferry-social/ferry/internal/testdb"
)

// webClient is a browser on the web UI: cookies, no redirects followed,
// same-origin form posts.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newWebClient(t *testing.T, base string) *webClient {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &webClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (w *webClient) do(method, u string, form url.Values) (int, string) {
	w.t.Helper()
	if !strings.HasPrefix(u, "http") {
		u = w.base + u
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(w.t, err)
	req.Header.Set("Accept-Language", "en")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := w.c.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, string(raw)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (w *webClient) csrf() string {
	w.t.Helper()
	status, body := w.do("GET", "/settings/members", nil)
	require.Equal(w.t, 200, status, body)
	m := csrfField.FindStringSubmatch(body)
	require.NotNil(w.t, m)
	return html.UnescapeString(m[1])
}

var emailedLink = regexp.MustCompile(`https?://\S+/invitations/[A-Za-z0-9_-]+`)

func TestInvitation_EmailedByAJobWithALinkThatWorksOnce(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mail := smtptest.New(t)
			mail.Refuse("nobody@example.org", "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown")
			logs := &syncBuffer{}
			cfg := config.Defaults()
			cfg.DataDir, cfg.DatabaseURL, cfg.Addr, cfg.Demo = t.TempDir(), be.Options(t).URL, "127.0.0.1:0", true
			cfg.SMTPURL, cfg.MailFrom = mail.URL(), "Ferry <ferry@example.org>"
			m := app.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			require.NoError(t, m.Open(ctx, false))
			require.NoError(t, m.Listen())
			require.NoError(t, m.Build())
			runMain(t, m)
			admin := newWebClient(t, m.URL())
			status, body := admin.do("POST", "/login", url.Values{"email": {app.DemoEmail}, "password": {app.DemoPassword}})
			require.Equal(t, http.StatusSeeOther, status, body)
			csrf := admin.csrf()
			_, page := admin.do("GET", "/settings/members", nil)
			require.Contains(t, page, "Send the invitation", "the form says it emails")

			// The invitation is emailed, in the language chosen, by a job.
			status, made := admin.do("POST", "/settings/invitations", url.Values{"csrf": {csrf}, "email": {"lee@example.org"}, "role": {"editor"}, "language": {"zh-Hant"}})
			require.Equal(t, 200, status, made)
			require.Contains(t, made, "Invitation emailed to lee@example.org.")
			require.Contains(t, made, `id="invite-link"`, "the admin may copy the link once")
			require.Eventually(t, func() bool { return len(mail.To("lee@example.org")) == 1 }, 15*time.Second, 50*time.Millisecond)
			msg := mail.To("lee@example.org")[0]
			require.Contains(t, msg.Subject(), "邀請你加入 Ferry 的「"+app.DemoWorkspace+"」")
			text := msg.Body()
			require.Contains(t, text, "「編輯」")
			require.Contains(t, text, "有效至 ")
			first := emailedLink.FindString(text)
			require.True(t, strings.HasPrefix(first, m.URL()+"/invitations/"), text)
			require.Contains(t, made, `value="`+first+`"`, "the page shows the link the email carries")
			token := first[strings.LastIndex(first, "/")+1:]

			invs, err := m.DB.Read().Invitations(ctx, demoWorkspaceID(t, m), time.Now())
			require.NoError(t, err)
			require.Len(t, invs, 1)
			require.Eventually(t, func() bool {
				_, page := admin.do("GET", "/settings/members", nil)
				return strings.Contains(page, `<span class="badge tone-ok">Sent</span>`)
			}, 10*time.Second, 50*time.Millisecond, "the members page says it was sent")

			// The token is in no job's arguments, and in no log line.
			requireNotInJobs(t, m, token)
			require.NotContains(t, logs.String(), token)
			require.Contains(t, logs.String(), "invitation emailed", "the logs are on")

			// Resending makes a new link; the old one stops working.
			status, resent := admin.do("POST", "/settings/invitations/"+invs[0].ID+"/resend", url.Values{"csrf": {csrf}})
			require.Equal(t, 200, status, resent)
			require.Contains(t, resent, "Invitation emailed to lee@example.org.")
			require.Contains(t, resent, "The old link no longer works.")
			require.Eventually(t, func() bool { return len(mail.To("lee@example.org")) == 2 }, 15*time.Second, 50*time.Millisecond)
			second := emailedLink.FindString(mail.To("lee@example.org")[1].Body())
			require.NotEmpty(t, second)
			require.NotEqual(t, first, second)
			invitee := newWebClient(t, m.URL())
			status, _ = invitee.do("GET", first, nil)
			require.Equal(t, http.StatusNotFound, status, "the old link no longer works")
			status, join := invitee.do("GET", second, nil)
			require.Equal(t, 200, status, join)
			require.Contains(t, join, "Join "+app.DemoWorkspace+" on Ferry")
			status, joined := invitee.do("POST", second, url.Values{"name": {"Lee"}, "password": {"a-long-new-password"}, "language": {"zh-Hant"}})
			require.Equal(t, http.StatusSeeOther, status, joined)
			status, _ = invitee.do("GET", "/", nil)
			require.Equal(t, 200, status, "the invitee is signed in")
			status, _ = newWebClient(t, m.URL()).do("GET", second, nil)
			require.Equal(t, http.StatusNotFound, status, "the link works once")
			requireNotInJobs(t, m, second[strings.LastIndex(second, "/")+1:])
			require.NotContains(t, logs.String(), second)

			// A mailbox the server refuses (5xx) shows as not sent, with why.
			status, _ = admin.do("POST", "/settings/invitations", url.Values{"csrf": {csrf}, "email": {"nobody@example.org"}, "role": {"viewer"}, "language": {"en"}})
			require.Equal(t, 200, status)
			var page2 string
			require.Eventually(t, func() bool {
				_, page2 = admin.do("GET", "/settings/members", nil)
				return strings.Contains(page2, `<span class="badge tone-bad">Not sent</span>`)
			}, 15*time.Second, 50*time.Millisecond)
			require.Contains(t, html.UnescapeString(page2), `smtp: 550 "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"`)
			require.Empty(t, mail.To("nobody@example.org"))
		})
	}
}

// demoWorkspaceID is the demo owner's workspace.
func demoWorkspaceID(t *testing.T, m *app.Main) string {
	t.Helper()
	u, err := m.DB.Read().UserByEmail(context.Background(), app.DemoEmail)
	require.NoError(t, err)
	ms, err := m.DB.Read().Memberships(context.Background(), u.ID)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	return ms[0].WorkspaceID
}

// requireNotInJobs checks that no River job's arguments hold s, in any
// encoding a JSON column might keep it in.
func requireNotInJobs(t *testing.T, m *app.Main, s string) {
	t.Helper()
	rows, err := m.DB.WritePool().QueryContext(context.Background(), `SELECT kind, CAST(args AS TEXT) FROM river_job`)
	require.NoError(t, err)
	defer rows.Close()
	kinds := map[string]bool{}
	for rows.Next() {
		var kind, args string
		require.NoError(t, rows.Scan(&kind, &args))
		kinds[kind] = true
		require.NotContains(t, args, s, "job %s", kind)
	}
	require.NoError(t, rows.Err())
	require.True(t, kinds["ferry.invitation_email"], "the email was a River job")
}
