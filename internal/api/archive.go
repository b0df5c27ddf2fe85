package api

import (
	"io"
	"net/http"
	"strconv"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// archiveRoutes are account archives, closures and handovers.
func (s *Server) archiveRoutes() []route {
	zip := map[string]any{"200": map[string]any{"description": "The archive, a ZIP (application/zip): JSON files, media, manifest.json with every file's SHA-256, and an offline viewer (index.html).",
		"content": map[string]any{"application/zip": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/zip"}}}}}
	return []route{
		{method: "POST", path: "/api/v1/accounts/{id}/archives", handler: s.createArchive, status: 202, response: "Archive",
			summary: "Start an archive of an account (admin): a job writes it, then reads it back and checks every file against its manifest; follow its state in the list."},
		{method: "GET", path: "/api/v1/accounts/{id}/archives", handler: s.listArchives, response: "ArchiveList",
			summary: "List an account's archives, newest first, with their state (queued, writing, ready, failed) and size."},
		{method: "GET", path: "/api/v1/archives/{id}/download", handler: s.downloadArchive, responses: zip,
			summary: "Download a ready archive (admin); 409 while it is not ready."},
		{method: "POST", path: "/api/v1/accounts/{id}/close", handler: s.closeAccount, request: "CloseInput", response: "ClosureAnswer", status: 202,
			responses: map[string]any{"200": map[string]any{"description": "The account was being closed or closed already: nothing changed (changed: false).", "content": map[string]any{"application/json": map[string]any{"schema": ref("ClosureAnswer")}}}},
			summary:   "Close an account (admin): cancel (default) or move what is scheduled and close it now; then a job takes a final reading, writes an archive, deletes the posts on the platform if asked (Weibo, Facebook, Telegram; not Instagram or Xiaohongshu, whose APIs cannot) and forgets the credentials. Closing again changes nothing."},
		{method: "GET", path: "/api/v1/accounts/{id}/close", handler: s.getClosure, response: "Closure",
			summary: "An account's closure: its state, the step under way and its progress; 404 if it was never closed this way."},
		{method: "POST", path: "/api/v1/accounts/{id}/handover", handler: s.handOver, request: "HandoverInput", response: "Account",
			summary: "Hand an account over to a successor (admin): the member responsible for it (settings.owner) and, if given, its operators change; its history stays; the handover is audited (account.handover)."},
	}
}

func (s *Server) createArchive(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	a, err := s.svc.RequestArchive(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, a)
	return nil
}

func (s *Server) listArchives(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	list, err := s.svc.Archives(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"archives": list})
	return nil
}

func (s *Server) downloadArchive(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	a, rc, err := s.svc.OpenArchive(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.FormatInt(a.Bytes, 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+service.ArchiveFileName(a)+`"`)
	w.Header().Set("Digest", "sha-256="+a.SHA256)
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		s.log.ErrorContext(r.Context(), "archive download cut short", "archive_id", a.ID, "err", err)
	}
	return nil
}

func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.CloseInput
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	v, err := s.svc.StartClosure(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if !v.Changed {
		status = http.StatusOK
	}
	writeJSON(w, status, v)
	return nil
}

func (s *Server) getClosure(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	c, err := s.svc.Closure(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handOver(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.HandoverInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.svc.HandOver(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func withArchiveSchemas(m map[string]any) map[string]any {
	archive := obj([]string{"id", "account_id", "state", "bytes", "files", "posts", "created_by", "created_at", "finished_at"}, map[string]any{
		"id": str, "account_id": str,
		"state":  map[string]any{"type": "string", "enum": []any{"queued", "writing", "ready", "failed"}},
		"error":  map[string]any{"type": "string", "description": "Why it failed."},
		"sha256": map[string]any{"type": "string", "description": "The ZIP's SHA-256, once ready."},
		"bytes":  integer, "files": integer, "posts": map[string]any{"type": "integer", "description": "Published posts in the viewer's timeline."},
		"created_by": str, "created_at": dateTime, "finished_at": nullTime})
	m["Archive"] = archive
	m["ArchiveList"] = obj([]string{"archives"}, map[string]any{"archives": map[string]any{"type": "array", "items": ref("Archive")}})
	m["CloseInput"] = map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"scheduled":     map[string]any{"type": "string", "enum": []any{"cancel", "move"}, "default": "cancel", "description": "What becomes of the publications not sent yet."},
		"move_to":       map[string]any{"type": "string", "description": "With move: the account (acc_…) they move to; each story's target changes to it."},
		"delete_remote": map[string]any{"type": "boolean", "default": false, "description": "Delete the account's posts on its platform, one by one, each audited; a post already gone counts as gone. Not possible on Instagram or Xiaohongshu (remote_note says so)."},
	}}
	count := integer
	closure := obj([]string{"account_id", "state", "step", "options", "progress", "created_by", "created_at", "finished_at"}, map[string]any{
		"account_id": str,
		"state":      map[string]any{"type": "string", "enum": []any{"queued", "running", "done", "failed"}},
		"step":       map[string]any{"type": "string", "enum": []any{"", service.StepFinalReading, service.StepArchive, service.StepDeleteRemote, service.StepCredentials, service.StepDone}},
		"options":    ref("CloseInput"),
		"progress": obj(nil, map[string]any{"canceled": count, "moved": count, "too_late": count, "final_reading": boolean,
			"remote_to_go": count, "remote_deleted": count, "remote_gone": count, "remote_failed": count, "remote_kept": count}),
		"archive_id": str, "error": str, "created_by": str, "created_at": dateTime, "finished_at": nullTime})
	m["Closure"] = closure
	m["ClosureAnswer"] = map[string]any{"allOf": []any{ref("Closure"), obj([]string{"changed", "answers"}, map[string]any{
		"changed":     boolean,
		"answers":     map[string]any{"type": "array", "items": ref("PublicationAnswer"), "description": "For each publication scheduled or being sent: withdrawn, moved or too_late."},
		"moved":       map[string]any{"type": "object", "additionalProperties": str, "description": "Moved publication → its new publication."},
		"remote_note": map[string]any{"type": "string", "description": "What the platform's API cannot delete."},
	})}}
	m["HandoverInput"] = map[string]any{"type": "object", "additionalProperties": false, "required": []any{"owner"}, "properties": map[string]any{
		"owner":     map[string]any{"type": "string", "description": "The user id of the member who becomes responsible for the account."},
		"operators": map[string]any{"type": "array", "description": "Replace the operators (emails or {email, name, telegram_chat_id}); absent keeps them, [] removes them."},
		"note":      map[string]any{"type": "string", "maxLength": 1000},
	}}
	return m
}
