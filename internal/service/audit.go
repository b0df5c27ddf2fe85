package service

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
)

// AuditQuery asks for a workspace's audit events. Every field is optional
// text, as a query string or a form gives it; AuditFilter checks it.
type AuditQuery struct {
	// Actor is "user:<id>", "system", or a member's email.
	Actor string
	// Action is exact, e.g. "story.update".
	Action string
	// Object is "<type>" or "<type>:<id>", e.g. "story:sto_123".
	Object string
	// From and To are RFC 3339 times or dates (YYYY-MM-DD) in the
	// workspace's time zone; To is inclusive for a date.
	From, To string
	Cursor   string
	Limit    string
}

// auditFilter checks the query and turns it into a store filter.
func (s *Service) auditFilter(ctx context.Context, p ferry.Principal, aq AuditQuery) (ferry.AuditFilter, *time.Location, error) {
	f := ferry.AuditFilter{WorkspaceID: p.WorkspaceID, Action: strings.TrimSpace(aq.Action), Cursor: strings.TrimSpace(aq.Cursor)}
	if err := require(p, ferry.RoleAdmin, "read the audit log"); err != nil {
		return f, nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return f, nil, err
	}
	details := map[string]string{}
	actor := strings.TrimSpace(aq.Actor)
	switch {
	case actor == "" || actor == "system" || strings.HasPrefix(actor, "user:"):
		f.Actor = actor
	case strings.Contains(actor, "@"):
		u, err := q.UserByEmail(ctx, actor)
		if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			return f, nil, err
		}
		if u == nil {
			details["actor"] = "no user has this email"
		} else {
			f.Actor = "user:" + u.ID
		}
	default:
		details["actor"] = `must be "system", "user:<id>" or an email`
	}
	if obj := strings.TrimSpace(aq.Object); obj != "" {
		f.TargetType, f.TargetID, _ = strings.Cut(obj, ":")
		if f.TargetType == "" {
			details["object"] = `must be "<type>" or "<type>:<id>", e.g. "story" or "story:sto_1"`
		}
	}
	for _, t := range []struct {
		name, val string
		to        **time.Time
		end       bool
	}{{"from", aq.From, &f.Since, false}, {"to", aq.To, &f.Until, true}} {
		v := strings.TrimSpace(t.val)
		if v == "" {
			continue
		}
		at, date, err := parseInstantOrDate(v, loc)
		if err != nil {
			details[t.name] = "must be an RFC 3339 time or a date (YYYY-MM-DD)"
			continue
		}
		if date && t.end {
			at = at.AddDate(0, 0, 1)
		}
		at = at.UTC()
		*t.to = &at
	}
	if f.Since != nil && f.Until != nil && !f.Since.Before(*f.Until) {
		details["to"] = "must be after from"
	}
	if l := strings.TrimSpace(aq.Limit); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			details["limit"] = "must be a whole number from 1 to 200"
		}
		f.Limit = n
	}
	if len(details) > 0 {
		return f, nil, ferry.Errorf(ferry.EINVALID, "The audit log filter is not valid.").WithDetails(details)
	}
	return f, loc, nil
}

// AuditLog returns a page of the workspace's audit events, newest first,
// and the cursor of the next page ("" at the end). Admins and owners only.
func (s *Service) AuditLog(ctx context.Context, p ferry.Principal, aq AuditQuery) ([]ferry.Audit, string, error) {
	f, _, err := s.auditFilter(ctx, p, aq)
	if err != nil {
		return nil, "", err
	}
	return s.DB.Read().AuditPage(ctx, f)
}

// AuditHeader is the header row of the audit export.
var AuditHeader = []any{"id", "seq", "at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash"}

// ExportAudit checks the query and returns an export of every event it
// selects, oldest first (cursor and limit are ignored), streamed from
// the database, with each event's place in the chain.
func (s *Service) ExportAudit(ctx context.Context, p ferry.Principal, aq AuditQuery) (*Export, error) {
	f, loc, err := s.auditFilter(ctx, p, aq)
	if err != nil {
		return nil, err
	}
	return &Export{Name: "audit", Location: loc, WriteTo: func(ctx context.Context, t export.Table) error {
		if err := t.Row(AuditHeader...); err != nil {
			return err
		}
		return s.DB.Read().EachAudit(ctx, f, func(e ferry.Audit) error {
			data, err := json.Marshal(e.Data)
			if err != nil {
				return err
			}
			return t.Row(e.ID, e.Seq, e.At, e.Actor, e.Action, e.TargetType, e.TargetID, json.RawMessage(data), e.PrevHash, e.Hash)
		})
	}}, nil
}
