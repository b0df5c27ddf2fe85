package httpd

import (
	"bytes"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func TestStatus_EveryCodeHasItsStatus(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{
		ferry.EINVALID: 400, ferry.EUNAUTHORIZED: 401, ferry.EFORBIDDEN: 403, ferry.ENOTFOUND: 404, ferry.ECONFLICT: 409,
		ferry.ETOOLARGE: 413, ferry.EUNSUPPORTED: 415, ferry.EUNPROCESSABLE: 422, ferry.ESCHEMA: 503, ferry.EINTERNAL: 500, "no_such_code": 500,
	} {
		require.Equal(t, want, Status(code), code)
	}
}

// logLines decodes the JSON log lines written to buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

func TestHandler_RequestIDIsEchoedLoggedAndInContext(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var seen string
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("short and stout"))
	}), slog.New(slog.NewJSONHandler(&logs, nil)))

	r := httptest.NewRequest("GET", "/brew?x=1", nil)
	r.Header.Set(RequestIDHeader, "abc-123")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, "abc-123", seen)
	require.Equal(t, "abc-123", w.Header().Get(RequestIDHeader))
	lines := logLines(t, &logs)
	require.Len(t, lines, 1)
	line := lines[0]
	require.Equal(t, "abc-123", line["request_id"])
	require.Equal(t, "GET", line["method"])
	require.Equal(t, "/brew", line["path"])
	require.EqualValues(t, 418, line["status"])
	require.EqualValues(t, 15, line["bytes"])
	require.Contains(t, line, "duration_ms")

	// A forged id (one that could split a log line) is replaced.
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set(RequestIDHeader, "x\nlevel=ERROR")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.NotEqual(t, "x\nlevel=ERROR", seen)
	require.Regexp(t, `^[a-z0-9]{16}$`, seen)
	require.Equal(t, seen, w.Header().Get(RequestIDHeader))
}

func TestHandler_PanicAnswers500AndLogsTheStack(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("the flux capacitor broke")
	}), slog.New(slog.NewJSONHandler(&logs, nil)))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/stories", nil))
	require.Equal(t, 500, w.Code)
	require.JSONEq(t, `{"error":{"code":"internal","message":"Internal error."}}`, w.Body.String())
	require.NotContains(t, w.Body.String(), "flux")

	r := httptest.NewRequest("GET", "/stories", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, 500, w.Code)
	require.Contains(t, w.Header().Get("Content-Type"), "text/html")
	require.NotContains(t, w.Body.String(), "flux")

	lines := logLines(t, &logs)
	require.Len(t, lines, 4) // a panic line and a request line per request
	require.Equal(t, "the flux capacitor broke", lines[0]["panic"])
	require.Contains(t, lines[0]["stack"], "httpd_test.go")
	require.EqualValues(t, 500, lines[1]["status"])
	require.Equal(t, lines[0]["request_id"], lines[1]["request_id"])
}

func TestHandler_SecurityHeadersUnlessTheHandlerSetsItsOwn(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	w := httptest.NewRecorder()
	Handler(http.NotFoundHandler(), log).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	h := w.Header()
	require.Equal(t, ContentSecurityPolicy, h.Get("Content-Security-Policy"))
	require.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	require.Contains(t, h.Get("Content-Security-Policy"), "script-src 'self';")
	require.NotContains(t, h.Get("Content-Security-Policy"), "unsafe-inline")
	require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	require.Equal(t, "same-origin", h.Get("Referrer-Policy"))

	w = httptest.NewRecorder()
	Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
	}), log).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, "default-src 'none'", w.Header().Get("Content-Security-Policy"))
}

func TestTemplates_PagesShareLayoutsAndFailCleanly(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"layout/base.html": {Data: []byte(`{{define "layout"}}<title>{{template "title" .}}</title><main>{{template "content" .}}</main>{{end}}`)},
		"pages/a.html":     {Data: []byte(`{{template "layout" .}}{{define "title"}}A{{end}}{{define "content"}}<p>{{.Name | shout}}</p>{{end}}`)},
		"pages/b.html":     {Data: []byte(`{{template "layout" .}}{{define "title"}}B{{end}}{{define "content"}}<p>{{fail}}</p>{{end}}`)},
	}
	var logs bytes.Buffer
	tpl, err := ParseTemplates(fsys, template.FuncMap{"shout": strings.ToUpper, "fail": func() (string, error) { return "", bytes.ErrTooLarge }}, "layout/*.html", "pages/*.html", slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)

	w := httptest.NewRecorder()
	tpl.Render(w, httptest.NewRequest("GET", "/", nil), http.StatusCreated, "a.html", map[string]string{"Name": "<ferry>"})
	require.Equal(t, 201, w.Code)
	require.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	require.Equal(t, "<title>A</title><main><p>&lt;FERRY&gt;</p></main>", w.Body.String())

	// An execution error is a clean 500: no half page.
	w = httptest.NewRecorder()
	tpl.Render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, "b.html", map[string]string{"Name": "x"})
	require.Equal(t, 500, w.Code)
	require.NotContains(t, w.Body.String(), "<main>")
	require.Contains(t, logs.String(), `"page":"b.html"`)
}

func TestHandler_LogsNoBotTokenFromAPath(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := Handler(http.NotFoundHandler(), slog.New(slog.NewJSONHandler(&logs, nil)))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/sandbox/telegram/bot100000001:secret-token/sendMessage", nil))
	require.NotContains(t, logs.String(), "secret-token")
	require.Equal(t, "/sandbox/telegram/bot<redacted>/sendMessage", logLines(t, &logs)[0]["path"])
}
