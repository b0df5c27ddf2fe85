package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery/deliverytest"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// eachBackend runs test on a fresh bundle of every database backend.
func eachBackend(t *testing.T, test func(t *testing.T, b *testBundle)) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			test(t, setup(t, be))
		})
	}
}

// storyFixture is a workspace with a Telegram channel and a Facebook page.
type storyFixture struct {
	*testBundle
	tg, fb *ferry.Account
}

func withAccounts(t *testing.T, b *testBundle) *storyFixture {
	return &storyFixture{testBundle: b, tg: b.account(t, ferry.Telegram, "@harbour", nil), fb: b.account(t, ferry.Facebook, "1000001", nil)}
}

func (f *storyFixture) input(at *time.Time) service.StoryInput {
	return service.StoryInput{Title: "Night ferry", Body: "The last ferry sails at nine.", Targets: []string{f.tg.ID, f.fb.ID}, ScheduledAt: at}
}

// create saves the fixture's story as the editor and forgets its jobs.
func (f *storyFixture) create(t *testing.T, at *time.Time) *service.StoryView {
	t.Helper()
	v, err := f.svc.CreateStory(context.Background(), f.editor(), f.input(at))
	require.NoError(t, err)
	f.sched.Take()
	return v
}

// story reads a story as stored, deleted or not.
func (b *testBundle) story(t *testing.T, id string) *ferry.Story {
	t.Helper()
	s, err := b.db.Read().Story(context.Background(), b.ws.ID, id)
	require.NoError(t, err)
	return s
}

// pubs reads a story's publications by account id.
func (b *testBundle) pubs(t *testing.T, storyID string) map[string]*ferry.Publication {
	t.Helper()
	list, err := b.db.Read().Publications(context.Background(), ferry.PublicationFilter{StoryID: storyID})
	require.NoError(t, err)
	out := map[string]*ferry.Publication{}
	for _, p := range list {
		out[p.AccountID] = p
	}
	return out
}

func (b *testBundle) variant(t *testing.T, storyID, accountID string) *ferry.Variant {
	t.Helper()
	v, err := b.db.Read().Variant(context.Background(), storyID, accountID)
	require.NoError(t, err)
	return v
}

// actions lists the audit actions recorded about a target, oldest first.
func (b *testBundle) actions(t *testing.T, targetType, id string) []string {
	t.Helper()
	events, err := b.db.Read().AuditEvents(context.Background(), ferry.AuditFilter{WorkspaceID: b.ws.ID, TargetType: targetType, TargetID: id})
	require.NoError(t, err)
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

// storyCount counts the workspace's stories.
func (b *testBundle) storyCount(t *testing.T) int {
	t.Helper()
	list, _, err := b.db.Read().Stories(context.Background(), ferry.StoryFilter{WorkspaceID: b.ws.ID})
	require.NoError(t, err)
	return len(list)
}

// setState moves a publication as the delivery engine would.
func (b *testBundle) setState(t *testing.T, pub *ferry.Publication, st ferry.PublicationState) {
	t.Helper()
	pub.State = st
	if st == ferry.StatePublished {
		pub.PublishedAt, pub.RemoteID = &b.now, "remote-1"
	}
	require.NoError(t, b.db.Write().SavePublication(context.Background(), pub))
}

func requireCode(t *testing.T, code string, err error) *ferry.Error {
	t.Helper()
	require.Equal(t, code, ferry.ErrorCode(err), "error: %v", err)
	var fe *ferry.Error
	require.True(t, errors.As(err, &fe))
	return fe
}

func TestCreateStory_DraftHasAVariantPerTargetAndNoJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		v, err := f.svc.CreateStory(context.Background(), f.editor(), f.input(nil))
		require.NoError(t, err)

		st := f.story(t, v.ID)
		require.Nil(t, st.ScheduledAt)
		require.Equal(t, 1, st.Version)
		require.Equal(t, f.editor().UserID, st.CreatedBy)
		pubs := f.pubs(t, v.ID)
		require.Len(t, pubs, 2)
		for _, a := range []*ferry.Account{f.tg, f.fb} {
			require.Equal(t, ferry.StateDraft, pubs[a.ID].State)
			require.Nil(t, pubs[a.ID].ScheduledAt)
			require.Equal(t, a.Platform, f.variant(t, v.ID, a.ID).Platform)
			require.Contains(t, f.variant(t, v.ID, a.ID).Text, "The last ferry sails at nine.")
		}
		require.Empty(t, f.sched.Take())
		require.Equal(t, []string{"story.create"}, f.actions(t, "story", v.ID))
		require.Equal(t, "published 0 of 2, 2 draft", v.Summary)
	})
}

func TestCreateStory_ScheduledEnqueuesEachPublicationAtItsTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(2 * time.Hour)
		v, err := f.svc.CreateStory(context.Background(), f.editor(), f.input(&at))
		require.NoError(t, err)

		require.Equal(t, at, *f.story(t, v.ID).ScheduledAt)
		pubs := f.pubs(t, v.ID)
		var want []deliverytest.Job
		for _, a := range []*ferry.Account{f.tg, f.fb} {
			pub := pubs[a.ID]
			require.Equal(t, ferry.StateScheduled, pub.State)
			require.Equal(t, at, *pub.ScheduledAt)
			require.Equal(t, []string{"publication.draft", "publication.scheduled"}, f.actions(t, "publication", pub.ID))
			want = append(want, deliverytest.Job{Kind: "publish", PublicationID: pub.ID, Version: pub.Version, At: at})
		}
		require.Equal(t, want, f.sched.Take())
	})
}

func TestUpdateStory_NewTextReachesEveryVariantAtANewVersionAndKeepsTheTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(2 * time.Hour)
		v := f.create(t, &at)
		before := f.pubs(t, v.ID)

		body := "The last ferry sails at ten."
		_, err := f.svc.UpdateStory(context.Background(), f.editor(), v.ID, service.StoryPatch{Body: &body})
		require.NoError(t, err)

		st := f.story(t, v.ID)
		require.Equal(t, 2, st.Version)
		require.Equal(t, at, *st.ScheduledAt, "a patch without scheduled_at keeps the time")
		after := f.pubs(t, v.ID)
		var want []deliverytest.Job
		for _, a := range []*ferry.Account{f.tg, f.fb} {
			require.Contains(t, f.variant(t, v.ID, a.ID).Text, "sails at ten")
			pub := after[a.ID]
			require.Equal(t, before[a.ID].Version+1, pub.Version)
			require.Equal(t, ferry.StateScheduled, pub.State)
			want = append(want, deliverytest.Job{Kind: "publish", PublicationID: pub.ID, Version: pub.Version, At: at})
		}
		require.Equal(t, want, f.sched.Take())
		require.Equal(t, []string{"story.create", "story.update"}, f.actions(t, "story", v.ID))
	})
}

func TestUpdateStory_KeepsAPersonsEditOfAVariantAndFlagsItStale(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		v := f.create(t, nil)
		text := "Last boat at nine, see you on the pier."
		_, err := f.svc.EditVariant(context.Background(), f.editor(), v.ID, f.tg.ID, service.VariantEdit{Text: &text})
		require.NoError(t, err)

		body := "The last ferry sails at ten."
		_, err = f.svc.UpdateStory(context.Background(), f.editor(), v.ID, service.StoryPatch{Body: &body})
		require.NoError(t, err)

		edited := f.variant(t, v.ID, f.tg.ID)
		require.True(t, edited.Edited)
		require.True(t, edited.Stale)
		require.Equal(t, text, edited.Text)
		require.Contains(t, f.variant(t, v.ID, f.fb.ID).Text, "sails at ten")
	})
}

func TestUpdateStory_RefusedWhileAPublicationIsBeingSent(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		f.setState(t, f.pubs(t, v.ID)[f.fb.ID], ferry.StatePublishing)

		body := "changed"
		_, err := f.svc.UpdateStory(context.Background(), f.editor(), v.ID, service.StoryPatch{Body: &body})
		requireCode(t, ferry.ECONFLICT, err)
		require.Equal(t, 1, f.story(t, v.ID).Version)
		require.Contains(t, f.variant(t, v.ID, f.tg.ID).Text, "sails at nine")
		require.Empty(t, f.sched.Take())
	})
}

func TestScheduleStory_MovesOnlyTheTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		first, later := f.now.Add(time.Hour), f.now.Add(5*time.Hour)
		v := f.create(t, &first)
		texts := map[string]string{f.tg.ID: f.variant(t, v.ID, f.tg.ID).Text, f.fb.ID: f.variant(t, v.ID, f.fb.ID).Text}

		_, err := f.svc.ScheduleStory(context.Background(), f.editor(), v.ID, service.ScheduleInput{At: later})
		require.NoError(t, err)

		require.Equal(t, later, *f.story(t, v.ID).ScheduledAt)
		pubs := f.pubs(t, v.ID)
		var want []deliverytest.Job
		for _, a := range []*ferry.Account{f.tg, f.fb} {
			require.Equal(t, later, *pubs[a.ID].ScheduledAt)
			require.Equal(t, texts[a.ID], f.variant(t, v.ID, a.ID).Text)
			want = append(want, deliverytest.Job{Kind: "publish", PublicationID: pubs[a.ID].ID, Version: pubs[a.ID].Version, At: later})
		}
		require.Equal(t, want, f.sched.Take())

		_, err = f.svc.ScheduleStory(context.Background(), f.editor(), v.ID, service.ScheduleInput{})
		fe := requireCode(t, ferry.EINVALID, err)
		require.Equal(t, map[string]string{"at": "required"}, fe.Details)
		_, err = f.svc.ScheduleStory(context.Background(), f.editor(), v.ID, service.ScheduleInput{At: f.now.Add(-time.Hour)})
		fe = requireCode(t, ferry.EINVALID, err)
		require.Contains(t, fe.Details, "scheduled_at")
		require.Equal(t, later, *f.story(t, v.ID).ScheduledAt)
	})
}

func TestUnscheduleStory_ReturnsUnsentPublicationsToDraft(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		f.setState(t, f.pubs(t, v.ID)[f.fb.ID], ferry.StatePublished)

		_, err := f.svc.UnscheduleStory(context.Background(), f.editor(), v.ID)
		require.NoError(t, err)

		require.Nil(t, f.story(t, v.ID).ScheduledAt)
		pubs := f.pubs(t, v.ID)
		require.Equal(t, ferry.StateDraft, pubs[f.tg.ID].State)
		require.Nil(t, pubs[f.tg.ID].ScheduledAt)
		require.Equal(t, ferry.StatePublished, pubs[f.fb.ID].State, "what was sent stays sent")
		require.Equal(t, []string{"publication.draft", "publication.scheduled", "publication.draft"}, f.actions(t, "publication", pubs[f.tg.ID].ID))
		require.Empty(t, f.sched.Take())
	})
}

func TestUpdateStory_NullTimeMakesADraftAndATimeSchedules(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		ctx := context.Background()

		_, err := f.svc.UpdateStory(ctx, f.editor(), v.ID, service.StoryPatch{ScheduledAt: ferry.Null[time.Time]()})
		require.NoError(t, err)
		require.Nil(t, f.story(t, v.ID).ScheduledAt)
		require.Equal(t, ferry.StateDraft, f.pubs(t, v.ID)[f.tg.ID].State)
		require.Empty(t, f.sched.Take())

		later := f.now.Add(3 * time.Hour)
		_, err = f.svc.UpdateStory(ctx, f.editor(), v.ID, service.StoryPatch{ScheduledAt: ferry.Some(later)})
		require.NoError(t, err)
		require.Equal(t, later, *f.story(t, v.ID).ScheduledAt)
		require.Len(t, f.sched.Take(), 2)
	})
}

func TestPublishStoryNow_SchedulesUnsentPublicationsAtTheCurrentTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		v := f.create(t, nil)
		sent := f.pubs(t, v.ID)[f.fb.ID]
		f.setState(t, sent, ferry.StatePublished)

		_, err := f.svc.PublishStoryNow(context.Background(), f.editor(), v.ID, service.PublishInput{})
		require.NoError(t, err)

		require.Equal(t, f.now, *f.story(t, v.ID).ScheduledAt)
		pubs := f.pubs(t, v.ID)
		require.Equal(t, ferry.StateScheduled, pubs[f.tg.ID].State)
		require.Equal(t, f.now, *pubs[f.tg.ID].ScheduledAt)
		require.Equal(t, sent.Version, pubs[f.fb.ID].Version, "a sent publication is never moved")
		require.Equal(t, []deliverytest.Job{{Kind: "publish", PublicationID: pubs[f.tg.ID].ID, Version: pubs[f.tg.ID].Version, At: f.now}}, f.sched.Take())
	})
}

func TestDeleteStory_CancelsWhatWasNotSentAndKeepsWhatWentOutOnRecord(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		f.setState(t, f.pubs(t, v.ID)[f.fb.ID], ferry.StatePublished)

		_, err := f.svc.DeleteStory(context.Background(), f.editor(), v.ID)
		require.NoError(t, err)

		// Its Facebook post went out: the story stays visible, as deleted.
		seen, err := f.svc.Story(context.Background(), f.editor(), v.ID)
		require.NoError(t, err)
		require.NotNil(t, seen.DeletedAt)
		_, err = f.svc.UpdateStory(context.Background(), f.editor(), v.ID, service.StoryPatch{})
		requireCode(t, ferry.ENOTFOUND, err)
		pubs := f.pubs(t, v.ID)
		require.Equal(t, ferry.StateCanceled, pubs[f.tg.ID].State)
		require.Equal(t, ferry.ReasonStoryDeleted, pubs[f.tg.ID].ReasonCode)
		require.Equal(t, ferry.StatePublished, pubs[f.fb.ID].State)
		require.Equal(t, []string{"story.create", "story.delete"}, f.actions(t, "story", v.ID))
		require.Empty(t, f.sched.Take())
		require.Equal(t, 1, f.storyCount(t))

		// A deleted story with nothing out is gone.
		gone := f.create(t, &at)
		_, err = f.svc.DeleteStory(context.Background(), f.editor(), gone.ID)
		require.NoError(t, err)
		_, err = f.svc.Story(context.Background(), f.editor(), gone.ID)
		requireCode(t, ferry.ENOTFOUND, err)
		require.Equal(t, 1, f.storyCount(t))
	})
}

func TestScheduling_BlackoutIsRefusedUnlessAnAdminOverrides(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		start, end := f.now.Add(time.Hour), f.now.Add(3*time.Hour)
		ev, err := f.svc.CreateCalendarEvent(ctx, f.as[ferry.RoleAdmin], service.CalendarEventInput{Kind: ferry.EventBlackout, NameEN: "Quiet period", StartsAt: &start, EndsAt: &end})
		require.NoError(t, err)
		at := f.now.Add(2 * time.Hour)

		_, err = f.svc.CreateStory(ctx, f.editor(), f.input(&at))
		fe := requireCode(t, ferry.EUNPROCESSABLE, err)
		require.Contains(t, fe.Details, "blackout")
		in := f.input(&at)
		in.OverrideBlackout = true
		_, err = f.svc.CreateStory(ctx, f.editor(), in)
		requireCode(t, ferry.EFORBIDDEN, err)
		require.Zero(t, f.storyCount(t))
		require.Empty(t, f.sched.Take())

		draft := f.create(t, nil)
		_, err = f.svc.ScheduleStory(ctx, f.editor(), draft.ID, service.ScheduleInput{At: at})
		requireCode(t, ferry.EUNPROCESSABLE, err)
		require.Equal(t, ferry.StateDraft, f.pubs(t, draft.ID)[f.tg.ID].State)

		_, err = f.svc.ScheduleStory(ctx, f.as[ferry.RoleAdmin], draft.ID, service.ScheduleInput{At: at, OverrideBlackout: true})
		require.NoError(t, err)
		require.Equal(t, ferry.StateScheduled, f.pubs(t, draft.ID)[f.tg.ID].State)
		require.Len(t, f.sched.Take(), 2)
		require.Equal(t, []string{"calendar_event.create", "calendar_event.blackout_override"}, f.actions(t, "calendar_event", ev.ID))
	})
}

func TestStories_OnlyEditorsAndAboveChangeThem(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		v := f.create(t, nil)
		body, at := "changed", f.now.Add(time.Hour)
		for _, role := range []ferry.Role{ferry.RoleReviewer, ferry.RoleViewer} {
			p := f.as[role]
			_, err := f.svc.CreateStory(ctx, p, f.input(nil))
			requireCode(t, ferry.EFORBIDDEN, err)
			_, err = f.svc.UpdateStory(ctx, p, v.ID, service.StoryPatch{Body: &body})
			requireCode(t, ferry.EFORBIDDEN, err)
			_, err = f.svc.ScheduleStory(ctx, p, v.ID, service.ScheduleInput{At: at})
			requireCode(t, ferry.EFORBIDDEN, err)
			_, err = f.svc.UnscheduleStory(ctx, p, v.ID)
			requireCode(t, ferry.EFORBIDDEN, err)
			_, err = f.svc.PublishStoryNow(ctx, p, v.ID, service.PublishInput{})
			requireCode(t, ferry.EFORBIDDEN, err)
			_, err = f.svc.EditVariant(ctx, p, v.ID, f.tg.ID, service.VariantEdit{Text: &body})
			requireCode(t, ferry.EFORBIDDEN, err)
			_, err = f.svc.DeleteStory(ctx, p, v.ID)
			requireCode(t, ferry.EFORBIDDEN, err)

			seen, err := f.svc.Story(ctx, p, v.ID)
			require.NoError(t, err)
			require.Equal(t, v.ID, seen.ID)
		}
		require.Equal(t, 1, f.story(t, v.ID).Version)
		require.Equal(t, 1, f.storyCount(t))
		require.Empty(t, f.sched.Take())
	})
}

func TestScheduling_VariantErrorsAreUnprocessableDraftsKeepThem(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		weibo := f.account(t, ferry.Weibo, "5000001", map[string]any{"link_url": "https://ferry.example/w"})
		at := f.now.Add(time.Hour)
		in := service.StoryInput{Body: strings.Repeat("維港夜色，渡輪九點開出。", 20), Targets: []string{f.tg.ID, weibo.ID}, ScheduledAt: &at}

		_, err := f.svc.CreateStory(ctx, f.editor(), in)
		fe := requireCode(t, ferry.EUNPROCESSABLE, err)
		problems := fe.Details.(map[string]any)["problems"].(map[string][]ferry.Problem)
		require.Equal(t, []string{weibo.ID}, keys(problems), "only the Weibo variant is too long")
		require.True(t, hasProblem(problems[weibo.ID], "text_too_long"))
		require.Zero(t, f.storyCount(t), "a refused story is not saved")

		in.ScheduledAt = nil
		v, err := f.svc.CreateStory(ctx, f.editor(), in)
		require.NoError(t, err, "a draft keeps its problems")
		require.True(t, hasProblem(f.variant(t, v.ID, weibo.ID).Problems, "text_too_long"))
		drafts := f.pubs(t, v.ID)

		_, err = f.svc.ScheduleStory(ctx, f.editor(), v.ID, service.ScheduleInput{At: at})
		requireCode(t, ferry.EUNPROCESSABLE, err)
		_, err = f.svc.PublishStoryNow(ctx, f.editor(), v.ID, service.PublishInput{})
		requireCode(t, ferry.EUNPROCESSABLE, err)
		require.Equal(t, drafts, f.pubs(t, v.ID), "nothing moved")
		require.Nil(t, f.story(t, v.ID).ScheduledAt)
		require.Empty(t, f.sched.Take())
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func hasProblem(ps []ferry.Problem, code string) bool {
	for _, p := range ps {
		if p.Code == code && p.Severity == ferry.SeverityError {
			return true
		}
	}
	return false
}

// The tests below change what a save was built from between its build and
// its transaction.

func TestSaveBuilt_AStoryEditedSinceTheBuildIsBuiltAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		v := f.create(t, nil)
		mine, theirs := "Mine: the ferry sails at ten.", "Theirs: the ferry sails at eleven."
		build, err := f.svc.BuildEdit(ctx, f.editor(), v.ID, service.StoryPatch{Body: &mine})
		require.NoError(t, err)

		_, err = f.svc.UpdateStory(ctx, f.editor(), v.ID, service.StoryPatch{Body: &theirs})
		require.NoError(t, err)
		require.ErrorIs(t, f.svc.SaveBuild(ctx, f.editor(), build), service.ErrStale)

		require.Equal(t, theirs, f.story(t, v.ID).Body)
		require.Equal(t, 2, f.story(t, v.ID).Version)
		require.Contains(t, f.variant(t, v.ID, f.tg.ID).Text, "eleven")
	})
}

func TestSaveBuilt_AVariantEditMadeDuringTheBuildIsKept(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		v := f.create(t, nil)
		body := "The last ferry sails at ten."
		build, err := f.svc.BuildEdit(ctx, f.editor(), v.ID, service.StoryPatch{Body: &body})
		require.NoError(t, err)

		text := "Hand-written: last boat at nine."
		_, err = f.svc.EditVariant(ctx, f.editor(), v.ID, f.tg.ID, service.VariantEdit{Text: &text})
		require.NoError(t, err)
		require.ErrorIs(t, f.svc.SaveBuild(ctx, f.editor(), build), service.ErrStale)
		require.Equal(t, text, f.variant(t, v.ID, f.tg.ID).Text)

		_, err = f.svc.UpdateStory(ctx, f.editor(), v.ID, service.StoryPatch{Body: &body})
		require.NoError(t, err)
		kept := f.variant(t, v.ID, f.tg.ID)
		require.Equal(t, text, kept.Text)
		require.True(t, kept.Stale)
	})
}

func TestSaveBuilt_AnAccountClosedDuringTheBuildIsNotTargeted(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		at := f.now.Add(time.Hour)
		build, err := f.svc.BuildNew(ctx, f.editor(), f.input(&at))
		require.NoError(t, err)

		_, err = f.svc.CloseAccount(ctx, f.as[ferry.RoleAdmin], f.fb.ID)
		require.NoError(t, err)
		require.ErrorIs(t, f.svc.SaveBuild(ctx, f.editor(), build), service.ErrStale)
		require.Zero(t, f.storyCount(t))
		require.Empty(t, f.sched.Take())

		_, err = f.svc.CreateStory(ctx, f.editor(), f.input(&at))
		fe := requireCode(t, ferry.EINVALID, err)
		require.Contains(t, fe.Details, "targets[1]")
	})
}

func TestSaveBuilt_AFocalPointMovedDuringTheBuildIsFittedAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		img := f.image(t, 400, 300, 7)
		in := f.input(nil)
		in.MediaIDs = []string{img.ID}
		build, err := f.svc.BuildNew(ctx, f.editor(), in)
		require.NoError(t, err)

		focal := &ferry.Focal{X: 0.2, Y: 0.8}
		_, err = f.svc.UpdateMedia(ctx, f.editor(), img.ID, service.MediaPatch{Focal: focal})
		require.NoError(t, err)
		require.ErrorIs(t, f.svc.SaveBuild(ctx, f.editor(), build), service.ErrStale)
		require.Zero(t, f.storyCount(t))

		v, err := f.svc.CreateStory(ctx, f.editor(), in)
		require.NoError(t, err)
		for _, a := range []*ferry.Account{f.tg, f.fb} {
			media := f.variant(t, v.ID, a.ID).Media
			require.Len(t, media, 1)
			require.Equal(t, focal, media[0].Focal)
		}
	})
}

func TestSaveBuilt_APublicationSentDuringTheBuildKeepsItsVariant(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		body := "The last ferry sails at ten."
		build, err := f.svc.BuildEdit(ctx, f.editor(), v.ID, service.StoryPatch{Body: &body})
		require.NoError(t, err)

		sent := f.pubs(t, v.ID)[f.fb.ID]
		f.setState(t, sent, ferry.StatePublished)
		require.NoError(t, f.svc.SaveBuild(ctx, f.editor(), build))

		require.Contains(t, f.variant(t, v.ID, f.fb.ID).Text, "sails at nine", "what was sent is what its variant says")
		require.Contains(t, f.variant(t, v.ID, f.tg.ID).Text, "sails at ten")
		pubs := f.pubs(t, v.ID)
		require.Equal(t, sent.Version, pubs[f.fb.ID].Version)
		require.Equal(t, []deliverytest.Job{{Kind: "publish", PublicationID: pubs[f.tg.ID].ID, Version: pubs[f.tg.ID].Version, At: at}}, f.sched.Take())
	})
}
