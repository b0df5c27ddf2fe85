package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/authz"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
	"github.com/ferry-social/ferry/internal/web"
)

// TestAuthzMatrix_EveryPageAndActionAnswersAsTheTableSays opens every page
// and posts every form (from the router) as every role, as a member of
// another workspace and with no session, and holds the answers to the
// authorization matrix (internal/authz): a role below the route's gets the
// 403 page; one at or above it is never refused (so the service's own
// checks agree with the table); no session is sent to sign in. A route
// without an entry fails.
func TestAuthzMatrix_EveryPageAndActionAnswersAsTheTableSays(t *testing.T) {
	t.Parallel()
	discover := os.Getenv("FERRY_AUTHZ_DISCOVER") != ""
	// On SQLite only: who may use a page is decided by the table before
	// any query, and the service's role checks read nothing the database
	// could answer differently; the two-database part of access, ids scoped
	// to their workspace, is the isolation test's (isolation_test.go).
	for _, be := range testdb.Backends()[:1] {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, be)
			tb.withHandoffs()
			tb.withUploads()
			ctx := context.Background()
			owner := tb.setUp()
			roles := []ferry.Role{ferry.RoleViewer, ferry.RoleReviewer, ferry.RoleEditor, ferry.RoleAdmin, ferry.RoleOwner}
			emails := map[ferry.Role]string{ferry.RoleOwner: "ada@example.org"}
			for _, role := range roles[:4] {
				emails[role] = string(role) + "@matrix.example"
				tb.person(owner, emails[role], role)
			}
			browsers := map[ferry.Role]*browser{}
			csrf := map[ferry.Role]string{}
			signIn := func(role ferry.Role) {
				browsers[role] = tb.signedIn(emails[role], "")
				csrf[role] = browsers[role].csrf()
			}
			for _, role := range roles {
				signIn(role)
			}
			wsB := &ferry.Workspace{Name: "Other"}
			require.NoError(t, tb.svc.DB.Write().CreateWorkspace(ctx, wsB))
			tb.addPerson(ferry.Principal{WorkspaceID: wsB.ID}, "bob@other.example", "Bob", ferry.RoleOwner)
			other := tb.signedIn("bob@other.example", "")
			otherCSRF := other.csrf()
			media := tb.uploadJPEG(owner)
			peer := &ferry.Peer{WorkspaceID: owner.WorkspaceID, Platform: ferry.Telegram, Handle: "rival", RemoteID: "@rival", Name: "Rival"}
			require.NoError(t, tb.svc.DB.Write().CreatePeer(ctx, peer))

			n := 0
			for _, pattern := range web.RoutePatterns() {
				rule, ok := authz.For(pattern)
				if !ok {
					t.Errorf("%s has no entry in the authorization table: add one line to internal/authz.Table", pattern)
					continue
				}
				// Fresh rows for each route, so that one route's change does
				// not turn the next one's answer into 404.
				n++
				acct := tb.account(owner, ferry.Telegram, fmt.Sprintf("@ours%d", n), "Ours")
				story, err := tb.svc.CreateStory(ctx, owner, service.StoryInput{Title: "Ours", Body: "Ours", Targets: []string{acct.ID}})
				require.NoError(t, err)
				pubs, err := tb.svc.DB.Read().Publications(ctx, ferry.PublicationFilter{StoryID: story.ID})
				require.NoError(t, err)
				carol := tb.addPerson(owner, fmt.Sprintf("carol%d@matrix.example", n), "Carol", ferry.RoleEditor)
				inv, _, err := tb.svc.Invite(ctx, owner, service.InviteInput{Email: fmt.Sprintf("dan%d@matrix.example", n), Role: ferry.RoleEditor})
				require.NoError(t, err)
				tok, _, err := tb.svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "Matrix"})
				require.NoError(t, err)
				notice := &ferry.Notice{WorkspaceID: owner.WorkspaceID, UserID: owner.UserID, Kind: ferry.NoticePaused, Actor: "system", TargetType: "pause", TargetID: "pau_x", Data: map[string]string{}}
				require.NoError(t, tb.svc.DB.Write().CreateNotice(ctx, notice, false))
				arc := &ferry.Archive{WorkspaceID: owner.WorkspaceID, AccountID: acct.ID, CreatedBy: "system"}
				require.NoError(t, tb.svc.DB.Write().CreateArchive(ctx, arc))
				ids := map[string]string{"stories": story.ID, "accounts": acct.ID, "publications": pubs[0].ID, "media": media, "tokens": tok.ID,
					"members": carol.UserID, "invitations": inv.ID, "peers": peer.ID, "inbox": notice.ID, "archives": arc.ID}

				method, path, _ := strings.Cut(pattern, " ")
				hasID := false
				segs := strings.Split(path, "/")
				for i, seg := range segs {
					name := strings.Trim(seg, "{}")
					switch {
					case !strings.HasPrefix(seg, "{"):
					case name == "$":
						segs[i] = ""
					case name == "platform":
						segs[i] = "telegram"
					case name == "token":
						segs[i] = "not-a-token"
					case name == "file":
						segs[i] = "2026-11.html" // the PDF is the same route, printed by Chromium: slow, and not what is tested here
					case name == "account":
						segs[i], hasID = acct.ID, true
					default:
						id, ok := ids[segs[i-1]]
						require.True(t, ok, "%s: no id for %s", pattern, seg)
						segs[i], hasID = id, true
					}
				}
				path = strings.Join(segs, "/")
				form := url.Values{"title": {"Matrix"}, "body": {"Matrix"}, "text": {"Matrix"}, "name": {"Matrix"},
					"role": {"viewer"}, "outcome": {"retry"}, "url": {"https://www.xiaohongshu.com/explore/64b0c0ffee0000000000abcd"},
					"alt_text": {"Matrix"}, "x": {"0.1"}, "y": {"0.1"}, "followers": {"1"}, "posts": {"1"}, "confirm": {"yes"}}
				call := func(b *browser, token string) page {
					if method == "GET" {
						return b.get(path)
					}
					f := url.Values{}
					for k, v := range form {
						f[k] = v
					}
					f.Set("csrf", token)
					return b.post(path, "same-origin", f)
				}
				toSignIn := func(pg page) bool {
					return pg.status == http.StatusSeeOther && (strings.HasPrefix(pg.location, "/login") || pg.location == "/setup")
				}
				anon := call(tb.browser(), "")
				if rule.Public {
					require.NotEqual(t, http.StatusForbidden, anon.status, "%s is public: %s", pattern, text(anon.body))
					continue
				}
				require.True(t, toSignIn(anon), "%s without a session: %d %s", pattern, anon.status, anon.location)
				for _, role := range roles {
					pg := call(browsers[role], csrf[role])
					// Signing out ends at the sign-in page.
					refused := pg.status == http.StatusForbidden || (toSignIn(pg) && pattern != "POST /logout")
					switch {
					case discover:
						if !refused {
							fmt.Printf("DISCOVER %q %s\n", pattern, role)
						}
					case role.AtLeast(rule.Role):
						require.False(t, refused, "%s as %s: the table lets %s and above, the answer is %d %s", pattern, role, rule.Role, pg.status, text(pg.body))
					default:
						require.Equal(t, http.StatusForbidden, pg.status, "%s as %s: %s", pattern, role, text(pg.body))
					}
					if pattern == "POST /logout" {
						signIn(role)
					}
				}
				if discover {
					continue
				}
				// A member of another workspace: an id of this one is not
				// found; a route without one acts in their own workspace.
				pg := call(other, otherCSRF)
				if hasID {
					require.Equal(t, http.StatusNotFound, pg.status, "%s as another workspace's owner: %s", pattern, text(pg.body))
				} else {
					require.False(t, pg.status == http.StatusForbidden || (toSignIn(pg) && pattern != "POST /logout"), "%s as another workspace's owner: %d %s", pattern, pg.status, text(pg.body))
				}
				if pattern == "POST /logout" {
					other = tb.signedIn("bob@other.example", "")
					otherCSRF = other.csrf()
				}
			}
		})
	}
}
