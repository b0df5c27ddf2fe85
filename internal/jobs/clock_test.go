package jobs_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// offsetClock is the wall clock moved on by an offset.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) move(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func TestConfigNow_RiverRunsAJobWhenFerrysClockReachesIt(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, b)
			clock := &offsetClock{}
			db.Now = clock.Now
			log := slog.New(slog.DiscardHandler)
			engine := &delivery.Engine{DB: db, Connectors: platform.NewRegistry(), Log: log, Now: clock.Now}
			client, err := jobs.New(db, jobs.Config{PollInterval: 50 * time.Millisecond, RescueAfter: time.Minute, AttemptTimeout: 30 * time.Second, MaxWorkers: 1,
				Logger: log, Now: clock.Now}, engine)
			require.NoError(t, err)
			// A publish job a month ahead, for a publication that is gone:
			// the engine completes it as soon as it runs.
			require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
				return client.SchedulePublish(ctx, tx, "pub_gone", 1, clock.Now().Add(30*24*time.Hour))
			}))
			require.NoError(t, client.Start(ctx))
			t.Cleanup(func() { _ = client.Stop(context.Background()) })
			state := func() string {
				var s string
				require.NoError(t, db.WritePool().QueryRowContext(ctx, `SELECT state FROM river_job WHERE kind = 'ferry.publish'`).Scan(&s))
				return s
			}
			time.Sleep(time.Second)
			require.Equal(t, "scheduled", state(), "not before its time")
			clock.move(30 * 24 * time.Hour)
			require.Eventually(t, func() bool { return state() == "completed" }, 20*time.Second, 50*time.Millisecond, "run once the clock is there")
		})
	}
}
