package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func postgres(t *testing.T) *store.DB {
	t.Helper()
	return testdb.Open(t, testdb.Backends()[1])
}

// runningJob enqueues a publish job and marks it running for owner, as
// River does when a client fetches it.
func runningJob(t *testing.T, db *store.DB, owner string) int64 {
	t.Helper()
	ctx := context.Background()
	c, err := New(db, Config{PollInterval: time.Second, RescueAfter: time.Hour, AttemptTimeout: time.Minute, MaxWorkers: 1, Logger: slog.New(slog.DiscardHandler)}, &delivery.Engine{DB: db})
	require.NoError(t, err)
	require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
		return c.SchedulePublish(ctx, tx, "pub_"+owner, 1, time.Now().Add(time.Hour))
	}))
	var id int64
	require.NoError(t, db.WritePool().QueryRowContext(ctx, `
		UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = ARRAY[$1]
		WHERE args->>'publication_id' = $2 RETURNING id`, owner, "pub_"+owner).Scan(&id))
	return id
}

func jobState(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var state string
	require.NoError(t, db.WritePool().QueryRowContext(context.Background(), `SELECT state FROM river_job WHERE id = $1`, id).Scan(&state))
	return state
}

func TestLiveness_TakesBackTheJobsOfADeadWorkerOnly(t *testing.T) {
	t.Parallel()
	db := postgres(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)

	alive := newLiveness(db, livePrefix+"alive", log)
	require.NoError(t, alive.acquire(ctx))
	t.Cleanup(alive.close)
	dead := newLiveness(db, livePrefix+"dead", log)
	require.NoError(t, dead.acquire(ctx))
	dead.close() // its session ends: as when the process dies

	aliveJob := runningJob(t, db, alive.id)
	deadJob := runningJob(t, db, dead.id)
	// A client of an older version holds no lock: River's rescuer's job.
	olderJob := runningJob(t, db, "vm_2026_12_06T21_00_00_000000")

	me := newLiveness(db, livePrefix+"me", log)
	require.NoError(t, me.acquire(ctx))
	t.Cleanup(me.close)

	require.NoError(t, me.rescue(ctx))
	require.Equal(t, "running", jobState(t, db, deadJob), "a free lock is a suspicion at first: its owner may be cancelling its calls")
	time.Sleep(fenceGrace)
	require.NoError(t, me.rescue(ctx))
	require.Equal(t, "available", jobState(t, db, deadJob), "free for the grace: its owner is dead")
	require.Equal(t, "running", jobState(t, db, aliveJob))
	require.Equal(t, "running", jobState(t, db, olderJob))
}

func TestLiveness_AProcessThatLosesItsLockCancelsItsCallsAndTakesItBack(t *testing.T) {
	t.Parallel()
	db := postgres(t)
	ctx := context.Background()
	l := newLiveness(db, livePrefix+"fenced", slog.New(slog.DiscardHandler))
	require.NoError(t, l.start(ctx))
	t.Cleanup(l.close)

	call, leave, ok := l.enter(ctx)
	require.True(t, ok)
	defer leave()
	var pid int
	l.mu.Lock()
	require.NoError(t, l.conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	l.mu.Unlock()
	// The database ends the session, as a restart or a network cut would.
	_, err := db.WritePool().ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid)
	require.NoError(t, err)
	lost := time.Now()

	select {
	case <-call.Done():
		require.ErrorIs(t, context.Cause(call), errFenced)
		require.Less(t, time.Since(lost), fenceGrace, "calls are cancelled before anyone may take the jobs")
	case <-time.After(fenceGrace):
		t.Fatal("the call in flight was not cancelled")
	}
	require.Eventually(t, func() bool {
		_, leave, ok := l.enter(ctx)
		leave()
		return ok
	}, 5*time.Second, 50*time.Millisecond, "the lock is taken again on a new session")

	// Taken again, it is held: another process sees it alive.
	tx, err := db.WritePool().BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	var free bool
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1)", lockKey(l.id)).Scan(&free))
	require.False(t, free)
}
