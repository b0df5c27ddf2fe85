package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/store"
)

// Metrics jobs. Periodic sweeps find what is due and enqueue one unique job
// per account, so that a slow or failing platform holds up only its own
// accounts, retries are per account, and each account's counts are read
// with one call (one batch) per run, whatever its number of posts.
const (
	// accountSweepEvery is how often connected accounts without a reading
	// today are looked for. The sweep is one query; the reading itself is
	// once a day per account.
	accountSweepEvery = 10 * time.Minute
	// postSweepEvery is how often posts with a checkpoint due are looked
	// for: a checkpoint is read at most this late.
	postSweepEvery = 10 * time.Minute
	// tokenWatchEvery is how often expiring authorisations are looked for.
	// Accounts that will enter the margin before the next run get a check
	// of their own at that moment.
	tokenWatchEvery = time.Hour
	// After a start, accounts are looked for more often for a while, so
	// that accounts connected just after the start (the demo's) are read
	// within a minute rather than at the next sweep.
	warmUpEvery = 20 * time.Second
	warmUpFor   = 5 * time.Minute
	// metricsAttempts bounds retries of one reading; the next sweep
	// enqueues a fresh job anyway.
	metricsAttempts = 5
	metricsTimeout  = 3 * time.Minute
)

// AccountSweepArgs looks for accounts to read today.
type AccountSweepArgs struct{}

// Kind implements river.JobArgs.
func (AccountSweepArgs) Kind() string { return "ferry.metrics.account_sweep" }

// AccountMetricsArgs reads one account's counts for one day (the
// workspace's). Unique by its arguments: at most one job per account and
// day, and a completed one keeps another from being enqueued the same day
// (River keeps completed jobs for 24 hours).
type AccountMetricsArgs struct {
	AccountID string `json:"account_id"`
	Day       string `json:"day"`
}

// Kind implements river.JobArgs.
func (AccountMetricsArgs) Kind() string { return "ferry.metrics.account" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (AccountMetricsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: metricsAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PostSweepArgs looks for posts with a checkpoint due.
type PostSweepArgs struct{}

// Kind implements river.JobArgs.
func (PostSweepArgs) Kind() string { return "ferry.metrics.post_sweep" }

// PostMetricsArgs reads the due posts of one account in one batch. Unique
// per account within a sweep period.
type PostMetricsArgs struct {
	AccountID string `json:"account_id"`
}

// Kind implements river.JobArgs.
func (PostMetricsArgs) Kind() string { return "ferry.metrics.posts" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PostMetricsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: metricsAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: postSweepEvery}}
}

// TokenWatchArgs looks for authorisations about to expire.
type TokenWatchArgs struct{}

// Kind implements river.JobArgs.
func (TokenWatchArgs) Kind() string { return "ferry.token_watch" }

// TokenCheckArgs checks one account's expiry at the moment its token
// enters the safety margin. Unique per account and expiry.
type TokenCheckArgs struct {
	AccountID string `json:"account_id"`
	ExpiresAt string `json:"expires_at"`
}

// Kind implements river.JobArgs.
func (TokenCheckArgs) Kind() string { return "ferry.token_check" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (TokenCheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// addMetricsWorkers registers the metrics and token workers, sharing one
// collector on the engine's connectors.
func addMetricsWorkers(workers *river.Workers, db *store.DB, cfg Config, engine *delivery.Engine) {
	c := metrics.New(db, engine.Connectors, cfg.Logger.With("component", "metrics"))
	c.CallTimeout = metricsTimeout - 30*time.Second
	river.AddWorker(workers, &accountSweepWorker{c: c})
	river.AddWorker(workers, &accountMetricsWorker{c: c})
	river.AddWorker(workers, &postSweepWorker{c: c})
	river.AddWorker(workers, &postMetricsWorker{c: c})
	river.AddWorker(workers, &tokenWatchWorker{c: c})
	river.AddWorker(workers, &tokenCheckWorker{c: c})
	addPeerWorkers(workers, c)
}

func accountSweepJob() *river.PeriodicJob {
	return river.NewPeriodicJob(&warmSchedule{start: time.Now(), every: accountSweepEvery}, func() (river.JobArgs, *river.InsertOpts) {
		return AccountSweepArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

func postSweepJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(postSweepEvery), func() (river.JobArgs, *river.InsertOpts) {
		return PostSweepArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

func tokenWatchJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(tokenWatchEvery), func() (river.JobArgs, *river.InsertOpts) {
		return TokenWatchArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// warmSchedule runs every warmUpEvery for warmUpFor after start, then
// every every.
type warmSchedule struct {
	start time.Time
	every time.Duration
}

func (s *warmSchedule) Next(t time.Time) time.Time {
	if t.Before(s.start.Add(warmUpFor)) {
		return t.Add(warmUpEvery)
	}
	return t.Add(s.every)
}

// enqueue inserts jobs with the client working the current job.
func enqueue(ctx context.Context, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	if _, err := client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", params[0].Args.Kind(), err)
	}
	return nil
}

// retryLater turns a reading's failure into River's retry: a wait the
// platform asked for snoozes the job (without using up an attempt); any
// other failure is retried with River's backoff.
func retryLater(err error) error {
	if err == nil {
		return nil
	}
	if d := metrics.RetryAfter(err); d > 0 {
		return river.JobSnooze(d)
	}
	return err
}

type accountSweepWorker struct {
	river.WorkerDefaults[AccountSweepArgs]
	c *metrics.Collector
}

func (w *accountSweepWorker) Work(ctx context.Context, job *river.Job[AccountSweepArgs]) error {
	due, err := w.c.AccountsDue(ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(due))
	for _, d := range due {
		params = append(params, river.InsertManyParams{Args: AccountMetricsArgs{AccountID: d.AccountID, Day: d.Day}})
	}
	return enqueue(ctx, params)
}

type accountMetricsWorker struct {
	river.WorkerDefaults[AccountMetricsArgs]
	c *metrics.Collector
}

func (w *accountMetricsWorker) Work(ctx context.Context, job *river.Job[AccountMetricsArgs]) error {
	_, err := w.c.CollectAccount(ctx, job.Args.AccountID)
	return retryLater(err)
}

func (w *accountMetricsWorker) Timeout(*river.Job[AccountMetricsArgs]) time.Duration {
	return metricsTimeout
}

type postSweepWorker struct {
	river.WorkerDefaults[PostSweepArgs]
	c *metrics.Collector
}

func (w *postSweepWorker) Work(ctx context.Context, job *river.Job[PostSweepArgs]) error {
	due, err := w.c.PostsDue(ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(due))
	for id := range due {
		params = append(params, river.InsertManyParams{Args: PostMetricsArgs{AccountID: id}})
	}
	return enqueue(ctx, params)
}

type postMetricsWorker struct {
	river.WorkerDefaults[PostMetricsArgs]
	c *metrics.Collector
}

func (w *postMetricsWorker) Work(ctx context.Context, job *river.Job[PostMetricsArgs]) error {
	_, err := w.c.CollectPosts(ctx, job.Args.AccountID)
	return retryLater(err)
}

func (w *postMetricsWorker) Timeout(*river.Job[PostMetricsArgs]) time.Duration { return metricsTimeout }

type tokenWatchWorker struct {
	river.WorkerDefaults[TokenWatchArgs]
	c *metrics.Collector
}

// Work looks at every expiring authorisation and schedules a check for
// those entering the margin before the next run (plus a little, so that a
// late run cannot miss one).
func (w *tokenWatchWorker) Work(ctx context.Context, job *river.Job[TokenWatchArgs]) error {
	checks, err := w.c.WatchTokens(ctx, tokenWatchEvery+5*time.Minute)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(checks))
	for _, c := range checks {
		params = append(params, river.InsertManyParams{
			Args:       TokenCheckArgs{AccountID: c.AccountID, ExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339)},
			InsertOpts: &river.InsertOpts{ScheduledAt: c.At},
		})
	}
	return enqueue(ctx, params)
}

type tokenCheckWorker struct {
	river.WorkerDefaults[TokenCheckArgs]
	c *metrics.Collector
}

func (w *tokenCheckWorker) Work(ctx context.Context, job *river.Job[TokenCheckArgs]) error {
	return w.c.CheckToken(ctx, job.Args.AccountID)
}
