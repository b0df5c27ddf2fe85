package jobs_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// countingConn is a platform that reports fixed counts and remembers what
// it was asked.
type countingConn struct {
	mu        sync.Mutex
	accounts  map[string]int
	postCalls [][]string
}

func (c *countingConn) Platform() ferry.Platform { return ferry.Weibo }

func (c *countingConn) Publish(context.Context, platform.Account, platform.Post) (platform.Result, error) {
	panic("not used")
}

func (c *countingConn) AccountMetrics(_ context.Context, acct platform.Account) (platform.AccountMetrics, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[acct.ID]++
	n := int64(4321)
	return platform.AccountMetrics{Followers: &n}, nil
}

func (c *countingConn) PostMetrics(_ context.Context, _ platform.Account, ids []string) (map[string]platform.PostMetrics, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.postCalls = append(c.postCalls, ids)
	out := map[string]platform.PostMetrics{}
	for _, id := range ids {
		n := int64(len(id))
		out[id] = platform.PostMetrics{Likes: &n}
	}
	return out, nil
}

// TestMetricsJobs_ReadWhatIsDueThroughRiver starts the job runner on a
// database where an account has never been read, a post's first checkpoint
// has passed, and a token is about to lapse, and waits for the periodic
// sweeps (which run at start) and their per-account jobs to deal with all
// three.
func TestMetricsJobs_ReadWhatIsDueThroughRiver(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, b)
			conn := &countingConn{accounts: map[string]int{}}
			var reader, lapsing *ferry.Account
			var pub *ferry.Publication
			require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
				ws := &ferry.Workspace{Name: "Jobs"}
				require.NoError(t, tx.CreateWorkspace(ctx, ws))
				u := &ferry.User{Email: "jobs@example.org", PasswordHash: "x"}
				require.NoError(t, tx.CreateUser(ctx, u))
				reader = &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Weibo, ExternalID: "7001", Credentials: map[string]string{"access_token": "a"}}
				require.NoError(t, tx.CreateAccount(ctx, reader))
				lapsing = &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Weibo, ExternalID: "7002",
					Credentials: map[string]string{"access_token": "b", "expires_at": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)}}
				require.NoError(t, tx.CreateAccount(ctx, lapsing))
				st := &ferry.Story{WorkspaceID: ws.ID, Title: "measured", Targets: []string{reader.ID}, CreatedBy: u.ID}
				require.NoError(t, tx.CreateStory(ctx, st))
				at := time.Now().Add(-2 * time.Hour)
				pub = &ferry.Publication{WorkspaceID: ws.ID, StoryID: st.ID, AccountID: reader.ID, Platform: ferry.Weibo, State: ferry.StatePublished, PublishedAt: &at, RemoteID: "5012345678"}
				return tx.CreatePublication(ctx, pub)
			}))

			log := slog.New(slog.DiscardHandler)
			engine := &delivery.Engine{DB: db, Connectors: platform.NewRegistry(conn), Log: log, Now: time.Now}
			client, err := jobs.New(db, jobs.Config{PollInterval: 50 * time.Millisecond, RescueAfter: time.Minute, AttemptTimeout: 30 * time.Second, MaxWorkers: 2, Logger: log}, engine)
			require.NoError(t, err)
			engine.Scheduler = client
			require.NoError(t, client.Start(ctx))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = client.Stop(ctx)
			})

			require.Eventually(t, func() bool {
				accts, err := db.Read().AccountSnapshots(ctx, reader.ID, time.Time{}, time.Time{})
				require.NoError(t, err)
				posts, err := db.Read().PostSnapshots(ctx, ferry.PostSnapshotFilter{PublicationID: pub.ID})
				require.NoError(t, err)
				a, err := db.Read().AccountByID(ctx, lapsing.ID)
				require.NoError(t, err)
				return len(accts) == 1 && len(posts) == 1 && a.Health == ferry.HealthNeedsReauth
			}, 30*time.Second, 100*time.Millisecond)

			conn.mu.Lock()
			defer conn.mu.Unlock()
			require.Equal(t, [][]string{{"5012345678"}}, conn.postCalls, "one batch for the account")
			require.Equal(t, 1, conn.accounts[reader.ID], "once a day")
		})
	}
}
