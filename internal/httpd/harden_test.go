package httpd

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLimitBody_EveryRouteHasABound(t *testing.T) {
	t.Parallel()
	var readErr error
	h := LimitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
	}), 10)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/x", strings.NewReader("0123456789")))
	require.NoError(t, readErr)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/x", strings.NewReader("0123456789!")))
	var mbe *http.MaxBytesError
	require.True(t, errors.As(readErr, &mbe), "%v", readErr)
}

func TestStrictTransport_OnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	w := httptest.NewRecorder()
	StrictTransport(ok, "https://ferry.example").ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, "max-age=31536000", w.Header().Get("Strict-Transport-Security"))
	w = httptest.NewRecorder()
	StrictTransport(ok, "http://127.0.0.1:8080").ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	require.Empty(t, w.Header().Get("Strict-Transport-Security"))
}

func TestServer_HasTimeouts(t *testing.T) {
	t.Parallel()
	s := Server(http.NotFoundHandler())
	require.NotZero(t, s.ReadHeaderTimeout)
	require.NotZero(t, s.ReadTimeout)
	require.NotZero(t, s.WriteTimeout)
	require.NotZero(t, s.IdleTimeout)
	require.GreaterOrEqual(t, s.WriteTimeout, s.ReadTimeout, "a request's answer may follow its whole upload")
}
