package delivery_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
)

// reviewer adds a member with the reviewer role and returns them.
func (e *env) reviewer(t *testing.T) ferry.Principal {
	t.Helper()
	ctx := context.Background()
	u := &ferry.User{Email: fmt.Sprintf("reviewer%d@example.org", e.n.Add(1)), Name: "Rita", PasswordHash: "x"}
	require.NoError(t, e.db.Write().CreateUser(ctx, u))
	require.NoError(t, e.db.Write().SetMembership(ctx, e.ws.ID, u.ID, ferry.RoleReviewer))
	return ferry.Principal{UserID: u.ID, WorkspaceID: e.ws.ID, Role: ferry.RoleReviewer}
}

// needsReview gives the harness's account a one-step policy: one reviewer.
func (h *harness) needsReview(t *testing.T) {
	t.Helper()
	_, err := h.svc.SetApprovalPolicy(context.Background(), h.admin, h.acct.ID, service.ApprovalPolicyInput{Steps: []ferry.ApprovalStep{{Approvers: []string{"role:reviewer"}, Required: 1}}})
	require.NoError(t, err)
}

func (h *harness) fingerprint(t *testing.T) string {
	t.Helper()
	fp, err := delivery.Fingerprint(context.Background(), h.db.Read(), h.acct.WorkspaceID, h.story.ID, h.acct.ID)
	require.NoError(t, err)
	return fp
}

// An unapproved publication is not sent at its time: it awaits approval,
// naming who it waits for, until its window ends (missed); approving it
// late sends it at once, the content approved.
func TestApproval_UnapprovedWaitsThenApprovalSendsIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		rev := e.reviewer(t)
		h := e.harness(t, opts{})
		h.needsReview(t)
		h.start(t, ferry.StateScheduled)
		h.conn.publish = answer(posted, nil)

		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StateAwaitingApproval, reason: ferry.ReasonAwaitingApproval, job: "expiry", in: at(giveUpAfter)})
		require.Empty(t, h.conn.taken(), "nothing was sent")
		require.Equal(t, "role:reviewer", h.current(t).ReasonArgs["who"])
		require.Contains(t, h.current(t).Reason, "waiting for any reviewer")

		// The author may not approve their own story; the reviewer has
		// nothing to approve before it is submitted (a conflict: the story's state).
		_, err := h.svc.Approve(ctx, rev, h.story.ID, service.DecisionInput{})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "not submitted: nothing waits for a decision")
		list, err := h.svc.SubmitStory(ctx, h.admin, h.story.ID, nil)
		require.NoError(t, err)
		require.Equal(t, ferry.ApprovalPending, list[0].State)
		_, err = h.svc.Approve(ctx, h.admin, h.story.ID, service.DecisionInput{})
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(err), "no self-approval")
		inbox, err := h.svc.Approvals(ctx, rev)
		require.NoError(t, err)
		require.Len(t, inbox, 1)
		require.Equal(t, h.story.ID, inbox[0].StoryID)

		// A stale view is refused with the current fingerprint.
		fp := h.fingerprint(t)
		_, err = h.svc.Approve(ctx, rev, h.story.ID, service.DecisionInput{Fingerprints: map[string]string{h.acct.ID: "0123"}})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err))
		require.Contains(t, fmt.Sprint(err.(*ferry.Error).Details), fp)

		list, err = h.svc.Approve(ctx, rev, h.story.ID, service.DecisionInput{Comment: "Fine", Fingerprints: map[string]string{h.acct.ID: fp}})
		require.NoError(t, err)
		require.Equal(t, ferry.ApprovalApproved, list[0].State)
		job := h.check(t, want{state: ferry.StateScheduled, reason: ferry.ReasonApproved, job: "publish", in: at(0)})
		// Approving twice changes nothing.
		list, err = h.svc.Approve(ctx, rev, h.story.ID, service.DecisionInput{})
		require.NoError(t, err)
		require.Len(t, list[0].Decisions, 1)
		require.Empty(t, h.jobs.Take())

		require.NoError(t, h.follow(t, job))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
		require.Len(t, h.conn.posts, 1)
		require.Equal(t, fp, h.conn.posts[0].Fingerprint, "what was approved is what was sent")
	})
}

// Past its window, an unapproved publication is missed; a rejected one
// says who rejected it.
func TestApproval_RejectedThenMissed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		rev := e.reviewer(t)
		h := e.harness(t, opts{})
		h.needsReview(t)
		h.start(t, ferry.StateScheduled)
		_, err := h.svc.SubmitStory(ctx, h.admin, h.story.ID, nil)
		require.NoError(t, err)
		_, err = h.svc.Reject(ctx, rev, h.story.ID, service.DecisionInput{})
		require.Equal(t, ferry.EUNPROCESSABLE, ferry.ErrorCode(err), "a rejection needs a comment")
		_, err = h.svc.Reject(ctx, rev, h.story.ID, service.DecisionInput{Comment: "Wrong date"})
		require.NoError(t, err)

		require.NoError(t, h.deliver(t))
		job := h.check(t, want{state: ferry.StateAwaitingApproval, reason: ferry.ReasonApprovalRejected, job: "expiry", in: at(giveUpAfter)})
		require.Equal(t, "Rita", h.current(t).ReasonArgs["who"])
		h.clk.set(job.At)
		h.done.Store(0)
		require.NoError(t, h.eng.Expire(ctx, h.pub.ID, job.Version, h.complete))
		h.check(t, want{state: ferry.StateMissed, reason: ferry.ReasonApprovalMissed})
		require.Empty(t, h.conn.taken())
	})
}

// An approval is bound to what is sent: a change of the text, or of an
// image's alt text, after it was approved withdraws it; moving only the
// time keeps it.
func TestApproval_ChangedContentIsNotSent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		rev := e.reviewer(t)
		h := e.harness(t, opts{})
		h.needsReview(t)
		h.start(t, ferry.StateScheduled)
		h.conn.publish = answer(posted, nil)
		_, err := h.svc.SubmitStory(ctx, h.admin, h.story.ID, nil)
		require.NoError(t, err)
		_, err = h.svc.Approve(ctx, rev, h.story.ID, service.DecisionInput{})
		require.NoError(t, err)

		require.NoError(t, h.db.Write().PutVariant(ctx, ferry.Variant{StoryID: h.story.ID, AccountID: h.acct.ID, Platform: h.acct.Platform, Title: "Title", Text: "Body, changed"}))
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StateAwaitingApproval, reason: ferry.ReasonAwaitingApproval, job: "expiry", in: at(giveUpAfter)})
		require.Empty(t, h.conn.taken(), "changed content is not sent")
		list, err := h.svc.StoryApprovals(ctx, rev, h.story.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.ApprovalDraft, list[0].State, "the new content is not submitted")
		require.NotEmpty(t, list[0].PreviousFingerprint)

		// Back to the approved text: its approval stands again.
		require.NoError(t, h.db.Write().PutVariant(ctx, ferry.Variant{StoryID: h.story.ID, AccountID: h.acct.ID, Platform: h.acct.Platform, Title: "Title", Text: "Body"}))
		p := h.current(t)
		p.State, p.Version = ferry.StateScheduled, p.Version+1
		require.NoError(t, h.db.Write().SavePublication(ctx, p))
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
	})
}

// An edit racing the due time: whichever commits first, what is sent is
// the approved content, never the edit.
func TestApproval_EditRacingTheDueTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		rev := e.reviewer(t)
		for i := range 12 {
			h := e.harness(t, opts{})
			h.needsReview(t)
			h.start(t, ferry.StateScheduled)
			h.conn.publish = answer(posted, nil)
			_, err := h.svc.SubmitStory(ctx, h.admin, h.story.ID, nil)
			require.NoError(t, err)
			_, err = h.svc.Approve(ctx, rev, h.story.ID, service.DecisionInput{})
			require.NoError(t, err)
			approved := h.fingerprint(t)

			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				require.NoError(t, h.deliver(t))
			}()
			go func() {
				defer wg.Done()
				// Odd cases edit as a save does (the publication moves to a
				// new version in the same transaction); even ones change
				// only what is sent, as an alt-text edit does.
				err := h.db.InTx(ctx, func(tx *store.Tx) error {
					if i%2 == 1 {
						p, err := tx.PublicationForUpdate(ctx, h.pub.ID)
						if err != nil {
							return err
						}
						if p.State == ferry.StateScheduled {
							p.Version++
							if err := tx.SavePublication(ctx, p); err != nil {
								return err
							}
						}
					}
					return tx.PutVariant(ctx, ferry.Variant{StoryID: h.story.ID, AccountID: h.acct.ID, Platform: h.acct.Platform, Title: "Title", Text: "Edited at the last moment"})
				})
				require.NoError(t, err)
			}()
			wg.Wait()
			for _, post := range h.conn.posts {
				require.Equal(t, "Body", post.Text, "case %d: only approved content is sent", i)
				require.Equal(t, approved, post.Fingerprint)
			}
			// Whatever is left to do never sends the edit.
			if p := h.current(t); p.State == ferry.StateScheduled {
				require.NoError(t, h.deliver(t))
			}
			for _, post := range h.conn.posts {
				require.Equal(t, "Body", post.Text, "case %d: only approved content is sent", i)
			}
			st := h.current(t).State
			require.Contains(t, []ferry.PublicationState{ferry.StatePublished, ferry.StateAwaitingApproval}, st, "case %d", i)
			h.jobs.Take()
		}
	})
}

// A policy names members of the workspace only; a step whose last
// approver leaves is reported, and nothing can be submitted until it is
// fixed.
func TestApproval_PolicyEdges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := e.harness(t, opts{})
		_, err := h.svc.SetApprovalPolicy(ctx, h.admin, h.acct.ID, service.ApprovalPolicyInput{Steps: []ferry.ApprovalStep{{Approvers: []string{"user:usr_nobody"}, Required: 1}}})
		require.Equal(t, ferry.EUNPROCESSABLE, ferry.ErrorCode(err))
		_, err = h.svc.SetApprovalPolicy(ctx, h.admin, h.acct.ID, service.ApprovalPolicyInput{Steps: []ferry.ApprovalStep{{Approvers: []string{"team:x"}, Required: 1}}})
		require.Equal(t, ferry.EUNPROCESSABLE, ferry.ErrorCode(err))

		rev := e.reviewer(t)
		_, err = h.svc.SetApprovalPolicy(ctx, h.admin, h.acct.ID, service.ApprovalPolicyInput{Steps: []ferry.ApprovalStep{{Approvers: []string{"user:" + rev.UserID}, Required: 1}}})
		require.NoError(t, err)
		v, err := h.svc.ApprovalPolicy(ctx, rev, h.acct.ID)
		require.NoError(t, err)
		require.False(t, v.Inherited)
		require.Empty(t, v.Problem)

		require.NoError(t, e.db.Write().DeleteMembership(ctx, e.ws.ID, rev.UserID))
		v, err = h.svc.ApprovalPolicy(ctx, h.admin, h.acct.ID)
		require.NoError(t, err)
		require.Contains(t, v.Problem, "Step 1")
		h.start(t, ferry.StateScheduled)
		_, err = h.svc.SubmitStory(ctx, h.admin, h.story.ID, nil)
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err))
		require.Contains(t, ferry.ErrorMessage(err), "fixes it")
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StateAwaitingApproval, reason: ferry.ReasonApprovalBroken, job: "expiry", in: at(giveUpAfter)})

		// Back to the default (none): it goes out.
		_, err = h.svc.ResetApprovalPolicy(ctx, h.admin, h.acct.ID)
		require.NoError(t, err)
		p := h.current(t)
		p.State, p.Version = ferry.StateScheduled, p.Version+1
		require.NoError(t, h.db.Write().SavePublication(ctx, p))
		h.conn.publish = answer(posted, nil)
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
	})
}
