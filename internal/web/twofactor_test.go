package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

var (
	secretCode    = regexp.MustCompile(`<code id="secret">([A-Z2-7]+)</code>`)
	recoveryCodes = regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`)
)

func TestTwoFactor_EnrolThenSignInWithACode(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	tb.setUp()
	br := tb.signedIn("ada@example.org", "en")
	p := br.get("/settings/two-factor")
	require.Equal(t, 200, p.status)
	require.Contains(t, p.body, `action="/settings/two-factor/start"`)
	require.Equal(t, http.StatusSeeOther, br.post("/settings/two-factor/start", "same-origin", url.Values{"csrf": {br.csrf()}}).status)
	p = br.get("/settings/two-factor")
	require.Contains(t, p.body, `<img src="/settings/two-factor/qr.png"`)
	qr := br.get("/settings/two-factor/qr.png")
	require.Equal(t, 200, qr.status)
	require.Equal(t, "image/png", qr.header.Get("Content-Type"))
	m := secretCode.FindStringSubmatch(p.body)
	require.NotNil(t, m, p.body)
	secret := m[1]

	bad := br.post("/settings/two-factor/confirm", "same-origin", url.Values{"csrf": {br.csrf()}, "code": {"12345"}})
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, "This code is not right; check the phone")
	code, err := totp.GenerateCode(secret, time.Now())
	require.NoError(t, err)
	ok := br.post("/settings/two-factor/confirm", "same-origin", url.Values{"csrf": {br.csrf()}, "code": {code}})
	require.Equal(t, http.StatusOK, ok.status, ok.body)
	codes := recoveryCodes.FindAllStringSubmatch(ok.body, -1)
	require.Len(t, codes, 10)

	// Signing in: the password shows the code form, and no session yet.
	other := tb.browser()
	step := other.post("/login", "same-origin", url.Values{"email": {"ada@example.org"}, "password": {ownerPassword}, "next": {"/stories"}})
	require.Equal(t, http.StatusOK, step.status)
	require.Contains(t, step.body, `action="/login/code"`)
	require.Contains(t, step.body, `name="next" value="/stories"`)
	require.Equal(t, "/login", other.get("/").location, "half signed in is not signed in")
	require.Contains(t, other.get("/login/code").body, `action="/login/code"`, "the form again, after a change of language")
	require.Equal(t, "/login", tb.browser().get("/login/code").location, "without a challenge, sign-in starts over")
	wrong := other.post("/login/code", "same-origin", url.Values{"code": {"000000"}, "next": {"/stories"}})
	require.Equal(t, http.StatusUnauthorized, wrong.status)
	require.Contains(t, wrong.body, "This code is not right (each code works once).")
	// The code used to turn it on is spent; a recovery code works.
	again := other.post("/login/code", "same-origin", url.Values{"code": {code}, "next": {"/stories"}})
	require.Equal(t, http.StatusUnauthorized, again.status)
	in := other.post("/login/code", "same-origin", url.Values{"code": {codes[0][1]}, "next": {"/stories"}})
	require.Equal(t, http.StatusSeeOther, in.status, in.body)
	require.Equal(t, "/stories", in.location)
	require.Equal(t, 200, other.get("/stories").status)

	// Off with the password and a recovery code.
	off := other.post("/settings/two-factor/disable", "same-origin", url.Values{"csrf": {other.csrf()}, "password": {ownerPassword}, "code": {codes[1][1]}})
	require.Equal(t, http.StatusSeeOther, off.status, off.body)
	require.Equal(t, "/settings/two-factor?done=disabled", off.location)
	require.Contains(t, other.get(off.location).body, "Two-factor sign-in is off.")
}

// With the workspace setting on, an admin or owner without two-factor
// sign-in is sent to enrol before anything else; an editor is not.
func TestTwoFactor_RequiredOfAdminsAndOwners(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	br := tb.signedIn("ada@example.org", "zh-Hant")
	saved := br.post("/settings/workspace", "same-origin", url.Values{"csrf": {br.csrf()}, "name": {"Harbour News"}, "time_zone": {"Asia/Hong_Kong"}, "region": {"HK"}, "require_two_factor": {"on"}})
	require.Equal(t, http.StatusSeeOther, saved.status, saved.body)
	me, err := tb.svc.Me(t.Context(), owner)
	require.NoError(t, err)
	require.True(t, me.Workspace.RequireTwoFactor)

	for _, path := range []string{"/", "/stories", "/settings/workspace"} {
		require.Equal(t, "/settings/two-factor?done=required", br.get(path).location, path)
	}
	p := br.get("/settings/two-factor?done=required")
	require.Equal(t, 200, p.status)
	require.Contains(t, p.body, "你的工作區要求管理員及擁有人使用兩步驟驗證，請先完成設定。")
	editor := tb.member(owner, "ed@example.org", ferry.RoleEditor)
	require.Equal(t, 200, editor.get("/").status, "an editor is not asked")

	// The CSRF token from the one page that opens (csrf() reads "/").
	csrf := html.UnescapeString(csrfInput.FindStringSubmatch(p.body)[1])
	require.Equal(t, http.StatusSeeOther, br.post("/settings/two-factor/start", "same-origin", url.Values{"csrf": {csrf}}).status)
	secret := secretCode.FindStringSubmatch(br.get("/settings/two-factor").body)[1]
	code, err := totp.GenerateCode(secret, time.Now())
	require.NoError(t, err)
	require.Equal(t, 200, br.post("/settings/two-factor/confirm", "same-origin", url.Values{"csrf": {csrf}, "code": {code}}).status)
	require.Equal(t, 200, br.get("/").status, "enrolled: everything opens again")
}
