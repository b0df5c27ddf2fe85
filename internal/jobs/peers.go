package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/metrics"
)

// Peers are read like the team's own accounts: a periodic sweep finds the
// peers without a reading today (in their workspace's time zone) and
// enqueues one unique job per peer and day.

// PeerSweepArgs looks for peers to read today.
type PeerSweepArgs struct{}

// Kind implements river.JobArgs.
func (PeerSweepArgs) Kind() string { return "ferry.peers.sweep" }

// PeerMetricsArgs reads one peer's counts for one day. Unique by its
// arguments, as AccountMetricsArgs.
type PeerMetricsArgs struct {
	PeerID string `json:"peer_id"`
	Day    string `json:"day"`
}

// Kind implements river.JobArgs.
func (PeerMetricsArgs) Kind() string { return "ferry.peers.read" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PeerMetricsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: metricsAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

func addPeerWorkers(workers *river.Workers, c *metrics.Collector) {
	river.AddWorker(workers, &peerSweepWorker{c: c})
	river.AddWorker(workers, &peerMetricsWorker{c: c})
}

func peerSweepJob() *river.PeriodicJob {
	return river.NewPeriodicJob(&warmSchedule{start: time.Now(), every: accountSweepEvery}, func() (river.JobArgs, *river.InsertOpts) {
		return PeerSweepArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

type peerSweepWorker struct {
	river.WorkerDefaults[PeerSweepArgs]
	c *metrics.Collector
}

func (w *peerSweepWorker) Work(ctx context.Context, job *river.Job[PeerSweepArgs]) error {
	due, err := w.c.PeersDue(ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(due))
	for _, d := range due {
		params = append(params, river.InsertManyParams{Args: PeerMetricsArgs{PeerID: d.PeerID, Day: d.Day}})
	}
	return enqueue(ctx, params)
}

type peerMetricsWorker struct {
	river.WorkerDefaults[PeerMetricsArgs]
	c *metrics.Collector
}

func (w *peerMetricsWorker) Work(ctx context.Context, job *river.Job[PeerMetricsArgs]) error {
	_, err := w.c.CollectPeer(ctx, job.Args.PeerID)
	return retryLater(err)
}

func (w *peerMetricsWorker) Timeout(*river.Job[PeerMetricsArgs]) time.Duration { return metricsTimeout }
