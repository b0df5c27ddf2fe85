package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
	"github.com/ferry-social/ferry/internal/service"
)

// auditRoutes are the audit log's (admins and owners).
func (s *Server) auditRoutes() []route {
	const filters = "Filters: `actor` (`system`, `user:<id>` or a member's email), `action` (e.g. `story.update`), `object` (`<type>` or `<type>:<id>`, e.g. `story:sto_1`), `from`, `to` (RFC 3339 times or dates in the workspace's time zone, `to` inclusive)."
	return []route{
		{method: "GET", path: "/api/v1/audit", handler: s.auditLog, response: "AuditEventList",
			summary: "The workspace's audit log, newest first (admin). " + filters + " Pagination: `limit` (1–200, default 50), `cursor`."},
		{method: "GET", path: "/api/v1/audit/export.csv", handler: s.auditExport(export.CSV),
			summary: "The audit log as CSV (UTF-8 with a byte-order mark), oldest first, streamed (admin); the same filters as /api/v1/audit."},
		{method: "GET", path: "/api/v1/audit/export.jsonl", handler: s.auditExport(export.JSONL),
			summary: "The audit log as JSON Lines (one AuditEvent-like object per line, data nested), oldest first, streamed (admin); the same filters as /api/v1/audit."},
	}
}

func auditQuery(r *http.Request) service.AuditQuery {
	q := r.URL.Query()
	return service.AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"),
		From: q.Get("from"), To: q.Get("to"), Cursor: q.Get("cursor"), Limit: q.Get("limit")}
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	events, next, err := s.svc.AuditLog(r.Context(), p, auditQuery(r))
	if err != nil {
		return err
	}
	if events == nil {
		events = []ferry.Audit{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "next_cursor": next})
	return nil
}

func (s *Server) auditExport(f export.Format) func(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
		ex, err := s.svc.ExportAudit(r.Context(), p, auditQuery(r))
		if err != nil {
			return err
		}
		return export.Serve(w, r, ex.Name, ex.Location, f, ex.WriteTo, s.log.ErrorContext)
	}
}
