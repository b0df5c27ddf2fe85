package httpd

import (
	"net/http"
	"strings"
	"time"
)

// Timeouts of Ferry's HTTP server. Uploads are at most tens of megabytes
// and nothing is streamed for long (an image download is the longest
// answer), so a connection that takes longer is a slow client holding a
// slot, or an attack.
const (
	// ReadHeaderTimeout bounds reading a request's headers (slowloris).
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, body included: a 20 MB
	// upload over a 0.5 Mbit/s mobile link.
	ReadTimeout = 5 * time.Minute
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer (net/http counts the body's reading in it): the
	// upload, the work (an idempotent request's is bounded at 2 minutes)
	// and a download of the largest image over a slow link.
	WriteTimeout = 10 * time.Minute
	// IdleTimeout bounds a kept-alive connection waiting for its next
	// request.
	IdleTimeout = 2 * time.Minute
)

// Server returns an HTTP server for h with Ferry's timeouts.
func Server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout, WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout}
}

// LimitBody bounds every request's body at limit bytes: a backstop under
// each route's own, tighter limit (a JSON body, a form, an upload), so that
// no route, present or future, reads an unbounded body.
func LimitBody(h http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h.ServeHTTP(w, r)
	})
}

// StrictTransport adds HSTS to every answer when Ferry's public URL is
// https: browsers then never use plain http for it (a year; subdomains
// are left alone, as they may be other services of the institution).
func StrictTransport(h http.Handler, publicURL string) http.Handler {
	if !strings.HasPrefix(strings.ToLower(publicURL), "https://") {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}
