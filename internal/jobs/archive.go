package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/store"
)

// Account archives and closures (internal/service, archive.go and
// closure.go): one job writes an archive; one job runs an account's
// closure, step by step, resuming where a failed run stopped.

// ArchiveArgs writes one archive.
type ArchiveArgs struct {
	ArchiveID string `json:"archive_id"`
}

// Kind implements river.JobArgs.
func (ArchiveArgs) Kind() string { return "ferry.archive" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ArchiveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3}
}

// ClosureArgs runs one account's closure.
type ClosureArgs struct {
	AccountID string `json:"account_id"`
}

// Kind implements river.JobArgs.
func (ClosureArgs) Kind() string { return "ferry.closure" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ClosureArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 5}
}

// Archiver writes archives and runs closures (service.Service).
type Archiver interface {
	WriteArchive(ctx context.Context, archiveID string) error
	RunClosure(ctx context.Context, accountID string) error
	FailClosure(ctx context.Context, accountID string, cause error) error
}

// archiver is shared by the client and its workers.
type archiver struct{ a Archiver }

// SetArchiver sets who writes archives and runs closures; set before Start.
func (c *Client) SetArchiver(a Archiver) { c.archiver.a = a }

// ScheduleArchive implements service.ArchiveJobs.
func (c *Client) ScheduleArchive(ctx context.Context, tx *store.Tx, archiveID string) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), ArchiveArgs{ArchiveID: archiveID}, nil); err != nil {
		return fmt.Errorf("jobs: schedule archive: %w", err)
	}
	return nil
}

// ScheduleClosure implements service.ArchiveJobs.
func (c *Client) ScheduleClosure(ctx context.Context, tx *store.Tx, accountID string) error {
	if _, err := c.river.InsertTx(ctx, tx.SQL(), ClosureArgs{AccountID: accountID}, nil); err != nil {
		return fmt.Errorf("jobs: schedule closure: %w", err)
	}
	return nil
}

type archiveWorker struct {
	river.WorkerDefaults[ArchiveArgs]
	archiver *archiver
}

// Work writes the archive; the archive records a failure, and River tries
// again.
func (w *archiveWorker) Work(ctx context.Context, job *river.Job[ArchiveArgs]) error {
	if w.archiver.a == nil {
		return fmt.Errorf("jobs: nothing writes archives in this process")
	}
	return w.archiver.a.WriteArchive(ctx, job.Args.ArchiveID)
}

// Timeout bounds one archive: years of posts and their media.
func (w *archiveWorker) Timeout(*river.Job[ArchiveArgs]) time.Duration { return time.Hour }

type closureWorker struct {
	river.WorkerDefaults[ClosureArgs]
	archiver *archiver
}

// Work runs the closure; after the last attempt the closure shows it
// failed, and why.
func (w *closureWorker) Work(ctx context.Context, job *river.Job[ClosureArgs]) error {
	if w.archiver.a == nil {
		return fmt.Errorf("jobs: nothing runs closures in this process")
	}
	err := w.archiver.a.RunClosure(ctx, job.Args.AccountID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		_ = w.archiver.a.FailClosure(context.WithoutCancel(ctx), job.Args.AccountID, err)
	}
	return err
}

// Timeout bounds one run: an archive and a delete call per post.
func (w *closureWorker) Timeout(*river.Job[ClosureArgs]) time.Duration { return 2 * time.Hour }
