package web

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// checksData is the pre-publish checks page: the lists, and the forms as
// sent.
type checksData struct {
	*service.Checks
	Term, Severity, Suggestion, Host string
	Done                             string
}

func (s *Server) checksPage(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	s.renderChecks(w, r, rq, http.StatusOK, checksData{Severity: string(ferry.SeverityWarning), Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderChecks(w http.ResponseWriter, r *http.Request, rq *request, status int, d checksData, errs map[string]string) {
	c, err := s.svc.Checks(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Checks = c
	s.renderSettings(w, r, rq, status, "checks", d, errs)
}

// checksForm answers the page's forms: add or delete a term, add or
// delete a site.
func (s *Server) checksForm(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	f, p := r.PostForm, rq.principal()
	d := checksData{Term: f.Get("term"), Severity: f.Get("severity"), Suggestion: f.Get("suggestion"), Host: f.Get("host")}
	var err error
	var form, done string
	switch f.Get("do") {
	case "add_term":
		form, done = "checks_term", "term_saved"
		_, err = s.svc.PutSensitiveTerm(r.Context(), p, service.SensitiveTermInput{Term: d.Term, Severity: ferry.Severity(d.Severity), Suggestion: d.Suggestion})
	case "delete_term":
		done = "term_deleted"
		err = s.svc.DeleteSensitiveTerm(r.Context(), p, d.Term)
		d.Term = ""
	case "add_host":
		form, done = "checks_host", "host_added"
		_, err = s.svc.AddBlockedHost(r.Context(), p, d.Host)
	case "delete_host":
		done = "host_deleted"
		err = s.svc.DeleteBlockedHost(r.Context(), p, d.Host)
		d.Host = ""
	default:
		s.fail(w, r, rq, ferry.Errorf(ferry.EINVALID, "Unknown action."))
		return
	}
	if errs := s.problems(rq, form, err, nil, nil); len(errs) > 0 {
		s.renderChecks(w, r, rq, http.StatusBadRequest, d, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/checks?done="+done, http.StatusSeeOther)
}
