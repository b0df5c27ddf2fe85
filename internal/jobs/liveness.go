package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/ferry-social/ferry/internal/store"
)

// Worker liveness on PostgreSQL (docs/architecture.md, "Back on time after
// a crash"). Several processes share the queue. Each holds a session-level
// advisory lock named after its River client for as long as it lives; the
// server releases it when the session ends, however the process ends.
// Every live process looks, twice a second, at the clients that hold running
// jobs: one whose lock has been free for fenceGrace is dead, and its jobs
// are made available at once (and its River leadership ended), instead of
// after River's rescue delay.
//
// A live process whose session is lost (a network cut, a database restart)
// would look dead too. So a process calls a platform only while it holds
// its lock, and when it loses it, it cancels every publish call in flight
// within fenceWithin, well before anyone may take its jobs. A rescued
// job whose attempt is open reconciles it, as after any crash.
const (
	livePrefix   = "ferry-live-"
	pingEvery    = 250 * time.Millisecond
	pingTimeout  = 1500 * time.Millisecond
	fenceWithin  = pingEvery + pingTimeout // a lost session is noticed and calls cancelled within this
	fenceGrace   = 2 * fenceWithin         // how long a lock must be seen free before its jobs are taken
	rescueEvery  = 500 * time.Millisecond
	snoozeFenced = time.Second // a publish job found while the lock is lost waits this long
)

// errFenced cancels the calls of a process that lost its lock.
var errFenced = errors.New("jobs: this process lost its liveness lock; calls in flight are cancelled so that another process may take its jobs")

// newClientID names this process's River client; the prefix says that it
// holds a liveness lock, so clients of older versions are left to River's
// rescuer.
func newClientID() string {
	host, _ := os.Hostname()
	host = strings.NewReplacer(".", "_", " ", "_").Replace(host)
	if len(host) > 40 {
		host = host[:40]
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%s_%d_%s", livePrefix, host, os.Getpid(), hex.EncodeToString(b))
}

// lockKey is a client's advisory lock key.
func lockKey(clientID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ferry.worker:" + clientID))
	return int64(h.Sum64()) //nolint:gosec // a key, not a quantity
}

// liveness holds this process's lock, fences its calls when the lock is
// lost, and rescues the jobs of dead processes.
type liveness struct {
	db  *store.DB
	id  string
	log *slog.Logger

	mu      sync.Mutex
	conn    *sql.Conn // the session holding the lock; nil while lost
	held    bool
	calls   map[*int]context.CancelCauseFunc
	suspect map[string]time.Time // client → first seen without its lock

	stop func()
	done chan struct{}
}

func newLiveness(db *store.DB, id string, log *slog.Logger) *liveness {
	return &liveness{db: db, id: id, log: log, calls: map[*int]context.CancelCauseFunc{}, suspect: map[string]time.Time{}}
}

// start takes the lock (failing if it cannot) and keeps it, and rescuing,
// until close.
func (l *liveness) start(ctx context.Context) error {
	if err := l.acquire(ctx); err != nil {
		return fmt.Errorf("jobs: take the liveness lock: %w", err)
	}
	run, stop := context.WithCancel(context.WithoutCancel(ctx))
	l.stop, l.done = stop, make(chan struct{})
	var wg sync.WaitGroup
	// The keeper has a goroutine of its own: however long a rescue takes,
	// a lost session is noticed within fenceWithin.
	wg.Go(func() { every(run, pingEvery, l.keep) })
	wg.Go(func() {
		every(run, rescueEvery, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := l.rescue(ctx); err != nil && run.Err() == nil {
				l.log.Warn("looking for the jobs of dead workers failed", "error", err)
			}
		})
	})
	go func() {
		wg.Wait()
		close(l.done)
	}()
	return nil
}

// every calls f every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}

// close stops keeping the lock and releases it.
func (l *liveness) close() {
	if l.stop != nil {
		l.stop()
		<-l.done
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := l.conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lockKey(l.id)); err != nil {
			discard(l.conn)
		}
		_ = l.conn.Close()
		l.conn, l.held = nil, false
	}
}

// acquire opens a session and takes the lock in it.
func (l *liveness) acquire(ctx context.Context) error {
	conn, err := l.db.WritePool().Conn(ctx)
	if err != nil {
		return err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", lockKey(l.id)).Scan(&ok); err != nil {
		discard(conn)
		_ = conn.Close()
		return err
	}
	if !ok { // only a process with the same id could hold it
		_ = conn.Close()
		return fmt.Errorf("the lock of client %s is held elsewhere", l.id)
	}
	l.mu.Lock()
	l.conn, l.held = conn, true
	l.mu.Unlock()
	return nil
}

// keep checks the session; when it is lost, it fences, then takes the lock
// again on a new session.
func (l *liveness) keep(ctx context.Context) {
	l.mu.Lock()
	conn := l.conn
	l.mu.Unlock()
	if conn == nil {
		actx, cancel := context.WithTimeout(ctx, pingTimeout)
		defer cancel()
		if err := l.acquire(actx); err == nil {
			l.log.Info("liveness lock taken again; publishing resumes", "client", l.id)
		}
		return
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	_, err := conn.ExecContext(pctx, "SELECT 1")
	cancel()
	if err == nil || ctx.Err() != nil {
		return
	}
	l.log.Warn("liveness lock lost: cancelling publish calls in flight until it is taken again", "client", l.id, "error", err)
	l.mu.Lock()
	l.conn, l.held = nil, false
	calls := l.calls
	l.calls = map[*int]context.CancelCauseFunc{}
	l.mu.Unlock()
	for _, cancel := range calls {
		cancel(errFenced)
	}
	discard(conn)
	_ = conn.Close()
}

// enter returns a context for a publish job's work, cancelled if the lock
// is lost, and false if the lock is not held now (the job must wait).
func (l *liveness) enter(ctx context.Context) (context.Context, func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ctx, func() {}, false
	}
	cctx, cancel := context.WithCancelCause(ctx)
	key := new(int)
	l.calls[key] = cancel
	return cctx, func() {
		l.mu.Lock()
		delete(l.calls, key)
		l.mu.Unlock()
		cancel(nil)
	}, true
}

// rescue makes available the running jobs of clients that are dead: their
// lock free now and fenceGrace ago. It runs only while this process holds
// its own lock: a process cut off from the database judges nobody.
func (l *liveness) rescue(ctx context.Context) error {
	l.mu.Lock()
	held := l.held
	l.mu.Unlock()
	if !held {
		return nil
	}
	owners, err := l.runningOwners(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	seen := map[string]bool{}
	for _, owner := range owners {
		if owner == l.id || !strings.HasPrefix(owner, livePrefix) {
			continue
		}
		seen[owner] = true
		if err := l.judge(ctx, owner, now); err != nil {
			return err
		}
	}
	for owner := range l.suspect {
		if !seen[owner] {
			delete(l.suspect, owner)
		}
	}
	return nil
}

// runningOwners lists the clients working the running jobs (and the
// leader, whose death stops scheduled jobs from becoming available).
func (l *liveness) runningOwners(ctx context.Context) ([]string, error) {
	rows, err := l.db.WritePool().QueryContext(ctx, `
		SELECT DISTINCT attempted_by[array_upper(attempted_by, 1)] FROM river_job
		WHERE state = 'running' AND attempted_by IS NOT NULL
		UNION SELECT leader_id FROM river_leader`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var owners []string
	for rows.Next() {
		var o sql.NullString
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		if o.Valid {
			owners = append(owners, o.String)
		}
	}
	return owners, rows.Err()
}

// judge looks at one client's lock. Free for fenceGrace: in one
// transaction that holds the lock (so the client cannot take it back
// meanwhile), its running jobs are made available and its leadership ends.
func (l *liveness) judge(ctx context.Context, owner string, now time.Time) error {
	tx, err := l.db.WritePool().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var free bool
	if err := tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1)", lockKey(owner)).Scan(&free); err != nil {
		return err
	}
	if !free {
		delete(l.suspect, owner)
		return nil
	}
	first, ok := l.suspect[owner]
	if !ok {
		l.suspect[owner] = now
		return nil
	}
	if now.Sub(first) < fenceGrace {
		return nil
	}
	n, err := rescueOwned(ctx, l.db.RiverDriver().UnwrapExecutor(tx), owner)
	if err != nil {
		return err
	}
	exec := l.db.RiverDriver().UnwrapExecutor(tx)
	leader, err := exec.LeaderGetElectedLeader(ctx, &riverdriver.LeaderGetElectedLeaderParams{})
	resigned := false
	if err == nil && leader.LeaderID == owner {
		if resigned, err = exec.LeaderResign(ctx, &riverdriver.LeaderResignParams{ElectedAt: leader.ElectedAt, LeaderID: owner, LeadershipTopic: "river_leadership"}); err != nil {
			return fmt.Errorf("end a dead worker's leadership: %w", err)
		}
	} else if err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	delete(l.suspect, owner)
	l.log.Info("a worker died: its jobs are available again", "dead", owner, "jobs", n, "leadership_ended", resigned, "lock_free_for", now.Sub(first).Round(time.Millisecond))
	return nil
}

// rescueOwned makes available at once every running job whose current
// attempt belongs to owner, or every running job when owner is empty.
func rescueOwned(ctx context.Context, exec riverdriver.Executor, owner string) (int, error) {
	now := time.Now().UTC()
	horizon := now.Add(time.Hour) // every running job was attempted before
	rescued := 0
	var after int64
	for {
		stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: after, Max: 1000, StuckHorizon: horizon})
		if err != nil {
			return rescued, fmt.Errorf("jobs: find orphaned jobs: %w", err)
		}
		if len(stuck) == 0 {
			return rescued, nil
		}
		p := riverdriver.JobRescueManyParams{StuckHorizon: horizon}
		for _, j := range stuck {
			after = j.ID
			if owner != "" && (len(j.AttemptedBy) == 0 || j.AttemptedBy[len(j.AttemptedBy)-1] != owner) {
				continue
			}
			e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(j.Attempt, 0), Error: "The process working this job died; its job was taken back."})
			if err != nil {
				return rescued, err
			}
			p.ID = append(p.ID, j.ID)
			p.Error = append(p.Error, e)
			p.FinalizedAt = append(p.FinalizedAt, nil)
			p.ScheduledAt = append(p.ScheduledAt, now)
			p.State = append(p.State, string(rivertype.JobStateAvailable))
		}
		if len(p.ID) == 0 {
			continue
		}
		if _, err := exec.JobRescueMany(ctx, &p); err != nil {
			return rescued, fmt.Errorf("jobs: rescue orphaned jobs: %w", err)
		}
		rescued += len(p.ID)
	}
}

// discard makes the pool drop a connection rather than reuse it.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}
