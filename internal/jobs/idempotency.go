package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/store"
)

// IdempotencyKeyRetention is how long an Idempotency-Key's answer is kept
// for repeats of its request: a day, as Stripe does. A client retrying
// later than that is sending a new request.
const IdempotencyKeyRetention = 24 * time.Hour

// PruneIdempotencyKeysArgs forgets idempotency keys past their retention.
type PruneIdempotencyKeysArgs struct{}

// Kind implements river.JobArgs.
func (PruneIdempotencyKeysArgs) Kind() string { return "ferry.prune_idempotency_keys" }

// pruneIdempotencyKeysJob prunes every hour, and at start so that a
// process that never lives an hour still prunes.
func pruneIdempotencyKeysJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return PruneIdempotencyKeysArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

type pruneIdempotencyKeysWorker struct {
	river.WorkerDefaults[PruneIdempotencyKeysArgs]
	db *store.DB
}

func (w *pruneIdempotencyKeysWorker) Work(ctx context.Context, job *river.Job[PruneIdempotencyKeysArgs]) error {
	q := w.db.Write()
	_, err := q.PruneIdempotencyKeys(ctx, q.Now().Add(-IdempotencyKeyRetention))
	return err
}
