package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The publish jobs of a group are completed in one call: River reads them
// back completed, finalized at the given time, their attempt kept; and a
// job that is not running fails the whole completion, so the transaction
// that records the outcomes rolls back (River's JobSetStateIfRunningMany
// returns that job's row as it is, which once went unnoticed).
func TestCompletions_CompleteRunningJobsOnly(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, b)
			client, err := New(db, Config{PollInterval: time.Second, RescueAfter: time.Hour, AttemptTimeout: time.Minute, MaxWorkers: 1,
				Logger: slog.New(slog.DiscardHandler)}, &delivery.Engine{DB: db})
			require.NoError(t, err)
			var all []delivery.PublishJob
			for _, id := range []string{"pub_a", "pub_b", "pub_c", "pub_d"} {
				all = append(all, delivery.PublishJob{PublicationID: id, Version: 1, At: time.Now().Add(time.Hour)})
			}
			require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error { return client.SchedulePublishes(ctx, tx, all) }))
			var ids []int64
			rows, err := db.WritePool().QueryContext(ctx, `SELECT id FROM river_job WHERE kind = 'ferry.publish' ORDER BY id`)
			require.NoError(t, err)
			for rows.Next() {
				var id int64
				require.NoError(t, rows.Scan(&id))
				ids = append(ids, id)
			}
			require.NoError(t, rows.Err())
			require.Len(t, ids, 4)
			// Fetched, as River marks them; the fourth stays scheduled.
			q := `UPDATE river_job SET state = 'running', attempt = 1 WHERE id IN (?, ?, ?)`
			if db.Dialect() == store.Postgres {
				q = `UPDATE river_job SET state = 'running', attempt = 1 WHERE id IN ($1, $2, $3)`
			}
			_, err = db.WritePool().ExecContext(ctx, q, ids[0], ids[1], ids[2])
			require.NoError(t, err)

			at := time.Date(2026, 12, 7, 10, 30, 15, 123_400_000, time.FixedZone("HKT", 8*3600))
			complete := func(ids ...int64) error {
				return db.InTx(ctx, func(tx *store.Tx) error {
					return (&completions{ids: ids}).flush(ctx, db.RiverDriver().UnwrapExecutor(tx.SQL()), at)
				})
			}
			get := func(id int64) *rivertype.JobRow {
				t.Helper()
				job, err := db.RiverDriver().GetExecutor().JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: id})
				require.NoError(t, err)
				return job
			}

			err = complete(ids[0], ids[3])
			require.ErrorIs(t, err, rivertype.ErrNotFound, "a job that is not running")
			require.Equal(t, rivertype.JobStateRunning, get(ids[0]).State, "rolled back with the rest")

			require.NoError(t, complete(ids[:2]...))
			want := at // PostgreSQL keeps microseconds
			if db.Dialect() == store.SQLite {
				want = at.Round(time.Millisecond) // as River's SQLite driver writes times
			}
			for _, id := range ids[:2] {
				job := get(id)
				require.Equal(t, rivertype.JobStateCompleted, job.State)
				require.NotNil(t, job.FinalizedAt)
				require.True(t, job.FinalizedAt.Equal(want), "finalized at %v, want %v", job.FinalizedAt, want)
				require.Equal(t, 1, job.Attempt)
			}
			require.Equal(t, rivertype.JobStateRunning, get(ids[2]).State)
			require.Equal(t, rivertype.JobStateScheduled, get(ids[3]).State)
		})
	}
}
