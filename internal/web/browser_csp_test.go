package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/httpd"
)

// TestBrowser_ACSPViolationIsAConsoleError proves the browser tests would
// catch a page that breaks the Content-Security-Policy: an inline script,
// an inline handler and an inline style, served with the policy every
// page gets, are each reported, and noConsoleErrors would fail on them.
func TestBrowser_ACSPViolationIsAConsoleError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httpd.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>x</title><body>` +
			`<script>document.title = "ran"</script><p style="color:red" id="p">x</p><img src="data:," onerror="document.title='ran'" alt="">`))
	}), slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	b := newBrowser(t)
	b.run(chromedp.Navigate(srv.URL))
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.errs) >= 2
	}, 10*time.Second, 50*time.Millisecond, "the violations were reported")
	require.Equal(t, "x", b.eval(`document.title`), "no inline script ran")
	b.mu.Lock()
	all := strings.Join(b.errs, "\n")
	b.mu.Unlock()
	require.Contains(t, all, "Content Security Policy")
}
