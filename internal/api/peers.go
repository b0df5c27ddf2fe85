package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// peerRoutes are the peers': public accounts the workspace follows for
// comparison with its own.
func (s *Server) peerRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/peers", handler: s.listPeers, response: "PeerList",
			summary: "The workspace's peers and its own accounts, each summed up from `from` to `to` (as account metrics; default the last 90 days): latest followers, growth, posts per week."},
		{method: "POST", path: "/api/v1/peers", handler: s.addPeer, request: "PeerInput", response: "Peer", status: http.StatusCreated,
			summary: "Follow a public account (editor). Ferry looks it up with a connected account of the platform (Weibo uid or nickname, Instagram professional username, Facebook Page id or username, public Telegram @channel); a handle the platform does not know is 422 with the platform's words. Xiaohongshu handles are taken as entered and read by hand."},
		{method: "GET", path: "/api/v1/peers/{id}/metrics", handler: s.peerMetrics, response: "PeerMetrics",
			summary: "A peer's readings from `from` to `to` (RFC 3339, or YYYY-MM-DD in the workspace's time zone, to inclusive; default the last 90 days) and their summary."},
		{method: "POST", path: "/api/v1/peers/{id}/readings", handler: s.recordPeerReading, request: "PeerReadingInput", response: "PeerMetrics", status: http.StatusCreated,
			summary: "Enter a reading of a peer by hand, as for Xiaohongshu; counts may be numbers or strings such as \"1.2万\" (editor)."},
		{method: "DELETE", path: "/api/v1/peers/{id}", handler: s.removePeer, status: http.StatusNoContent,
			summary: "Stop following a peer and forget its readings (editor)."},
	}
}

func (s *Server) listPeers(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	v, err := s.svc.Peers(r.Context(), p, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) addPeer(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.PeerInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.svc.AddPeer(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) peerMetrics(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	v, err := s.svc.PeerMetrics(r.Context(), p, r.PathValue("id"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) recordPeerReading(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.PeerReadingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.svc.RecordPeerReading(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) removePeer(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	if err := s.svc.RemovePeer(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// withPeerSchemas adds the peers' schemas to the document's.
func withPeerSchemas(m map[string]any) map[string]any {
	count := map[string]any{"type": []any{"integer", "null"}, "minimum": 0, "description": "null: the platform does not report it (posts of Facebook Pages and Telegram channels)."}
	countIn := map[string]any{"type": []any{"integer", "string", "null"}, "description": "A whole number, or a count as platforms show it: \"1,234\", \"1.2万\"."}
	number := map[string]any{"type": []any{"number", "null"}}
	plat := map[string]any{"type": "string", "enum": []any{"weibo", "xiaohongshu", "facebook", "instagram", "telegram"}}
	summary := obj([]string{"followers", "at", "growth", "growth_percent", "posts_per_week", "series"}, map[string]any{
		"followers": count, "at": nullTime,
		"growth":         map[string]any{"type": []any{"integer", "null"}, "description": "Followers at the last reading in the range minus at the first."},
		"growth_percent": number, "posts_per_week": number,
		"series": map[string]any{"type": "array", "items": integer, "description": "Followers at each reading, oldest first."}})
	peerProps := map[string]any{"id": str, "workspace_id": str, "platform": plat,
		"handle": str, "remote_id": map[string]any{"type": "string", "description": "The platform's id of the account; the handle for Xiaohongshu."},
		"name": str, "created_by": str, "created_at": dateTime, "summary": summary}
	peer := obj([]string{"id", "platform", "handle", "remote_id", "summary"}, peerProps)
	reading := obj([]string{"at", "followers", "posts", "source"}, map[string]any{"at": dateTime, "followers": count, "posts": count,
		"source": map[string]any{"type": "string", "enum": []any{"platform", "manual"}}})
	metricsProps := map[string]any{"from": dateTime, "to": nullTime, "readings": map[string]any{"type": "array", "items": reading}}
	for k, v := range peerProps {
		metricsProps[k] = v
	}
	m["Peer"] = peer
	m["PeerInput"] = obj([]string{"platform", "handle"}, map[string]any{"platform": plat,
		"handle": map[string]any{"type": "string", "maxLength": 200, "description": "Weibo uid or nickname; Instagram username; Facebook Page id, username or address; Telegram @channel or t.me link; Xiaohongshu name or id."}})
	m["PeerReadingInput"] = obj(nil, map[string]any{"followers": countIn, "posts": countIn,
		"at": map[string]any{"type": "string", "format": "date-time", "description": "When the counts were read; default now."}})
	m["PeerMetrics"] = obj([]string{"id", "platform", "handle", "summary", "from", "readings"}, metricsProps)
	m["PeerList"] = obj([]string{"from", "to", "peers", "own"}, map[string]any{"from": dateTime, "to": nullTime,
		"peers": map[string]any{"type": "array", "items": peer},
		"own": map[string]any{"type": "array", "items": obj([]string{"account_id", "platform", "name", "summary"}, map[string]any{
			"account_id": str, "platform": plat, "name": str, "summary": summary})}})
	return m
}
