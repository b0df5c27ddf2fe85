package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestClosure_CancelsArchivesDeletesRemotePostsOneByOneAndForgetsCredentials(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			f := newArchiveFixture(t, be)
			_, err := f.svc.StartClosure(ctx, f.admin, f.acct.ID, service.CloseInput{Scheduled: "sideways"})
			require.True(t, ferry.IsCode(err, ferry.EINVALID), "%v", err)
			_, err = f.svc.StartClosure(ctx, f.admin, f.acct.ID, service.CloseInput{Scheduled: "move"})
			require.True(t, ferry.IsCode(err, ferry.EINVALID), "move needs move_to: %v", err)

			v, err := f.svc.StartClosure(ctx, f.admin, f.acct.ID, service.CloseInput{DeleteRemote: true})
			require.NoError(t, err)
			require.True(t, v.Changed)
			require.Equal(t, "cancel", v.Options.Scheduled, "cancel is the default")
			require.Len(t, v.Answers, 1)
			require.Equal(t, service.AnswerWithdrawn, v.Answers[0].Answer)
			require.Equal(t, f.scheduled.ID, v.Answers[0].PublicationID)
			require.Equal(t, []string{f.acct.ID}, f.jobs.closures, "a job does the rest")
			acct, err := f.db.Read().Account(ctx, f.ws.ID, f.acct.ID)
			require.NoError(t, err)
			require.Equal(t, ferry.HealthClosed, acct.Health, "closed at once: nothing more goes out")

			require.NoError(t, f.svc.RunClosure(ctx, f.acct.ID))
			c, err := f.svc.Closure(ctx, f.as[ferry.RoleViewer], f.acct.ID)
			require.NoError(t, err)
			require.Equal(t, ferry.ClosureDone, c.State)
			require.Equal(t, ferry.ClosureProgress{Canceled: 1, FinalReading: true, RemoteDeleted: 1, RemoteGone: 1}, c.Progress)
			require.ElementsMatch(t, []string{"r1", "gone"}, f.conn.deleted, "each post deleted, one call each")

			arc, err := f.db.Read().Archive(ctx, f.ws.ID, c.ArchiveID)
			require.NoError(t, err)
			require.Equal(t, ferry.ArchiveReady, arc.State)
			acct, err = f.db.Read().Account(ctx, f.ws.ID, f.acct.ID)
			require.NoError(t, err)
			require.Empty(t, acct.Credentials, "credentials are forgotten")
			snaps, err := f.db.Read().AccountSnapshots(ctx, f.acct.ID, f.now.Add(-time.Minute), f.now.Add(time.Minute))
			require.NoError(t, err)
			require.Len(t, snaps, 1, "a final reading")
			require.EqualValues(t, 4321, *snaps[0].Followers)

			actions := map[string]int{}
			events, err := f.db.Read().AuditEvents(ctx, ferry.AuditFilter{WorkspaceID: f.ws.ID})
			require.NoError(t, err)
			for _, e := range events {
				actions[e.Action]++
			}
			require.Equal(t, 1, actions["publication.post_deleted"])
			require.Equal(t, 1, actions["publication.post_gone"], "already gone is recorded as gone, not failed")
			require.Zero(t, actions["publication.post_delete_failed"])
			require.Equal(t, 1, actions["account.closed"])
			require.Equal(t, 1, actions["account.credentials_forgotten"])

			// The history stays readable.
			story, err := f.svc.Story(ctx, f.as[ferry.RoleViewer], f.published.StoryID)
			require.NoError(t, err)
			require.Equal(t, "https://weibo.com/1001/r1", story.Publications[0].RemoteURL)

			// Closing again changes nothing.
			again, err := f.svc.StartClosure(ctx, f.admin, f.acct.ID, service.CloseInput{Scheduled: "move", MoveTo: "acc_x"})
			require.NoError(t, err)
			require.False(t, again.Changed)
			require.Equal(t, c.Progress, again.Progress)
			require.Equal(t, "cancel", again.Options.Scheduled)
			require.NoError(t, f.svc.RunClosure(ctx, f.acct.ID))
			require.Len(t, f.jobs.closures, 1)
			require.Len(t, f.conn.deleted, 2)
		})
	}
}

func TestClosure_MovesScheduledPublicationsToAnotherAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newArchiveFixture(t, testdb.Backends()[0])
	other := f.account(t, ferry.Weibo, "1002", map[string]any{"link_url": "https://ferry.example/w"})
	_, err := f.svc.StartClosure(ctx, f.admin, f.acct.ID, service.CloseInput{Scheduled: "move", MoveTo: f.acct.ID})
	require.True(t, ferry.IsCode(err, ferry.EINVALID), "not to itself: %v", err)
	v, err := f.svc.StartClosure(ctx, f.admin, f.acct.ID, service.CloseInput{Scheduled: "move", MoveTo: other.ID})
	require.NoError(t, err)
	require.Len(t, v.Moved, 1)
	require.Equal(t, 1, v.Progress.Moved)
	require.Zero(t, v.Progress.Canceled)
	moved, err := f.db.Read().PublicationByID(ctx, v.Moved[f.scheduled.ID])
	require.NoError(t, err)
	require.Equal(t, other.ID, moved.AccountID)
	require.Equal(t, ferry.StateScheduled, moved.State)
	old, err := f.db.Read().PublicationByID(ctx, f.scheduled.ID)
	require.NoError(t, err)
	require.Equal(t, ferry.StateCanceled, old.State)
}

func TestHandover_ChangesOwnerAndOperatorsKeepsHistoryAndIsAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newArchiveFixture(t, testdb.Backends()[0])
	_, err := f.svc.HandOver(ctx, f.admin, f.acct.ID, service.HandoverInput{Owner: "usr_nobody"})
	require.True(t, ferry.IsCode(err, ferry.EINVALID), "%v", err)
	_, err = f.svc.HandOver(ctx, f.editor(), f.acct.ID, service.HandoverInput{Owner: f.editor().UserID})
	require.True(t, ferry.IsCode(err, ferry.EFORBIDDEN), "%v", err)
	// The outgoing owner approves the account's stories: the successor
	// will.
	reviewer := f.as[ferry.RoleReviewer]
	_, err = f.svc.HandOver(ctx, f.admin, f.acct.ID, service.HandoverInput{Owner: reviewer.UserID})
	require.NoError(t, err)
	_, err = f.svc.SetApprovalPolicy(ctx, f.admin, f.acct.ID, service.ApprovalPolicyInput{Steps: []ferry.ApprovalStep{
		{Approvers: []string{"user:" + reviewer.UserID, "role:admin"}, Required: 1}}})
	require.NoError(t, err)
	ops := []any{"successor@example.org"}
	a, err := f.svc.HandOver(ctx, f.admin, f.acct.ID, service.HandoverInput{Owner: f.editor().UserID, Operators: &ops, Note: "The minister stepped down."})
	require.NoError(t, err)
	require.Equal(t, f.editor().UserID, service.AccountOwner(a))
	pol, err := f.svc.ApprovalPolicy(ctx, f.admin, f.acct.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"user:" + f.editor().UserID, "role:admin"}, pol.Steps[0].Approvers, "the successor approves in the predecessor's place")
	require.Equal(t, []any{"successor@example.org"}, a.Settings["operators"])
	require.Equal(t, "https://ferry.example/w", a.Settings["link_url"], "other settings stay")
	events, err := f.db.Read().AuditEvents(ctx, ferry.AuditFilter{WorkspaceID: f.ws.ID, TargetType: "account", TargetID: f.acct.ID})
	require.NoError(t, err)
	last := events[len(events)-1]
	require.Equal(t, "account.handover", last.Action)
	require.Equal(t, f.editor().UserID, last.Data["to_owner"])
	require.Equal(t, "The minister stepped down.", last.Data["note"])
	pub, err := f.db.Read().PublicationByID(ctx, f.published.ID)
	require.NoError(t, err)
	require.Equal(t, ferry.StatePublished, pub.State, "history stays")
}
