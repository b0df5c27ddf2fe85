package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// checkRoutes are the pre-publish checks' lists.
func (s *Server) checkRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/checks", handler: s.getChecks, response: "Checks",
			summary: "The workspace's pre-publish checks: its sensitive terms, its own blocked sites and the maintained list of sites readers in mainland China cannot open (links to them are a warning on Weibo and Xiaohongshu variants)."},
		{method: "PUT", path: "/api/v1/checks/terms", handler: s.putSensitiveTerm, request: "SensitiveTermInput", response: "SensitiveTerm",
			summary: "Add a sensitive term or change its severity and suggested wording (admin). A term found in a variant is a problem `sensitive_term` of its severity: an error blocks scheduling. Terms match in every Chinese script and ignoring case."},
		{method: "DELETE", path: "/api/v1/checks/terms/{term}", handler: s.deleteSensitiveTerm, status: http.StatusNoContent,
			summary: "Remove a sensitive term (admin)."},
		{method: "POST", path: "/api/v1/checks/hosts", handler: s.addBlockedHost, request: "BlockedHostInput", response: "BlockedHostInput", status: http.StatusCreated,
			summary: "Add a site to the workspace's blocked list (admin); its subdomains are covered too."},
		{method: "DELETE", path: "/api/v1/checks/hosts/{host}", handler: s.deleteBlockedHost, status: http.StatusNoContent,
			summary: "Remove a site from the workspace's own blocked list (admin); the maintained list stays."},
	}
}

func (s *Server) getChecks(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	c, err := s.svc.Checks(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) putSensitiveTerm(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.SensitiveTermInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.svc.PutSensitiveTerm(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteSensitiveTerm(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	if err := s.svc.DeleteSensitiveTerm(r.Context(), p, r.PathValue("term")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type blockedHostInput struct {
	Host string `json:"host"`
}

func (s *Server) addBlockedHost(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in blockedHostInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.svc.AddBlockedHost(r.Context(), p, in.Host)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, blockedHostInput{Host: h})
	return nil
}

func (s *Server) deleteBlockedHost(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	if err := s.svc.DeleteBlockedHost(r.Context(), p, r.PathValue("host")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
