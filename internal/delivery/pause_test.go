package delivery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// eachBackendOwnWorkspace runs test once per database with a workspace of
// its own: a pause holds a whole workspace, so these cases cannot share one.
func eachBackendOwnWorkspace(t *testing.T, test func(t *testing.T, e *env)) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, b))
		})
	}
}

func sent(res platform.Result) func(context.Context) (platform.Result, error) {
	return func(context.Context) (platform.Result, error) { return res, nil }
}

// A publication due while its workspace is paused is held (not sent, no
// job queued, the pause named in its reason); resuming with "send" sends it,
// once.
func TestPause_HoldsWhatComesDueAndResumeSendsItOnce(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := e.harness(t, opts{})
		h.conn.publish = sent(platform.Result{RemoteID: "m1"})
		h.start(t, ferry.StateScheduled)

		editor := h.admin
		editor.Role = ferry.RoleEditor
		_, err := h.svc.Pause(ctx, editor, service.PauseInput{Reason: ferry.PauseBreakingNews})
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(err), "only admins and owners pause")
		_, err = h.svc.Pause(ctx, h.admin, service.PauseInput{Reason: "whim"})
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err))

		pauses, err := h.svc.Pause(ctx, h.admin, service.PauseInput{Reason: ferry.PauseBreakingNews, Note: "Typhoon"})
		require.NoError(t, err)
		require.Len(t, pauses, 1)
		require.Empty(t, pauses[0].AccountID, "the whole workspace")
		_, err = h.svc.Pause(ctx, h.admin, service.PauseInput{Reason: ferry.PauseBreakingNews})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "already paused")

		require.NoError(t, h.deliver(t))
		p := h.check(t, want{state: ferry.StateWaiting, reason: ferry.ReasonPaused})
		require.Nil(t, p, "no job is queued for a held publication")
		require.Empty(t, h.conn.taken(), "nothing was sent")
		cur := h.current(t)
		require.Nil(t, cur.NextAt, "held: no next time")
		require.True(t, cur.Held())
		require.Equal(t, e.usr.Email, cur.ReasonArgs["by"])

		st, err := h.svc.PauseStatus(ctx, editor)
		require.NoError(t, err)
		require.True(t, st.Paused)
		require.NotNil(t, st.Workspace)
		require.Equal(t, ferry.PauseBreakingNews, st.Workspace.Reason)
		require.Len(t, st.Held, 1)

		_, err = h.svc.Resume(ctx, editor, service.ResumeInput{Due: "send"})
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(err))
		_, err = h.svc.Resume(ctx, h.admin, service.ResumeInput{Due: "later"})
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err))
		res, err := h.svc.Resume(ctx, h.admin, service.ResumeInput{Due: "send"})
		require.NoError(t, err)
		require.Equal(t, []string{h.pub.ID}, res.Sent)
		require.Len(t, res.Ended, 1)
		job := h.check(t, want{state: ferry.StateScheduled, reason: ferry.ReasonReleased, job: "publish", in: at(0)})
		require.NoError(t, h.follow(t, job))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
		require.Len(t, h.conn.taken(), 1, "sent once")

		_, err = h.svc.Resume(ctx, h.admin, service.ResumeInput{Due: "send"})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "nothing is paused")
		hist, err := h.svc.PauseHistory(ctx, editor, 10)
		require.NoError(t, err)
		require.Len(t, hist, 1)
		require.NotNil(t, hist[0].EndedAt, "the history keeps the ended pause")
		require.Equal(t, "send", hist[0].Due)
		require.Equal(t, []string{"pause.started", "pause.ended"}, auditActions(t, e, "pause", pauses[0].ID))
	})
}

// Pausing one account holds only its publications; resuming it with
// "cancel" cancels what came due, with "keep" leaves it for a person.
func TestPause_OneAccount_CancelAndKeep(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.harness(t, opts{})
		b := e.harness(t, opts{})
		a.conn.publish = sent(platform.Result{RemoteID: "a1"})
		b.conn.publish = sent(platform.Result{RemoteID: "b1"})
		a.start(t, ferry.StateScheduled)
		b.start(t, ferry.StateScheduled)

		_, err := a.svc.Pause(ctx, a.admin, service.PauseInput{Reason: ferry.PauseSecurity, AccountIDs: []string{a.acct.ID}})
		require.NoError(t, err)
		require.NoError(t, a.deliver(t))
		a.check(t, want{state: ferry.StateWaiting, reason: ferry.ReasonPaused})
		require.NoError(t, b.deliver(t))
		b.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
		require.Empty(t, a.conn.taken())

		_, err = a.svc.Resume(ctx, a.admin, service.ResumeInput{AccountIDs: []string{b.acct.ID}, Due: "send"})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "b is not paused")
		res, err := a.svc.Resume(ctx, a.admin, service.ResumeInput{AccountIDs: []string{a.acct.ID}, Due: "keep"})
		require.NoError(t, err)
		require.Equal(t, []string{a.pub.ID}, res.Kept)
		a.check(t, want{state: ferry.StateWaiting, reason: ferry.ReasonHeldAfterPause})
		// A stale job finds it held still: a person decides.
		require.NoError(t, a.deliver(t))
		a.check(t, want{state: ferry.StateWaiting, reason: ferry.ReasonHeldAfterPause})

		res, err = a.svc.DecideHeld(ctx, a.admin, map[string]service.HoldDecision{a.pub.ID: {Action: "cancel"}})
		require.NoError(t, err)
		require.Equal(t, []string{a.pub.ID}, res.Canceled)
		a.check(t, want{state: ferry.StateCanceled, reason: ferry.ReasonCanceledByPerson})
		require.Empty(t, a.conn.taken(), "never sent")
	})
}

// Resume with "cancel", and one decision of its own (reschedule).
func TestPause_ResumeCancelWithADecisionOfItsOwn(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.harness(t, opts{})
		b := e.harness(t, opts{})
		a.start(t, ferry.StateScheduled)
		b.start(t, ferry.StateScheduled)
		_, err := a.svc.Pause(ctx, a.admin, service.PauseInput{Reason: ferry.PauseOther, Note: "Check the prices"})
		require.NoError(t, err)
		require.NoError(t, a.deliver(t))
		require.NoError(t, b.deliver(t))
		later := t0.Add(3 * time.Hour)
		res, err := b.svc.Resume(ctx, a.admin, service.ResumeInput{Due: "cancel", Decisions: map[string]service.HoldDecision{b.pub.ID: {Action: "reschedule", At: &later}}})
		require.NoError(t, err)
		require.Equal(t, []string{a.pub.ID}, res.Canceled)
		require.Equal(t, []string{b.pub.ID}, res.Rescheduled)
		a.check(t, want{state: ferry.StateCanceled})
		b.check(t, want{state: ferry.StateScheduled, job: "publish", in: at(3 * time.Hour)})
		require.Empty(t, a.conn.taken())
		require.Empty(t, b.conn.taken())
	})
}

// A blackout period set after a story was scheduled inside it holds its
// publication; a person's "send now" releases it for good.
func TestBlackout_SetAfterSchedulingHoldsThePublication(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := e.harness(t, opts{})
		h.conn.publish = sent(platform.Result{RemoteID: "m1"})
		h.start(t, ferry.StateScheduled)
		e.db.Now = func() time.Time { return t0.Add(time.Minute) } // the blackout is set after the story
		b := &ferry.CalendarEvent{WorkspaceID: e.ws.ID, Kind: ferry.EventBlackout, NameEN: "Day of mourning", StartsAt: t0.Add(-time.Hour), EndsAt: t0.Add(time.Hour), CreatedBy: e.usr.ID}
		require.NoError(t, e.db.Write().CreateCalendarEvent(ctx, b))

		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StateWaiting, reason: ferry.ReasonBlackoutHold})
		require.Equal(t, "Day of mourning", h.current(t).ReasonArgs["name"])
		require.Empty(t, h.conn.taken())

		res, err := h.svc.DecideHeld(ctx, h.admin, map[string]service.HoldDecision{h.pub.ID: {Action: "send"}})
		require.NoError(t, err)
		require.Equal(t, []string{h.pub.ID}, res.Sent)
		job := h.check(t, want{state: ferry.StateScheduled, reason: ferry.ReasonReleased, job: "publish", in: at(time.Minute)})
		require.NoError(t, h.follow(t, job))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
		require.Len(t, h.conn.taken(), 1)
	})
}

// A story saved after the blackout was set went through the blackout check
// (an admin's audited override): it is not held.
func TestBlackout_SetBeforeTheStoryDoesNotHoldIt(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.db.Now = func() time.Time { return t0.Add(-time.Hour) }
		b := &ferry.CalendarEvent{WorkspaceID: e.ws.ID, Kind: ferry.EventBlackout, NameEN: "Quiet period", StartsAt: t0.Add(-time.Hour), EndsAt: t0.Add(time.Hour), CreatedBy: e.usr.ID}
		require.NoError(t, e.db.Write().CreateCalendarEvent(ctx, b))
		e.db.Now = func() time.Time { return t0 }
		h := e.harness(t, opts{})
		h.conn.publish = sent(platform.Result{RemoteID: "m1"})
		h.start(t, ferry.StateScheduled)
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
	})
}

func auditActions(t *testing.T, e *env, targetType, id string) []string {
	t.Helper()
	events, err := e.db.Read().AuditEvents(context.Background(), ferry.AuditFilter{WorkspaceID: e.ws.ID, TargetType: targetType, TargetID: id})
	require.NoError(t, err)
	var out []string
	for _, ev := range events {
		out = append(out, ev.Action)
	}
	return out
}

// pauseNotices records the pause notifications scheduled, and the webhook
// posts made.
type pauseNotices struct {
	mu     sync.Mutex
	events []string
	bodies []string
}

func (n *pauseNotices) SchedulePauseNotification(_ context.Context, tx *store.Tx, _, pauseID, event string) error {
	tx.AfterCommit(func() { n.mu.Lock(); n.events = append(n.events, event+" "+pauseID); n.mu.Unlock() })
	return nil
}

func (n *pauseNotices) Post(_ context.Context, target, _, event, _ string, body []byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.bodies = append(n.bodies, target+" "+event+" "+string(body))
	return nil
}

// A pause and its end are posted to the workspace's webhook, from a job
// scheduled in the transaction that made them.
func TestPause_NotifiesTheWebhook(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := e.harness(t, opts{})
		n := &pauseNotices{}
		h.svc.PauseNotifier, h.svc.Webhooks = n, n
		_, err := h.svc.Pause(ctx, h.admin, service.PauseInput{Reason: ferry.PauseLegal})
		require.NoError(t, err)
		require.Empty(t, n.events, "no webhook, no notice")
		_, err = h.svc.Resume(ctx, h.admin, service.ResumeInput{Due: "keep"})
		require.NoError(t, err)

		require.NoError(t, e.db.Write().PutNotificationSettings(ctx, &ferry.NotificationSettings{WorkspaceID: e.ws.ID, WebhookURL: "https://hooks.example.org/ferry"}))
		pauses, err := h.svc.Pause(ctx, h.admin, service.PauseInput{Reason: ferry.PauseSecurity, Note: "Token leaked", AccountIDs: []string{h.acct.ID}})
		require.NoError(t, err)
		_, err = h.svc.Resume(ctx, h.admin, service.ResumeInput{Due: "send"})
		require.NoError(t, err)
		id := pauses[0].ID
		require.Equal(t, []string{"pause.started " + id, "pause.ended " + id}, n.events)
		require.NoError(t, h.svc.SendPauseNotification(ctx, e.ws.ID, id, service.EventPauseStarted, "d1"))
		require.Len(t, n.bodies, 1)
		require.Contains(t, n.bodies[0], "https://hooks.example.org/ferry pause.started")
		require.Contains(t, n.bodies[0], "Sending to "+h.acct.Name+" is paused by "+e.usr.Email)
		require.Contains(t, n.bodies[0], "account security — Token leaked")
	})
}
