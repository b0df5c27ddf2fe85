package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// handoffRoutes are Xiaohongshu handoffs': confirming a note published by
// hand, reading a publication's handoff, and the workspace's notification
// settings (its webhook). The handoff page itself is served outside the
// API, behind its signed link (internal/handoff).
func (s *Server) handoffRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/publications/{id}/confirm", handler: s.confirmHandoff, request: "HandoffConfirmation", response: "Publication",
			summary: "Confirm that a publication in `handoff` was published by hand, with the note's URL (xiaohongshu.com/explore/<id> or xhslink.com/…): it becomes published (editor)."},
		{method: "GET", path: "/api/v1/publications/{id}/handoff", handler: s.getHandoff, response: "Handoff",
			summary: "A publication's latest handoff: state, deadline, note URL; editors also get the signed page's link."},
		{method: "GET", path: "/api/v1/notifications/settings", handler: s.getNotificationSettings, response: "NotificationSettings",
			summary: "The workspace's notification settings: its webhook, and whether email and Telegram are configured (admin)."},
		{method: "PUT", path: "/api/v1/notifications/settings", handler: s.putNotificationSettings, request: "NotificationSettingsInput", response: "NotificationSettings",
			summary: "Set or remove the workspace's webhook; without a secret Ferry makes one and shows it once (admin).",
			responses: map[string]any{"422": map[string]any{
				"description": "The webhook URL is, or its name resolves to, an address inside the server's own network, which Ferry never sends requests to: error.code is unprocessable and error.details.webhook_url the reason (loopback, private, link_local, multicast, unspecified, reserved). Nothing was saved. An operator can allow addresses with FERRY_OUTBOUND_ALLOW.",
				"content":     map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}}},
	}
}

func (s *Server) confirmHandoff(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.HandoffConfirmation
	if err := decode(w, r, &in); err != nil {
		return err
	}
	pub, err := s.svc.ConfirmHandoff(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pub)
	return nil
}

func (s *Server) getHandoff(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	v, err := s.svc.Handoff(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) getNotificationSettings(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	v, err := s.svc.NotificationSettings(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) putNotificationSettings(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.NotificationSettingsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.svc.UpdateNotificationSettings(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// Schemas of the handoff routes, listed in schemas().
var (
	handoffConfirmationSchema = obj([]string{"url"}, map[string]any{"url": map[string]any{"type": "string",
		"description": "The note's address, https://www.xiaohongshu.com/explore/<id> or https://xhslink.com/…; the app's share text is accepted."}})
	handoffSchema = obj(nil, map[string]any{"id": str, "publication_id": str, "version": integer,
		"state": map[string]any{"type": "string", "enum": []any{"open", "confirmed", "missed", "withdrawn"},
			"description": "withdrawn: the story was edited or deleted (or the account removed) while the handoff was open."},
		"due_at": dateTime, "deadline_at": dateTime,
		"expires_at": map[string]any{"type": "string", "format": "date-time", "description": "When the page's link stops working."},
		"url":        str, "closed_by": str, "closed_at": dateTime, "created_at": dateTime,
		"page_url": map[string]any{"type": "string", "format": "uri", "description": "The signed handoff page (editors and above)."}})
	notificationSettingsSchema = obj(nil, map[string]any{"webhook_url": str, "webhook_secret_set": boolean,
		"webhook_secret": map[string]any{"type": "string", "description": "Only in the answer that generated it."},
		"email":          map[string]any{"type": "boolean", "description": "FERRY_SMTP_URL is set."},
		"telegram":       map[string]any{"type": "boolean", "description": "FERRY_NOTIFY_TELEGRAM_BOT_TOKEN is set."},
		"updated_at":     nullTime})
	notificationSettingsInputSchema = obj(nil, map[string]any{"webhook_url": map[string]any{"type": "string", "description": "Empty removes the webhook."},
		"webhook_secret": map[string]any{"type": "string", "minLength": 16, "maxLength": 256,
			"description": "Signs each delivery: X-Ferry-Signature: sha256=<hex HMAC-SHA256 of the body>. Omitted: Ferry makes one."}})
)
