package facebook

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph/graphtest"
)

// TestPeer_RecordedPage reads the recorded Page (fan_count only) as a
// peer, by username and by its facebook.com address.
func TestPeer_RecordedPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := fixture(t, "facebook/apidata/pages/single_fields_page.json")
	b.fake.Handle("GET /v23.0/facebookapp", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "id,name,username,followers_count,fan_count", c.Query.Get("fields"))
		graphtest.Raw(w, body)
	})
	for _, h := range []string{"facebookapp", "@facebookapp", "https://www.facebook.com/facebookapp/"} {
		p, err := b.fb.Peer(context.Background(), acct, h)
		require.NoError(t, err, h)
		require.Equal(t, "20531316728", p.RemoteID)
		require.Equal(t, "facebookapp", p.Handle)
		require.Equal(t, "Facebook", p.Name)
		require.Equal(t, int64(214507731), *p.Followers, "fan_count where followers_count is absent")
		require.Nil(t, p.Posts)
	}
}

func TestPeer_UnknownAlias(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("GET /v23.0/nosuchpage", func(w http.ResponseWriter, _ graphtest.Call) {
		graphtest.Error(w, 404, 803, 0, "(#803) Some of the aliases you requested do not exist: nosuchpage")
	})
	_, err := b.fb.Peer(context.Background(), acct, "nosuchpage")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	require.Equal(t, "Facebook: (#803) Some of the aliases you requested do not exist: nosuchpage", platform.Classify(err).Message)

	_, err = b.fb.Peer(context.Background(), acct, "not a page!")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer))
}

// TestSandbox_Peer looks Pages up in the sandbox: by username, and one
// that does not exist (#803).
func TestSandbox_Peer(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	p, err := b.fb.Peer(context.Background(), b.acct, "https://www.facebook.com/harbourtimes")
	require.NoError(t, err)
	require.Equal(t, "harbourtimes", p.Handle)
	require.NotEmpty(t, p.RemoteID)
	require.Positive(t, *p.Followers)
	again, err := b.fb.Peer(context.Background(), b.acct, p.RemoteID)
	require.NoError(t, err)
	require.Equal(t, *p.Followers, *again.Followers, "read by its id, the same Page")

	_, err = b.fb.Peer(context.Background(), b.acct, "missingpage")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	require.Contains(t, platform.Classify(err).Message, "(#803)")
}
