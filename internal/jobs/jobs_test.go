package jobs_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestSchedulePublishes_EnqueuesEveryJobOnThePublishQueueASecondAhead(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, b)
			client, err := jobs.New(db, jobs.Config{PollInterval: time.Second, RescueAfter: time.Minute, AttemptTimeout: 30 * time.Second, MaxWorkers: 1,
				Logger: slog.New(slog.DiscardHandler)}, &delivery.Engine{DB: db})
			require.NoError(t, err)
			at := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
			require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
				return client.SchedulePublishes(ctx, tx, []delivery.PublishJob{
					{PublicationID: "pub_a", Version: 2, At: at},
					{PublicationID: "pub_b", Version: 5, At: at.Add(time.Minute)},
				})
			}))

			type row struct {
				Args        jobs.PublishArgs
				Queue       string
				MaxAttempts int
				ScheduledAt time.Time
			}
			args := "args"
			if db.Dialect() == store.SQLite {
				args = "json(args)" // River keeps SQLite's as JSONB
			}
			rows, err := db.WritePool().QueryContext(ctx, `SELECT `+args+`, queue, max_attempts, scheduled_at FROM river_job WHERE kind = 'ferry.publish' ORDER BY id`)
			require.NoError(t, err)
			defer rows.Close()
			var got []row
			for rows.Next() {
				var r row
				var raw []byte
				require.NoError(t, rows.Scan(&raw, &r.Queue, &r.MaxAttempts, &r.ScheduledAt))
				require.NoError(t, json.Unmarshal(raw, &r.Args))
				r.ScheduledAt = r.ScheduledAt.UTC()
				got = append(got, r)
			}
			require.NoError(t, rows.Err())
			require.Equal(t, []row{
				{Args: jobs.PublishArgs{PublicationID: "pub_a", Version: 2}, Queue: jobs.QueuePublish, MaxAttempts: 25, ScheduledAt: at.Add(-time.Second)},
				{Args: jobs.PublishArgs{PublicationID: "pub_b", Version: 5}, Queue: jobs.QueuePublish, MaxAttempts: 25, ScheduledAt: at.Add(time.Minute - time.Second)},
			}, got)
		})
	}
}
