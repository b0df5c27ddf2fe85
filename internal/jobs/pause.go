package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/store"
)

// Pause notifications (internal/service, pause.go): one job per pause
// started or ended, inserted in the transaction that starts or ends it,
// posting the event to the workspace's webhook.

// PauseNotifyArgs tells the workspace's webhook that a pause started or
// ended.
type PauseNotifyArgs struct {
	WorkspaceID string `json:"workspace_id"`
	PauseID     string `json:"pause_id"`
	Event       string `json:"event"`
}

// Kind implements river.JobArgs.
func (PauseNotifyArgs) Kind() string { return "ferry.pause_notify" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PauseNotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 25}
}

// PauseSender sends a pause notification (service.Service).
type PauseSender interface {
	SendPauseNotification(ctx context.Context, workspaceID, pauseID, event, deliveryID string) error
}

// pauseSender is shared by the client and its worker.
type pauseSender struct{ s PauseSender }

// SetPauseSender sets who sends pause notifications, before Start.
func (c *Client) SetPauseSender(s PauseSender) { c.pauses.s = s }

// SchedulePauseNotification implements service.PauseNotifier.
func (c *Client) SchedulePauseNotification(ctx context.Context, tx *store.Tx, workspaceID, pauseID, event string) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), PauseNotifyArgs{WorkspaceID: workspaceID, PauseID: pauseID, Event: event}, nil); err != nil {
		return fmt.Errorf("jobs: schedule pause notification: %w", err)
	}
	return nil
}

type pauseNotifyWorker struct {
	river.WorkerDefaults[PauseNotifyArgs]
	sender *pauseSender
}

// Work posts the event; a permanent failure cancels the job, a receiver's
// request to wait snoozes it, anything else is retried with backoff.
func (w *pauseNotifyWorker) Work(ctx context.Context, job *river.Job[PauseNotifyArgs]) error {
	if w.sender.s == nil {
		return errors.New("jobs: nothing sends pause notifications in this process")
	}
	err := w.sender.s.SendPauseNotification(ctx, job.Args.WorkspaceID, job.Args.PauseID, job.Args.Event, fmt.Sprintf("pause-%d", job.ID))
	return sendOutcome(err)
}

// Timeout bounds one send.
func (w *pauseNotifyWorker) Timeout(*river.Job[PauseNotifyArgs]) time.Duration { return time.Minute }
