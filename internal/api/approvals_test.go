package api

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The approval routes end to end over HTTP: a policy refused for a
// stranger (422), inherited from the default, a draft submitted, approved
// by a reviewer (not by its author), a stale view refused (409 with the
// current fingerprint), approving twice changing nothing, comments with a
// mention, and an external approver's link.
func TestApprovals_Routes(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			ctx := context.Background()
			reviewer := b.newToken(t, b.workspaceID, "rita@ferry.example", ferry.RoleReviewer)
			acct := &ferry.Account{WorkspaceID: b.workspaceID, Platform: ferry.Telegram, ExternalID: "@ferrynews", Name: "Ferry News", Credentials: map[string]string{}}
			require.NoError(t, b.db.Write().CreateAccount(ctx, acct))
			other := b.newWorkspace(t, "Other")
			b.newToken(t, other, "stranger@ferry.example", ferry.RoleReviewer)
			stranger, err := b.db.Read().UserByEmail(ctx, "stranger@ferry.example")
			require.NoError(t, err)

			path := "/api/v1/accounts/" + acct.ID + "/approval-policy"
			resp := b.do(t, "PUT", path, map[string]any{"steps": []any{map[string]any{"approvers": []string{"user:" + stranger.ID}, "required": 1}}})
			require.Equal(t, http.StatusUnprocessableEntity, resp.status, "%s", resp.body)
			resp = b.doAs(t, reviewer, "PUT", "/api/v1/approval-policy", map[string]any{"steps": []any{}})
			require.Equal(t, http.StatusForbidden, resp.status, "%s", resp.body)
			resp = b.do(t, "PUT", "/api/v1/approval-policy", map[string]any{"steps": []any{map[string]any{"approvers": []string{"role:reviewer", "email:legal@ministry.example"}, "required": 1}}})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			var pol struct {
				Steps     []ferry.ApprovalStep
				Inherited bool
				Problem   string
			}
			resp = b.doAs(t, reviewer, "GET", path, nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &pol)
			require.True(t, pol.Inherited)
			require.Len(t, pol.Steps, 1)

			resp = b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Typhoon", "body": "The ferry leaves at noon.", "targets": []string{acct.ID}})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var story struct{ ID string }
			resp.decode(t, &story)
			base := "/api/v1/stories/" + story.ID

			var targets struct{ Targets []ferry.ApprovalStatus }
			resp = b.do(t, "POST", base+"/submit", nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &targets)
			require.Equal(t, ferry.ApprovalPending, targets.Targets[0].State)
			fp := targets.Targets[0].Fingerprint

			var inbox struct {
				Approvals []struct {
					StoryID string `json:"story_id"`
				}
			}
			resp = b.doAs(t, reviewer, "GET", "/api/v1/approvals", nil)
			resp.decode(t, &inbox)
			require.Len(t, inbox.Approvals, 1)
			resp = b.do(t, "GET", "/api/v1/approvals", nil)
			resp.decode(t, &inbox)
			require.Empty(t, inbox.Approvals, "the author does not approve their own story")

			resp = b.do(t, "POST", base+"/approve", map[string]any{})
			require.Equal(t, http.StatusForbidden, resp.status, "%s", resp.body)
			resp = b.doAs(t, reviewer, "POST", base+"/approve", map[string]any{"fingerprints": map[string]string{acct.ID: "stale"}})
			require.Equal(t, http.StatusConflict, resp.status, "%s", resp.body)
			require.Contains(t, string(resp.body), fp)
			resp = b.doAs(t, reviewer, "POST", base+"/approve", map[string]any{"comment": "Good", "fingerprints": map[string]string{acct.ID: fp}})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &targets)
			require.Equal(t, ferry.ApprovalApproved, targets.Targets[0].State)
			resp = b.doAs(t, reviewer, "POST", base+"/approve", nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &targets)
			require.Len(t, targets.Targets[0].Decisions, 1, "approving twice changes nothing")

			// An edit withdraws the approval.
			resp = b.do(t, "PATCH", base, map[string]any{"body": "The ferry leaves at dawn."})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp = b.do(t, "GET", base+"/approvals", nil)
			resp.decode(t, &targets)
			require.Equal(t, ferry.ApprovalDraft, targets.Targets[0].State)
			require.Equal(t, fp, targets.Targets[0].PreviousFingerprint)

			resp = b.doAs(t, reviewer, "POST", base+"/comments", map[string]any{"body": "@admin@ferry.example please check the time."})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var c struct{ Mentions []string }
			resp.decode(t, &c)
			require.Len(t, c.Mentions, 1)
			resp = b.do(t, "POST", base+"/comments", map[string]any{"body": "  "})
			require.Equal(t, http.StatusUnprocessableEntity, resp.status, "%s", resp.body)

			// An external approver, through a link.
			resp = b.do(t, "POST", base+"/submit", nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp = b.do(t, "POST", base+"/approval-links", map[string]any{"email": "someone@else.example"})
			require.Equal(t, http.StatusUnprocessableEntity, resp.status, "%s", resp.body)
			resp = b.do(t, "POST", base+"/approval-links", map[string]any{"email": "Legal@Ministry.example"})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var link struct{ URL, Token string }
			resp.decode(t, &link)
			require.True(t, strings.HasSuffix(link.URL, "/review/"+link.Token))
			_, err = b.db.Read().ApprovalLinkByHash(ctx, link.Token)
			require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "the token is kept only as a hash")
			_, err = b.db.Read().ApprovalLinkByHash(ctx, hex.EncodeToString(auth.HashToken(link.Token)))
			require.NoError(t, err)
			_, err = b.server.svc.DecideByLink(ctx, link.Token, ferry.DecisionReject, service.DecisionInput{Comment: "The date is wrong."})
			require.NoError(t, err)
			resp = b.do(t, "GET", base+"/approvals", nil)
			resp.decode(t, &targets)
			require.Equal(t, ferry.ApprovalRejected, targets.Targets[0].State)
			require.Equal(t, "legal@ministry.example", targets.Targets[0].Decisions[0].Email)
		})
	}
}
