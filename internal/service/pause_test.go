package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// Pauses are for admins and owners; an account pause names a known
// account; resuming names accounts paused on their own. (The engine's side
// — what a pause holds and what a resume sends — is tested with the engine
// in internal/delivery/pause_test.go.)
func TestPause_RolesScopesAndHistory(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		for _, r := range []ferry.Role{ferry.RoleViewer, ferry.RoleReviewer, ferry.RoleEditor} {
			_, err := f.svc.Pause(ctx, f.as[r], service.PauseInput{Reason: ferry.PauseMourning})
			requireCode(t, ferry.EFORBIDDEN, err)
		}
		admin := f.as[ferry.RoleAdmin]
		_, err := f.svc.Pause(ctx, admin, service.PauseInput{Reason: ferry.PauseMourning, AccountIDs: []string{"acc_nope"}})
		requireCode(t, ferry.ENOTFOUND, err)
		pauses, err := f.svc.Pause(ctx, admin, service.PauseInput{Reason: ferry.PauseSecurity, AccountIDs: []string{f.tg.ID, f.tg.ID}})
		require.NoError(t, err)
		require.Len(t, pauses, 1, "one pause per account")
		require.Equal(t, f.tg.ID, pauses[0].AccountID)

		st, err := f.svc.PauseStatus(ctx, f.as[ferry.RoleViewer])
		require.NoError(t, err)
		require.True(t, st.Paused)
		require.Nil(t, st.Workspace, "only an account is paused")
		require.Equal(t, "@harbour", st.Pauses[0].AccountName)

		_, err = f.svc.Resume(ctx, admin, service.ResumeInput{AccountIDs: []string{f.fb.ID}, Due: "keep"})
		requireCode(t, ferry.ECONFLICT, err)
		_, err = f.svc.Resume(ctx, f.editor(), service.ResumeInput{Due: "keep"})
		requireCode(t, ferry.EFORBIDDEN, err)
		res, err := f.svc.Resume(ctx, admin, service.ResumeInput{AccountIDs: []string{f.tg.ID}, Due: "keep"})
		require.NoError(t, err)
		require.Len(t, res.Ended, 1)
		hist, err := f.svc.PauseHistory(ctx, f.as[ferry.RoleViewer], 0)
		require.NoError(t, err)
		require.Len(t, hist, 1)
		require.Equal(t, "keep", hist[0].Due)
		require.Equal(t, []string{"pause.started", "pause.ended"}, f.actions(t, "pause", pauses[0].ID))
	})
}
