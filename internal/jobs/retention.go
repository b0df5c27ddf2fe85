package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
)

// ThinPostReadingsArgs applies the workspaces' retention setting: post
// readings older than the setting's days are thinned to one a day
// (service.ThinPostReadings). Account readings are never thinned.
type ThinPostReadingsArgs struct{}

// Kind implements river.JobArgs.
func (ThinPostReadingsArgs) Kind() string { return "ferry.thin_post_readings" }

// thinPostReadingsJob runs once a day, and at start so that a process that
// never lives a day still thins.
func thinPostReadingsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return ThinPostReadingsArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

type thinPostReadingsWorker struct {
	river.WorkerDefaults[ThinPostReadingsArgs]
	db *store.DB
}

func (w *thinPostReadingsWorker) Work(ctx context.Context, job *river.Job[ThinPostReadingsArgs]) error {
	_, err := service.ThinPostReadings(ctx, w.db)
	return err
}
