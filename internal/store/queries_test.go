package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestStore_PublicationsOfStoriesGroupsEachStoryInCreationOrder(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bu := setup(t, b)
			q := bu.db.Write()
			var accts []*ferry.Account
			for _, ext := range []string{"@a", "@b"} {
				a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: ext, Credentials: map[string]string{}}
				require.NoError(t, q.CreateAccount(ctx, a))
				accts = append(accts, a)
			}
			var stories []*ferry.Story
			for range 3 {
				s := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "t", Body: "b", CreatedBy: bu.usr.ID}
				require.NoError(t, q.CreateStory(ctx, s))
				stories = append(stories, s)
			}
			pubIDs := map[string][]string{}
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, pl := range []struct{ story, acct int }{{1, 1}, {0, 0}, {1, 0}} {
				bu.db.Now = func() time.Time { return t0.Add(time.Duration(i) * time.Second) }
				p := &ferry.Publication{WorkspaceID: bu.ws.ID, StoryID: stories[pl.story].ID, AccountID: accts[pl.acct].ID, Platform: ferry.Telegram, State: ferry.StateDraft}
				require.NoError(t, bu.db.Write().CreatePublication(ctx, p))
				pubIDs[p.StoryID] = append(pubIDs[p.StoryID], p.ID)
			}

			got, err := bu.db.Read().PublicationsOfStories(ctx, []string{stories[0].ID, stories[1].ID, stories[2].ID})
			require.NoError(t, err)
			ids := map[string][]string{}
			for story, pubs := range got {
				for _, p := range pubs {
					require.Equal(t, story, p.StoryID)
					ids[story] = append(ids[story], p.ID)
				}
			}
			require.Equal(t, pubIDs, ids, "each story's publications, oldest first; none for the third")
			none, err := bu.db.Read().PublicationsOfStories(ctx, nil)
			require.NoError(t, err)
			require.Empty(t, none)
		})
	}
}

func TestStore_IdempotencyClaims(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			// claim claims key at a time, taking as abandoned any claim
			// made more than ten minutes before.
			claim := func(t *testing.T, db *store.DB, user, key, hash string, at time.Time) (*ferry.IdempotentResponse, bool) {
				t.Helper()
				db.Now = func() time.Time { return at }
				prev, claimed, err := db.Write().ReserveIdempotencyKey(ctx, "wsp_1", user, key, hash, at.Add(-10*time.Minute))
				require.NoError(t, err)
				return prev, claimed
			}

			t.Run("AbandonedClaimIsClaimedAgain", func(t *testing.T) {
				t.Parallel()
				bu := setup(t, b)
				_, claimed := claim(t, bu.db, bu.usr.ID, "k", "h", t0)
				require.True(t, claimed)
				_, claimed = claim(t, bu.db, bu.usr.ID, "k", "h", t0.Add(11*time.Minute))
				require.True(t, claimed, "the first claim is abandoned")
				prev, claimed := claim(t, bu.db, bu.usr.ID, "k", "h", t0.Add(12*time.Minute))
				require.False(t, claimed, "the second claim is fresh")
				require.Equal(t, 0, prev.Status)
			})

			t.Run("AbandonedClaimIsTakenOverOnce", func(t *testing.T) {
				t.Parallel()
				bu := setup(t, b)
				claim(t, bu.db, bu.usr.ID, "k", "h", t0)
				now := t0.Add(time.Hour)
				bu.db.Now = func() time.Time { return now }
				errs := make(chan error, 8)
				var n atomic.Int32
				for range cap(errs) {
					go func() {
						_, claimed, err := bu.db.Write().ReserveIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "k", "h", now.Add(-10*time.Minute))
						if claimed {
							n.Add(1)
						}
						errs <- err
					}()
				}
				for range cap(errs) {
					require.NoError(t, <-errs)
				}
				require.EqualValues(t, 1, n.Load())
			})

			t.Run("FreshClaimIsStillInProgress", func(t *testing.T) {
				t.Parallel()
				bu := setup(t, b)
				claim(t, bu.db, bu.usr.ID, "k", "h", t0)
				prev, claimed := claim(t, bu.db, bu.usr.ID, "k", "h", t0.Add(9*time.Minute))
				require.False(t, claimed)
				require.Equal(t, "h", prev.RequestHash)
				require.Equal(t, 0, prev.Status, "in progress")
				require.Empty(t, prev.Body)
			})

			t.Run("AbandonedClaimIsNotTakenByAnotherRequest", func(t *testing.T) {
				t.Parallel()
				bu := setup(t, b)
				claim(t, bu.db, bu.usr.ID, "k", "h", t0)
				prev, claimed := claim(t, bu.db, bu.usr.ID, "k", "other", t0.Add(time.Hour))
				require.False(t, claimed)
				require.Equal(t, "h", prev.RequestHash, "the caller answers 422: the key was used for another request")
			})

			t.Run("AnswerIsNeverTakenOver", func(t *testing.T) {
				t.Parallel()
				bu := setup(t, b)
				claim(t, bu.db, bu.usr.ID, "k", "h", t0)
				require.NoError(t, bu.db.Write().CompleteIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "k", 201, []byte(`{}`)))
				prev, claimed := claim(t, bu.db, bu.usr.ID, "k", "h", t0.Add(time.Hour))
				require.False(t, claimed)
				require.Equal(t, 201, prev.Status)
			})

			t.Run("PruneForgetsOnlyKeysPastRetention", func(t *testing.T) {
				t.Parallel()
				bu := setup(t, b)
				q := bu.db.Write()
				claim(t, bu.db, bu.usr.ID, "old-answered", "h", t0)
				require.NoError(t, q.CompleteIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "old-answered", 201, []byte(`{}`)))
				claim(t, bu.db, bu.usr.ID, "old-abandoned", "h", t0)
				claim(t, bu.db, bu.usr.ID, "answered", "h", t0.Add(23*time.Hour))
				require.NoError(t, q.CompleteIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "answered", 201, []byte(`{}`)))
				claim(t, bu.db, bu.usr.ID, "in-progress", "h", t0.Add(24*time.Hour))

				n, err := q.PruneIdempotencyKeys(ctx, t0.Add(time.Hour))
				require.NoError(t, err)
				require.EqualValues(t, 2, n)
				now := t0.Add(24*time.Hour + time.Minute)
				_, claimed := claim(t, bu.db, bu.usr.ID, "old-answered", "h", now)
				require.True(t, claimed, "forgotten")
				_, claimed = claim(t, bu.db, bu.usr.ID, "old-abandoned", "h", now)
				require.True(t, claimed, "forgotten")
				prev, _ := claim(t, bu.db, bu.usr.ID, "answered", "h", now)
				require.Equal(t, 201, prev.Status, "kept")
				prev, _ = claim(t, bu.db, bu.usr.ID, "in-progress", "h", now)
				require.Equal(t, 0, prev.Status, "kept")
			})
		})
	}
}

func TestStore_TokenUseIsRecordedAndNeverMovesBack(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bu := setup(t, b)
			hash := []byte("0123456789abcdef0123456789abcdef")
			created := &ferry.APIToken{UserID: bu.usr.ID, WorkspaceID: bu.ws.ID, Name: "ci", Hash: hash}
			require.NoError(t, bu.db.Write().CreateToken(ctx, created))
			_, tok, err := bu.db.Read().PrincipalByTokenHash(ctx, hash)
			require.NoError(t, err)
			require.Equal(t, created.ID, tok.ID)
			require.Equal(t, "ci", tok.Name)
			require.Nil(t, tok.LastUsedAt)

			at := time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)
			require.NoError(t, bu.db.Write().TouchToken(ctx, tok.ID, at, "192.0.2.1"))
			require.NoError(t, bu.db.Write().TouchToken(ctx, tok.ID, at.Add(-time.Second), "192.0.2.2"), "a request that started earlier, recorded later")
			_, tok, err = bu.db.Read().PrincipalByTokenHash(ctx, hash)
			require.NoError(t, err)
			require.Equal(t, at, *tok.LastUsedAt)
		})
	}
}
