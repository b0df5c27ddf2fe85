package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/store"
)

// Notices (internal/service, notices.go): one job per email of an approval
// or a comment, inserted in the transaction of what caused it. Its
// arguments hold the address, subject and text, never a secret.

// NoticeArgs emails one notice.
type NoticeArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Kind implements river.JobArgs.
func (NoticeArgs) Kind() string { return "ferry.notice_email" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: invitationEmailAttempts}
}

// NoticeSender sends a notice's email (service.Service).
type NoticeSender interface {
	SendNotice(ctx context.Context, to, subject, text string) error
}

// SetNoticeSender sets who sends notices, before Start.
func (c *Client) SetNoticeSender(s NoticeSender) { c.notices.s = s }

type noticeSender struct{ s NoticeSender }

// ScheduleNotice implements service.NoticeJobs.
func (c *Client) ScheduleNotice(ctx context.Context, tx *store.Tx, to, subject, text string) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), NoticeArgs{To: to, Subject: subject, Text: text}, nil); err != nil {
		return fmt.Errorf("jobs: schedule notice: %w", err)
	}
	return nil
}

type noticeWorker struct {
	river.WorkerDefaults[NoticeArgs]
	sender *noticeSender
}

// Work sends the email: a permanent failure cancels the job, a request to
// wait snoozes it, anything else is retried.
func (w *noticeWorker) Work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	if w.sender.s == nil {
		return errors.New("jobs: nothing sends notices in this process")
	}
	return sendOutcome(w.sender.s.SendNotice(ctx, job.Args.To, job.Args.Subject, job.Args.Text))
}

// Timeout bounds one send.
func (w *noticeWorker) Timeout(*river.Job[NoticeArgs]) time.Duration { return time.Minute }
