package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// actionsFixture is the seeded workspace plus a publication whose outcome
// is unknown and one handed off to a Xiaohongshu operator, all on the
// mixed story.
type actionsFixture struct {
	seeded
	unknown, handoff *ferry.Publication
	jobs             *recordedJobs // those enqueued after seedActions
}

func (tb *testBundle) seedActions(p ferry.Principal) actionsFixture {
	t := tb.t
	ctx := context.Background()
	f := actionsFixture{seeded: tb.seed(p), jobs: tb.jobs}
	tb.jobs.forget()
	tb.withHandoffs()
	w := tb.svc.DB.Write()
	fb := tb.account(p, ferry.Facebook, "1000", "Harbour Page")
	xhs := tb.account(p, ferry.Xiaohongshu, "xhs", "海港小紅書")
	at := *f.mixed.ScheduledAt
	f.unknown = &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: f.mixed.ID, AccountID: fb.ID, Platform: ferry.Facebook, State: ferry.StateUnknown, Version: 1, ScheduledAt: &at}
	require.NoError(t, w.CreatePublication(ctx, f.unknown))
	f.handoff = &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: f.mixed.ID, AccountID: xhs.ID, Platform: ferry.Xiaohongshu, State: ferry.StateHandoff, Version: 1, ScheduledAt: &at}
	require.NoError(t, w.CreatePublication(ctx, f.handoff))
	now := time.Now()
	require.NoError(t, w.CreateHandoff(ctx, &ferry.Handoff{WorkspaceID: p.WorkspaceID, PublicationID: f.handoff.ID, StoryID: f.mixed.ID, AccountID: xhs.ID,
		Version: 1, State: ferry.HandoffOpen, DueAt: now, DeadlineAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour)}))
	return f
}

// publication reads a publication as stored.
func (tb *testBundle) publication(workspaceID, id string) *ferry.Publication {
	tb.t.Helper()
	pub, err := tb.svc.DB.Read().Publication(context.Background(), workspaceID, id)
	require.NoError(tb.t, err)
	return pub
}

func TestStoryActions_ResolveRetryConfirmAndCancelThroughTheirForms(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			f := tb.seedActions(owner)
			br := tb.signedIn("ada@example.org", "en")
			csrf := br.csrf()
			state := func(id string) ferry.PublicationState { return tb.publication(owner.WorkspaceID, id).State }

			page := br.get("/stories/" + f.mixed.ID)
			require.Equal(t, 200, page.status)
			require.Contains(t, page.body, `action="/publications/`+f.unknown.ID+`/resolve"`)
			require.Contains(t, page.body, `action="/publications/`+f.failed.ID+`/retry"`)
			require.Contains(t, page.body, `action="/publications/`+f.handoff.ID+`/confirm"`)
			require.Contains(t, page.body, `href="/publications/`+f.handoff.ID+`/cancel"`)
			require.Contains(t, page.body, `href="/stories/`+f.mixed.ID+`/delete"`)

			// Refused without the token or from another site; nothing changes.
			require.Equal(t, http.StatusForbidden, br.post("/publications/"+f.failed.ID+"/retry", "same-origin", url.Values{}).status)
			require.Equal(t, http.StatusForbidden, br.post("/publications/"+f.failed.ID+"/retry", "cross-site", url.Values{"csrf": {csrf}}).status)
			require.Equal(t, ferry.StateFailed, state(f.failed.ID))

			// A bad address comes back beside the field, kept.
			bad := br.post("/publications/"+f.unknown.ID+"/resolve", "same-origin", url.Values{"csrf": {csrf}, "outcome": {"published"}, "url": {"facebook post 42"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `value="facebook post 42" aria-invalid="true" aria-describedby="url-`+f.unknown.ID+`-error"`)
			require.Contains(t, text(bad.body), "Enter the post's full address, starting with https://.")
			require.Equal(t, ferry.StateUnknown, state(f.unknown.ID))

			done := br.post("/publications/"+f.unknown.ID+"/resolve", "same-origin", url.Values{"csrf": {csrf}, "outcome": {"published"}, "url": {"https://facebook.com/1000/posts/42"}})
			require.Equal(t, http.StatusSeeOther, done.status)
			require.Equal(t, "/stories/"+f.mixed.ID+"?done=published#pub-"+f.unknown.ID, done.location)
			require.Contains(t, text(br.get(done.location).body), "Marked as published.")
			resolved := tb.publication(owner.WorkspaceID, f.unknown.ID)
			require.Equal(t, ferry.StatePublished, resolved.State)
			require.Equal(t, "https://facebook.com/1000/posts/42", resolved.RemoteURL)

			retried := br.post("/publications/"+f.failed.ID+"/retry", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusSeeOther, retried.status)
			require.Equal(t, ferry.StateScheduled, state(f.failed.ID))
			require.Equal(t, []string{f.failed.ID}, f.jobs.taken())
			again := br.post("/publications/"+f.failed.ID+"/retry", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusConflict, again.status, "only a failed one is retried")

			badNote := br.post("/publications/"+f.handoff.ID+"/confirm", "same-origin", url.Values{"csrf": {csrf}, "url": {"https://example.com/note"}})
			require.Equal(t, http.StatusBadRequest, badNote.status)
			require.Contains(t, badNote.body, `value="https://example.com/note"`)
			require.Contains(t, text(badNote.body), "This is not a Xiaohongshu note link")
			require.Equal(t, ferry.StateHandoff, state(f.handoff.ID))
			note := br.post("/publications/"+f.handoff.ID+"/confirm", "same-origin", url.Values{"csrf": {csrf}, "url": {"https://www.xiaohongshu.com/explore/64f0c0ffee0000000000abcd"}})
			require.Equal(t, http.StatusSeeOther, note.status)
			require.Equal(t, ferry.StatePublished, state(f.handoff.ID))

			// Cancel asks first; the question is a page that works without JS.
			draftPub := tb.pubsOf(f.draft.ID)[0]
			ask := br.get("/publications/" + draftPub.ID + "/cancel")
			require.Equal(t, 200, ask.status)
			require.Contains(t, ask.body, `action="/publications/`+draftPub.ID+`/cancel"`)
			require.Equal(t, ferry.StateDraft, state(draftPub.ID), "asking changes nothing")
			canceled := br.post("/publications/"+draftPub.ID+"/cancel", "same-origin", url.Values{"csrf": {csrf}})
			require.Equal(t, http.StatusSeeOther, canceled.status)
			require.Equal(t, ferry.StateCanceled, state(draftPub.ID))
			require.Equal(t, http.StatusConflict, br.get("/publications/"+draftPub.ID+"/cancel").status)
		})
	}
}

func (tb *testBundle) pubsOf(storyID string) []*ferry.Publication {
	tb.t.Helper()
	list, err := tb.svc.DB.Read().Publications(context.Background(), ferry.PublicationFilter{StoryID: storyID})
	require.NoError(tb.t, err)
	return list
}

func TestStoryActions_DeleteSaysWhatWasWithdrawnAndWhatStaysUp(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			f := tb.seedActions(owner)
			br := tb.signedIn("ada@example.org", "en")

			ask := br.get("/stories/" + f.mixed.ID + "/delete")
			require.Equal(t, 200, ask.status)
			at := text(ask.body)
			require.Contains(t, at, "1 publication that has not gone out will be withdrawn")
			require.Contains(t, at, "2 posts are already out and stay up")
			require.Contains(t, at, "1 publication had already ended")
			_, err := tb.svc.Story(context.Background(), owner, f.mixed.ID)
			require.NoError(t, err, "asking deletes nothing")

			gone := br.post("/stories/"+f.mixed.ID+"/delete", "same-origin", url.Values{"csrf": {br.csrf()}})
			require.Equal(t, 200, gone.status)
			gt := text(gone.body)
			require.Contains(t, gt, "1 publication was withdrawn before it went out.")
			// Each publication's answer, the same as the API's.
			require.Contains(t, gt, "Already published on Telegram: it stays up until it is deleted.")
			require.Contains(t, gt, "Too late: it was sent to Facebook and may be there; nobody knows yet.")
			require.Contains(t, gt, "Withdrawn: it will not go out.")
			require.Contains(t, gt, "It had ended before (Failed): nothing went out.")
			require.Contains(t, gone.body, `href="https://t.me/harbour/42"`)
			require.Equal(t, ferry.StateCanceled, tb.publication(owner.WorkspaceID, f.handoff.ID).State)

			// Posts of it went out: the story stays on record, shown as
			// deleted with its live links, and listed; it cannot be edited
			// or deleted again.
			kept := br.get("/stories/" + f.mixed.ID)
			require.Equal(t, 200, kept.status)
			kt := text(kept.body)
			require.Contains(t, kt, "This story was deleted on")
			require.Contains(t, kept.body, `href="https://t.me/harbour/42"`)
			require.NotContains(t, kept.body, `/stories/`+f.mixed.ID+`/delete"`)
			require.NotContains(t, kept.body, `/stories/`+f.mixed.ID+`/edit"`)
			list := br.get("/stories")
			require.Contains(t, list.body, `href="/stories/`+f.mixed.ID+`"`)
			require.Contains(t, text(list.body), "Deleted")
		})
	}
}

func TestStoryActions_AViewerSeesNoFormAndIsRefused(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			f := tb.seedActions(owner)
			ctx := context.Background()
			tb.person(owner, "vic@example.org", ferry.RoleReviewer)
			br := tb.signedIn("vic@example.org", "en")

			page := br.get("/stories/" + f.mixed.ID)
			require.Equal(t, 200, page.status)
			require.NotContains(t, page.body, `action="/publications/`)
			require.NotContains(t, page.body, `/delete"`)
			require.Contains(t, text(page.body), "Only editors, admins and owners can act on publications")
			ask := br.get("/stories/" + f.mixed.ID + "/delete")
			require.NotContains(t, ask.body, `action="/stories/`)

			csrf := br.csrf()
			require.Equal(t, http.StatusForbidden, br.post("/publications/"+f.failed.ID+"/retry", "same-origin", url.Values{"csrf": {csrf}}).status)
			require.Equal(t, http.StatusForbidden, br.post("/stories/"+f.mixed.ID+"/delete", "same-origin", url.Values{"csrf": {csrf}}).status)
			require.Equal(t, ferry.StateFailed, tb.publication(owner.WorkspaceID, f.failed.ID).State)
			_, err := tb.svc.Story(ctx, owner, f.mixed.ID)
			require.NoError(t, err)
		})
	}
}

// An edit while a publication is being sent is refused as too late: the
// form comes back, kept, saying so for each publication — the API's
// answers.
func TestStoryActions_EditWhileBeingSentSaysTooLateForEachPublication(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			f := tb.seedActions(owner)
			sending := tb.publication(owner.WorkspaceID, f.unknown.ID)
			sending.State = ferry.StatePublishing
			require.NoError(t, tb.svc.DB.Write().SavePublication(context.Background(), sending))
			st, err := tb.svc.Story(context.Background(), owner, f.mixed.ID)
			require.NoError(t, err)
			br := tb.signedIn("ada@example.org", "en")

			form := url.Values{"csrf": {br.csrf()}, "title": {st.Title}, "body": {"Changed at the last moment."}, "targets": st.Targets, "action": {"draft"}}
			got := br.post("/stories/"+f.mixed.ID+"/edit", "same-origin", form)
			require.Equal(t, 409, got.status)
			gt := text(got.body)
			require.Contains(t, gt, "Too late: a publication of this story is being sent right now, so nothing was changed.")
			require.Contains(t, gt, "Too late: it is being sent to Facebook right now and may appear.")
			require.Contains(t, gt, "Already published on Telegram: it stays up until it is deleted.")
			require.Contains(t, got.body, `href="https://t.me/harbour/42"`)
			require.Contains(t, got.body, "Changed at the last moment.", "the input is kept")
			kept, err := tb.svc.Story(context.Background(), owner, f.mixed.ID)
			require.NoError(t, err)
			require.Equal(t, st.Body, kept.Body, "nothing was changed")

			// Moving it on the calendar says the same.
			when := time.Now().Add(72 * time.Hour)
			moved := br.post("/calendar/move", "same-origin", url.Values{"csrf": {br.csrf()}, "story": {f.mixed.ID}, "date": {when.Format(time.DateOnly)}, "time": {"10:00"}, "next": {"/calendar"}})
			require.Equal(t, 409, moved.status)
			mt := text(moved.body)
			require.Contains(t, mt, "Too late: it is being sent to Facebook right now and may appear.")
			require.Contains(t, mt, "Already published on Telegram: it stays up until it is deleted.")
		})
	}
}

// A published post offers "Delete the live post…" where the platform lets
// Ferry (here Telegram), behind a confirmation; Instagram's says it cannot.
// Without a connector able to delete, the service refuses and the page
// says why.
func TestStoryActions_DeleteLivePostIsConfirmedAndSaysWhereItCannot(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			f := tb.seedActions(owner)
			ctx := context.Background()
			w := tb.svc.DB.Write()
			ig := &ferry.Account{WorkspaceID: owner.WorkspaceID, Platform: ferry.Instagram, ExternalID: "17841400000000000", Name: "Harbour Grid", Health: ferry.HealthConnected, Credentials: map[string]string{}}
			require.NoError(t, w.CreateAccount(ctx, ig))
			at := *f.mixed.ScheduledAt
			igPub := &ferry.Publication{WorkspaceID: owner.WorkspaceID, StoryID: f.mixed.ID, AccountID: ig.ID, Platform: ferry.Instagram, State: ferry.StatePublished, Version: 1,
				ScheduledAt: &at, PublishedAt: &at, RemoteID: "ig-1", RemoteURL: "https://www.instagram.com/p/abc/"}
			require.NoError(t, w.CreatePublication(ctx, igPub))
			br := tb.signedIn("ada@example.org", "en")

			page := br.get("/stories/" + f.mixed.ID)
			require.Equal(t, 200, page.status)
			require.Equal(t, 1, strings.Count(page.body, `/delete-post"`), "only the Telegram post offers it")
			require.NotContains(t, page.body, "/publications/"+igPub.ID+"/delete-post")
			require.Contains(t, text(page.body), "Instagram does not let apps delete posts: to take it down, delete it in the Instagram app.")

			var tgPub string
			for _, p := range tb.pubsOf(f.mixed.ID) {
				if p.Platform == ferry.Telegram && p.State == ferry.StatePublished {
					tgPub = p.ID
				}
			}
			require.NotEmpty(t, tgPub)
			ask := br.get("/publications/" + tgPub + "/delete-post")
			require.Equal(t, 200, ask.status)
			require.Contains(t, text(ask.body), "Delete the live post?")
			require.Contains(t, ask.body, `action="/publications/`+tgPub+`/delete-post"`)
			require.Equal(t, ferry.StatePublished, tb.publication(owner.WorkspaceID, tgPub).State, "asking deletes nothing")

			// This server has no Telegram connector: refused, and why.
			got := br.post("/publications/"+tgPub+"/delete-post", "same-origin", url.Values{"csrf": {br.csrf()}})
			require.Equal(t, 409, got.status)
			require.Contains(t, text(got.body), "Ferry cannot delete posts on Telegram here: delete it there.")
			require.Equal(t, ferry.StatePublished, tb.publication(owner.WorkspaceID, tgPub).State)
			// Instagram is refused whatever the connectors.
			got = br.post("/publications/"+igPub.ID+"/delete-post", "same-origin", url.Values{"csrf": {br.csrf()}})
			require.Equal(t, 409, got.status)
			require.Contains(t, text(got.body), "Instagram does not let apps delete posts")
		})
	}
}
