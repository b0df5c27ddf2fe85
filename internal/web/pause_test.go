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

// The pause goes through a confirmation step, refuses a form without its
// token or from another site, is for admins and owners only, shows a
// banner on every page while it stands, and the resume form decides each
// publication that came due.
func TestPause_ConfirmBannerAndResumeThroughTheForms(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			f := tb.seedActions(owner)
			br := tb.signedIn("ada@example.org", "en")
			csrf := br.csrf()
			ctx := context.Background()
			paused := func() int {
				list, err := tb.svc.DB.Read().StandingPauses(ctx, owner.WorkspaceID)
				require.NoError(t, err)
				return len(list)
			}

			dash := br.get("/")
			require.Contains(t, dash.body, `href="/pause" class="button pause-link"`)
			require.Contains(t, text(dash.body), "Emergency pause…")
			page := br.get("/pause")
			require.Equal(t, 200, page.status)
			require.Contains(t, page.body, `action="/pause"`)

			form := url.Values{"csrf": {csrf}, "reason": {"breaking_news"}, "note": {"Typhoon signal 8"}, "scope": {"workspace"}}
			require.Equal(t, http.StatusForbidden, br.post("/pause", "same-origin", url.Values{"reason": {"breaking_news"}, "confirmed": {"yes"}}).status)
			require.Equal(t, http.StatusForbidden, br.post("/pause", "cross-site", withConfirmed(form)).status)
			require.Zero(t, paused())

			bad := br.post("/pause", "same-origin", url.Values{"csrf": {csrf}, "reason": {""}, "note": {"kept"}, "scope": {"workspace"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `id="reason-error"`)
			require.Contains(t, bad.body, `value="kept"`, "input kept")

			ask := br.post("/pause", "same-origin", form)
			require.Equal(t, 200, ask.status)
			require.Contains(t, text(ask.body), "Pause sending now?")
			require.Contains(t, ask.body, `name="confirmed" value="yes"`)
			require.Zero(t, paused(), "asking changes nothing")

			done := br.post("/pause", "same-origin", withConfirmed(form))
			require.Equal(t, http.StatusSeeOther, done.status, done.body)
			require.Equal(t, 1, paused())
			for _, path := range []string{"/", "/stories", "/stories/" + f.mixed.ID, "/settings/profile", "/calendar"} {
				got := text(br.get(path).body)
				require.Contains(t, got, "Sending is paused by", path)
				require.Contains(t, got, "Breaking news — Typhoon signal 8", path)
			}

			// Other members see the banner but cannot act.
			editor := tb.member(owner, "ed@example.org", ferry.RoleEditor)
			editor.lang = "en"
			require.Contains(t, text(editor.get("/").body), "Sending is paused by")
			ep := editor.get("/pause")
			require.Contains(t, text(ep.body), "Only admins and owners can pause and resume sending.")
			require.NotContains(t, ep.body, `action="/pause/resume"`)
			require.Equal(t, http.StatusForbidden, editor.post("/pause/resume", "same-origin", url.Values{"csrf": {editor.csrf()}, "due": {"send"}}).status)
			require.Equal(t, 1, paused())

			// Two publications came due meanwhile (as the engine holds them).
			held := func(acct string) *ferry.Publication {
				at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
				st := &ferry.Story{WorkspaceID: owner.WorkspaceID, Title: "Ferry times", Body: "Sailings.", Targets: []string{acct}, ScheduledAt: &at, CreatedBy: owner.UserID}
				require.NoError(t, tb.svc.DB.Write().CreateStory(ctx, st))
				p := &ferry.Publication{WorkspaceID: owner.WorkspaceID, StoryID: st.ID, AccountID: acct, Platform: ferry.Telegram, State: ferry.StateWaiting, Version: 1, ScheduledAt: &at}
				p.SetReason(ferry.Because(ferry.ReasonPaused, "by", "Ada", "at", at))
				require.NoError(t, tb.svc.DB.Write().CreatePublication(ctx, p))
				return p
			}
			one, two := held(f.telegram.ID), held(f.telegram.ID)
			page = br.get("/pause")
			require.Contains(t, text(page.body), "2 publications came due during the pause")
			require.Contains(t, page.body, `name="action-`+one.ID+`"`)

			resumed := br.post("/pause/resume", "same-origin", url.Values{"csrf": {csrf}, "due": {"send"}, "action-" + two.ID: {"cancel"}})
			require.Equal(t, http.StatusSeeOther, resumed.status, resumed.body)
			require.Zero(t, paused())
			require.Equal(t, ferry.StateScheduled, tb.publication(owner.WorkspaceID, one.ID).State)
			require.Equal(t, ferry.StateCanceled, tb.publication(owner.WorkspaceID, two.ID).State)
			require.Contains(t, f.jobs.taken(), one.ID)
			require.NotContains(t, text(br.get("/").body), "Sending is paused by")
		})
	}
}

func withConfirmed(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set("confirmed", "yes")
	return out
}
