package telegram

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
)

// TestPeer_PublicChannel reads a public channel the bot is not in by
// @username, with requests and answers checked against the Bot API spec.
func TestPeer_PublicChannel(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := New(f.URL, nil)
	for _, h := range []string{"@hk_news_daily", "hk_news_daily", "https://t.me/hk_news_daily"} {
		p, err := c.Peer(context.Background(), acct, h)
		require.NoError(t, err, h)
		require.Equal(t, "-1001987654321", p.RemoteID)
		require.Equal(t, "hk_news_daily", p.Handle)
		require.Equal(t, "Ferry News", p.Name)
		require.Equal(t, int64(48213), *p.Followers)
		require.Nil(t, p.Posts, "the Bot API gives no post counts")
	}
	calls := f.Calls()
	require.Equal(t, "getChat", calls[0].Method)
	require.Equal(t, "@hk_news_daily", calls[0].Params["chat_id"])
	require.Equal(t, "getChatMemberCount", calls[1].Method)
}

func TestPeer_ChatNotFound(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := New(f.URL, nil)
	_, err := c.Peer(context.Background(), acct, "@missing_channel")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	require.Equal(t, "Telegram: Bad Request: chat not found", platform.Classify(err).Message)

	_, err = c.Peer(context.Background(), acct, "@ab")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "too short for a channel username")
	require.Len(t, f.Calls(), 1, "a name that cannot be a channel's is not asked about")
}
