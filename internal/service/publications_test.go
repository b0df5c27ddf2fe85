package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func TestRetryPublication_SendsAFailedOneAgainNow(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		pubs := f.pubs(t, v.ID)
		failed := pubs[f.tg.ID]
		failed.Error = &ferry.PubError{Code: "400", Message: "Bad request."}
		f.setState(t, failed, ferry.StateFailed)
		f.setState(t, pubs[f.fb.ID], ferry.StatePublished)

		_, err := f.svc.RetryPublication(ctx, f.as[ferry.RoleReviewer], failed.ID)
		requireCode(t, ferry.EFORBIDDEN, err)
		_, err = f.svc.RetryPublication(ctx, f.editor(), pubs[f.fb.ID].ID)
		requireCode(t, ferry.ECONFLICT, err)
		require.Empty(t, f.sched.Take())

		got, err := f.svc.RetryPublication(ctx, f.editor(), failed.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.StateScheduled, got.State)
		stored := f.pubs(t, v.ID)[f.tg.ID]
		require.Equal(t, ferry.StateScheduled, stored.State)
		require.Nil(t, stored.Error)
		require.Equal(t, f.now, stored.ScheduledAt.UTC())
		jobs := f.sched.Take()
		require.Len(t, jobs, 1)
		require.Equal(t, failed.ID, jobs[0].PublicationID)
		require.Equal(t, stored.Version, jobs[0].Version)
		acts := f.actions(t, "publication", failed.ID)
		require.Equal(t, "publication.scheduled", acts[len(acts)-1], "the transition is audited")
	})
}

func TestCancelPublication_WithdrawsOnlyWhatHasNotGoneOut(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		pubs := f.pubs(t, v.ID)
		f.setState(t, pubs[f.fb.ID], ferry.StatePublished)

		_, err := f.svc.CancelPublication(ctx, f.as[ferry.RoleViewer], pubs[f.tg.ID].ID)
		requireCode(t, ferry.EFORBIDDEN, err)
		_, err = f.svc.CancelPublication(ctx, f.editor(), pubs[f.fb.ID].ID)
		requireCode(t, ferry.ECONFLICT, err)

		got, err := f.svc.CancelPublication(ctx, f.editor(), pubs[f.tg.ID].ID)
		require.NoError(t, err)
		require.Equal(t, ferry.StateCanceled, got.State)
		after := f.pubs(t, v.ID)
		require.Equal(t, ferry.StateCanceled, after[f.tg.ID].State)
		require.Equal(t, ferry.StatePublished, after[f.fb.ID].State)
		story, err := f.svc.Story(ctx, f.editor(), v.ID)
		require.NoError(t, err, "the story stays")
		require.Len(t, story.Publications, 2)
		acts := f.actions(t, "publication", pubs[f.tg.ID].ID)
		require.Equal(t, "publication.canceled", acts[len(acts)-1], "the transition is audited")
	})
}

func TestDeleteStory_SaysWhichPublicationsItWithdrew(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		at := f.now.Add(time.Hour)
		v := f.create(t, &at)
		pubs := f.pubs(t, v.ID)
		f.setState(t, pubs[f.fb.ID], ferry.StatePublished)

		got, err := f.svc.DeleteStory(context.Background(), f.editor(), v.ID)
		require.NoError(t, err)
		require.Equal(t, []string{pubs[f.tg.ID].ID}, got.Withdrawn)
	})
}
