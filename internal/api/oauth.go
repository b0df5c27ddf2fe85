package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// oauthRoutes start OAuth connection flows; the platform then sends the
// browser to /oauth/{platform}/callback, a page of the web UI.
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
	type method struct {
		service.ConnectionMethod
		Hint string `json:"hint"`
	}
	out := make([]method, 0, len(list))
	for _, m := range list {
		out = append(out, method{m, connectionHint(m)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"platforms": out})
	return nil
}

// connectionHint says, in the API's terms, how to connect accounts by m.
func connectionHint(m service.ConnectionMethod) string {
	switch m.Method {
	case service.MethodOAuth:
		if m.Configured {
			return fmt.Sprintf("POST /api/v1/connections/%s/start and open the authorize_url in a browser.", m.Platform)
		}
		return fmt.Sprintf("Set %s to connect %s accounts by signing in; meanwhile connect them with POST /api/v1/accounts.", strings.Join(m.Setup, " and "), m.Platform.Name())
	case service.MethodFacebook:
		return fmt.Sprintf("%s professional accounts are connected through Facebook: start the Facebook connection, and the %s accounts linked to your Pages are connected with them.", m.Platform.Name(), m.Platform.Name())
	case service.MethodBotToken:
		return fmt.Sprintf(`A %s channel is connected with a bot token: make the bot an administrator of the channel who may post, then POST /api/v1/accounts {"platform":"%s","external_id":"@channel","credentials":{"bot_token":"…"}}.`, m.Platform.Name(), m.Platform)
	}
	return fmt.Sprintf("%s has no publishing API: connect the account with POST /api/v1/accounts, and a person publishes.", m.Platform.Name())
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
