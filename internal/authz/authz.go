// Package authz is Ferry's authorization matrix: one table that says, for
// every route of the REST API and of the web UI, which roles may use it
// and, for the API, which token scope it needs. Both routers consult it
// for every request (internal/api, internal/web), so the table is the rule,
// not a description of it; the service layer keeps its own role checks as
// a second line, and the matrix tests (internal/api/authz_test.go,
// internal/web/authz_test.go) call every route as every role and scope and
// hold both to this table.
//
// Adding a route: one line in Table, keyed by the route's pattern exactly
// as its router registers it ("POST /api/v1/stories/{id}/approve"). A
// route without an entry is refused to everyone (fail closed) and fails
// the matrix tests.
package authz

import "github.com/ferry-social/ferry"

// Rule is who may use one route.
type Rule struct {
	// Public routes need no session or token (sign-in, health, signed
	// links); Role and Scope are then empty.
	Public bool
	// Role is the least role that may use the route (roles are ordered:
	// owner > admin > editor > reviewer > viewer).
	Role ferry.Role
	// Scope is the least API token scope the route needs (API routes only;
	// a session has no scope and is held to Role alone).
	Scope ferry.TokenScope
}

// Allows reports whether p may use a route under r. Principals acting
// through a token are also held to its scope.
func (r Rule) Allows(p ferry.Principal) error {
	if r.Public {
		return nil
	}
	if !p.Role.AtLeast(r.Role) {
		return ferry.Errorf(ferry.EFORBIDDEN, "Only a workspace %s or above may do this; you are %s.", r.Role, p.Role).
			WithDetails(map[string]string{"required_role": string(r.Role)})
	}
	if p.Scope != "" && r.Scope != "" && !p.Scope.Covers(r.Scope) {
		return ferry.Errorf(ferry.ESCOPE, "This API token's scope is %s; this needs a token with the %s scope.", p.Scope, r.Scope).
			WithDetails(map[string]string{"required_scope": string(r.Scope), "token_scope": string(p.Scope)})
	}
	return nil
}

// For returns the rule of a route pattern; ok is false for a route with no
// entry, which is refused to everyone.
func For(pattern string) (r Rule, ok bool) {
	r, ok = Table[pattern]
	return r, ok
}

// Missing is the error for a route without an entry in Table.
func Missing(pattern string) error {
	return ferry.Errorf(ferry.EFORBIDDEN, "The route %s has no entry in the authorization table (internal/authz): it is refused to everyone until it has one.", pattern)
}

// Shorthands for the table.
var (
	public = Rule{Public: true}

	// API routes: role and token scope.
	viewerRead    = Rule{Role: ferry.RoleViewer, Scope: ferry.ScopeRead}
	viewerWrite   = Rule{Role: ferry.RoleViewer, Scope: ferry.ScopeWrite}
	reviewerWrite = Rule{Role: ferry.RoleReviewer, Scope: ferry.ScopeWrite}
	adminRead     = Rule{Role: ferry.RoleAdmin, Scope: ferry.ScopeRead}
	editorWrite   = Rule{Role: ferry.RoleEditor, Scope: ferry.ScopeWrite}
	adminAdmin    = Rule{Role: ferry.RoleAdmin, Scope: ferry.ScopeAdmin}

	// Web UI routes: role only (a session has no scope).
	viewer   = Rule{Role: ferry.RoleViewer}
	reviewer = Rule{Role: ferry.RoleReviewer}
	editor   = Rule{Role: ferry.RoleEditor}
	admin    = Rule{Role: ferry.RoleAdmin}
)

// Table is the authorization matrix: every route of the API and the web
// UI, by pattern.
var Table = map[string]Rule{
	// REST API (internal/api).
	"POST /api/v1/preview":                            viewerRead,
	"GET /api/v1/stories/{id}/variants":               viewerRead,
	"PUT /api/v1/stories/{id}/variants/{account_id}":  editorWrite,
	"PATCH /api/v1/media/{id}":                        editorWrite,
	"PUT /api/v1/media/{id}/alt":                      editorWrite,
	"GET /api/v1/glossary":                            viewerRead,
	"PUT /api/v1/glossary":                            editorWrite,
	"GET /api/v1/people":                              viewerRead,
	"PUT /api/v1/people/{key}":                        editorWrite,
	"DELETE /api/v1/people/{key}":                     editorWrite,
	"GET /api/v1/templates":                           viewerRead,
	"PUT /api/v1/templates/{platform}":                editorWrite,
	"DELETE /api/v1/templates/{platform}":             editorWrite,
	"GET /healthz":                                    public,
	"GET /readyz":                                     public,
	"GET /api/openapi.json":                           public,
	"GET /api/v1/accounts":                            viewerRead,
	"POST /api/v1/accounts":                           adminAdmin,
	"GET /api/v1/accounts/{id}":                       viewerRead,
	"PATCH /api/v1/accounts/{id}":                     adminAdmin,
	"DELETE /api/v1/accounts/{id}":                    adminAdmin,
	"POST /api/v1/media":                              editorWrite,
	"GET /api/v1/stories":                             viewerRead,
	"POST /api/v1/stories":                            editorWrite,
	"GET /api/v1/stories/{id}":                        viewerRead,
	"PATCH /api/v1/stories/{id}":                      editorWrite,
	"DELETE /api/v1/stories/{id}":                     editorWrite,
	"POST /api/v1/stories/{id}/schedule":              editorWrite,
	"POST /api/v1/stories/{id}/publish":               editorWrite,
	"GET /api/v1/publications/{id}":                   viewerRead,
	"POST /api/v1/publications/{id}/resolve":          editorWrite,
	"GET /api/v1/calendar":                            viewerRead,
	"GET /api/v1/calendar/events":                     viewerRead,
	"POST /api/v1/calendar/events":                    editorWrite,
	"GET /api/v1/calendar/events/{id}":                viewerRead,
	"PATCH /api/v1/calendar/events/{id}":              editorWrite,
	"DELETE /api/v1/calendar/events/{id}":             editorWrite,
	"GET /api/v1/calendar/recurring":                  viewerRead,
	"POST /api/v1/calendar/recurring":                 editorWrite,
	"GET /api/v1/calendar/recurring/{id}":             viewerRead,
	"PATCH /api/v1/calendar/recurring/{id}":           editorWrite,
	"DELETE /api/v1/calendar/recurring/{id}":          editorWrite,
	"GET /api/v1/calendar/recurring/{id}/occurrences": viewerRead,
	"GET /api/v1/accounts/{id}/best-times":            viewerRead,
	"POST /api/v1/publications/{id}/delete-post":      editorWrite,
	"GET /api/v1/exports/{file}":                      viewerRead,
	"POST /api/v1/publications/{id}/confirm":          editorWrite,
	"GET /api/v1/publications/{id}/handoff":           viewerRead,
	"GET /api/v1/notifications/settings":              adminAdmin,
	"PUT /api/v1/notifications/settings":              adminAdmin,
	"GET /api/v1/accounts/{id}/metrics":               viewerRead,
	"POST /api/v1/accounts/{id}/metrics/import":       editorWrite,
	"GET /api/v1/publications/{id}/metrics":           viewerRead,
	"POST /api/v1/publications/{id}/metrics":          editorWrite,
	"GET /api/v1/connections":                         viewerRead,
	"POST /api/v1/connections/{platform}/start":       adminAdmin,
	"GET /api/v1/pause":                               viewerRead,
	"POST /api/v1/pause":                              adminAdmin,
	"DELETE /api/v1/pause":                            adminAdmin,
	"POST /api/v1/pause/held":                         adminAdmin,
	"GET /api/v1/peers":                               viewerRead,
	"POST /api/v1/peers":                              editorWrite,
	"GET /api/v1/peers/{id}/metrics":                  viewerRead,
	"POST /api/v1/peers/{id}/readings":                editorWrite,
	"DELETE /api/v1/peers/{id}":                       editorWrite,
	"GET /api/v1/reports/{file}":                      viewerRead,
	"GET /api/v1/reports/recipients":                  viewerRead,
	"PUT /api/v1/reports/recipients":                  adminAdmin,
	"GET /api/v1/workspace":                           viewerRead,
	"PATCH /api/v1/workspace":                         adminAdmin,

	// Notices: the caller's own (service/notices.go).
	"GET /api/v1/notices":             viewerRead,
	"POST /api/v1/notices/read":       viewerWrite,
	"GET /api/v1/notices/preferences": viewerRead,
	"PUT /api/v1/notices/preferences": viewerWrite,
	// Approvals (service/approvals.go, review.go). Who may decide is the
	// policy's to say (its approvers, of any role): the route is open to
	// every member, the service checks the policy.
	"GET /api/v1/approval-policy":                  viewerRead,
	"PUT /api/v1/approval-policy":                  adminAdmin,
	"GET /api/v1/accounts/{id}/approval-policy":    viewerRead,
	"PUT /api/v1/accounts/{id}/approval-policy":    adminAdmin,
	"DELETE /api/v1/accounts/{id}/approval-policy": adminAdmin,
	"GET /api/v1/approvals":                        viewerRead,
	"GET /api/v1/stories/{id}/approvals":           viewerRead,
	"POST /api/v1/stories/{id}/submit":             editorWrite,
	"POST /api/v1/stories/{id}/approve":            viewerWrite,
	"POST /api/v1/stories/{id}/reject":             viewerWrite,
	"POST /api/v1/stories/{id}/approval-links":     editorWrite,
	"GET /api/v1/stories/{id}/comments":            viewerRead,
	"POST /api/v1/stories/{id}/comments":           reviewerWrite,
	// The audit log, version history, pre-publish checks.
	"GET /api/v1/audit":                      adminRead,
	"GET /api/v1/audit/export.csv":           adminRead,
	"GET /api/v1/audit/export.jsonl":         adminRead,
	"GET /api/v1/stories/{id}/versions":      viewerRead,
	"GET /api/v1/stories/{id}/versions/diff": viewerRead,
	"GET /api/v1/checks":                     viewerRead,
	"PUT /api/v1/checks/terms":               adminAdmin,
	"DELETE /api/v1/checks/terms/{term}":     adminAdmin,
	"POST /api/v1/checks/hosts":              adminAdmin,
	"DELETE /api/v1/checks/hosts/{host}":     adminAdmin,
	// Archives, closure, handover.
	"POST /api/v1/accounts/{id}/archives": adminAdmin,
	"GET /api/v1/accounts/{id}/archives":  viewerRead,
	"GET /api/v1/archives/{id}/download":  adminRead,
	"POST /api/v1/accounts/{id}/close":    adminAdmin,
	"GET /api/v1/accounts/{id}/close":     viewerRead,
	"POST /api/v1/accounts/{id}/handover": adminAdmin,
	// Web UI (internal/web). "/" is the page for anything else (404).
	"/":                                        public,
	"GET /setup":                               public,
	"POST /setup":                              public,
	"GET /login":                               public,
	"POST /login":                              public,
	"POST /logout":                             viewer,
	"POST /language":                           public,
	"GET /{$}":                                 viewer,
	"GET /stories":                             viewer,
	"GET /stories/{id}":                        viewer,
	"GET /compose":                             viewer,
	"POST /compose":                            editor,
	"POST /compose/preview":                    viewer,
	"GET /compose/media/{id}":                  viewer,
	"GET /compose/library":                     editor,
	"GET /stories/{id}/edit":                   viewer,
	"POST /stories/{id}/edit":                  editor,
	"POST /stories/{id}/variants/{account}":    editor,
	"GET /calendar":                            viewer,
	"GET /calendar/move":                       viewer,
	"POST /calendar/move":                      editor,
	"POST /calendar/events":                    editor,
	"GET /accounts":                            viewer,
	"GET /accounts/connect":                    admin,
	"POST /accounts/connect":                   admin,
	"GET /accounts/{id}":                       viewer,
	"POST /accounts/{id}":                      admin,
	"POST /accounts/{id}/reconnect":            admin,
	"GET /accounts/{id}/close":                 admin,
	"POST /accounts/{id}/close":                admin,
	"GET /oauth/{platform}/callback":           public,
	"GET /settings":                            viewer,
	"GET /settings/profile":                    viewer,
	"POST /settings/profile":                   viewer,
	"POST /settings/password":                  viewer,
	"POST /settings/sessions/others":           viewer,
	"GET /settings/tokens":                     viewer,
	"POST /settings/tokens":                    viewer,
	"POST /settings/tokens/{id}/revoke":        viewer,
	"GET /settings/workspace":                  admin,
	"POST /settings/workspace":                 admin,
	"GET /settings/members":                    admin,
	"POST /settings/members/{id}/role":         admin,
	"POST /settings/members/{id}/remove":       admin,
	"POST /settings/invitations":               admin,
	"POST /settings/invitations/{id}/withdraw": admin,
	"POST /settings/invitations/{id}/resend":   admin,
	"GET /settings/notifications":              admin,
	"POST /settings/notifications":             admin,
	"GET /settings/templates":                  viewer,
	"POST /settings/templates/{platform}":      editor,
	"GET /settings/glossary":                   viewer,
	"POST /settings/glossary":                  editor,
	"GET /settings/people":                     viewer,
	"POST /settings/people":                    editor,
	"POST /settings/people/delete":             editor,
	"GET /invitations/{token}":                 public,
	"POST /invitations/{token}":                public,
	"GET /stories/{id}/delete":                 editor,
	"POST /stories/{id}/delete":                editor,
	"POST /publications/{id}/resolve":          editor,
	"POST /publications/{id}/retry":            editor,
	"POST /publications/{id}/confirm":          editor,
	"GET /publications/{id}/cancel":            editor,
	"POST /publications/{id}/cancel":           editor,
	"GET /publications/{id}/delete-post":       editor,
	"POST /publications/{id}/delete-post":      editor,
	"GET /media":                               viewer,
	"POST /media":                              editor,
	"POST /media/{id}/describe":                editor,
	"POST /media/{id}/focal":                   editor,
	"GET /analytics/peers":                     viewer,
	"POST /analytics/peers":                    editor,
	"POST /analytics/peers/{id}/remove":        editor,
	"POST /analytics/peers/{id}/readings":      editor,
	"GET /pause":                               viewer,
	"POST /pause":                              admin,
	"POST /pause/resume":                       admin,
	"POST /pause/held":                         admin,
	"GET /reports":                             viewer,
	"GET /reports/export":                      viewer,
	"POST /reports/recipients":                 admin,
	"GET /reports/{file}":                      viewer,
	"GET /calendar.ics":                        public,
	"GET /calendar/feed":                       viewer,
	"POST /calendar/feed":                      viewer,
	"POST /calendar/feed/revoke":               viewer,
	"GET /analytics":                           viewer,
	"GET /analytics/accounts/{id}":             viewer,
	"GET /analytics/stories/{id}":              viewer,
	// Two-factor sign-in: the code step is public (the challenge cookie
	// opens it), the settings are each person's own.
	"GET /login/code":                   public,
	"POST /login/code":                  public,
	"GET /settings/two-factor":          viewer,
	"GET /settings/two-factor/qr.png":   viewer,
	"POST /settings/two-factor/start":   viewer,
	"POST /settings/two-factor/confirm": viewer,
	"POST /settings/two-factor/disable": viewer,
	// Notices: the person's own inbox and preferences.
	"GET /inbox":           viewer,
	"POST /inbox/read":     viewer,
	"GET /inbox/settings":  viewer,
	"POST /inbox/settings": viewer,
	"GET /inbox/{id}":      viewer,
	// Approvals: deciding is the policy's to say; external approvers come
	// through a signed link.
	"GET /approvals":                      viewer,
	"GET /stories/{id}/review":            viewer,
	"POST /stories/{id}/submit":           editor,
	"POST /stories/{id}/approve":          viewer,
	"POST /stories/{id}/reject":           viewer,
	"POST /stories/{id}/comments":         reviewer,
	"POST /stories/{id}/approval-links":   editor,
	"POST /accounts/{id}/approval-policy": admin,
	"GET /settings/approvals":             admin,
	"POST /settings/approvals":            admin,
	"GET /review/{token}":                 public,
	"POST /review/{token}":                public,
	// The audit log, version history, pre-publish checks.
	"GET /settings/audit":        admin,
	"GET /settings/audit/export": admin,
	"GET /stories/{id}/versions": viewer,
	"GET /settings/checks":       admin,
	"POST /settings/checks":      admin,
	// Archives and handover (closure is in the accounts' entries).
	"POST /accounts/{id}/archives": admin,
	"POST /accounts/{id}/handover": admin,
	"GET /archives/{id}/download":  admin,
}
