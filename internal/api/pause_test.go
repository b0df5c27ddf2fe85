package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The pause endpoints: admins and owners only, 409 when already paused or
// not paused, 400 on a bad reason or due, and GET tells everyone.
func TestPause_PauseAndResumeTheWorkspace(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			editor := b.newToken(t, b.workspaceID, "editor@ferry.example", ferry.RoleEditor)

			var st struct {
				Paused    bool
				Workspace *ferry.Pause
				Pauses    []ferry.Pause
				Held      []ferry.Publication
			}
			resp := b.doAs(t, editor, "GET", "/api/v1/pause", nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &st)
			require.False(t, st.Paused)

			resp = b.doAs(t, editor, "POST", "/api/v1/pause", map[string]any{"reason": "breaking_news"})
			require.Equal(t, http.StatusForbidden, resp.status, "%s", resp.body)
			resp = b.do(t, "POST", "/api/v1/pause", map[string]any{"reason": "because"})
			require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
			require.Contains(t, resp.apiError(t).Error.Details, "reason")
			resp = b.do(t, "POST", "/api/v1/pause", map[string]any{"reason": "other"})
			require.Equal(t, http.StatusBadRequest, resp.status, "other needs a note: %s", resp.body)
			resp = b.do(t, "POST", "/api/v1/pause", map[string]any{"reason": "mourning", "note": "National day of mourning"})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			resp.decode(t, &st)
			require.True(t, st.Paused)
			require.Equal(t, ferry.PauseMourning, st.Workspace.Reason)
			require.Equal(t, "National day of mourning", st.Workspace.Note)
			resp = b.do(t, "POST", "/api/v1/pause", map[string]any{"reason": "mourning"})
			require.Equal(t, http.StatusConflict, resp.status, "%s", resp.body)

			resp = b.doAs(t, editor, "GET", "/api/v1/pause", nil)
			resp.decode(t, &st)
			require.True(t, st.Paused, "every member sees it")

			resp = b.doAs(t, editor, "DELETE", "/api/v1/pause", map[string]any{"due": "send"})
			require.Equal(t, http.StatusForbidden, resp.status, "%s", resp.body)
			resp = b.do(t, "DELETE", "/api/v1/pause", map[string]any{"due": "later"})
			require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
			resp = b.do(t, "DELETE", "/api/v1/pause", map[string]any{"due": "send"})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			var res struct{ Ended []ferry.Pause }
			resp.decode(t, &res)
			require.Len(t, res.Ended, 1)
			require.NotNil(t, res.Ended[0].EndedAt)
			resp = b.do(t, "DELETE", "/api/v1/pause", map[string]any{"due": "send"})
			require.Equal(t, http.StatusConflict, resp.status, "%s", resp.body)
			resp = b.do(t, "GET", "/api/v1/pause", nil)
			st.Workspace = nil
			resp.decode(t, &st)
			require.False(t, st.Paused)
		})
	}
}
