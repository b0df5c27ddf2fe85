package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
	"github.com/ferry-social/ferry/internal/service"
)

// auditData is the audit log page: the filter form as sent, a page of
// events, and who the actors are.
type auditData struct {
	Actor, Action, Object, From, To string
	Events                          []ferry.Audit
	// Next is the query of the next (older) page, "" at the end; Newer
	// says a cursor is in use, so a link back to the newest is offered.
	Next  string
	Newer bool
	// People names the members, by actor ("user:<id>").
	People  map[string]string
	Members []ferry.WorkspaceMember
}

func (d auditData) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"actor": d.Actor, "action": d.Action, "object": d.Object, "from": d.From, "to": d.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// ExportLink is the download of the filtered log in a format.
func (d auditData) ExportLink(format string) string {
	q := d.query()
	q.Set("format", format)
	return "/settings/audit/export?" + q.Encode()
}

// Who names an actor: a member's name or email, or the actor as stored.
func (d auditData) Who(actor string) string {
	if n, ok := d.People[actor]; ok {
		return n
	}
	return actor
}

// auditLine is one detail of an event, for display.
type auditLine struct{ Key, Value string }

// Details lists an event's data, keys in order, values short.
func (d auditData) Details(e ferry.Audit) []auditLine {
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]auditLine, 0, len(keys))
	for _, k := range keys {
		v := e.Data[k]
		if v == nil {
			continue
		}
		s := fmt.Sprint(v)
		if r := []rune(s); len(r) > 120 {
			s = string(r[:120]) + "…"
		}
		out = append(out, auditLine{k, s})
	}
	return out
}

// ObjectLink is a link to the event's object when it has a page.
func (d auditData) ObjectLink(e ferry.Audit) string {
	switch e.TargetType {
	case "story":
		return "/stories/" + e.TargetID
	case "account":
		return "/accounts/" + e.TargetID
	}
	return ""
}

func auditQueryOf(r *http.Request) auditData {
	q := r.URL.Query()
	return auditData{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"), From: q.Get("from"), To: q.Get("to")}
}

func (d auditData) service(cursor string) service.AuditQuery {
	return service.AuditQuery{Actor: d.Actor, Action: d.Action, Object: d.Object, From: d.From, To: d.To, Cursor: cursor}
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	d := auditQueryOf(r)
	cursor := r.URL.Query().Get("cursor")
	events, next, err := s.svc.AuditLog(r.Context(), rq.principal(), d.service(cursor))
	if err != nil {
		s.auditProblem(w, r, rq, d, err)
		return
	}
	d.Events, d.Newer = events, cursor != ""
	if next != "" {
		q := d.query()
		q.Set("cursor", next)
		d.Next = "/settings/audit?" + q.Encode()
	}
	s.renderAudit(w, r, rq, http.StatusOK, d, nil)
}

// auditProblem brings the page back with the filter kept and the error
// beside its field.
func (s *Server) auditProblem(w http.ResponseWriter, r *http.Request, rq *request, d auditData, err error) {
	errs := s.problems(rq, "audit", err, nil, nil)
	if len(errs) == 0 {
		s.fail(w, r, rq, err)
		return
	}
	s.renderAudit(w, r, rq, http.StatusBadRequest, d, errs)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, rq *request, status int, d auditData, errs map[string]string) {
	members, err := s.svc.Members(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Members, d.People = members, map[string]string{}
	for _, m := range members {
		name := m.User.Email
		if m.User.Name != "" {
			name = m.User.Name + " · " + m.User.Email
		}
		d.People["user:"+m.User.ID] = name
	}
	s.renderSettings(w, r, rq, status, "audit", d, errs)
}

// auditExport downloads the filtered log as CSV or JSON Lines.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	d := auditQueryOf(r)
	f := export.JSONL
	if strings.EqualFold(r.URL.Query().Get("format"), "csv") {
		f = export.CSV
	}
	ex, err := s.svc.ExportAudit(r.Context(), rq.principal(), d.service(""))
	if err != nil {
		var fe *ferry.Error
		if errors.As(err, &fe) && fe.Code == ferry.EINVALID {
			s.auditProblem(w, r, rq, d, err)
			return
		}
		s.fail(w, r, rq, err)
		return
	}
	if err := export.Serve(w, r, ex.Name, ex.Location, f, ex.WriteTo, s.log.ErrorContext); err != nil {
		s.fail(w, r, rq, err)
	}
}

// FirstQuery is the query of the newest page with the same filter.
func (d auditData) FirstQuery() string { return d.query().Encode() }
