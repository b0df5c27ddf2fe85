package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
)

// cancelRoutes are the routes of honest cancels: taking a live post down.
func (s *Server) cancelRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/publications/{id}/delete-post", handler: s.deleteLivePost, response: "Publication",
			summary: "Delete a published post from its platform (editor; audited): Weibo, Facebook and Telegram (an album: every one of its messages, remote_ids, in one deleteMessages call). The publication becomes canceled with reason post_deleted. Instagram cannot, a Xiaohongshu note is deleted by a person, and a Telegram album published before Ferry recorded every message id is deleted in Telegram: 409 saying so; the platform refusing: 422."},
	}
}

func (s *Server) deleteLivePost(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	pub, err := s.svc.DeleteLivePost(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pub)
	return nil
}
