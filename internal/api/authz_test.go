package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/authz"
	"github.com/ferry-social/ferry/internal/delivery/deliverytest"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// matrixBodies adds plausible bodies for the routes without an id to
// isolationBodies, so that the role, not a missing field, decides.
func matrixBodies() map[string]any {
	b := isolationBodies()
	soon := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	for k, v := range map[string]any{
		"StoryInput":                map[string]any{"title": "Matrix", "body": "Matrix"},
		"AccountInput":              map[string]any{"platform": "telegram", "external_id": "@matrix", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}},
		"CalendarEventInput":        map[string]any{"kind": "campaign", "name_en": "Matrix", "start_date": "2027-01-02", "end_date": "2027-01-03"},
		"RecurringCampaignInput":    map[string]any{"name_en": "Matrix", "recurrence": map[string]any{"month": 1, "day": 1, "local_time": "09:00"}},
		"PeerInput":                 map[string]any{"platform": "telegram", "handle": "matrixpeer"},
		"Glossary":                  map[string]any{"protected": []string{}, "phrases": []any{}},
		"PersonInput":               map[string]any{"name": "Mayor", "handles": map[string]string{}},
		"TemplateInput":             map[string]any{"source": "{{body}}"},
		"PreviewInput":              map[string]any{"body": "Matrix", "platforms": []string{"telegram"}},
		"NotificationSettingsInput": map[string]any{"webhook_url": ""},
		"ReportRecipients":          map[string]any{"user_ids": []string{}},
		"ResumeInput":               map[string]any{"due": "keep"},
		"HoldDecisions":             map[string]any{"decisions": map[string]any{}},
		"WorkspacePatch":            map[string]any{"name": "Test"},
		"PauseInput":                map[string]any{"reason": "matrix"},
		"ScheduleInput":             map[string]any{"at": soon},
	} {
		b[k] = v
	}
	return b
}

// scopedToken makes a token of an existing user with a scope.
func (b *testBundle) scopedToken(t *testing.T, userID, workspaceID string, scope ferry.TokenScope) string {
	t.Helper()
	tok, hash, err := auth.NewToken()
	require.NoError(t, err)
	require.NoError(t, b.db.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.CreateToken(context.Background(), &ferry.APIToken{UserID: userID, WorkspaceID: workspaceID, Name: string(scope), Hash: hash, Scope: scope})
	}))
	return tok
}

// TestAuthzMatrix_EveryRouteAnswersAsTheTableSays calls every API route
// (from the router) as every role, as a member of another workspace, with
// no token and with a token of each scope, and holds the answers to the
// authorization matrix (internal/authz): a role or scope below the route's
// gets 403 (forbidden, or insufficient_scope naming the scope needed); one
// at or above it is never refused, so the service's own role checks agree
// with the table; no token is 401. A route without an entry fails.
func TestAuthzMatrix_EveryRouteAnswersAsTheTableSays(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			// Scheduling and publishing routes schedule jobs: recorded, not run.
			b.server.svc.Scheduler = &deliverytest.Scheduler{}
			b.server.svc.Handoffs = &handoff.Manager{DB: b.db, Links: handoff.NewSigner([]byte("test key")), Log: slog.New(slog.DiscardHandler),
				PublicURL: "http://ferry.test", Now: time.Now}
			ctx := context.Background()
			media := b.uploadJPEG(t, 40)
			resp := b.do(t, "POST", "/api/v1/calendar/events", map[string]any{"kind": "campaign", "name_en": "Launch", "start_date": "2027-01-02", "end_date": "2027-01-03"})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var event struct{ ID string }
			resp.decode(t, &event)
			resp = b.do(t, "POST", "/api/v1/calendar/recurring", map[string]any{"name_en": "New year", "recurrence": map[string]any{"month": 1, "day": 1, "local_time": "09:00"}})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var recurring struct{ ID string }
			resp.decode(t, &recurring)
			peer := &ferry.Peer{WorkspaceID: b.workspaceID, Platform: ferry.Telegram, Handle: "rival", RemoteID: "@rival", Name: "Rival"}
			require.NoError(t, b.db.Write().CreatePeer(ctx, peer))
			// A fresh story for each route, so that one route's deletion
			// does not turn the next route's answer into 404.
			n := 0
			newStory := func() (string, string, string) {
				n++
				r := b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": fmt.Sprintf("@ours%d", n), "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var a struct{ ID string }
				r.decode(t, &a)
				r = b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Ours", "body": "Ours", "media_ids": []string{media}, "targets": []string{a.ID}})
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				var st struct {
					ID           string
					Publications []struct{ ID string }
				}
				r.decode(t, &st)
				return a.ID, st.ID, st.Publications[0].ID
			}

			acctForArchive, _, _ := newStory()
			archive := &ferry.Archive{WorkspaceID: b.workspaceID, AccountID: acctForArchive, CreatedBy: "system"}
			require.NoError(t, b.db.Write().CreateArchive(ctx, archive))
			b.server.svc.ArchiveJobs = acceptedJobs{}

			roles := []ferry.Role{ferry.RoleViewer, ferry.RoleReviewer, ferry.RoleEditor, ferry.RoleAdmin, ferry.RoleOwner}
			tokens := map[ferry.Role]string{}
			for _, role := range roles {
				tokens[role] = b.newToken(t, b.workspaceID, string(role)+"@matrix.example", role)
			}
			owner, err := b.server.svc.Authenticate(ctx, tokens[ferry.RoleOwner])
			require.NoError(t, err)
			scoped := map[ferry.TokenScope]string{}
			for _, sc := range ferry.TokenScopes {
				scoped[sc] = b.scopedToken(t, owner.UserID, b.workspaceID, sc)
			}
			other := b.newToken(t, b.newWorkspace(t, "Other"), "owner@other.example", ferry.RoleOwner)

			bodies := matrixBodies()
			refused := func(r response) bool { return r.status == http.StatusUnauthorized || r.status == http.StatusForbidden }
			for _, rt := range b.server.routes() {
				pattern := rt.method + " " + rt.path
				rule, ok := authz.For(pattern)
				if !assertEntry(t, pattern, ok) {
					continue
				}
				acctID, storyID, pubID := newStory()
				ids := map[string]string{"accounts": acctID, "stories": storyID, "publications": pubID, "media": media,
					"calendar/events": event.ID, "calendar/recurring": recurring.ID, "peers": peer.ID, "archives": archive.ID}
				path := fillIDs(t, rt.path, ids, nil)
				path = strings.NewReplacer("{platform}", "telegram", "{key}", "mayor", "{file}", "2026-11.pdf", "{term}", "secret", "{host}", "example.org").Replace(path)
				body := bodies[rt.request]
				call := func(token string) response {
					if rt.request == "MetricsImportUpload" || rt.request == "MediaUpload" {
						return isolationMultipart(t, b, token, rt.method, path)
					}
					return b.doAs(t, token, rt.method, path, body)
				}
				if rule.Public {
					r := call("")
					require.False(t, refused(r), "%s is public: %d %s", pattern, r.status, r.body)
					continue
				}
				r := call("")
				require.Equal(t, http.StatusUnauthorized, r.status, "%s without a token: %s", pattern, r.body)
				for _, role := range roles {
					r := call(tokens[role])
					if role.AtLeast(rule.Role) {
						require.False(t, refused(r), "%s as %s: the table lets %s and above, the answer is %d %s", pattern, role, rule.Role, r.status, r.body)
					} else {
						require.Equal(t, http.StatusForbidden, r.status, "%s as %s: %s", pattern, role, r.body)
						require.Equal(t, ferry.EFORBIDDEN, r.apiError(t).Error.Code, "%s as %s", pattern, role)
					}
				}
				for _, sc := range ferry.TokenScopes {
					r := call(scoped[sc])
					if sc.Covers(rule.Scope) {
						require.False(t, refused(r), "%s with a %s token: %d %s", pattern, sc, r.status, r.body)
					} else {
						require.Equal(t, http.StatusForbidden, r.status, "%s with a %s token: %s", pattern, sc, r.body)
						e := r.apiError(t)
						require.Equal(t, ferry.ESCOPE, e.Error.Code, "%s with a %s token", pattern, sc)
						require.Equal(t, string(rule.Scope), e.Error.Details["required_scope"], "%s", pattern)
					}
				}
				// A member of another workspace: another's id is not found;
				// a route without one acts in their own workspace.
				r = call(other)
				if strings.Contains(rt.path, "{id}") || strings.Contains(rt.path, "{account_id}") {
					require.Equal(t, http.StatusNotFound, r.status, "%s as another workspace's owner: %s", pattern, r.body)
				} else {
					require.False(t, refused(r), "%s as another workspace's owner: %d %s", pattern, r.status, r.body)
				}
			}
		})
	}
}

// assertEntry fails the test for a route without an entry in the table.
func assertEntry(t *testing.T, pattern string, ok bool) bool {
	t.Helper()
	if !ok {
		t.Errorf("%s has no entry in the authorization table: add one line to internal/authz.Table", pattern)
	}
	return ok
}

// TestAuthzMatrix_EveryTableEntryIsARoute: the table names no route that
// does not exist (a stale entry would hide a renamed route).
func TestAuthzMatrix_APIEntriesAreRoutes(t *testing.T) {
	s := &Server{}
	have := map[string]bool{}
	for _, rt := range s.routes() {
		have[rt.method+" "+rt.path] = true
	}
	for pattern := range authz.Table {
		if strings.Contains(pattern, " /api/") || pattern == "GET /healthz" || pattern == "GET /readyz" {
			require.True(t, have[pattern], fmt.Sprintf("%s is in the table but is no API route", pattern))
		}
	}
}

// TestTokens_ReadTokenWritingGets403NamingTheScopeAndAnExpiredOne401: the
// answers a client sees, as documented in the OpenAPI document.
func TestTokens_ReadTokenWritingGets403NamingTheScopeAndAnExpiredOne401(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	ctx := context.Background()
	admin, err := b.server.svc.Authenticate(ctx, b.token)
	require.NoError(t, err)
	read := b.scopedToken(t, admin.UserID, b.workspaceID, ferry.ScopeRead)
	require.Equal(t, http.StatusOK, b.doAs(t, read, "GET", "/api/v1/stories", nil).status)
	r := b.doAs(t, read, "POST", "/api/v1/stories", map[string]any{"title": "No"})
	require.Equal(t, http.StatusForbidden, r.status)
	e := r.apiError(t)
	require.Equal(t, "insufficient_scope", e.Error.Code)
	require.Equal(t, map[string]any{"required_scope": "write", "token_scope": "read"}, e.Error.Details)
	require.Empty(t, b.storyIDs(t), "nothing was made")

	tok, hash, err := auth.NewToken()
	require.NoError(t, err)
	past := time.Now().Add(-time.Hour)
	require.NoError(t, b.db.Write().CreateToken(ctx, &ferry.APIToken{UserID: admin.UserID, WorkspaceID: b.workspaceID, Name: "Old", Hash: hash, ExpiresAt: &past}))
	r = b.doAs(t, tok, "GET", "/api/v1/stories", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	e = r.apiError(t)
	require.Equal(t, ferry.EUNAUTHORIZED, e.Error.Code)
	require.Equal(t, "expired", e.Error.Details["token"])
	require.Contains(t, e.Error.Message, "expired")
}
