// Package sandbox emulates the platforms' APIs at their real paths, with
// their real payloads, limits and error envelopes, plus fault injection. It is
// a test double and a demo: Ferry's connectors talk to it exactly as they talk
// to the real platforms, through a configurable base URL.
//
// Every post the sandbox accepts is recorded, so tests can check from the
// platform's side that each publication arrived exactly once.
package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferry-social/ferry"
)

// Post is one post as the emulated platform received it.
type Post struct {
	Platform ferry.Platform `json:"platform"`
	Target   string         `json:"target"`
	RemoteID string         `json:"remote_id"`
	Text     string         `json:"text"`
	Media    []string       `json:"media"`
	// AltText holds each image's alt text as the platform received it, in
	// the order of Media ("" for an image sent without); nil when the
	// platform takes none (Telegram, Weibo).
	AltText    []string  `json:"alt_text,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// Deleted is set once the post is gone: for a Telegram album, once
	// every one of its messages is.
	Deleted bool `json:"deleted,omitempty"`
	// MessageIDs are a Telegram album's messages, one per image (the first
	// is RemoteID), and DeletedIDs those deleted so far: Telegram deletes
	// an album message by message.
	MessageIDs []string `json:"message_ids,omitempty"`
	DeletedIDs []string `json:"deleted_ids,omitempty"`
}

// Faults configures fault injection for one platform. Rates are
// probabilities between 0 and 1, drawn independently per request.
type Faults struct {
	Platform ferry.Platform `json:"platform"`
	// LatencyMS delays every response.
	LatencyMS int `json:"latency_ms"`
	// ErrorRate answers with the platform's transient server error.
	ErrorRate float64 `json:"error_rate"`
	// RateLimitRate answers with the platform's rate-limit error.
	RateLimitRate float64 `json:"rate_limit_rate"`
	// TimeoutRate never answers (and records nothing) until the client gives up.
	TimeoutRate float64 `json:"timeout_rate"`
	// DropResponseRate records the post, then closes the connection without
	// answering: the case that makes naive clients post twice.
	DropResponseRate float64 `json:"drop_response_rate"`
	// RetryAfterSeconds is the hint sent with rate-limit errors (default 1).
	RetryAfterSeconds int `json:"retry_after_seconds"`
}

func (f Faults) validate() error {
	if !f.Platform.Valid() {
		return fmt.Errorf("unknown platform %q", f.Platform)
	}
	for name, r := range map[string]float64{"error_rate": f.ErrorRate, "rate_limit_rate": f.RateLimitRate, "timeout_rate": f.TimeoutRate, "drop_response_rate": f.DropResponseRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("%s must be between 0 and 1", name)
		}
	}
	if f.LatencyMS < 0 || f.LatencyMS > 60_000 {
		return fmt.Errorf("latency_ms must be between 0 and 60000")
	}
	if f.RetryAfterSeconds < 0 || f.RetryAfterSeconds > 3600 {
		return fmt.Errorf("retry_after_seconds must be between 0 and 3600")
	}
	return nil
}

// Sandbox is a set of emulated platforms sharing one record of posts.
type Sandbox struct {
	now func() time.Time

	mu     sync.Mutex
	posts  []Post
	faults map[ferry.Platform]Faults
	seq    int64
	rng    *rand.Rand
	// sent counts posts per limit key and window start, to enforce the
	// platforms' own rate limits.
	sent map[string][]time.Time

	requests []Request

	adminToken string // see WithAdminToken

	telegram *telegramAPI
	weibo    *weiboAPI
	graph    *graphAPI
	mux      *http.ServeMux
}

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithClock sets the sandbox's clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Sandbox) { s.now = now } }

// WithAdminToken makes the sandbox's own API (/api/posts, /api/faults)
// answer only requests carrying "Authorization: Bearer <token>": the posts
// hold signed handoff links, and faults disturb everyone's demo. The
// emulated platform APIs check their own credentials, as the platforms do.
func WithAdminToken(token string) Option { return func(s *Sandbox) { s.adminToken = token } }

// WithSeed makes fault injection reproducible.
func WithSeed(seed uint64) Option {
	return func(s *Sandbox) { s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// New returns a sandbox emulating every supported platform.
func New(opts ...Option) *Sandbox {
	s := &Sandbox{
		now:    time.Now,
		faults: map[ferry.Platform]Faults{},
		sent:   map[string][]time.Time{},
		rng:    rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		mux:    http.NewServeMux(),
	}
	for _, o := range opts {
		o(s)
	}
	s.telegram = newTelegramAPI(s)
	s.mux.HandleFunc("GET /api/posts", s.admin(s.handlePosts))
	s.mux.HandleFunc("GET /api/faults", s.admin(s.handleGetFaults))
	s.mux.HandleFunc("PUT /api/faults", s.admin(s.handlePutFaults))
	s.mux.HandleFunc("DELETE /api/posts", s.admin(s.handleReset))
	s.mux.Handle("/telegram/", http.StripPrefix("/telegram", s.faulty(ferry.Telegram, s.telegram)))
	// Emulators of other platforms are mounted here, one line each.
	s.graph = newGraphAPI(s)
	s.mux.Handle("/graph/", http.StripPrefix("/graph", s.graph.handler()))
	s.weibo = newWeiboAPI(s)
	s.mux.Handle("/weibo/", http.StripPrefix("/weibo", s.faulty(ferry.Weibo, s.weibo)))
	return s
}

// admin guards the sandbox's own API with the admin token, if there is one.
func (s *Sandbox) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.adminToken != "" {
			scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(token), []byte(s.adminToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ferry sandbox"`)
				http.Error(w, "This sandbox listens beyond loopback: send the token `ferry serve` printed at start as 'Authorization: Bearer <token>'.", http.StatusUnauthorized)
				return
			}
		}
		h(w, r)
	}
}

// ServeHTTP serves the sandbox. Mounted by `ferry serve --sandbox` under
// /sandbox (with the prefix stripped), or directly by httptest.NewServer.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Posts returns the recorded posts, oldest first, optionally filtered by
// platform and target ("" matches all).
func (s *Sandbox) Posts(platform ferry.Platform, target string) []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, p := range s.posts {
		if (platform == "" || p.Platform == platform) && (target == "" || p.Target == target) {
			p.Media, p.AltText = slices.Clone(p.Media), slices.Clone(p.AltText)
			out = append(out, p)
		}
	}
	return out
}

// Request is one request an emulated platform received, with the fault it
// was answered with ("" when served normally).
type Request struct {
	Platform ferry.Platform `json:"platform"`
	Target   string         `json:"target"`
	// Op is the last element of the request's path: the method or endpoint
	// ("sendMessage", "share.json", "feed").
	Op         string        `json:"op"`
	At         time.Time     `json:"at"`
	Fault      string        `json:"fault"`
	RetryAfter time.Duration `json:"retry_after"`
}

// Requests returns the requests received so far, in order, for platforms
// whose emulator can name the target (the channel, the user) of a request.
func (s *Sandbox) Requests(platform ferry.Platform) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if platform == "" || r.Platform == platform {
			out = append(out, r)
		}
	}
	return out
}

func (s *Sandbox) logRequest(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) < maxLoggedRequests {
		s.requests = append(s.requests, r)
	}
}

// maxLoggedRequests bounds the request log of a long-running demo.
const maxLoggedRequests = 100_000

// SetFaults replaces the fault configuration of f.Platform.
func (s *Sandbox) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[f.Platform] = f
	return nil
}

// record stores an accepted post and returns it with its remote id.
func (s *Sandbox) record(p Post) Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.ReceivedAt = s.now().UTC()
	s.posts = append(s.posts, p)
	return p
}

// nextID returns a sandbox-wide increasing number.
func (s *Sandbox) nextID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// allow reports whether one more post under key fits max per window, and
// records it if so; otherwise it returns how long until a slot frees.
func (s *Sandbox) allow(key string, max int, window time.Duration) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	ts := s.sent[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	ts = ts[i:]
	if len(ts) >= max {
		s.sent[key] = ts
		return false, window - now.Sub(ts[0])
	}
	s.sent[key] = append(ts, now)
	return true, 0
}

type faultKind int

const (
	faultNone faultKind = iota
	faultError
	faultRateLimit
	faultTimeout
	faultDrop
)

// draw picks the fault for one request.
func (s *Sandbox) draw(p ferry.Platform) (Faults, faultKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[p]
	x := s.rng.Float64()
	for _, c := range []struct {
		rate float64
		kind faultKind
	}{{f.ErrorRate, faultError}, {f.RateLimitRate, faultRateLimit}, {f.TimeoutRate, faultTimeout}, {f.DropResponseRate, faultDrop}} {
		if x < c.rate {
			return f, c.kind
		}
		x -= c.rate
	}
	return f, faultNone
}

// faultWriter is how an emulated platform writes its own error envelopes.
type faultWriter interface {
	http.Handler
	writeServerError(w http.ResponseWriter)
	writeRateLimited(w http.ResponseWriter, retryAfter time.Duration)
}

// targeter is implemented by emulators that can name a request's target,
// for the request log. It must not consume the request body.
type targeter interface {
	target(r *http.Request) string
}

var faultNames = map[faultKind]string{faultError: "error", faultRateLimit: "rate_limit", faultTimeout: "timeout", faultDrop: "drop"}

// faulty wraps a platform's handler with latency and fault injection.
func (s *Sandbox) faulty(p ferry.Platform, h faultWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, kind := s.draw(p)
		if t, ok := h.(targeter); ok {
			req := Request{Platform: p, Target: t.target(r), Op: path.Base(r.URL.Path), At: s.now().UTC(), Fault: faultNames[kind]}
			if kind == faultRateLimit {
				req.RetryAfter = time.Duration(max(f.RetryAfterSeconds, 1)) * time.Second
			}
			s.logRequest(req)
		}
		if f.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(f.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		switch kind {
		case faultError:
			h.writeServerError(w)
		case faultRateLimit:
			ra := time.Duration(max(f.RetryAfterSeconds, 1)) * time.Second
			h.writeRateLimited(w, ra)
		case faultTimeout:
			// Hold the request until the client gives up; nothing is recorded.
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Minute):
			}
			dropConnection(w)
		case faultDrop:
			// Do the work (the post is recorded), then lose the answer.
			h.ServeHTTP(discardWriter{header: http.Header{}}, r)
			dropConnection(w)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		// HTTP/2 or a recorder: abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

func (s *Sandbox) handlePosts(w http.ResponseWriter, r *http.Request) {
	posts := s.Posts(ferry.Platform(r.URL.Query().Get("platform")), r.URL.Query().Get("target"))
	if posts == nil {
		posts = []Post{}
	}
	writeJSON(w, http.StatusOK, posts)
}

func (s *Sandbox) handleReset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.posts = nil
	s.requests = nil
	s.sent = map[string][]time.Time{}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) handleGetFaults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := make([]Faults, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, f)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Faults) int { return strings.Compare(string(a.Platform), string(b.Platform)) })
	writeJSON(w, http.StatusOK, out)
}

func (s *Sandbox) handlePutFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"code": "invalid", "message": "Malformed fault configuration: " + err.Error()}})
		return
	}
	if err := s.SetFaults(f); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"code": "invalid", "message": err.Error()}})
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
