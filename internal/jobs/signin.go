package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Sign-in notices (internal/service, throttle.go): a person whose address
// had many failed sign-ins is emailed once per run of failures.

// SignInNoticeArgs emails one person about failed sign-ins.
type SignInNoticeArgs struct {
	UserID   string    `json:"user_id"`
	Failures int       `json:"failures"`
	At       time.Time `json:"at"`
}

// Kind implements river.JobArgs.
func (SignInNoticeArgs) Kind() string { return "ferry.sign_in_notice" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SignInNoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 5}
}

// SignInNoticeSender sends the email (service.Service).
type SignInNoticeSender interface {
	SendSignInNotice(ctx context.Context, userID string, failures int, at time.Time) error
}

// SetSignInNoticeSender sets who sends the notices, before Start.
func (c *Client) SetSignInNoticeSender(s SignInNoticeSender) { c.signInNotices.s = s }

type signInNoticeSender struct{ s SignInNoticeSender }

// ScheduleSignInNotice implements service.SignInNotices.
func (c *Client) ScheduleSignInNotice(ctx context.Context, userID string, failures int, at time.Time) error {
	if _, err := c.river.Insert(ctx, SignInNoticeArgs{UserID: userID, Failures: failures, At: at}, nil); err != nil {
		return fmt.Errorf("jobs: schedule sign-in notice: %w", err)
	}
	return nil
}

type signInNoticeWorker struct {
	river.WorkerDefaults[SignInNoticeArgs]
	sender *signInNoticeSender
}

// Work sends the email; a permanent failure cancels the job.
func (w *signInNoticeWorker) Work(ctx context.Context, job *river.Job[SignInNoticeArgs]) error {
	if w.sender.s == nil {
		return errors.New("jobs: nothing sends sign-in notices in this process")
	}
	return sendOutcome(w.sender.s.SendSignInNotice(ctx, job.Args.UserID, job.Args.Failures, job.Args.At))
}

// Timeout bounds one send.
func (w *signInNoticeWorker) Timeout(*river.Job[SignInNoticeArgs]) time.Duration { return time.Minute }
