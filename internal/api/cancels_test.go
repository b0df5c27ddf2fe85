package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// answer is one element of a story's answers, as the API writes it.
type answer struct {
	PublicationID string `json:"publication_id"`
	AccountID     string `json:"account_id"`
	Platform      string `json:"platform"`
	State         string `json:"state"`
	Answer        string `json:"answer"`
	Because       string `json:"because"`
	RemoteURL     string `json:"remote_url"`
	Message       string `json:"message"`
}

// A change to a story answers for each publication: 200 with answers when
// it was made (a deletion always is), 409 with the answers in the error's
// details when a publication being sent made it too late.
func TestStoryChanges_AnswerForEachPublication(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			ctx := context.Background()
			var accts []string
			for _, chat := range []string{"@lanterns", "@harbour", "@ferries"} {
				resp := b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": chat, "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}})
				require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
				var acct struct{ ID string }
				resp.decode(t, &acct)
				accts = append(accts, acct.ID)
			}
			resp := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Lanterns", "body": "Tonight", "targets": accts})
			require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
			var st struct {
				ID string `json:"id"`
			}
			resp.decode(t, &st)
			pubs, err := b.db.Read().Publications(ctx, ferry.PublicationFilter{StoryID: st.ID})
			require.NoError(t, err)
			by := map[string]*ferry.Publication{}
			for _, p := range pubs {
				by[p.AccountID] = p
			}
			live, sending, draft := by[accts[0]], by[accts[1]], by[accts[2]]
			live.State, live.RemoteURL, live.PublishedAt = ferry.StatePublished, "https://t.me/lanterns/7", &live.CreatedAt
			require.NoError(t, b.db.Write().SavePublication(ctx, live))
			sending.State = ferry.StatePublishing
			require.NoError(t, b.db.Write().SavePublication(ctx, sending))

			// An edit while one is being sent: 409, nothing changed, and why.
			resp = b.do(t, "PATCH", "/api/v1/stories/"+st.ID, map[string]any{"body": "Tomorrow"})
			require.Equal(t, http.StatusConflict, resp.status, "%s", resp.body)
			var refused struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Details struct {
						Publications []answer `json:"publications"`
					} `json:"details"`
				} `json:"error"`
			}
			resp.decode(t, &refused)
			require.Equal(t, "conflict", refused.Error.Code)
			got := map[string]answer{}
			for _, a := range refused.Error.Details.Publications {
				got[a.PublicationID] = a
			}
			require.Equal(t, "too_late", got[sending.ID].Answer)
			require.Equal(t, "being_sent", got[sending.ID].Because)
			require.Equal(t, "already_published", got[live.ID].Answer)
			require.Equal(t, "https://t.me/lanterns/7", got[live.ID].RemoteURL)
			require.Equal(t, "unchanged", got[draft.ID].Answer)

			// A deletion is made: 200, and each publication's answer.
			resp = b.do(t, "DELETE", "/api/v1/stories/"+st.ID, nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			var deleted struct {
				DeletedAt *string  `json:"deleted_at"`
				Answers   []answer `json:"answers"`
			}
			resp.decode(t, &deleted)
			require.NotNil(t, deleted.DeletedAt)
			got = map[string]answer{}
			for _, a := range deleted.Answers {
				got[a.PublicationID] = a
				require.NotEmpty(t, a.Message)
				require.Equal(t, "telegram", a.Platform)
			}
			require.Len(t, got, 3)
			require.Equal(t, answer{PublicationID: draft.ID, AccountID: accts[2], Platform: "telegram", State: "canceled", Answer: "withdrawn", Message: got[draft.ID].Message}, got[draft.ID])
			require.Equal(t, "too_late", got[sending.ID].Answer)
			require.Equal(t, "publishing", got[sending.ID].State)
			require.Equal(t, "already_published", got[live.ID].Answer)
			require.Equal(t, "https://t.me/lanterns/7", got[live.ID].RemoteURL)

			// The story stays listed and readable, as deleted.
			resp = b.do(t, "GET", "/api/v1/stories/"+st.ID, nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			require.Contains(t, b.storyIDs(t), st.ID)
			// It cannot be edited.
			require.Equal(t, http.StatusNotFound, b.do(t, "PATCH", "/api/v1/stories/"+st.ID, map[string]any{"body": "x"}).status)
		})
	}
}
