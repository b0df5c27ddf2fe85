package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestOAuthState_IsClaimedOnceBeforeItExpires(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bu := setup(t, b)
			q := bu.db.Write()
			newState := func(nonce string, ttl time.Duration) {
				require.NoError(t, q.CreateOAuthState(ctx, &store.OAuthState{Nonce: nonce, WorkspaceID: bu.ws.ID, UserID: bu.usr.ID, Platform: ferry.Weibo, ExpiresAt: q.Now().Add(ttl)}))
			}

			// Concurrent callbacks with the same state: exactly one wins.
			newState("race", time.Minute)
			claims := make([]*store.OAuthState, 8)
			errs := make([]error, 8)
			var wg sync.WaitGroup
			for i := range claims {
				wg.Add(1)
				go func() {
					defer wg.Done()
					claims[i], errs[i] = bu.db.Write().ClaimOAuthState(ctx, "race")
				}()
			}
			wg.Wait()
			won := 0
			for i, err := range errs {
				if err != nil {
					require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "%v", err)
					continue
				}
				won++
				st := claims[i]
				require.Equal(t, bu.ws.ID, st.WorkspaceID)
				require.Equal(t, bu.usr.ID, st.UserID)
				require.Equal(t, ferry.Weibo, st.Platform)
				require.NotNil(t, st.UsedAt)
			}
			require.Equal(t, 1, won)

			newState("late", -time.Millisecond)
			_, err := q.ClaimOAuthState(ctx, "late")
			require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
			require.ErrorContains(t, err, "expired")
			_, err = q.ClaimOAuthState(ctx, "never-started")
			require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))

			// States long expired are forgotten when a new flow starts.
			newState("ancient", -25*time.Hour)
			newState("new", time.Minute)
			_, err = q.ClaimOAuthState(ctx, "ancient")
			require.ErrorContains(t, err, "not found")
			_, err = q.ClaimOAuthState(ctx, "new")
			require.NoError(t, err)
		})
	}
}
