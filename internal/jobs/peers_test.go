package jobs_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/telegram"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestPeerJobs_ReadEachPeerOnceADay starts the job runner with a Weibo
// peer read yesterday, a Telegram peer never read, a Weibo peer read
// today and a Xiaohongshu peer (read by hand), and waits for the periodic
// sweep (which runs at start) to read the first two through the sandbox.
func TestPeerJobs_ReadEachPeerOnceADay(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, b)
			sb := httptest.NewServer(sandbox.New())
			t.Cleanup(sb.Close)
			conns := platform.NewRegistry(weibo.New(weibo.Config{BaseURL: sb.URL + "/weibo", RIP: "203.0.113.9"}), telegram.New(sb.URL+"/telegram", nil))
			now := time.Now().UTC()
			var yesterday, never, today, byHand *ferry.Peer
			require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
				ws := &ferry.Workspace{Name: "Peers", TimeZone: "UTC"}
				require.NoError(t, tx.CreateWorkspace(ctx, ws))
				require.NoError(t, tx.CreateAccount(ctx, &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Weibo, ExternalID: "5000000001",
					Credentials: map[string]string{"access_token": "sandbox-weibo-5000000001"}}))
				require.NoError(t, tx.CreateAccount(ctx, &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Telegram, ExternalID: "@ferry_demo",
					Credentials: map[string]string{"bot_token": "100000001:sandbox-demo-bot-token-0001"}}))
				mk := func(p ferry.Platform, handle, remote string) *ferry.Peer {
					peer := &ferry.Peer{WorkspaceID: ws.ID, Platform: p, Handle: handle, RemoteID: remote, CreatedBy: "test"}
					require.NoError(t, tx.CreatePeer(ctx, peer))
					return peer
				}
				yesterday = mk(ferry.Weibo, "港聞速遞", "6000000123")
				never = mk(ferry.Telegram, "hk_daily_brief", "-1001")
				today = mk(ferry.Weibo, "城市文化誌", "6000000456")
				byHand = mk(ferry.Xiaohongshu, "港漂日记", "港漂日记")
				n := int64(10)
				require.NoError(t, tx.PutPeerReading(ctx, ferry.PeerReading{PeerID: yesterday.ID, At: now.Add(-25 * time.Hour), Followers: &n, Source: "platform"}))
				require.NoError(t, tx.PutPeerReading(ctx, ferry.PeerReading{PeerID: today.ID, At: now.Add(-time.Second), Followers: &n, Source: "platform"}))
				require.NoError(t, tx.PutPeerReading(ctx, ferry.PeerReading{PeerID: byHand.ID, At: now.Add(-48 * time.Hour), Followers: &n, Source: "manual"}))
				return nil
			}))

			log := slog.New(slog.DiscardHandler)
			engine := &delivery.Engine{DB: db, Connectors: conns, Log: log, Now: time.Now}
			client, err := jobs.New(db, jobs.Config{PollInterval: 50 * time.Millisecond, RescueAfter: time.Minute, AttemptTimeout: 30 * time.Second, MaxWorkers: 2, Logger: log}, engine)
			require.NoError(t, err)
			engine.Scheduler = client
			require.NoError(t, client.Start(ctx))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = client.Stop(ctx)
			})

			count := func(p *ferry.Peer) []ferry.PeerReading {
				rs, err := db.Read().PeerReadings(ctx, p.ID, time.Time{}, time.Time{})
				require.NoError(t, err)
				return rs
			}
			require.Eventually(t, func() bool {
				return len(count(yesterday)) == 2 && len(count(never)) == 1
			}, 30*time.Second, 100*time.Millisecond)
			got := count(never)[0]
			require.Equal(t, "platform", got.Source)
			require.NotNil(t, got.Followers, "subscribers through the bot")
			require.Nil(t, got.Posts)
			require.NotNil(t, count(yesterday)[1].Posts, "statuses from users/show")
			require.Len(t, count(today), 1, "read today already")
			require.Len(t, count(byHand), 1, "Xiaohongshu is read by hand")
		})
	}
}
