package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// Notices (internal/service, notices.go): one job per notice and channel,
// and one per webhook delivery, inserted in the transaction that writes the
// notice; an hourly job sends the daily digests that are due.

// NoticeArgs sends one notice by one channel.
type NoticeArgs struct {
	NoticeID string              `json:"notice_id"`
	Channel  ferry.NoticeChannel `json:"channel"`
}

// Kind implements river.JobArgs.
func (NoticeArgs) Kind() string { return "ferry.notice" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 10}
}

// NoticeWebhookArgs posts one event to a workspace's webhook.
type NoticeWebhookArgs struct {
	WorkspaceID string `json:"workspace_id"`
	Event       string `json:"event"`
	Payload     []byte `json:"payload"`
}

// Kind implements river.JobArgs.
func (NoticeWebhookArgs) Kind() string { return "ferry.notice_webhook" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NoticeWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 25}
}

// NoticeDigestsArgs sends the daily digests that are due.
type NoticeDigestsArgs struct{}

// Kind implements river.JobArgs.
func (NoticeDigestsArgs) Kind() string { return "ferry.notice_digests" }

// NoticeSender sends notices (service.Service).
type NoticeSender interface {
	SendNotice(ctx context.Context, noticeID string, channel ferry.NoticeChannel) error
	SendNoticeWebhook(ctx context.Context, workspaceID, event string, payload []byte, deliveryID string) error
	SendNoticeDigests(ctx context.Context, now time.Time) (int, error)
}

// noticeSender is shared by the client and its workers.
type noticeSender struct{ s NoticeSender }

// SetNoticeSender sets who sends notices, before Start.
func (c *Client) SetNoticeSender(s NoticeSender) { c.notices.s = s }

// ScheduleNotice implements service.NoticeJobs.
func (c *Client) ScheduleNotice(ctx context.Context, tx *store.Tx, noticeID string, channel ferry.NoticeChannel) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), NoticeArgs{NoticeID: noticeID, Channel: channel}, nil); err != nil {
		return fmt.Errorf("jobs: schedule notice: %w", err)
	}
	return nil
}

// ScheduleNoticeWebhook implements service.NoticeJobs.
func (c *Client) ScheduleNoticeWebhook(ctx context.Context, tx *store.Tx, workspaceID, event string, payload []byte) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), NoticeWebhookArgs{WorkspaceID: workspaceID, Event: event, Payload: payload}, nil); err != nil {
		return fmt.Errorf("jobs: schedule notice webhook: %w", err)
	}
	return nil
}

func addNoticeWorkers(workers *river.Workers, sender *noticeSender, now func() time.Time) {
	river.AddWorker(workers, &noticeWorker{sender: sender})
	river.AddWorker(workers, &noticeWebhookWorker{sender: sender})
	river.AddWorker(workers, &noticeDigestsWorker{sender: sender, now: now})
}

func noticeDigestsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return NoticeDigestsArgs{}, &river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

var errNoNoticeSender = errors.New("jobs: nothing sends notices in this process")

type noticeWorker struct {
	river.WorkerDefaults[NoticeArgs]
	sender *noticeSender
}

// Work sends the notice; a permanent failure cancels the job, a receiver's
// request to wait snoozes it, anything else is retried with backoff.
func (w *noticeWorker) Work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	if w.sender.s == nil {
		return errNoNoticeSender
	}
	return sendOutcome(w.sender.s.SendNotice(ctx, job.Args.NoticeID, job.Args.Channel))
}

// Timeout bounds one send.
func (w *noticeWorker) Timeout(*river.Job[NoticeArgs]) time.Duration { return time.Minute }

type noticeWebhookWorker struct {
	river.WorkerDefaults[NoticeWebhookArgs]
	sender *noticeSender
}

// Work posts the event; its delivery id is the same across retries.
func (w *noticeWebhookWorker) Work(ctx context.Context, job *river.Job[NoticeWebhookArgs]) error {
	if w.sender.s == nil {
		return errNoNoticeSender
	}
	return sendOutcome(w.sender.s.SendNoticeWebhook(ctx, job.Args.WorkspaceID, job.Args.Event, job.Args.Payload, fmt.Sprintf("notice-%d", job.ID)))
}

// Timeout bounds one post.
func (w *noticeWebhookWorker) Timeout(*river.Job[NoticeWebhookArgs]) time.Duration {
	return time.Minute
}

type noticeDigestsWorker struct {
	river.WorkerDefaults[NoticeDigestsArgs]
	sender *noticeSender
	now    func() time.Time
}

// Work sends the digests due this hour.
func (w *noticeDigestsWorker) Work(ctx context.Context, job *river.Job[NoticeDigestsArgs]) error {
	if w.sender.s == nil {
		return errNoNoticeSender
	}
	_, err := w.sender.s.SendNoticeDigests(ctx, w.now())
	return err
}
