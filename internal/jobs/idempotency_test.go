package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestPruneIdempotencyKeys_ForgetsAnswersPastRetentionThroughRiver starts
// the job runner, whose prune runs at start, on a database with an answer
// older than the retention and one younger.
func TestPruneIdempotencyKeys_ForgetsAnswersPastRetentionThroughRiver(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, b)
			answer := func(key string, age time.Duration) {
				at := time.Now().Add(-age)
				aged := *db
				aged.Now = func() time.Time { return at }
				_, claimed, err := aged.Write().ReserveIdempotencyKey(ctx, "wsp_1", "usr_1", key, "h", time.Time{})
				require.NoError(t, err)
				require.True(t, claimed)
				require.NoError(t, db.Write().CompleteIdempotencyKey(ctx, "wsp_1", "usr_1", key, 201, []byte(`{}`)))
			}
			answer("old", jobs.IdempotencyKeyRetention+time.Hour)
			answer("recent", jobs.IdempotencyKeyRetention-time.Hour)

			log := slog.New(slog.DiscardHandler)
			engine := &delivery.Engine{DB: db, Connectors: platform.NewRegistry(), Log: log, Now: time.Now}
			client, err := jobs.New(db, jobs.Config{PollInterval: 50 * time.Millisecond, RescueAfter: time.Minute, AttemptTimeout: 30 * time.Second, MaxWorkers: 2, Logger: log}, engine)
			require.NoError(t, err)
			engine.Scheduler = client
			require.NoError(t, client.Start(ctx))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = client.Stop(ctx)
			})

			// Claiming succeeds once the old answer is forgotten.
			require.Eventually(t, func() bool {
				_, claimed, err := db.Write().ReserveIdempotencyKey(ctx, "wsp_1", "usr_1", "old", "h", time.Time{})
				require.NoError(t, err)
				return claimed
			}, 30*time.Second, 100*time.Millisecond)
			prev, claimed, err := db.Write().ReserveIdempotencyKey(ctx, "wsp_1", "usr_1", "recent", "h", time.Time{})
			require.NoError(t, err)
			require.False(t, claimed)
			require.Equal(t, 201, prev.Status, "the recent answer is kept")
		})
	}
}
