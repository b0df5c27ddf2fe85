package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/store"
)

// Xiaohongshu handoffs (internal/handoff): their notifications, deadlines,
// early openings (an account's lead time) and the sweep that schedules
// those. The workers reach the handoff Manager through the engine, whose
// Handoffs it is.

// HandoffNotifyArgs sends one notification about a handoff. River retries
// it with backoff until it is sent or fails permanently, so none is lost.
type HandoffNotifyArgs struct {
	handoff.Notification
}

// Kind implements river.JobArgs.
func (HandoffNotifyArgs) Kind() string { return "ferry.handoff_notify" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (HandoffNotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 25}
}

// HandoffDeadlineArgs misses a handoff still open at its deadline.
type HandoffDeadlineArgs struct {
	HandoffID string `json:"handoff_id"`
}

// Kind implements river.JobArgs.
func (HandoffDeadlineArgs) Kind() string { return "ferry.handoff_deadline" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (HandoffDeadlineArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance}
}

// HandoffOpenArgs opens a handoff at its account's lead time before the
// scheduled time. One job per publication, version and time.
type HandoffOpenArgs struct {
	PublicationID string `json:"publication_id"`
	Version       int    `json:"version"`
	At            int64  `json:"at"` // Unix ms, part of the job's identity
}

// Kind implements river.JobArgs.
func (HandoffOpenArgs) Kind() string { return "ferry.handoff_open" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (HandoffOpenArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePublish, MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// HandoffSweepArgs looks, every minute, for handoffs to open early.
type HandoffSweepArgs struct{}

// Kind implements river.JobArgs.
func (HandoffSweepArgs) Kind() string { return "ferry.handoff_sweep" }

// ScheduleHandoffNotification implements handoff.Jobs.
func (c *Client) ScheduleHandoffNotification(ctx context.Context, tx *store.Tx, n handoff.Notification) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), HandoffNotifyArgs{Notification: n}, nil); err != nil {
		return fmt.Errorf("jobs: schedule handoff notification: %w", err)
	}
	return nil
}

// ScheduleHandoffDeadline implements handoff.Jobs.
func (c *Client) ScheduleHandoffDeadline(ctx context.Context, tx *store.Tx, handoffID string, at time.Time) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), HandoffDeadlineArgs{HandoffID: handoffID}, &river.InsertOpts{ScheduledAt: at}); err != nil {
		return fmt.Errorf("jobs: schedule handoff deadline: %w", err)
	}
	return nil
}

// ScheduleHandoffOpen implements handoff.Jobs.
func (c *Client) ScheduleHandoffOpen(ctx context.Context, tx *store.Tx, publicationID string, version int, at time.Time) error {
	args := HandoffOpenArgs{PublicationID: publicationID, Version: version, At: at.UnixMilli()}
	if _, err := c.river.InsertTx(ctx, tx.SQL(), args, &river.InsertOpts{ScheduledAt: at}); err != nil {
		return fmt.Errorf("jobs: schedule handoff opening: %w", err)
	}
	return nil
}

// addHandoffWorkers registers the handoff workers.
func addHandoffWorkers(workers *river.Workers, engine *delivery.Engine) {
	river.AddWorker(workers, &handoffNotifyWorker{engine: engine})
	river.AddWorker(workers, &handoffDeadlineWorker{engine: engine})
	river.AddWorker(workers, &handoffOpenWorker{engine: engine})
	river.AddWorker(workers, &handoffSweepWorker{engine: engine})
}

// handoffSweepJob runs the lead-time sweep every minute.
func handoffSweepJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
		return HandoffSweepArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

var errNoHandoffs = errors.New("jobs: the engine has no handoff manager")

// handoffs returns the engine's handoff manager; it is set after the
// client is made, so workers look it up when they run.
func handoffs(engine *delivery.Engine) (*handoff.Manager, error) {
	m, ok := engine.Handoffs.(*handoff.Manager)
	if !ok || m == nil {
		return nil, errNoHandoffs
	}
	return m, nil
}

type handoffNotifyWorker struct {
	river.WorkerDefaults[HandoffNotifyArgs]
	engine *delivery.Engine
}

// Work sends the notification. A permanent failure (unknown chat, bad
// address, webhook gone) cancels the job; a receiver's request to wait
// snoozes it; anything else is retried with River's backoff.
func (w *handoffNotifyWorker) Work(ctx context.Context, job *river.Job[HandoffNotifyArgs]) error {
	m, err := handoffs(w.engine)
	if err != nil {
		return err
	}
	err = m.Deliver(ctx, job.Args.Notification, fmt.Sprintf("ntf_%d", job.ID))
	switch {
	case err == nil:
	case notify.IsPermanent(err):
		m.Log.Warn("notification failed for good", "handoff_id", job.Args.HandoffID, "channel", job.Args.Channel, "event", job.Args.Event, "error", err)
	case notify.RetryAfter(err) == 0:
		m.Log.Info("notification failed; River will retry", "handoff_id", job.Args.HandoffID, "channel", job.Args.Channel, "attempt", job.Attempt, "error", err)
	}
	return sendOutcome(err)
}

// sendOutcome is what a job that sends a message (an email, a webhook, a
// Telegram notice) returns for the send's error: a permanent failure
// cancels the job, a receiver's request to wait snoozes it, anything else
// is retried with River's backoff.
func sendOutcome(err error) error {
	switch {
	case err == nil:
		return nil
	case notify.IsPermanent(err):
		return river.JobCancel(err)
	case notify.RetryAfter(err) > 0:
		return river.JobSnooze(notify.RetryAfter(err))
	}
	return err
}

// Timeout bounds one send.
func (w *handoffNotifyWorker) Timeout(*river.Job[HandoffNotifyArgs]) time.Duration {
	return time.Minute
}

type handoffDeadlineWorker struct {
	river.WorkerDefaults[HandoffDeadlineArgs]
	engine *delivery.Engine
}

func (w *handoffDeadlineWorker) Work(ctx context.Context, job *river.Job[HandoffDeadlineArgs]) error {
	m, err := handoffs(w.engine)
	if err != nil {
		return err
	}
	return m.Expire(ctx, job.Args.HandoffID, completeTx(job))
}

type handoffOpenWorker struct {
	river.WorkerDefaults[HandoffOpenArgs]
	engine *delivery.Engine
}

func (w *handoffOpenWorker) Work(ctx context.Context, job *river.Job[HandoffOpenArgs]) error {
	m, err := handoffs(w.engine)
	if err != nil {
		return err
	}
	return m.OpenEarly(ctx, job.Args.PublicationID, job.Args.Version, completeTx(job))
}

type handoffSweepWorker struct {
	river.WorkerDefaults[HandoffSweepArgs]
	engine *delivery.Engine
}

func (w *handoffSweepWorker) Work(ctx context.Context, job *river.Job[HandoffSweepArgs]) error {
	m, err := handoffs(w.engine)
	if errors.Is(err, errNoHandoffs) {
		return nil // nothing is handed off in this process
	}
	if err != nil {
		return err
	}
	return m.Sweep(ctx)
}
