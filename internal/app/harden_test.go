package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/config"
)

// Served over https (its public URL says so), every answer carries HSTS;
// JSON and HTML answers alike carry nosniff and the CSP.
func TestServer_HardenedHeaders(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "", func(c *config.Config) { c.PublicURL = "https://ferry.example" })
	for _, path := range []string{"/healthz", "/api/v1/accounts", "/login"} {
		resp, err := http.Get(b.url + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "max-age=31536000", resp.Header.Get("Strict-Transport-Security"), path)
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", path)
	}
	plain := boot(t, t.TempDir(), "")
	resp, err := http.Get(plain.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Empty(t, resp.Header.Get("Strict-Transport-Security"), "not over plain http")
}
