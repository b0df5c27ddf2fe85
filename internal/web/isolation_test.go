package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
	"github.com/ferry-social/ferry/internal/web"
)

// TestIsolation_EveryPageAndActionWithAnIDAnswers404ForAnotherWorkspacesID
// opens every page and posts every form whose path names a row, as the
// owner of workspace A with an id of workspace B: the answer is the 404
// page (never B's data, never a 403 that confirms the row exists), and B's
// rows are unchanged. The routes come from the router, so a new one is
// covered as soon as it is added (the test fails if it has no id to try).
func TestIsolation_EveryPageAndActionWithAnIDAnswers404ForAnotherWorkspacesID(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, be)
			tb.withHandoffs()
			ctx := context.Background()
			pA := tb.setUp()
			ours := tb.account(pA, ferry.Telegram, "@ours", "Ours")
			storyA, err := tb.svc.CreateStory(ctx, pA, service.StoryInput{Title: "Ours", Body: "Ours", Targets: []string{ours.ID}})
			require.NoError(t, err)

			// Workspace B, its owner Bob and a member Carol, and one of
			// everything with an id.
			wsB := &ferry.Workspace{Name: "Rival News"}
			require.NoError(t, tb.svc.DB.Write().CreateWorkspace(ctx, wsB))
			pB := tb.addPerson(ferry.Principal{WorkspaceID: wsB.ID}, "bob@rival.example", "Bob", ferry.RoleOwner)
			carol := tb.addPerson(pB, "carol@rival.example", "Carol", ferry.RoleEditor)
			acct := tb.account(pB, ferry.Telegram, "@theirs", "Theirs")
			media := tb.uploadJPEG(pB)
			story, err := tb.svc.CreateStory(ctx, pB, service.StoryInput{Title: "Theirs", Body: "Their secret plans", MediaIDs: []string{media}, Targets: []string{acct.ID}})
			require.NoError(t, err)
			pubs, err := tb.svc.DB.Read().Publications(ctx, ferry.PublicationFilter{StoryID: story.ID})
			require.NoError(t, err)
			require.NotEmpty(t, pubs)
			token, _, err := tb.svc.CreateAPIToken(ctx, pB, service.TokenInput{Name: "Theirs"})
			require.NoError(t, err)
			inv, _, err := tb.svc.Invite(ctx, pB, service.InviteInput{Email: "dan@rival.example", Role: ferry.RoleEditor})
			require.NoError(t, err)
			peer := &ferry.Peer{WorkspaceID: wsB.ID, Platform: ferry.Telegram, Handle: "rival", RemoteID: "@rival", Name: "Rival"}
			require.NoError(t, tb.svc.DB.Write().CreatePeer(ctx, peer))
			notice := &ferry.Notice{WorkspaceID: wsB.ID, UserID: pB.UserID, Kind: ferry.NoticePaused, Actor: "system", TargetType: "pause", TargetID: "pau_x", Data: map[string]string{}}
			require.NoError(t, tb.svc.DB.Write().CreateNotice(ctx, notice, false))
			arc := &ferry.Archive{WorkspaceID: wsB.ID, AccountID: acct.ID, CreatedBy: "system"}
			require.NoError(t, tb.svc.DB.Write().CreateArchive(ctx, arc))
			require.NoError(t, tb.svc.WriteArchive(ctx, arc.ID))

			// ids maps the collection before {id} to B's id of that kind.
			ids := map[string]string{
				"stories": story.ID, "accounts": acct.ID, "publications": pubs[0].ID, "media": media, "tokens": token.ID,
				"members": carol.UserID, "invitations": inv.ID, "peers": peer.ID, "inbox": notice.ID, "archives": arc.ID,
			}
			snapshot := func() string {
				var all []any
				st, err := tb.svc.Story(ctx, pB, story.ID)
				require.NoError(t, err)
				a, err := tb.svc.Account(ctx, pB, acct.ID)
				require.NoError(t, err)
				ps, err := tb.svc.DB.Read().Publications(ctx, ferry.PublicationFilter{StoryID: story.ID})
				require.NoError(t, err)
				m, err := tb.svc.DB.Read().Media(ctx, wsB.ID, media)
				require.NoError(t, err)
				toks, err := tb.svc.DB.Read().Tokens(ctx, pB.UserID, wsB.ID)
				require.NoError(t, err)
				members, err := tb.svc.Members(ctx, pB)
				require.NoError(t, err)
				invs, err := tb.svc.Invitations(ctx, pB)
				require.NoError(t, err)
				peers, err := tb.svc.DB.Read().Peers(ctx, wsB.ID)
				require.NoError(t, err)
				inbox, err := tb.svc.Inbox(ctx, pB, false, "", 0)
				require.NoError(t, err)
				all = append(all, st, a, ps, m, toks, members, invs, peers, inbox)
				raw, err := json.Marshal(all)
				require.NoError(t, err)
				return string(raw)
			}
			before := snapshot()

			br := tb.signedIn("ada@example.org", "")
			csrf := br.csrf()
			// The control: A's own story opens.
			require.Equal(t, http.StatusOK, br.get("/stories/"+storyA.ID).status)
			// A plausible form for every action: the id, not the form, decides.
			form := url.Values{"csrf": {csrf}, "title": {"Taken"}, "body": {"Taken"}, "text": {"Taken"}, "name": {"Taken"},
				"role": {"viewer"}, "outcome": {"retry"}, "url": {"https://www.xiaohongshu.com/explore/64b0c0ffee0000000000abcd"},
				"alt_text": {"Taken"}, "x": {"0.1"}, "y": {"0.1"}, "followers": {"1"}, "posts": {"1"}, "confirm": {"yes"}}
			notIDs := map[string]bool{"platform": true, "token": true, "file": true, "$": true}
			tried := 0
			for _, pattern := range web.RoutePatterns() {
				method, path, _ := strings.Cut(pattern, " ")
				segs := strings.Split(path, "/")
				hasID := false
				for i, seg := range segs {
					if !strings.HasPrefix(seg, "{") || notIDs[strings.Trim(seg, "{}")] {
						continue
					}
					kind := segs[i-1]
					if seg == "{account}" {
						kind = "accounts"
					}
					id, ok := ids[kind]
					require.True(t, ok, "%s: no id of another workspace to try for %s; add one to the isolation test", pattern, seg)
					segs[i] = id
					hasID = true
				}
				if !hasID {
					continue
				}
				paths := []string{strings.Join(segs, "/")}
				if strings.Contains(path, "{account}") { // A's own story, B's account
					paths = append(paths, strings.Replace(paths[0], story.ID, storyA.ID, 1))
				}
				for _, p := range paths {
					var pg page
					if method == "GET" {
						pg = br.get(p)
					} else {
						pg = br.post(p, "same-origin", form)
					}
					require.Equal(t, http.StatusNotFound, pg.status, "%s %s: %s", method, p, text(pg.body))
					for _, secret := range []string{"Their", "Rival", "Carol", "dan@rival"} {
						require.NotContains(t, pg.body, secret, "%s %s", method, p)
					}
					t.Logf("%s %s: 404", method, path)
					tried++
				}
			}
			require.GreaterOrEqual(t, tried, 30, "the routes with an id")
			require.Equal(t, before, snapshot(), "B's rows changed")
		})
	}
}
