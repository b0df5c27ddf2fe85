package weibo

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
)

// TestPeer_RecordedUsersShow reads Weibo's documented users/show sample
// (the repaired fixture) as a peer: by uid, then by nickname.
func TestPeer_RecordedUsersShow(t *testing.T) {
	t.Parallel()
	body := readRefdata(t, "fixtures", "weibo", "users_show.v2.repaired.json")
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/2/users/show.json", r.URL.Path)
		asked = append(asked, r.URL.Query().Encode())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL, RIP: testRIP})
	acct := demoAccount("5000000001")

	p, err := c.Peer(context.Background(), acct, "1404376560")
	require.NoError(t, err)
	require.Equal(t, "1404376560", p.RemoteID)
	require.Equal(t, "zaku", p.Handle)
	require.EqualValues(t, 1204, *p.Followers)
	require.EqualValues(t, 2908, *p.Posts)

	_, err = c.Peer(context.Background(), acct, "@zaku")
	require.NoError(t, err)
	require.Len(t, asked, 2)
	require.Contains(t, asked[0], "uid=1404376560")
	require.Contains(t, asked[1], "screen_name=zaku")
}

// TestPeer_UnknownUserIs20003 meets Weibo's answer for a user that does
// not exist, as its error envelope.
func TestPeer_UnknownUserIs20003(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"request":"/2/users/show.json","error_code":20003,"error":"User does not exists!"}`))
	}))
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL, RIP: testRIP})
	_, err := c.Peer(context.Background(), demoAccount("5000000001"), "nobody_here")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	pe := platform.Classify(err)
	require.Equal(t, "weibo:20003", pe.Code)
	require.Contains(t, pe.Message, "User does not exists!")

	_, err = c.Peer(context.Background(), demoAccount("5000000001"), "a b/c")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer))
}

func TestSandbox_Peer(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	acct := demoAccount(sandboxUID)
	byName, err := b.conn.Peer(context.Background(), acct, "港聞速遞")
	require.NoError(t, err)
	require.Equal(t, "港聞速遞", byName.Handle)
	require.NotNil(t, byName.Followers)
	require.NotNil(t, byName.Posts)
	byUID, err := b.conn.Peer(context.Background(), acct, byName.RemoteID)
	require.NoError(t, err)
	require.Equal(t, byName.RemoteID, byUID.RemoteID)
	require.Equal(t, *byName.Followers, *byUID.Followers)
	require.Equal(t, *byName.Posts, *byUID.Posts)

	_, err = b.conn.Peer(context.Background(), acct, "missing_account")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	require.Contains(t, platform.Classify(err).Message, "User does not exists!")
}
