package api

import (
	"net/http"
	"strconv"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// noticeRoutes are the caller's own notices (service/notices.go).
func (s *Server) noticeRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/notices", handler: s.listNotices, response: "NoticePage",
			summary: "The caller's notices in this workspace, newest first (?unread=true for the unread only; ?limit 1–200, default 50; ?cursor from next_cursor), and the unread count."},
		{method: "POST", path: "/api/v1/notices/read", handler: s.readNotices, request: "NoticesRead", response: "NoticesReadResult",
			summary: "Mark the caller's notices read: those in ids, or all with all: true."},
		{method: "GET", path: "/api/v1/notices/preferences", handler: s.getNoticePrefs, response: "NoticePreferences",
			summary: "How the caller hears of each kind of notice beside the inbox: by email (off, now, or in a daily digest at 08:00 in the workspace's time zone) and by Telegram (off or now), with the defaults applied."},
		{method: "PUT", path: "/api/v1/notices/preferences", handler: s.putNoticePrefs, request: "NoticePreferencesInput", response: "NoticePreferences",
			summary: "Change the caller's notice preferences: the kinds and channels named (others stay as they are), and the Telegram chat the notification bot writes to."},
	}
}

func (s *Server) listNotices(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return ferry.Errorf(ferry.EINVALID, "limit must be a number from 1 to 200.").WithDetails(map[string]string{"limit": "out of range"})
		}
		limit = n
	}
	unread := false
	switch q.Get("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return ferry.Errorf(ferry.EINVALID, "unread must be true or false.").WithDetails(map[string]string{"unread": "not a boolean"})
	}
	page, err := s.svc.Inbox(r.Context(), p, unread, q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": page.Notices, "unread": page.Unread, "next_cursor": page.Next})
	return nil
}

func (s *Server) readNotices(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in struct {
		IDs []string `json:"ids"`
		All bool     `json:"all"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n, err := s.svc.MarkNoticesRead(r.Context(), p, in.IDs, in.All)
	if err != nil {
		return err
	}
	unread, err := s.svc.UnreadNotices(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"marked": n, "unread": unread})
	return nil
}

func (s *Server) getNoticePrefs(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	v, err := s.svc.NoticePrefs(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) putNoticePrefs(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.NoticePrefsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.svc.SetNoticePrefs(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// noticeSchemas are the notices' schemas, used in schemas().
func noticeSchemas() map[string]any {
	var kinds, channels []any
	for _, k := range ferry.NoticeKinds {
		kinds = append(kinds, string(k))
	}
	for _, c := range ferry.NoticeChannels {
		channels = append(channels, string(c))
	}
	kind := map[string]any{"type": "string", "enum": kinds}
	data := map[string]any{"type": "object", "additionalProperties": str,
		"description": "The words' arguments as things stood: story, story_id, account, account_id, platform, reason (English), reason_code, reason_args, comment, expires."}
	target := obj([]string{"type", "id"}, map[string]any{"type": str, "id": str})
	pref := obj([]string{"kind", "channel", "mode"}, map[string]any{"kind": kind,
		"channel": map[string]any{"type": "string", "enum": channels},
		"mode":    map[string]any{"type": "string", "enum": []any{"off", "now", "digest"}, "description": "digest: email only, once a day."}})
	return map[string]any{
		"Notice": obj([]string{"id", "kind", "actor", "target_type", "target_id", "data", "created_at"}, map[string]any{
			"id": str, "kind": kind, "actor": map[string]any{"type": "string", "description": "user:<id> or system."}, "actor_name": str,
			"target_type": str, "target_id": str, "data": data, "created_at": dateTime, "read_at": nullTime}),
		"NoticePage": obj([]string{"notices", "unread"}, map[string]any{"notices": map[string]any{"type": "array", "items": ref("Notice")},
			"unread": integer, "next_cursor": str}),
		"NoticesRead":       obj(nil, map[string]any{"ids": map[string]any{"type": "array", "items": str, "maxItems": 500}, "all": boolean}),
		"NoticesReadResult": obj([]string{"marked", "unread"}, map[string]any{"marked": integer, "unread": integer}),
		"NoticePreferences": obj([]string{"prefs", "telegram_chat_id", "email_on", "telegram_on"}, map[string]any{
			"prefs": map[string]any{"type": "array", "items": pref}, "telegram_chat_id": str,
			"email_on":    map[string]any{"type": "boolean", "description": "This Ferry sends email (SMTP is configured)."},
			"telegram_on": map[string]any{"type": "boolean", "description": "This Ferry has a notification bot."}}),
		"NoticePreferencesInput": obj(nil, map[string]any{"prefs": map[string]any{"type": "array", "items": pref},
			"telegram_chat_id": map[string]any{"type": "string", "description": "A chat id, or a public @channel; \"\" for none. Start a chat with the notification bot first."}}),
		"NoticeWebhook": obj([]string{"event", "kind", "workspace_id", "actor", "target", "data", "at", "delivery_id"}, map[string]any{
			"event": map[string]any{"type": "string", "description": "The audit action, e.g. publication.failed."}, "kind": kind,
			"workspace_id": str, "actor": str, "target": target, "data": data, "at": dateTime,
			"delivery_id": map[string]any{"type": "string", "description": "The same across retries of one delivery."}}),
	}
}

// noticeWebhooks documents what the workspace's webhook receives for
// notices (the OpenAPI document's webhooks).
func noticeWebhooks() map[string]any {
	out := map[string]any{}
	for action, rule := range service.NoticeWebhookEvents() {
		out[action] = map[string]any{"post": map[string]any{
			"summary":     "Posted to the workspace's webhook when " + rule + ". Signed: X-Ferry-Signature: sha256=<hex HMAC-SHA256 of the body with the webhook secret>; X-Ferry-Event names the event; X-Ferry-Delivery is the delivery_id.",
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref("NoticeWebhook")}}},
			"responses":   map[string]any{"2XX": map[string]any{"description": "Received. Anything else is retried with backoff (honouring Retry-After); 410 Gone stops the deliveries of that event."}},
		}}
	}
	return out
}
