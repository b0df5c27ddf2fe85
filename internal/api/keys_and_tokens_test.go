package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// ktBundle is an API over a fresh database, with an editor's token.
type ktBundle struct {
	db      *store.DB
	handler http.Handler
	user    *ferry.User
	wsID    string
	token   string
	hash    []byte
}

func ktSetup(t *testing.T, b testdb.Backend) *ktBundle {
	t.Helper()
	ctx := context.Background()
	kb := &ktBundle{db: testdb.Open(t, b)}
	var err error
	kb.token, kb.hash, err = auth.NewToken()
	require.NoError(t, err)
	require.NoError(t, kb.db.InTx(ctx, func(tx *store.Tx) error {
		ws := &ferry.Workspace{Name: "Keys"}
		require.NoError(t, tx.CreateWorkspace(ctx, ws))
		kb.wsID = ws.ID
		kb.user = &ferry.User{Email: "keys@example.org", PasswordHash: "x"}
		require.NoError(t, tx.CreateUser(ctx, kb.user))
		require.NoError(t, tx.SetMembership(ctx, ws.ID, kb.user.ID, ferry.RoleEditor))
		return tx.CreateToken(ctx, &ferry.APIToken{UserID: kb.user.ID, WorkspaceID: ws.ID, Hash: kb.hash})
	}))
	log := slog.New(slog.DiscardHandler)
	kb.handler = New(&service.Service{DB: kb.db, Log: log}, log, prometheus.NewRegistry()).Handler()
	return kb
}

func (kb *ktBundle) request(method, path, body, key string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+kb.token)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		r.Header.Set("Idempotency-Key", key)
	}
	return r
}

func (kb *ktBundle) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	kb.handler.ServeHTTP(w, r)
	return w
}

// claimAt claims key for the request as a request that started at a time
// and never answered would have.
func (kb *ktBundle) claimAt(t *testing.T, r *http.Request, body, key string, at time.Time) {
	t.Helper()
	db := *kb.db
	db.Now = func() time.Time { return at }
	_, claimed, err := db.Write().ReserveIdempotencyKey(context.Background(), kb.wsID, kb.user.ID, key, requestHash(r, []byte(body)), time.Time{})
	require.NoError(t, err)
	require.True(t, claimed)
}

func TestIdempotency_AbandonedClaimIsHandledAgainAndAFreshOneIsInProgress(t *testing.T) {
	t.Parallel()
	const body = `{"kind":"campaign","name_en":"Launch","start_date":"2026-12-01","end_date":"2026-12-02"}`
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			kb := ktSetup(t, b)
			r := kb.request("POST", "/api/v1/calendar/events", body, "abandoned")
			kb.claimAt(t, r, body, "abandoned", time.Now().Add(-claimAbandonedAfter-time.Minute))
			first := kb.serve(r)
			require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
			replay := kb.serve(kb.request("POST", "/api/v1/calendar/events", body, "abandoned"))
			require.Equal(t, http.StatusCreated, replay.Code)
			require.Equal(t, "true", replay.Header().Get("Idempotent-Replayed"))
			require.JSONEq(t, first.Body.String(), replay.Body.String())

			r = kb.request("POST", "/api/v1/calendar/events", body, "fresh")
			kb.claimAt(t, r, body, "fresh", time.Now().Add(-claimAbandonedAfter+time.Minute))
			busy := kb.serve(r)
			require.Equal(t, http.StatusConflict, busy.Code)
			var e errorBody
			require.NoError(t, json.Unmarshal(busy.Body.Bytes(), &e))
			require.Equal(t, ferry.ECONFLICT, e.Error.Code)
			require.Contains(t, e.Error.Message, "still being processed")
		})
	}
}

func TestAuthentication_RecordsTokenLastUseAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			kb := ktSetup(t, b)
			t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
			lastUsedAfterRequestAt := func(at time.Time) time.Time {
				t.Helper()
				kb.db.Now = func() time.Time { return at }
				w := kb.serve(kb.request("GET", "/api/v1/stories", "", ""))
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				_, tok, err := kb.db.Read().PrincipalByTokenHash(context.Background(), kb.hash)
				require.NoError(t, err)
				require.NotNil(t, tok.LastUsedAt)
				return *tok.LastUsedAt
			}
			require.Equal(t, t0, lastUsedAfterRequestAt(t0), "first use")
			require.Equal(t, t0, lastUsedAfterRequestAt(t0.Add(30*time.Second)), "not written again within the minute")
			require.Equal(t, t0.Add(61*time.Second), lastUsedAfterRequestAt(t0.Add(61*time.Second)))
		})
	}
}
