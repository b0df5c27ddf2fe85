package web

import (
	"net/http"
)

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, rq *request) {
	d, err := s.svc.Dashboard(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "dashboard.title")
	v.Data = d
	s.pages.Render(w, r, http.StatusOK, "dashboard.html", v)
}
