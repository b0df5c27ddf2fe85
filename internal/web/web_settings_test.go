package web_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestSettings_EveryPageRendersAndWorkspacePagesAreForAdmins(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)
			require.Equal(t, "/settings/profile", br.get("/settings").location)
			for _, path := range []string{"/settings/profile", "/settings/tokens", "/settings/templates", "/settings/glossary", "/settings/people", "/settings/workspace", "/settings/members", "/settings/notifications", "/settings/audit"} {
				p := br.get(path)
				require.Equal(t, 200, p.status, path+": "+p.body)
				require.Contains(t, p.body, `href="`+path+`" aria-current="page"`, path)
			}

			viewer := tb.member(owner, "vi@example.org", ferry.RoleViewer)
			p := viewer.get("/settings/profile")
			require.Equal(t, 200, p.status)
			require.NotContains(t, p.body, `href="/settings/members"`, "the menu shows only what a viewer may open")
			for _, path := range []string{"/settings/workspace", "/settings/members", "/settings/notifications", "/settings/audit", "/settings/audit/export?format=csv"} {
				require.Equal(t, http.StatusForbidden, viewer.get(path).status, path)
			}
			csrf := viewer.csrf()
			require.Equal(t, http.StatusForbidden, viewer.post("/settings/workspace", "same-origin", url.Values{"csrf": {csrf}, "name": {"Mine"}, "time_zone": {"UTC"}, "region": {"HK"}}).status)
			require.Equal(t, http.StatusForbidden, viewer.post("/settings/invitations", "same-origin", url.Values{"csrf": {csrf}, "email": {"x@example.org"}, "role": {"owner"}}).status)
			me, err := tb.svc.Me(context.Background(), owner)
			require.NoError(t, err)
			require.Equal(t, "Harbour News", me.Workspace.Name)
		})
	}
}

var secretInput = regexp.MustCompile(`id="secret" class="secret" readonly value="([^"]+)"`)

func TestSettings_APITokenIsShownOnceAndWorksUntilRevoked(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)
	csrf := br.csrf()

	bad := br.post("/settings/tokens", "same-origin", url.Values{"csrf": {csrf}, "name": {"  "}})
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, `id="token-name-error"`)

	badScope := br.post("/settings/tokens", "same-origin", url.Values{"csrf": {csrf}, "name": {"Kept"}, "scope": {"root"}, "expires": {"30d"}})
	require.Equal(t, http.StatusBadRequest, badScope.status)
	require.Contains(t, badScope.body, "Choose read, write or admin.")
	require.Contains(t, badScope.body, `value="Kept"`, "the input is kept")

	blank := br.get("/settings/tokens")
	require.Contains(t, blank.body, `name="scope" value="read" checked`, "read is offered first")
	require.Contains(t, blank.body, `<option value="90d" selected>`)

	made := br.post("/settings/tokens", "same-origin", url.Values{"csrf": {csrf}, "name": {"Newsroom CMS"}, "scope": {"write"}, "expires": {"30d"}})
	require.Equal(t, 200, made.status, made.body)
	m := secretInput.FindStringSubmatch(made.body)
	require.NotNil(t, m)
	p, err := tb.svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), m[1])
	require.NoError(t, err)
	require.Equal(t, owner.UserID, p.UserID)
	require.Equal(t, ferry.ScopeWrite, p.Scope)

	again := br.get("/settings/tokens")
	require.Contains(t, again.body, "Newsroom CMS")
	require.NotContains(t, again.body, m[1], "shown once")
	row := text(again.body[strings.Index(again.body, `id="tokens"`):])
	require.Contains(t, row, "Write", "its scope")
	require.Contains(t, row, "from 192.0.2.7", "where it was last used from")
	require.NotContains(t, row, "never", "the token was used and expires")

	list, err := tb.svc.APITokens(ctx, owner)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, http.StatusForbidden, br.post("/settings/tokens/"+list[0].ID+"/revoke", "cross-site", url.Values{"csrf": {csrf}}).status)
	revoked := br.post("/settings/tokens/"+list[0].ID+"/revoke", "same-origin", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, revoked.status)
	_, err = tb.svc.Authenticate(ctx, m[1])
	require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
}

var linkInput = regexp.MustCompile(`id="link" class="secret" readonly value="([^"]+)"`)

func TestSettings_InvitedPersonSetsTheirPasswordAndTheLinkWorksOnce(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			ctx := context.Background()
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)
			csrf := br.csrf()

			bad := br.post("/settings/invitations", "same-origin", url.Values{"csrf": {csrf}, "email": {"not-an-email"}, "role": {"editor"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `id="invite-email-error"`)
			require.Contains(t, bad.body, `value="not-an-email"`)
			taken := br.post("/settings/invitations", "same-origin", url.Values{"csrf": {csrf}, "email": {"ada@example.org"}, "role": {"editor"}})
			require.Equal(t, http.StatusConflict, taken.status)
			require.Contains(t, text(taken.body), "This person is already a member.")

			badLang := br.post("/settings/invitations", "same-origin", url.Values{"csrf": {csrf}, "email": {"lee@example.org"}, "role": {"reviewer"}, "language": {"fr"}})
			require.Equal(t, http.StatusBadRequest, badLang.status)
			require.Contains(t, text(badLang.body), "Choose one of the languages.")
			made := br.post("/settings/invitations", "same-origin", url.Values{"csrf": {csrf}, "email": {"Lee@Example.org"}, "role": {"reviewer"}})
			require.Equal(t, 200, made.status, made.body)
			m := linkInput.FindStringSubmatch(made.body)
			require.NotNil(t, m)
			link, err := url.Parse(m[1])
			require.NoError(t, err)
			require.Equal(t, "ferry.test", link.Host, "the link is on the public URL")
			require.Contains(t, made.body, "lee@example.org")
			require.Contains(t, made.body, "Send them this link", "email is off: the admin passes the link on")
			require.Contains(t, made.body, `<span class="badge tone-off">Not emailed</span>`)

			// Resending makes a new link; the old one stops working.
			invs, err := tb.svc.Invitations(ctx, owner)
			require.NoError(t, err)
			require.Len(t, invs, 1)
			resent := br.post("/settings/invitations/"+invs[0].ID+"/resend", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, 200, resent.status, resent.body)
			require.Contains(t, text(resent.body), "The old link no longer works.")
			require.Equal(t, http.StatusNotFound, tb.browser().get(link.Path).status, "the old link")
			m = linkInput.FindStringSubmatch(resent.body)
			require.NotNil(t, m)
			link, err = url.Parse(m[1])
			require.NoError(t, err)
			require.Equal(t, http.StatusNotFound, br.post("/settings/invitations/inv_nope/resend", "same-origin", url.Values{"csrf": {csrf}}).status)

			invitee := tb.browser()
			page := invitee.get(link.Path)
			require.Equal(t, 200, page.status, page.body)
			require.Equal(t, "no-referrer", page.header.Get("Referrer-Policy"))
			require.Contains(t, text(page.body), "Join Harbour News on Ferry")
			short := invitee.post(link.Path, "same-origin", url.Values{"name": {"Lee"}, "password": {"short"}})
			require.Equal(t, http.StatusBadRequest, short.status)
			require.Contains(t, short.body, `id="password-error"`)
			require.Contains(t, short.body, `value="Lee"`)
			joined := invitee.post(link.Path, "same-origin", url.Values{"name": {"Lee"}, "password": {"a-long-new-password"}, "language": {"zh-Hant"}})
			require.Equal(t, http.StatusSeeOther, joined.status, joined.body)
			home := invitee.get("/")
			require.Equal(t, 200, home.status)
			require.Contains(t, home.body, `lang="zh-Hant-HK"`)

			members, err := tb.svc.Members(ctx, owner)
			require.NoError(t, err)
			require.Len(t, members, 2)
			require.Equal(t, ferry.RoleReviewer, members[1].Role)
			require.Equal(t, http.StatusNotFound, tb.browser().get(link.Path).status, "the link works once")

			// The last owner stays; another member is removed, and is out.
			require.Equal(t, http.StatusConflict, br.post("/settings/members/"+owner.UserID+"/role", "same-origin", url.Values{"csrf": {csrf}, "role": {"editor"}}).status)
			removed := br.post("/settings/members/"+members[1].User.ID+"/remove", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusSeeOther, removed.status)
			require.Equal(t, "/login", invitee.get("/").location)
		})
	}
}

func TestSettings_ProfilePasswordAndSessions(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			tb.setUp()
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)
			other := tb.browser()
			other.signIn("ada@example.org", ownerPassword)
			csrf := br.csrf()

			p := br.get("/settings/profile")
			require.Equal(t, 3, strings.Count(p.body, "<tr>\n      <td>"), "the setup's session and both browsers' are listed")
			require.Equal(t, 1, strings.Count(p.body, "this browser"))

			saved := br.post("/settings/profile", "same-origin", url.Values{"csrf": {csrf}, "name": {"Ada Lau"}, "language": {"zh-Hans"}})
			require.Equal(t, http.StatusSeeOther, saved.status)
			require.Contains(t, br.get("/settings/profile").body, `<html lang="zh-Hans">`)

			wrong := br.post("/settings/password", "same-origin", url.Values{"csrf": {csrf}, "current": {"not it"}, "new": {"short"}})
			require.Equal(t, http.StatusBadRequest, wrong.status)
			require.Contains(t, wrong.body, `id="current-error"`)
			require.Contains(t, wrong.body, `id="new-error"`)
			require.Equal(t, 200, other.get("/").status, "nothing changed")

			changed := br.post("/settings/password", "same-origin", url.Values{"csrf": {csrf}, "current": {ownerPassword}, "new": {"a-brand-new-password"}})
			require.Equal(t, http.StatusSeeOther, changed.status)
			require.Equal(t, 200, br.get("/").status, "this session stays")
			require.Equal(t, "/login", other.get("/").location, "the other is signed out")
			other.signIn("ada@example.org", "a-brand-new-password")
			require.Equal(t, 200, other.get("/").status)

			out := br.post("/settings/sessions/others", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusSeeOther, out.status)
			require.Equal(t, "/login", other.get("/").location)
			require.Equal(t, 200, br.get("/").status)
		})
	}
}

func TestSettings_TemplatePreviewGlossaryAndPeople(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)
	csrf := br.csrf()

	page := br.get("/settings/templates")
	require.Equal(t, 200, page.status, page.body)
	require.Contains(t, page.body, "中秋節海港燈會", "each template is shown on the sample story")
	require.Contains(t, page.body, "<b>中秋節海港燈會</b>", "Telegram's default template shows its title bold, as Telegram does")
	require.NotContains(t, page.body, "&lt;b&gt;中秋節海港燈會", "not its tags as text")

	// Telegram's HTML subset is rendered; anything else stays text.
	tg := br.post("/settings/templates/telegram", "same-origin", url.Values{"csrf": {csrf}, "action": {"preview"},
		"source": {`<i>{{title}}</i> <tg-spoiler>x</tg-spoiler> <a href="javascript:alert(1)">y</a> <a href="https://ferry.example/">z</a> <script>alert(1)</script> <img src=x onerror=alert(1)>`}})
	require.Equal(t, 200, tg.status)
	require.Contains(t, tg.body, "<i>中秋節海港燈會</i>")
	require.Contains(t, tg.body, `<span class="tg-spoiler">x</span>`)
	require.Contains(t, tg.body, `<a>y</a>`, "an unsafe link keeps no href")
	require.Contains(t, tg.body, `<a href="https://ferry.example/" rel="noopener noreferrer nofollow" target="_blank">z</a>`)
	require.Contains(t, tg.body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.Contains(t, tg.body, "&lt;img src=x onerror=alert(1)&gt;")
	require.NotContains(t, tg.body, "<script>alert")

	preview := br.post("/settings/templates/telegram", "same-origin", url.Values{"csrf": {csrf}, "action": {"preview"}, "source": {"★ {{title}}"}})
	require.Equal(t, 200, preview.status)
	require.Contains(t, text(preview.body), "★ 中秋節海港燈會")
	require.Contains(t, preview.body, "This template has no {{body}}", "a template without the story's text says so")
	views, err := tb.svc.Templates(ctx, owner)
	require.NoError(t, err)
	for _, v := range views {
		require.False(t, v.Custom, "a preview saves nothing")
	}
	bad := br.post("/settings/templates/telegram", "same-origin", url.Values{"csrf": {csrf}, "action": {"save"}, "source": {"{{#title}}open"}})
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, `id="src-telegram-error"`)
	require.Contains(t, bad.body, "{{#title}}open", "the input is kept")
	saved := br.post("/settings/templates/telegram", "same-origin", url.Values{"csrf": {csrf}, "action": {"save"}, "source": {"★ {{title}}"}})
	require.Equal(t, http.StatusSeeOther, saved.status)
	page = br.get("/settings/templates")
	require.Equal(t, 1, strings.Count(page.body, "This template has no {{body}}"), "saved, it still says so, for Telegram alone")

	g := br.post("/settings/glossary", "same-origin", url.Values{"csrf": {csrf}, "protected": {"維多利亞港\n"}, "phrases": {"的士 = 出租车 | s\nno equals sign"}})
	require.Equal(t, http.StatusBadRequest, g.status)
	require.Contains(t, g.body, `id="phrases-error"`)
	g = br.post("/settings/glossary", "same-origin", url.Values{"csrf": {csrf}, "protected": {"維多利亞港\n"}, "phrases": {"的士 = 出租车 | s"}})
	require.Equal(t, http.StatusSeeOther, g.status)
	gl, err := tb.svc.Glossary(ctx, owner)
	require.NoError(t, err)
	require.Equal(t, []string{"維多利亞港"}, gl.Protected)
	require.Equal(t, []string{"s"}, gl.Phrases[0].Scripts)

	bp := br.post("/settings/people", "same-origin", url.Values{"csrf": {csrf}, "key": {"bad key}"}, "name": {""}})
	require.Equal(t, http.StatusBadRequest, bp.status)
	require.Contains(t, bp.body, `id="key-error"`)
	require.Contains(t, bp.body, `id="pname-error"`)
	gp := br.post("/settings/people", "same-origin", url.Values{"csrf": {csrf}, "key": {"chan"}, "name": {"陳大文"}, "handle_weibo": {"@chantaiman"}})
	require.Equal(t, http.StatusSeeOther, gp.status)
	require.Contains(t, br.get("/settings/people").body, "chantaiman")

	viewer := tb.member(owner, "vi@example.org", ferry.RoleViewer)
	require.Contains(t, viewer.get("/settings/glossary").body, "<fieldset disabled>")
	require.Equal(t, http.StatusForbidden, viewer.post("/settings/people", "same-origin", url.Values{"csrf": {viewer.csrf()}, "key": {"x"}, "name": {"X"}}).status)
}

// TestSettings_RequireAltTextMakesComposeRefuseUndescribedImages turns on
// "Images must have alt text" on the workspace page: compose then refuses
// to schedule a story whose image has no alt text, saying so beside the
// images and keeping the input, still saves it as a draft, and schedules it
// once the image is described in the same form.
func TestSettings_RequireAltTextMakesComposeRefuseUndescribedImages(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			_, tg := tb.composeAccounts(owner)
			br := tb.signedIn("ada@example.org", "en")
			ctx := context.Background()

			page := br.get("/settings/workspace")
			require.Contains(t, page.body, `name="require_alt_text" aria-describedby="require_alt_text-help">`, "off by default")
			require.Contains(t, text(page.body), "Images must have alt text")
			settings := url.Values{"csrf": {br.csrf()}, "name": {"Harbour News"}, "time_zone": {"Asia/Hong_Kong"}, "region": {"HK"}, "require_alt_text": {"on"}}
			saved := br.post("/settings/workspace", "same-origin", settings)
			require.Equal(t, http.StatusSeeOther, saved.status, saved.body)
			require.Contains(t, br.get("/settings/workspace").body, `name="require_alt_text" aria-describedby="require_alt_text-help" checked>`)
			me, err := tb.svc.Me(ctx, owner)
			require.NoError(t, err)
			require.True(t, me.Workspace.RequireAltText)

			img := tb.uploadJPEG(owner)
			when := time.Now().In(mustZone(t)).AddDate(0, 0, 3).Format("2006-01-02") + "T20:00"
			form := url.Values{"csrf": {br.csrf()}, "media": {img}, "title": {"Lantern fair"}, "body": {"Lanterns tonight at Harbour Park."},
				"targets": {tg.ID}, "source_script": {"hk"}, "when": {when}, "action": {"schedule"}}
			blocked := br.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusUnprocessableEntity, blocked.status)
			require.Contains(t, blocked.body, `<p class="field-error" id="files-error">Every image needs alt text before the story is scheduled or published`)
			require.Contains(t, blocked.body, `<p class="alt-missing field-error">No alt text yet: this workspace requires it`)
			require.Contains(t, text(blocked.body), "Image 1 has no alt text, which this workspace requires", "the preview names the image")
			require.Contains(t, blocked.body, `value="Lantern fair"`, "the input is kept")
			views, _, err := tb.svc.Stories(ctx, owner, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Empty(t, views, "nothing half-saved")

			form.Set("action", "publish")
			require.Equal(t, http.StatusUnprocessableEntity, br.post("/compose", "same-origin", form).status, "nor published now")

			form.Set("action", "draft")
			draft := br.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusSeeOther, draft.status, text(draft.body))
			views, _, err = tb.svc.Stories(ctx, owner, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Len(t, views, 1, "a draft may be saved")

			form.Set("action", "schedule")
			form.Set("alt."+img, "Red lanterns over the harbour")
			done := br.post(strings.SplitN(draft.location, "?", 2)[0]+"/edit", "same-origin", form)
			require.Equal(t, http.StatusSeeOther, done.status, text(done.body))
			views, _, err = tb.svc.Stories(ctx, owner, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, ferry.StateScheduled, views[0].Publications[0].State)

			delete(settings, "require_alt_text")
			require.Equal(t, http.StatusSeeOther, br.post("/settings/workspace", "same-origin", settings).status)
			me, err = tb.svc.Me(ctx, owner)
			require.NoError(t, err)
			require.False(t, me.Workspace.RequireAltText, "an unticked box turns it off")
		})
	}
}

// A webhook inside the server's own network is refused when it is saved:
// the form comes back with 422, the URL kept and the reason beside it.
func TestSettings_WebhookInsideTheServersNetworkIsRefusedWhenSaved(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	tb.setUp()
	br := tb.signedIn("ada@example.org", "zh-Hant")
	p := br.post("/settings/notifications", "same-origin", url.Values{"csrf": {br.csrf()}, "webhook_url": {"https://169.254.169.254/latest/meta-data"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, p.body, `value="https://169.254.169.254/latest/meta-data"`)
	require.Contains(t, p.body, "這是鏈路本地位址（例如雲端的中繼資料服務），Ferry 不會把 webhook 傳送到這裡。")
	require.NotContains(t, br.get("/settings/notifications").body, "169.254.169.254", "nothing was saved")
}
