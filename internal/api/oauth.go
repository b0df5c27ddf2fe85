package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
)

// oauthRoutes start OAuth connection flows; the platform then sends the
// browser to /oauth/{platform}/callback (OAuthCallback), outside the API.
func (s *Server) oauthRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/connections", handler: s.listConnectionMethods, response: "ConnectionMethodList",
			summary: "How accounts of each platform are connected: OAuth (and whether it is configured, with the redirect URI to register), through Facebook, a bot token, or by hand."},
		{method: "POST", path: "/api/v1/connections/{platform}/start", handler: s.startConnection, response: "ConnectionStart",
			summary: "Start connecting weibo or facebook accounts by signing in (admin): open authorize_url in a browser within its expiry; it works once. Facebook also connects the Instagram accounts linked to the Pages."},
	}
}

func (s *Server) listConnectionMethods(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	list, err := s.svc.ConnectionMethods(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"platforms": list})
	return nil
}

func (s *Server) startConnection(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	start, err := s.svc.StartConnection(r.Context(), p, ferry.Platform(r.PathValue("platform")))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, start)
	return nil
}
