package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// workspaceRoutes are the workspace's own settings.
func (s *Server) workspaceRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/workspace", handler: s.getWorkspace, response: "Workspace",
			summary: "The workspace: its name, time zone, calendar region, and whether images must have alt text."},
		{method: "PATCH", path: "/api/v1/workspace", handler: s.patchWorkspace, request: "WorkspacePatch", response: "Workspace",
			summary: "Change the workspace's settings; fields left out are kept (admin). With require_alt_text, an image with neither alt text nor the decorative mark is an error (media_alt_required) that blocks scheduling."},
	}
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	ws, err := s.svc.Workspace(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ws)
	return nil
}

func (s *Server) patchWorkspace(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var patch service.WorkspacePatch
	if err := decode(w, r, &patch); err != nil {
		return err
	}
	ws, err := s.svc.PatchWorkspace(r.Context(), p, patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ws)
	return nil
}
