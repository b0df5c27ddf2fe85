// Package jobs runs Ferry's background work on River, in the same database
// as Ferry's data: every job is inserted in the transaction that makes it
// necessary, and every job that changes Ferry's data completes in the
// transaction that records the change (river.JobCompleteTx).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// Queue names.
const (
	QueuePublish     = "publish"
	QueueMaintenance = "maintenance"
)

// PublishArgs asks for one publication to be delivered at one version. A
// job whose version is no longer the publication's does nothing.
type PublishArgs struct {
	PublicationID string `json:"publication_id"`
	Version       int    `json:"version"`
}

// Kind implements river.JobArgs.
func (PublishArgs) Kind() string { return "ferry.publish" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PublishArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePublish, MaxAttempts: 25}
}

// ExpireArgs marks a publication missed if it is still waiting for its
// account to be reconnected.
type ExpireArgs struct {
	PublicationID string `json:"publication_id"`
	Version       int    `json:"version"`
}

// Kind implements river.JobArgs.
func (ExpireArgs) Kind() string { return "ferry.expire_reauth" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ExpireArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PruneArgs forgets rate-limit history older than any window.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return "ferry.prune" }

// Config tunes the job runner.
type Config struct {
	PollInterval   time.Duration
	RescueAfter    time.Duration
	AttemptTimeout time.Duration
	MaxWorkers     int
	Logger         *slog.Logger
	// Now, when set, is the clock River schedules and fetches jobs by
	// (tests move it); nil is the wall clock.
	Now func() time.Time
	// Backup, when set, runs scheduled backups (backup.go).
	Backup *Backup
}

// Client is Ferry's River client. It implements delivery.Scheduler.
type Client struct {
	river      *river.Client[*sql.Tx]
	db         *store.DB
	publishing *atomic.Int64
	live       *liveness // PostgreSQL only: see liveness.go
	// invitations sends invitation emails (invitations.go).
	invitations *invitationSender
	// pauses sends pause notifications (pause.go).
	pauses *pauseSender
	// reports sends monthly reports (reports.go).
	reports *reportSender
	// notices sends notices (notices.go).
	notices *noticeSender
	// signInNotices emails people about failed sign-ins (signin.go).
	signInNotices *signInNoticeSender
	// archiver writes archives and runs closures (archive.go).
	archiver *archiver
}

// New returns a client able to insert jobs and, once started, to work them
// with the engine.
func New(db *store.DB, cfg Config, engine *delivery.Engine) (*Client, error) {
	workers := river.NewWorkers()
	publishing := new(atomic.Int64)
	id := newClientID()
	var live *liveness
	if db.Dialect() == store.Postgres {
		live = newLiveness(db, id, cfg.Logger)
	}
	invitations := new(invitationSender)
	reports := new(reportSender)
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	signInNotices := new(signInNoticeSender)
	river.AddWorker(workers, &publishWorker{engine: engine, timeout: cfg.AttemptTimeout, running: publishing, live: live, driver: db.RiverDriver(), now: now})
	river.AddWorker(workers, &expireWorker{engine: engine})
	river.AddWorker(workers, &pruneWorker{db: db})
	river.AddWorker(workers, &pruneIdempotencyKeysWorker{db: db})
	river.AddWorker(workers, &invitationEmailWorker{sender: invitations})
	river.AddWorker(workers, &signInNoticeWorker{sender: signInNotices})
	pauses := new(pauseSender)
	river.AddWorker(workers, &pauseNotifyWorker{sender: pauses})
	river.AddWorker(workers, &monthlyReportsWorker{sender: reports})
	river.AddWorker(workers, &thinPostReadingsWorker{db: db})
	river.AddWorker(workers, &backupWorker{backup: cfg.Backup})
	archives := new(archiver)
	river.AddWorker(workers, &archiveWorker{archiver: archives})
	river.AddWorker(workers, &closureWorker{archiver: archives})
	// Further workers are registered here, one line each.
	addHandoffWorkers(workers, engine)
	addMetricsWorkers(workers, db, cfg, engine)
	cooldown := min(cfg.PollInterval, 100*time.Millisecond)
	var test river.TestConfig
	if cfg.Now != nil {
		test.Time = clock(cfg.Now)
	}
	notices := new(noticeSender)
	addNoticeWorkers(workers, notices, now)
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return PruneArgs{}, &river.InsertOpts{Queue: QueueMaintenance}
		}, nil),
		// Further periodic jobs are added here, one entry each.
		handoffSweepJob(),
		accountSweepJob(),
		postSweepJob(),
		tokenWatchJob(),
		peerSweepJob(),
		pruneIdempotencyKeysJob(),
		monthlyReportsJob(),
		thinPostReadingsJob(),
		noticeDigestsJob(),
	}
	if cfg.Backup != nil {
		periodic = append(periodic, backupJob(cfg.Backup))
	}
	rc, err := river.NewClient(db.RiverDriver(), &river.Config{
		ID:                   id,
		Test:                 test,
		Logger:               cfg.Logger.With("component", "river"),
		Workers:              workers,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        cooldown,
		RescueStuckJobsAfter: cfg.RescueAfter,
		JobTimeout:           cfg.AttemptTimeout,
		Queues: map[string]river.QueueConfig{
			QueuePublish:     {MaxWorkers: cfg.MaxWorkers},
			QueueMaintenance: {MaxWorkers: 2},
		},
		PeriodicJobs: periodic,
		// Scheduled jobs due within the scheduler's 5-second horizon are
		// made available at once; the engine waits out the difference, so
		// nothing starts early and nothing waits for the next scheduler pass.
		JobInsertMiddleware: []rivertype.JobInsertMiddleware{&promoteSoon{now: now}},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Client{river: rc, db: db, publishing: publishing, live: live, invitations: invitations, pauses: pauses, reports: reports, notices: notices,
		signInNotices: signInNotices, archiver: archives}, nil
}

// Start starts working jobs until Stop. Cancelling ctx is a hard stop that
// cancels running jobs (see StopAndCancel). On PostgreSQL it first takes
// this process's liveness lock.
func (c *Client) Start(ctx context.Context) error {
	if c.live != nil {
		if err := c.live.start(ctx); err != nil {
			return err
		}
	}
	if err := c.river.Start(ctx); err != nil {
		c.releaseLiveness()
		return err
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish; if ctx
// ends first, it returns ctx's error and the jobs run on (and this process
// keeps its liveness lock, so nobody takes them).
func (c *Client) Stop(ctx context.Context) error {
	if err := c.river.Stop(ctx); err != nil {
		return err
	}
	c.releaseLiveness()
	return nil
}

// StopAndCancel stops fetching jobs, cancels the running ones and waits for
// them to return.
func (c *Client) StopAndCancel(ctx context.Context) error {
	if err := c.river.StopAndCancel(ctx); err != nil {
		return err
	}
	c.releaseLiveness()
	return nil
}

// releaseLiveness gives up the liveness lock once no job of this process
// is running.
func (c *Client) releaseLiveness() {
	if c.live != nil {
		c.live.close()
	}
}

// Publishing returns how many publish jobs this client is working.
func (c *Client) Publishing() int { return int(c.publishing.Load()) }

// publishLead starts publish jobs a second before the publication's time.
// River picks up a scheduled job only once its time has passed (then up to
// a poll interval later); the engine needs the job in hand before the time
// to open the attempt ahead and call the platform on time. It waits out
// the rest itself and never calls early.
const publishLead = time.Second

// SchedulePublish implements delivery.Scheduler.
func (c *Client) SchedulePublish(ctx context.Context, tx *store.Tx, publicationID string, version int, at time.Time) error {
	_, err := c.river.InsertTx(ctx, tx.SQL(), PublishArgs{PublicationID: publicationID, Version: version}, &river.InsertOpts{ScheduledAt: at.Add(-publishLead)})
	if err != nil {
		return fmt.Errorf("jobs: schedule publish: %w", err)
	}
	return nil
}

// SchedulePublishes enqueues many publish jobs in one insert.
func (c *Client) SchedulePublishes(ctx context.Context, tx *store.Tx, jobs []delivery.PublishJob) error {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: PublishArgs{PublicationID: j.PublicationID, Version: j.Version}, InsertOpts: &river.InsertOpts{ScheduledAt: j.At.Add(-publishLead)}}
	}
	if _, err := c.river.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("jobs: schedule publishes: %w", err)
	}
	return nil
}

// ScheduleExpiry implements delivery.Scheduler.
func (c *Client) ScheduleExpiry(ctx context.Context, tx *store.Tx, publicationID string, version int, at time.Time) error {
	_, err := c.river.InsertTx(ctx, tx.SQL(), ExpireArgs{PublicationID: publicationID, Version: version}, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		return fmt.Errorf("jobs: schedule expiry: %w", err)
	}
	return nil
}

// completeTx returns a delivery.Complete that finishes job in the engine's
// transaction.
func completeTx[T river.JobArgs](job *river.Job[T]) delivery.Complete {
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx.SQL(), job)
		return err
	}
}

// completeInGroup returns a delivery.Complete that finishes a publish job
// in the engine's transaction, as river.JobCompleteTx does, but with the
// other publish jobs completed in the same transaction (delivery's groups:
// batch.go) in one statement, just before the commit.
func completeInGroup(job *river.Job[PublishArgs], driver riverdriver.Driver[*sql.Tx], now func() time.Time) delivery.Complete {
	return func(ctx context.Context, tx *store.Tx) error {
		if job.State != rivertype.JobStateRunning {
			return errors.New("jobs: complete: the job must be running")
		}
		g := tx.Local(completionsKey{}, func() any {
			g := &completions{}
			tx.BeforeCommit(func(ctx context.Context) error { return g.flush(ctx, driver.UnwrapExecutor(tx.SQL()), now()) })
			return g
		}).(*completions)
		g.ids = append(g.ids, job.ID)
		return nil
	}
}

type completionsKey struct{}

// completions are the publish jobs a transaction completes.
type completions struct{ ids []int64 }

// flush marks the jobs completed at now, or fails if one of them is not
// running (and was not completed already).
func (g *completions) flush(ctx context.Context, exec riverdriver.Executor, now time.Time) error {
	n := len(g.ids)
	p := &riverdriver.JobSetStateIfRunningManyParams{ID: g.ids, Attempt: make([]*int, n), ErrData: make([][]byte, n), FinalizedAt: make([]*time.Time, n),
		MetadataDoMerge: make([]bool, n), MetadataUpdates: make([][]byte, n), ScheduledAt: make([]*time.Time, n), State: make([]rivertype.JobState, n)}
	for i := range n {
		p.FinalizedAt[i], p.State[i] = &now, rivertype.JobStateCompleted
	}
	rows, err := exec.JobSetStateIfRunningMany(ctx, p)
	if err != nil {
		return fmt.Errorf("jobs: complete: %w", err)
	}
	// The rows include, as they are, the jobs it left alone: not running.
	completed := 0
	for _, r := range rows {
		if r.State == rivertype.JobStateCompleted {
			completed++
		}
	}
	if completed != n {
		return fmt.Errorf("jobs: complete: %d of %d jobs completed, the others not running: %w", completed, n, rivertype.ErrNotFound)
	}
	return nil
}

type publishWorker struct {
	river.WorkerDefaults[PublishArgs]
	engine  *delivery.Engine
	timeout time.Duration
	running *atomic.Int64 // publish jobs in progress, for the stop log
	live    *liveness     // nil on SQLite
	driver  riverdriver.Driver[*sql.Tx]
	now     func() time.Time // River's clock
}

// NextRetry retries a failed publish job soon. It fails only when Ferry's
// own database does (the engine records a platform's failures itself and
// schedules its own next attempt), so a publication due during a database
// outage goes out within seconds of the database being back: after 1, 2, 4,
// then every 5 seconds for the first ten attempts; River's own backoff
// after that. Retrying sends nothing twice: the engine decides, under the
// publication's lock, what a job does.
func (w *publishWorker) NextRetry(job *river.Job[PublishArgs]) time.Time {
	if job.Attempt > 10 {
		return time.Time{} // River's default policy
	}
	return time.Now().Add(min(time.Second<<max(job.Attempt-1, 0), 5*time.Second))
}

func (w *publishWorker) Work(ctx context.Context, job *river.Job[PublishArgs]) error {
	if w.live != nil {
		// No platform call without the liveness lock: once it is lost,
		// another process may take this job.
		fenced, leave, ok := w.live.enter(ctx)
		if !ok {
			return river.JobSnooze(snoozeFenced)
		}
		defer leave()
		ctx = fenced
	}
	w.running.Add(1)
	defer w.running.Add(-1)
	return w.engine.Deliver(ctx, job.Args.PublicationID, job.Args.Version, completeInGroup(job, w.driver, w.now))
}

// Timeout leaves room for the platform call and the early-start wait.
func (w *publishWorker) Timeout(*river.Job[PublishArgs]) time.Duration { return w.timeout }

type expireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	engine *delivery.Engine
}

func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireArgs]) error {
	return w.engine.Expire(ctx, job.Args.PublicationID, job.Args.Version, completeTx(job))
}

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	db *store.DB
}

// Work forgets rate events older than the longest window any platform uses
// (Instagram's 24 hours) with a margin.
func (w *pruneWorker) Work(ctx context.Context, job *river.Job[PruneArgs]) error {
	_, err := w.db.Write().PruneRates(ctx, time.Now().Add(-48*time.Hour))
	return err
}

// promoteSoon inserts jobs due within River's scheduler horizon as
// available (ENGINE-NOTES.md: otherwise they wait up to 5 s for the
// scheduler's next pass).
type promoteSoon struct {
	river.MiddlewareDefaults
	now func() time.Time
}

// clock is a River time generator reading a clock of Ferry's.
type clock func() time.Time

func (c clock) Now() time.Time { return c() }

func (c clock) NowOrNil() *time.Time {
	t := c()
	return &t
}

func (m *promoteSoon) InsertMany(ctx context.Context, many []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	now := m.now()
	for _, p := range many {
		if p.ScheduledAt != nil && p.ScheduledAt.Sub(now) < 5*time.Second {
			p.ScheduledAt = nil
			p.State = rivertype.JobStateAvailable
		}
	}
	return doInner(ctx)
}

// RescueOrphans makes every job marked running available again at once.
// Call it only when no live process can be working them: on SQLite, once
// the data directory's lock is held (see docs/architecture.md, "Back on
// time after a crash"). River's own rescuer does the same for jobs running
// longer than FERRY_RESCUE_AFTER; this is the fast path when the owner is
// known to be dead. The engine reconciles any attempt such a job left
// open, so nothing is sent twice.
//
// The dead process may also have been River's leader, which runs the
// scheduler that makes scheduled jobs available: its leadership is given
// up too, so that this process is elected at once rather than after the
// dead leader's term runs out.
func (c *Client) RescueOrphans(ctx context.Context) (int, error) {
	exec := c.db.RiverDriver().GetExecutor()
	never := time.Now().Add(100 * 365 * 24 * time.Hour) // every leader's term has ended by then
	if _, err := exec.LeaderDeleteExpired(ctx, &riverdriver.LeaderDeleteExpiredParams{Now: &never}); err != nil {
		return 0, fmt.Errorf("jobs: end a dead process's leadership: %w", err)
	}
	return rescueOwned(ctx, exec, "")
}
