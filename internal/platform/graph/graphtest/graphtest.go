// Package graphtest is a scriptable fake of the Graph API for connector
// tests: it records every call (method, path, query, form fields, uploaded
// files) and answers from handlers registered per "METHOD /path", so tests
// can assert exactly what a connector sent. It knows nothing of Graph
// semantics; the sandbox is the behavioural emulator.
package graphtest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// Call is one request the fake received.
type Call struct {
	Method string
	// Path is the URL path, version included ("/v23.0/123/feed").
	Path  string
	Query url.Values
	// Form holds the fields of a form-encoded or multipart body.
	Form url.Values
	// Files holds uploaded files by field, and FileNames their names.
	Files     map[string][]byte
	FileNames map[string]string
}

// Param returns a parameter from the form, else from the query.
func (c Call) Param(name string) string {
	if v := c.Form.Get(name); v != "" {
		return v
	}
	return c.Query.Get(name)
}

// Handler answers one call.
type Handler func(w http.ResponseWriter, c Call)

// Fake is a fake Graph API server.
type Fake struct {
	t   testing.TB
	URL string

	mu     sync.Mutex
	calls  []Call
	routes map[string]Handler
}

// New starts a fake closed when the test ends.
func New(t testing.TB) *Fake {
	f := &Fake{t: t, routes: map[string]Handler{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Handle answers calls to route ("POST /v23.0/123/feed") with h, replacing
// any earlier handler of that route.
func (f *Fake) Handle(route string, h Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = h
}

// Calls returns the calls received so far.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// CallsTo returns the calls received on route ("POST /v23.0/1/media_publish").
func (f *Fake) CallsTo(route string) []Call {
	var out []Call
	for _, c := range f.Calls() {
		if c.Method+" "+c.Path == route {
			out = append(out, c)
		}
	}
	return out
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	c := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Form: url.Values{}, Files: map[string][]byte{}, FileNames: map[string]string{}}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			f.t.Errorf("graphtest: bad multipart body: %v", err)
		} else {
			c.Form = url.Values(r.MultipartForm.Value)
			for field, fhs := range r.MultipartForm.File {
				file, err := fhs[0].Open()
				if err != nil {
					f.t.Errorf("graphtest: %v", err)
					continue
				}
				c.Files[field], _ = io.ReadAll(file)
				c.FileNames[field] = fhs[0].Filename
				file.Close()
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			f.t.Errorf("graphtest: bad form body: %v", err)
		}
		c.Form = r.PostForm
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	h := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if h == nil {
		f.t.Errorf("graphtest: unexpected call %s %s", r.Method, r.URL.Path)
		Error(w, http.StatusBadRequest, 100, 33, "Unsupported request")
		return
	}
	h(w, c)
}

// JSON answers v with status 200.
func JSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Raw answers a recorded response body with status 200.
func Raw(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// Error answers a Graph error envelope.
func Error(w http.ResponseWriter, status, code, subcode int, message string) {
	e := map[string]any{"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AFakeTrace"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// Reply returns a handler that always answers v.
func Reply(v any) Handler { return func(w http.ResponseWriter, _ Call) { JSON(w, v) } }

// Fail returns a handler that always answers a Graph error.
func Fail(status, code, subcode int, message string) Handler {
	return func(w http.ResponseWriter, _ Call) { Error(w, status, code, subcode, message) }
}

// Sequence returns a handler answering with hs in turn, then the last one
// for every further call.
func Sequence(hs ...Handler) Handler {
	var mu sync.Mutex
	i := 0
	return func(w http.ResponseWriter, c Call) {
		mu.Lock()
		h := hs[min(i, len(hs)-1)]
		i++
		mu.Unlock()
		h(w, c)
	}
}
