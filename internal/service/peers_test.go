package service_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/telegram"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// withSandboxPeers wires Weibo and Telegram connectors to a sandbox and
// connects one account of each.
func withSandboxPeers(t *testing.T, b *testBundle) {
	t.Helper()
	sb := sandbox.New(sandbox.WithClock(func() time.Time { return b.now }))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	b.svc.Connectors = platform.NewRegistry(
		weibo.New(weibo.Config{BaseURL: srv.URL + "/weibo", RIP: "203.0.113.9"}),
		telegram.New(srv.URL+"/telegram", nil),
	)
	b.svc.VerifyTimeout = 5 * time.Second
	ctx := context.Background()
	require.NoError(t, b.db.Write().CreateAccount(ctx, &ferry.Account{WorkspaceID: b.ws.ID, Platform: ferry.Weibo, ExternalID: "5000000001", Name: "Our Weibo",
		Credentials: map[string]string{"access_token": "sandbox-weibo-5000000001"}, Health: ferry.HealthConnected}))
	require.NoError(t, b.db.Write().CreateAccount(ctx, &ferry.Account{WorkspaceID: b.ws.ID, Platform: ferry.Telegram, ExternalID: "@ferry_demo", Name: "Our channel",
		Credentials: map[string]string{"bot_token": "100000001:sandbox-demo-bot-token-0001"}, Health: ferry.HealthConnected}))
}

func TestPeers_AddListReadRemove(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := setup(t, be)
			withSandboxPeers(t, b)

			wb, err := b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "weibo", Handle: "@港聞速遞"})
			require.NoError(t, err)
			require.Equal(t, "港聞速遞", wb.Handle)
			require.NotEmpty(t, wb.RemoteID)
			require.NotNil(t, wb.Summary.Followers, "the look-up is the first reading")

			tg, err := b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "Telegram", Handle: "https://t.me/hk_daily_brief"})
			require.NoError(t, err)
			require.Equal(t, ferry.Telegram, tg.Platform)
			require.Equal(t, "hk_daily_brief", tg.Handle)

			_, err = b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "weibo", Handle: "港聞速遞"})
			require.True(t, ferry.IsCode(err, ferry.ECONFLICT), "the same account twice: %v", err)

			// Xiaohongshu: taken as entered, read by hand.
			xhs, err := b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "xiaohongshu", Handle: "港漂日记"})
			require.NoError(t, err)
			require.Nil(t, xhs.Summary.Followers)
			at := b.now.Add(-14 * 24 * time.Hour)
			_, err = b.svc.RecordPeerReading(ctx, b.editor(), xhs.ID, service.PeerReadingInput{At: &at, Followers: service.CountText("1.2万"), Posts: service.CountText("300")})
			require.NoError(t, err)
			m, err := b.svc.RecordPeerReading(ctx, b.editor(), xhs.ID, service.PeerReadingInput{Followers: service.CountText("12,600"), Posts: service.CountText("314")})
			require.NoError(t, err)
			require.Len(t, m.Readings, 2)
			require.Equal(t, "manual", m.Readings[1].Source)
			require.EqualValues(t, 600, *m.Summary.Growth)
			require.InDelta(t, 5.0, *m.Summary.GrowthPercent, 0.001)
			require.InDelta(t, 7.0, *m.Summary.PostsPerWeek, 0.001, "14 posts in two weeks")
			require.Equal(t, []int64{12000, 12600}, m.Summary.Series)

			_, err = b.svc.RecordPeerReading(ctx, b.editor(), xhs.ID, service.PeerReadingInput{Followers: service.CountText("lots")})
			require.True(t, ferry.IsCode(err, ferry.EINVALID))
			require.Contains(t, peerDetails(t, err), "followers")

			list, err := b.svc.Peers(ctx, b.as[ferry.RoleViewer], "", "")
			require.NoError(t, err)
			require.Len(t, list.Peers, 3)
			require.Equal(t, ferry.Telegram, list.Peers[0].Platform, "by platform, then handle")
			require.Len(t, list.Own, 2, "the team's own accounts, side by side")

			require.NoError(t, b.svc.RemovePeer(ctx, b.editor(), tg.ID))
			_, err = b.svc.PeerMetrics(ctx, b.editor(), tg.ID, "", "")
			require.True(t, ferry.IsCode(err, ferry.ENOTFOUND))
			rs, err := b.db.Read().PeerReadings(ctx, tg.ID, time.Time{}, time.Time{})
			require.NoError(t, err)
			require.Empty(t, rs, "its readings go with it")
		})
	}
}

func TestPeers_Refusals(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := setup(t, be)
			withSandboxPeers(t, b)

			_, err := b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "weibo", Handle: "missing_nobody"})
			require.True(t, ferry.IsCode(err, ferry.EUNPROCESSABLE), "%v", err)
			require.Contains(t, err.Error(), "User does not exists!", "the platform's words")
			require.Contains(t, peerDetails(t, err)["handle"], "User does not exists!")

			_, err = b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "telegram", Handle: "@missing_channel"})
			require.True(t, ferry.IsCode(err, ferry.EUNPROCESSABLE))
			require.Contains(t, err.Error(), "chat not found")

			_, err = b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "myspace", Handle: "tom"})
			require.True(t, ferry.IsCode(err, ferry.EINVALID))
			require.Contains(t, peerDetails(t, err), "platform")

			_, err = b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "instagram", Handle: "hk.culture"})
			require.True(t, ferry.IsCode(err, ferry.EUNPROCESSABLE), "no connected Instagram account to look with")
			require.Contains(t, err.Error(), "Connect an Instagram account first")

			_, err = b.svc.AddPeer(ctx, b.editor(), service.PeerInput{Platform: "weibo", Handle: "  "})
			require.True(t, ferry.IsCode(err, ferry.EINVALID))

			_, err = b.svc.AddPeer(ctx, b.as[ferry.RoleViewer], service.PeerInput{Platform: "weibo", Handle: "港聞速遞"})
			require.True(t, ferry.IsCode(err, ferry.EFORBIDDEN), "viewers read, editors add")

			peers, err := b.db.Read().Peers(ctx, b.ws.ID)
			require.NoError(t, err)
			require.Empty(t, peers, "nothing half-saved")
		})
	}
}

func peerDetails(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *ferry.Error
	require.ErrorAs(t, err, &e)
	d, _ := e.Details.(map[string]string)
	return d
}
