package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestIdempotency(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()

			t.Run("SameKeyAndBodyReplaysTheFirstAnswer", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				body := map[string]any{"title": "Once", "body": "Lanterns tonight"}
				first := b.do(t, "POST", "/api/v1/stories", body, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
				require.Empty(t, first.header.Get("Idempotent-Replayed"))

				again := b.do(t, "POST", "/api/v1/stories", body, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusCreated, again.status)
				require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
				require.JSONEq(t, string(first.body), string(again.body))
				require.Len(t, b.storyIDs(t), 1)
			})

			t.Run("SameKeyWithAnotherBodyIsRefused", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				require.Equal(t, http.StatusCreated, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Once"}, "Idempotency-Key", "k-1").status)

				other := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Other"}, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusUnprocessableEntity, other.status)
				e := other.apiError(t)
				require.Equal(t, ferry.EUNPROCESSABLE, e.Error.Code)
				require.Equal(t, `Idempotency-Key "k-1" was used before with a different request.`, e.Error.Message)

				// The same body on another path is another request too.
				story := b.storyIDs(t)[0]
				other = b.do(t, "POST", "/api/v1/stories/"+story+"/publish", map[string]any{"title": "Once"}, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusUnprocessableEntity, other.status)
				require.Len(t, b.storyIDs(t), 1)
			})

			t.Run("KeysBelongToTheirUser", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				editor := b.newToken(t, b.workspaceID, "editor@ferry.example", ferry.RoleEditor)
				body := map[string]any{"title": "Once"}
				require.Equal(t, http.StatusCreated, b.do(t, "POST", "/api/v1/stories", body, "Idempotency-Key", "k-1").status)
				theirs := b.doAs(t, editor, "POST", "/api/v1/stories", body, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusCreated, theirs.status)
				require.Empty(t, theirs.header.Get("Idempotent-Replayed"))
				require.Len(t, b.storyIDs(t), 2)
			})

			t.Run("KeysBelongToTheirWorkspace", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				// The admin is a member of a second workspace too, with a token there.
				other := b.newWorkspace(t, "Other")
				ctx := context.Background()
				me, err := b.server.svc.Authenticate(ctx, b.token, "")
				require.NoError(t, err)
				tok, hash, err := auth.NewToken()
				require.NoError(t, err)
				require.NoError(t, b.db.InTx(ctx, func(tx *store.Tx) error {
					if err := tx.SetMembership(ctx, other, me.UserID, ferry.RoleAdmin); err != nil {
						return err
					}
					return tx.CreateToken(ctx, &ferry.APIToken{UserID: me.UserID, WorkspaceID: other, Name: "other", Hash: hash})
				}))
				body := map[string]any{"title": "Once"}
				first := b.do(t, "POST", "/api/v1/stories", body, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusCreated, first.status)
				there := b.doAs(t, tok, "POST", "/api/v1/stories", body, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusCreated, there.status, "%s", there.body)
				require.Empty(t, there.header.Get("Idempotent-Replayed"), "not the first workspace's story")
				var a, c struct {
					ID          string `json:"id"`
					WorkspaceID string `json:"workspace_id"`
				}
				first.decode(t, &a)
				there.decode(t, &c)
				require.NotEqual(t, a.ID, c.ID)
				require.Equal(t, other, c.WorkspaceID)
			})

			t.Run("ErrorAnswersAreReplayedToo", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				bad := map[string]any{"title": "x", "targets": []string{"acc_nope"}}
				first := b.do(t, "POST", "/api/v1/stories", bad, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusBadRequest, first.status)
				again := b.do(t, "POST", "/api/v1/stories", bad, "Idempotency-Key", "k-1")
				require.Equal(t, http.StatusBadRequest, again.status)
				require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
				require.JSONEq(t, string(first.body), string(again.body))
			})

			t.Run("TwoAtOnceDoTheWorkOnce", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				release := b.telegram.holdVerifications()
				t.Cleanup(release)
				account := map[string]any{"platform": "telegram", "external_id": "@lanterns", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}}
				type answer struct {
					resp response
					err  error
				}
				firstDone := make(chan answer, 1)
				go func() {
					resp, err := b.send(b.token, "POST", "/api/v1/accounts", account, "Idempotency-Key", "connect-1")
					firstDone <- answer{resp, err}
				}()
				<-b.telegram.entered // the first request holds the key and is verifying the account

				second := b.do(t, "POST", "/api/v1/accounts", account, "Idempotency-Key", "connect-1")
				require.Equal(t, http.StatusConflict, second.status, "%s", second.body)
				e := second.apiError(t)
				require.Equal(t, ferry.ECONFLICT, e.Error.Code)
				require.Equal(t, `A request with Idempotency-Key "connect-1" is still being processed.`, e.Error.Message)

				release()
				a := <-firstDone
				require.NoError(t, a.err)
				first := a.resp
				require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
				third := b.do(t, "POST", "/api/v1/accounts", account, "Idempotency-Key", "connect-1")
				require.Equal(t, http.StatusCreated, third.status)
				require.Equal(t, "true", third.header.Get("Idempotent-Replayed"))
				require.JSONEq(t, string(first.body), string(third.body))

				require.Equal(t, 1, b.telegram.verificationCount(), "the account was verified once")
				var list struct {
					Accounts []struct{ ID string } `json:"accounts"`
				}
				b.do(t, "GET", "/api/v1/accounts", nil).decode(t, &list)
				require.Len(t, list.Accounts, 1)
			})

			t.Run("KeyOver255CharactersIsRefused", func(t *testing.T) {
				t.Parallel()
				b := setup(t, be)
				resp := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Once"}, "Idempotency-Key", strings.Repeat("k", 256))
				require.Equal(t, http.StatusBadRequest, resp.status)
				require.Equal(t, "Idempotency-Key must be at most 255 characters.", resp.apiError(t).Error.Message)
				require.Empty(t, b.storyIDs(t))
			})
		})
	}
}
