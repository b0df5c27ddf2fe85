package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
)

// The sandbox shows every post (signed handoff links among them) and lets
// anyone inject faults: it listens on loopback only unless forced, and when
// forced its API needs the token printed at start.
func TestSandbox_LoopbackOnlyUnlessForced(t *testing.T) {
	t.Parallel()
	for _, demo := range []bool{false, true} {
		cfg := config.Defaults()
		cfg.DataDir, cfg.Addr, cfg.Sandbox, cfg.Demo = t.TempDir(), "0.0.0.0:0", !demo, demo
		m := app.New(cfg, slog.New(slog.DiscardHandler))
		err := m.Listen()
		require.Error(t, err)
		require.Contains(t, err.Error(), "--sandbox-public")
		require.NoError(t, m.Close())
	}

	b := boot(t, t.TempDir(), "", func(c *config.Config) { c.Addr, c.SandboxPublic = "0.0.0.0:0", true })
	require.NotEmpty(t, b.m.SandboxToken)
	url := strings.Replace(b.url, "0.0.0.0", "127.0.0.1", 1)
	for _, tc := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/sandbox/api/posts", "", http.StatusUnauthorized},
		{"GET", "/sandbox/api/faults", "", http.StatusUnauthorized},
		{"PUT", "/sandbox/api/faults", "", http.StatusUnauthorized},
		{"DELETE", "/sandbox/api/posts", "wrong", http.StatusUnauthorized},
		{"GET", "/sandbox/api/posts", b.m.SandboxToken, http.StatusOK},
	} {
		req, err := http.NewRequestWithContext(context.Background(), tc.method, url+tc.path, nil)
		require.NoError(t, err)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, tc.status, resp.StatusCode, "%s %s", tc.method, tc.path)
	}
}
