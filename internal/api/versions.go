package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
)

// versionRoutes are a story's version history.
func (s *Server) versionRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/stories/{id}/versions", handler: s.storyVersions, response: "VersionHistoryList",
			summary: "Every saved version of the story and of each variant, with who saved it and when; the story's history first (account absent), each oldest first."},
		{method: "GET", path: "/api/v1/stories/{id}/versions/diff", handler: s.storyVersionDiff, response: "VersionDiff",
			summary: "The difference between two versions of the story (`account_id` absent) or of one variant (`account_id`): `from` and `to` are version numbers, default the newest and the one before it. Character by character in Chinese, word by word in Latin text."},
	}
}

func (s *Server) storyVersions(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	hs, err := s.svc.Versions(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"histories": hs})
	return nil
}

func (s *Server) storyVersionDiff(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	d, err := s.svc.DiffVersions(r.Context(), p, r.PathValue("id"), q.Get("account_id"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
