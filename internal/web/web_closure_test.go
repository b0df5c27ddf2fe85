package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The closure wizard, archives and the handover work as plain forms.
func TestClosure_WizardArchivesAndHandoverWorkWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	a := tb.account(owner, ferry.Telegram, "@harbour", "Harbour Channel")
	b := tb.account(owner, ferry.Telegram, "@harbour2", "Harbour Two")
	at := time.Now().Add(48 * time.Hour)
	story, err := tb.svc.CreateStory(ctx, owner, service.StoryInput{Title: "Ferry timetable", Body: "New timetable from Monday.", Targets: []string{a.ID}, ScheduledAt: &at})
	require.NoError(t, err)
	br := tb.browser()
	br.signIn("ada@example.org", ownerPassword)

	page := br.get("/accounts/" + a.ID + "/close")
	require.Equal(t, 200, page.status)
	body := text(page.body)
	require.Contains(t, body, "Ferry timetable", "what is scheduled is listed")
	require.Contains(t, body, "Move them to another account")
	require.Contains(t, page.body, `value="`+b.ID+`"`)

	bad := br.post("/accounts/"+a.ID+"/close", "same-origin", url.Values{"csrf": {br.csrf()}, "scheduled": {"move"}, "move_to": {a.ID}})
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, `id="move_to-error"`)
	require.Contains(t, bad.body, `value="move" checked`, "the choice is kept")
	acct, err := tb.svc.Account(ctx, owner, a.ID)
	require.NoError(t, err)
	require.Equal(t, ferry.HealthConnected, acct.Health, "nothing half-done")

	done := br.post("/accounts/"+a.ID+"/close", "same-origin", url.Values{"csrf": {br.csrf()}, "scheduled": {"move"}, "move_to": {b.ID}})
	require.Equal(t, http.StatusSeeOther, done.status, done.body)
	acct, err = tb.svc.Account(ctx, owner, a.ID)
	require.NoError(t, err)
	require.Equal(t, ferry.HealthClosed, acct.Health)
	require.Equal(t, []string{a.ID}, tb.jobs.closures)
	moved, err := tb.svc.Story(ctx, owner, story.ID)
	require.NoError(t, err)
	require.Contains(t, moved.Targets, b.ID)
	again := br.post("/accounts/"+a.ID+"/close", "same-origin", url.Values{"csrf": {br.csrf()}})
	require.Equal(t, http.StatusSeeOther, again.status, "closing twice changes nothing")
	require.Len(t, tb.jobs.closures, 1)

	acctPage := text(br.get("/accounts/" + a.ID).body)
	require.Contains(t, acctPage, "Closed; the rest is about to start.")
	require.Contains(t, acctPage, "No archive yet.")
	require.Equal(t, http.StatusSeeOther, br.post("/accounts/"+a.ID+"/archives", "same-origin", url.Values{"csrf": {br.csrf()}}).status)
	require.Len(t, tb.jobs.archives, 1)
	require.NoError(t, tb.svc.WriteArchive(ctx, tb.jobs.archives[0]))
	p := br.get("/accounts/" + a.ID)
	require.Contains(t, text(p.body), "Ready, checked")
	require.Contains(t, p.body, `/archives/`+tb.jobs.archives[0]+`/download`)
	dl := br.get("/archives/" + tb.jobs.archives[0] + "/download")
	require.Equal(t, 200, dl.status)
	require.Equal(t, "PK", dl.body[:2], "a ZIP")

	editor := tb.member(owner, "ed@example.org", ferry.RoleEditor)
	require.Equal(t, http.StatusForbidden, editor.get("/archives/"+tb.jobs.archives[0]+"/download").status, "admins only")
	edID := ""
	members, err := tb.svc.Members(ctx, owner)
	require.NoError(t, err)
	for _, m := range members {
		if m.User.Email == "ed@example.org" {
			edID = m.User.ID
		}
	}
	missing := br.post("/accounts/"+b.ID+"/handover", "same-origin", url.Values{"csrf": {br.csrf()}, "owner": {""}, "note": {"Stepping down"}})
	require.Equal(t, http.StatusBadRequest, missing.status)
	require.Contains(t, missing.body, `id="owner-error"`)
	require.Contains(t, missing.body, `value="Stepping down"`, "input kept")
	handed := br.post("/accounts/"+b.ID+"/handover", "same-origin", url.Values{"csrf": {br.csrf()}, "owner": {edID}, "note": {"Stepping down"}})
	require.Equal(t, http.StatusSeeOther, handed.status, handed.body)
	hb, err := tb.svc.Account(ctx, owner, b.ID)
	require.NoError(t, err)
	require.Equal(t, edID, service.AccountOwner(hb))
}
