package api

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"log/slog"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// isolationNotIDs are path parameters that name no row of a workspace:
// a route with only these is not tried with another workspace's id
// ({term} and {host} name entries of the caller's own checks lists).
var isolationNotIDs = map[string]bool{"platform": true, "key": true, "file": true, "term": true, "host": true}

// isolationBodies is a plausible request body for each request schema a
// route with an id takes, so that the id, not the body, decides the answer.
func isolationBodies() map[string]any {
	soon := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	return map[string]any{
		"AccountPatch":           map[string]any{"name": "Taken"},
		"StoryPatch":             map[string]any{"title": "Taken", "body": "Taken"},
		"ScheduleInput":          map[string]any{"at": soon},
		"Resolution":             map[string]any{"outcome": "retry"},
		"HandoffConfirmation":    map[string]any{"url": "https://www.xiaohongshu.com/explore/64b0c0ffee0000000000abcd"},
		"VariantEdit":            map[string]any{"text": "Taken"},
		"MediaPatch":             map[string]any{"focal": map[string]any{"x": 0.1, "y": 0.1}},
		"MediaAlt":               map[string]any{"alt_text": "Taken"},
		"CalendarEventPatch":     map[string]any{"name_en": "Taken"},
		"RecurringCampaignPatch": map[string]any{"name_en": "Taken"},
		"PostMetricsInput":       map[string]any{"views": 1, "likes": 1},
		"PeerReadingInput":       map[string]any{"followers": 1, "posts": 1},
		"MetricsImportUpload":    nil, // multipart, built below
		"ApprovalPolicyInput":    map[string]any{"steps": []any{}},
		"SubmitInput":            map[string]any{},
		"DecisionInput":          map[string]any{"comment": "Taken"},
		"ApprovalLinkInput":      map[string]any{"email": "legal@example.org"},
		"CommentInput":           map[string]any{"body": "Taken"},
		"CloseInput":             map[string]any{"scheduled": "cancel", "delete_remote": true},
		"HandoverInput":          map[string]any{"owner": "usr_nobody"},
	}
}

// TestIsolation_EveryRouteWithAnIDAnswers404ForAnotherWorkspacesID calls
// every API route whose path names a row, with every id of another
// workspace: the answer is 404 not_found (never that workspace's data,
// never a 403 that confirms it exists), and the other workspace's rows are
// unchanged. The routes come from the router, so a new one is covered as
// soon as it is added (and the test fails if it has no id to try).
func TestIsolation_EveryRouteWithAnIDAnswers404ForAnotherWorkspacesID(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be) // b.token is workspace B's admin
			// Handoffs on, so that confirming one is refused for the id, not for want of the feature.
			b.server.svc.Handoffs = &handoff.Manager{DB: b.db, Links: handoff.NewSigner([]byte("test key")), Log: slog.New(slog.DiscardHandler),
				PublicURL: "http://ferry.test", Now: time.Now}

			ids := b.oneOfEach(t)
			acct, story, event, recurring, peer := ids["accounts"], ids["stories"], ids["calendar/events"], ids["calendar/recurring"], ids["peers"]
			publication := ids["publications"]
			arc := &ferry.Archive{WorkspaceID: b.workspaceID, AccountID: acct, CreatedBy: "system"}
			require.NoError(t, b.db.Write().CreateArchive(context.Background(), arc))
			b.server.svc.ArchiveJobs = refusedJobs{}
			ids["archives"] = arc.ID
			// B's rows as B sees them: the same before and after A's calls.
			views := []string{
				"/api/v1/accounts", "/api/v1/accounts/" + acct, "/api/v1/stories/" + story, "/api/v1/stories/" + story + "/variants",
				"/api/v1/publications/" + publication, "/api/v1/publications/" + publication + "/metrics",
				// Ranges are fixed: the default one ends now, which moves between
				// the two snapshots.
				"/api/v1/accounts/" + acct + "/metrics?from=2026-01-01&to=2027-12-31", "/api/v1/calendar/events/" + event, "/api/v1/calendar/recurring/" + recurring,
				"/api/v1/peers?from=2026-01-01&to=2027-12-31", "/api/v1/peers/" + peer + "/metrics?from=2026-01-01&to=2027-12-31",
				"/api/v1/accounts/" + acct + "/archives",
			}
			snapshot := func() map[string]string {
				out := map[string]string{}
				for _, v := range views {
					r := b.do(t, "GET", v, nil)
					require.Equal(t, http.StatusOK, r.status, "%s: %s", v, r.body)
					out[v] = string(r.body)
				}
				return out
			}
			before := snapshot()

			// Workspace A, its owner, and a story of A's own (for a route
			// with two ids: A's story with B's account).
			wsA := b.newWorkspace(t, "Ours")
			tokenA := b.newToken(t, wsA, "owner@a.example", ferry.RoleOwner)
			resp := b.doAs(t, tokenA, "POST", "/api/v1/stories", map[string]any{"title": "Ours"})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var ours struct{ ID string }
			resp.decode(t, &ours)

			bodies := isolationBodies()
			tried := 0
			for _, rt := range b.server.routes() {
				params := pathParams(rt.path)
				hasID := false
				for _, p := range params {
					hasID = hasID || !isolationNotIDs[p]
				}
				if !hasID {
					continue
				}
				body, ok := bodies[rt.request]
				require.True(t, ok || rt.request == "", "%s %s: add a plausible %s body to isolationBodies", rt.method, rt.path, rt.request)
				// Every id B's; then, if there are two, A's own for all but one.
				paths := []string{fillIDs(t, rt.path, ids, nil)}
				if len(params) > 1 {
					paths = append(paths, fillIDs(t, rt.path, ids, map[string]string{"stories": ours.ID}))
				}
				for _, path := range paths {
					var r response
					if rt.request == "MetricsImportUpload" {
						r = isolationMultipart(t, b, tokenA, rt.method, path)
					} else {
						r = b.doAs(t, tokenA, rt.method, path, body)
					}
					require.Equal(t, http.StatusNotFound, r.status, "%s %s: %s", rt.method, path, r.body)
					require.Equal(t, ferry.ENOTFOUND, r.apiError(t).Error.Code, "%s %s", rt.method, path)
					for _, secret := range []string{"Their", "theirs", "Rival"} {
						require.NotContains(t, string(r.body), secret, "%s %s", rt.method, path)
					}
					tried++
					t.Logf("%s %s: 404", rt.method, path)
				}
			}
			require.GreaterOrEqual(t, tried, 30, "the routes with an id")
			require.Equal(t, before, snapshot(), "B's rows changed")
		})
	}
}

// fillIDs puts an id of the right kind in each id parameter of path: the
// kind of {id} is the collection before it, {account_id} an account's.
// own replaces some kinds' ids (by collection) with the caller's own.
func fillIDs(t *testing.T, path string, ids, own map[string]string) string {
	t.Helper()
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name := strings.Trim(seg, "{}")
		if isolationNotIDs[name] {
			continue
		}
		kind := ""
		switch {
		case name == "account_id":
			kind = "accounts"
		case name == "id" && i >= 2 && segs[i-2] == "calendar":
			kind = "calendar/" + segs[i-1]
		case name == "id":
			kind = segs[i-1]
		}
		id, ok := ids[kind]
		require.True(t, ok, "%s: no id of another workspace to try for {%s}; add one to the isolation test", path, name)
		if o, mine := own[kind]; mine {
			id = o
		}
		segs[i] = id
	}
	return strings.Join(segs, "/")
}

// isolationMultipart posts a small CSV as the multipart field "file".
func isolationMultipart(t *testing.T, b *testBundle, token, method, path string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "export.csv")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("date,views\n2026-12-01,5\n"))
	require.NoError(t, mw.Close())
	return b.doAs(t, token, method, path, body.String(), "Content-Type", mw.FormDataContentType())
}

// refusedJobs is a job queue another workspace's requests must never
// reach: any job asked for fails the request.
type refusedJobs struct{}

func (refusedJobs) ScheduleArchive(context.Context, *store.Tx, string) error {
	return errors.New("an archive job was asked for another workspace's account")
}

func (refusedJobs) ScheduleClosure(context.Context, *store.Tx, string) error {
	return errors.New("a closure job was asked for another workspace's account")
}
