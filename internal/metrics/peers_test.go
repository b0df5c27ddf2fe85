package metrics_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestCollectPeer reads a Weibo peer through the sandbox once a day, and
// skips without an error (to try again tomorrow) a peer Weibo no longer
// knows and one whose workspace has no connected Weibo account left.
func TestCollectPeer(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, be)
			sb := httptest.NewServer(sandbox.New())
			t.Cleanup(sb.Close)
			c := metrics.New(db, platform.NewRegistry(weibo.New(weibo.Config{BaseURL: sb.URL + "/weibo", RIP: "203.0.113.9"})), slog.New(slog.DiscardHandler))
			var live, gone, orphan *ferry.Peer
			require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
				ws := &ferry.Workspace{Name: "A", TimeZone: "Asia/Hong_Kong"}
				require.NoError(t, tx.CreateWorkspace(ctx, ws))
				require.NoError(t, tx.CreateAccount(ctx, &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Weibo, ExternalID: "5000000001",
					Credentials: map[string]string{"access_token": "sandbox-weibo-5000000001"}}))
				live = &ferry.Peer{WorkspaceID: ws.ID, Platform: ferry.Weibo, Handle: "港聞速遞", RemoteID: "6000000123", CreatedBy: "t"}
				gone = &ferry.Peer{WorkspaceID: ws.ID, Platform: ferry.Weibo, Handle: "gone", RemoteID: "9999000001", CreatedBy: "t"}
				require.NoError(t, tx.CreatePeer(ctx, live))
				require.NoError(t, tx.CreatePeer(ctx, gone))
				other := &ferry.Workspace{Name: "B"}
				require.NoError(t, tx.CreateWorkspace(ctx, other))
				orphan = &ferry.Peer{WorkspaceID: other.ID, Platform: ferry.Weibo, Handle: "港聞速遞", RemoteID: "6000000123", CreatedBy: "t"}
				return tx.CreatePeer(ctx, orphan)
			}))

			due, err := c.PeersDue(ctx)
			require.NoError(t, err)
			require.Len(t, due, 3)
			require.Equal(t, time.Now().In(time.FixedZone("HKT", 8*3600)).Format(time.DateOnly), due[slicesIndex(due, live.ID)].Day, "today in the workspace's zone")

			stored, err := c.CollectPeer(ctx, live.ID)
			require.NoError(t, err)
			require.True(t, stored)
			stored, err = c.CollectPeer(ctx, live.ID)
			require.NoError(t, err)
			require.False(t, stored, "once a day")
			for _, p := range []*ferry.Peer{gone, orphan} {
				stored, err := c.CollectPeer(ctx, p.ID)
				require.NoError(t, err, p.Handle)
				require.False(t, stored)
			}
			due, err = c.PeersDue(ctx)
			require.NoError(t, err)
			require.Len(t, due, 2, "the peer read today is not due")
		})
	}
}

func slicesIndex(due []metrics.PeerDue, id string) int {
	for i, d := range due {
		if d.PeerID == id {
			return i
		}
	}
	return -1
}
