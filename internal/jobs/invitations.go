package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/store"
)

// Invitation emails (internal/service, invitemail.go): one job per
// invitation made or resent, carrying the link's token sealed with Ferry's
// secret key, never in clear.

// InvitationEmailArgs emails one invitation.
type InvitationEmailArgs struct {
	InvitationID string `json:"invitation_id"`
	// SealedToken is the link's token sealed with the secret key and bound
	// to the invitation (AES-256-GCM); the job table never holds it clear.
	SealedToken []byte `json:"sealed_token"`
}

// Kind implements river.JobArgs.
func (InvitationEmailArgs) Kind() string { return "ferry.invitation_email" }

// invitationEmailAttempts is how many times River tries an email that
// fails for a reason that may pass (its backoff makes that about 1.5 h);
// then the invitation shows it failed.
const invitationEmailAttempts = 8

// InsertOpts implements river.JobArgsWithInsertOpts.
func (InvitationEmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: invitationEmailAttempts}
}

// InvitationSender sends an invitation's email (service.Service).
type InvitationSender interface {
	SendInvitationEmail(ctx context.Context, invitationID string, sealedToken []byte, last bool) error
}

// SetInvitationSender sets who sends invitation emails; it is set after
// the client is made (the service needs the client), before Start.
func (c *Client) SetInvitationSender(s InvitationSender) { c.invitations.s = s }

// invitationSender is shared by the client and its worker.
type invitationSender struct{ s InvitationSender }

// ScheduleInvitationEmail implements service.InvitationJobs.
func (c *Client) ScheduleInvitationEmail(ctx context.Context, tx *store.Tx, invitationID string, sealedToken []byte) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), InvitationEmailArgs{InvitationID: invitationID, SealedToken: sealedToken}, nil); err != nil {
		return fmt.Errorf("jobs: schedule invitation email: %w", err)
	}
	return nil
}

type invitationEmailWorker struct {
	river.WorkerDefaults[InvitationEmailArgs]
	sender *invitationSender
}

// Work sends the email. A permanent failure (a 5xx) cancels the job, the
// invitation showing why; a receiver's request to wait snoozes it;
// anything else is retried with River's backoff.
func (w *invitationEmailWorker) Work(ctx context.Context, job *river.Job[InvitationEmailArgs]) error {
	if w.sender.s == nil {
		return errors.New("jobs: nothing sends invitation emails in this process")
	}
	err := w.sender.s.SendInvitationEmail(ctx, job.Args.InvitationID, job.Args.SealedToken, job.Attempt >= job.MaxAttempts)
	return sendOutcome(err)
}

// Timeout bounds one send.
func (w *invitationEmailWorker) Timeout(*river.Job[InvitationEmailArgs]) time.Duration {
	return time.Minute
}
