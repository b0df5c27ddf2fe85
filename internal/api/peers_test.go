package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestPeers_API adds a Weibo peer through the sandbox, refuses a handle
// Weibo does not know (422, Weibo's words beside the handle) and an
// unknown platform (400), lists, reads and removes; viewers read only.
func TestPeers_API(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			sb := httptest.NewServer(sandbox.New())
			t.Cleanup(sb.Close)
			b.server.svc.Connectors = platform.NewRegistry(weibo.New(weibo.Config{BaseURL: sb.URL + "/weibo", RIP: "203.0.113.9"}))
			require.NoError(t, b.db.Write().CreateAccount(context.Background(), &ferry.Account{WorkspaceID: b.workspaceID, Platform: ferry.Weibo,
				ExternalID: "5000000001", Name: "Ours", Credentials: map[string]string{"access_token": "sandbox-weibo-5000000001"}, Health: ferry.HealthConnected}))

			r := b.do(t, "POST", "/api/v1/peers", map[string]string{"platform": "weibo", "handle": "missing_someone"})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
			e := r.apiError(t)
			require.Equal(t, ferry.EUNPROCESSABLE, e.Error.Code)
			require.Contains(t, e.Error.Details["handle"], "User does not exists!")

			r = b.do(t, "POST", "/api/v1/peers", map[string]string{"platform": "myspace", "handle": "tom"})
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			require.Contains(t, r.apiError(t).Error.Details, "platform")

			r = b.do(t, "POST", "/api/v1/peers", map[string]string{"platform": "weibo", "handle": "城市文化誌"})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var peer struct {
				ID      string `json:"id"`
				Handle  string `json:"handle"`
				Summary struct {
					Followers *int64 `json:"followers"`
				} `json:"summary"`
			}
			r.decode(t, &peer)
			require.Equal(t, "城市文化誌", peer.Handle)
			require.NotNil(t, peer.Summary.Followers)

			viewer := b.newToken(t, b.workspaceID, "viewer@ferry.example", ferry.RoleViewer)
			r = b.doAs(t, viewer, "GET", "/api/v1/peers", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var list struct {
				Peers []map[string]any `json:"peers"`
				Own   []map[string]any `json:"own"`
			}
			r.decode(t, &list)
			require.Len(t, list.Peers, 1)
			require.Len(t, list.Own, 1)

			r = b.doAs(t, viewer, "GET", "/api/v1/peers/"+peer.ID+"/metrics?from=2020-01-01", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r = b.doAs(t, viewer, "DELETE", "/api/v1/peers/"+peer.ID, nil)
			require.Equal(t, http.StatusForbidden, r.status)
			r = b.do(t, "GET", "/api/v1/peers/"+peer.ID+"/metrics?from=tomorrow", nil)
			require.Equal(t, http.StatusBadRequest, r.status)

			r = b.do(t, "DELETE", "/api/v1/peers/"+peer.ID, nil)
			require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
			r = b.do(t, "GET", "/api/v1/peers/"+peer.ID+"/metrics", nil)
			require.Equal(t, http.StatusNotFound, r.status)
		})
	}
}
