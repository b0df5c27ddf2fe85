package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph/graphtest"
)

// TestPeer_RecordedBusinessDiscovery reads the recorded business_discovery
// answer (with media_count added, which the recording did not ask for) as
// a peer.
func TestPeer_RecordedBusinessDiscovery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "instagram/apidata/discovery/user_fields.json"), &rec))
	rec["business_discovery"].(map[string]any)["media_count"] = 1204
	b.fake.Handle("GET /v23.0/"+user, func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "business_discovery.username(facebook){id,username,name,followers_count,media_count}", c.Query.Get("fields"))
		graphtest.JSON(w, rec)
	})
	p, err := b.ig.Peer(context.Background(), acct, "@facebook")
	require.NoError(t, err)
	require.Equal(t, "17841400455970028", p.RemoteID)
	require.Equal(t, "facebook", p.Handle)
	require.Equal(t, int64(3502538), *p.Followers)
	require.Equal(t, int64(1204), *p.Posts)
}

// TestPeer_CannotFindUser is business_discovery's answer for a username
// that is not a professional account.
func TestPeer_CannotFindUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("GET /v23.0/"+user, func(w http.ResponseWriter, _ graphtest.Call) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"Invalid user id","type":"OAuthException","code":110,"error_subcode":2207013,"is_transient":false,"error_user_title":"Cannot find User","error_user_msg":"The user with username: nobody.here cannot be found.","fbtrace_id":"AFakeTrace"}}`))
	})
	_, err := b.ig.Peer(context.Background(), acct, "nobody.here")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	require.Equal(t, "Instagram: The user with username: nobody.here cannot be found.", platform.Classify(err).Message)

	_, err = b.ig.Peer(context.Background(), acct, "x){id}")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer))
}

// TestSandbox_Peer discovers accounts in the sandbox; a username starting
// with "missing" is one Instagram "cannot find".
func TestSandbox_Peer(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	ig := b.connector(http.DefaultTransport)
	p, err := ig.Peer(context.Background(), b.acct, "harbour.eats")
	require.NoError(t, err)
	require.Equal(t, "harbour.eats", p.Handle)
	require.Positive(t, *p.Followers)
	require.Positive(t, *p.Posts)

	_, err = ig.Peer(context.Background(), b.acct, "missing.account")
	require.True(t, errors.Is(err, platform.ErrNoSuchPeer), "%v", err)
	require.Equal(t, "Instagram: The user with username: missing.account cannot be found.", platform.Classify(err).Message)
}
