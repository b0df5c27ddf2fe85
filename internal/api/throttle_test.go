package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// Unknown tokens are counted per client address: after 30, that address
// gets 429 with Retry-After; a real token still works.
func TestAuth_UnknownTokensAre429WithRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	log := slog.New(slog.DiscardHandler)
	svc := &service.Service{DB: b.db, Log: log}
	srv := httptest.NewServer(httpd.ClientAddress(New(svc, log, prometheus.NewRegistry()).Handler(), nil))
	t.Cleanup(srv.Close)
	get := func(token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/stories", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	for range 30 {
		require.Equal(t, http.StatusUnauthorized, get("fry_guess").StatusCode)
	}
	resp := get("fry_guess")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	require.Equal(t, http.StatusOK, get(b.token).StatusCode)
}
