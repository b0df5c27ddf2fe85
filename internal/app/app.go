// Package app wires Ferry together: configuration, database, secrets,
// connectors, the delivery engine, River and the HTTP server. Main is what
// `ferry serve` and `ferry worker` run, and what end-to-end tests boot on a
// free port with a temporary data directory.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/api"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/media"
	"github.com/ferry-social/ferry/internal/netguard"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/facebook"
	"github.com/ferry-social/ferry/internal/platform/instagram"
	"github.com/ferry-social/ferry/internal/platform/telegram"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/secret"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/web"
)

// Main is a running Ferry.
type Main struct {
	Config config.Config
	Log    *slog.Logger
	// Version is Ferry's version, written into backups' manifests.
	Version string

	DB      *store.DB
	Jobs    *jobs.Client
	Service *service.Service
	Engine  *delivery.Engine
	Sandbox *sandbox.Sandbox
	// SandboxToken, set when the sandbox listens beyond loopback
	// (--sandbox-public), is the bearer token its /sandbox/api needs.
	SandboxToken string
	// Outbound guards requests to URLs people give Ferry (webhooks):
	// FERRY_OUTBOUND_ALLOW, and the sandbox's own loopback address under
	// --sandbox/--demo. Set by Open.
	Outbound *netguard.Guard

	// Now is Ferry's clock: the store's, the engine's, the handoffs',
	// River's and the sandbox's. Nil is the wall clock; end-to-end tests set a clock of their
	// own before Open, and move it, to deliver a story scheduled for another
	// day through the real engine.
	Now func() time.Time

	listener net.Listener
	server   *http.Server
	url      string
	metrics  *prometheus.Registry

	dirLock  *dirLock        // SQLite: this process alone works the data directory's jobs
	ready    chan struct{}   // closed once Run serves and works
	stopping atomic.Bool     // set when a stop begins: /readyz answers 503
	forced   context.Context // cancelled by Force
	force    context.CancelFunc
}

// New returns a Main for a configuration; nothing is opened yet.
func New(cfg config.Config, log *slog.Logger) *Main {
	forced, force := context.WithCancel(context.Background())
	return &Main{Config: cfg, Log: log, ready: make(chan struct{}), forced: forced, force: force}
}

// ErrSchemaOutdated is returned when the database needs migrating and the
// caller did not ask for it.
var ErrSchemaOutdated = errors.New("the database schema is older than this version of Ferry")

// Open opens the database and checks (or brings up) its schema. An empty
// database is initialised; an older one is migrated only if migrate is true.
func (m *Main) Open(ctx context.Context, migrate bool) error {
	if err := m.Config.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	allow, err := netguard.ParseAllow(m.Config.OutboundAllow)
	if err != nil { // Validate said so already
		return fmt.Errorf("configuration: FERRY_OUTBOUND_ALLOW: %w", err)
	}
	m.Outbound = netguard.New(allow...)
	db, err := store.Open(ctx, store.Options{URL: m.Config.DatabaseURL, Path: m.Config.SQLitePath()})
	if err != nil {
		return err
	}
	m.DB = db
	if m.Now != nil {
		db.Now = m.Now
	}
	ring, err := m.keyring()
	if err != nil {
		return err
	}
	db.SetSealer(ring)
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	switch {
	case st.UpToDate():
	case st.Empty() || migrate:
		m.Log.Info("migrating database", "backend", m.Config.Backend(), "from", st.Current, "to", st.Latest)
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w (schema %d, River current: %v; this version needs %d): run `ferry migrate` first, or start with --migrate", ErrSchemaOutdated, st.Current, st.RiverCurrent, st.Latest)
	}
	return nil
}

// keyring is Ferry's secret keys: FERRY_SECRET_KEY (current) and
// FERRY_SECRET_KEY_PREVIOUS, or else the key file's lines (the first
// current, any others previous).
func (m *Main) keyring() (*secret.Keyring, error) {
	var keys [][]byte
	if m.Config.SecretKey != "" {
		cur, err := secret.ParseKey(m.Config.SecretKey)
		if err != nil {
			return nil, err
		}
		keys = [][]byte{cur}
	} else {
		if err := mkdirData(m.Config.DataDir); err != nil {
			return nil, err
		}
		var err error
		if keys, err = secret.LoadOrCreateKeyFile(filepath.Join(m.Config.DataDir, "secret.key")); err != nil {
			return nil, err
		}
	}
	prev, err := secret.ParseKeys(m.Config.SecretKeyPrevious)
	if err != nil {
		return nil, fmt.Errorf("FERRY_SECRET_KEY_PREVIOUS: %w", err)
	}
	return secret.NewKeyring(keys[0], append(keys[1:], prev...)...)
}

// Listen binds the HTTP address (":0" picks a free port) and mounts the
// sandbox if asked, so that connector URLs can point at it.
func (m *Main) Listen() error {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	sandboxed := m.Config.Sandbox || m.Config.Demo
	if sandboxed && !loopback(ln.Addr()) {
		if !m.Config.SandboxPublic {
			_ = ln.Close()
			return fmt.Errorf("--sandbox and --demo listen on a loopback address only (127.0.0.1:8080, [::1]:8080), and %s is not: "+
				"the sandbox's API shows every post, signed handoff links included, and lets anyone inject faults. "+
				"Pass --sandbox-public to listen there anyway; its /sandbox/api then needs the token printed at start", ln.Addr())
		}
		m.SandboxToken = rand.Text()
	}
	m.listener = ln
	m.url = "http://" + ln.Addr().String()
	if sandboxed {
		var opts []sandbox.Option
		if m.Now != nil { // the platforms' clock is Ferry's
			opts = append(opts, sandbox.WithClock(m.Now))
		}
		if m.SandboxToken != "" {
			opts = append(opts, sandbox.WithAdminToken(m.SandboxToken))
		}
		m.Sandbox = sandbox.New(opts...)
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsLoopback() && m.Outbound != nil {
			// The sandbox's own address, so that a demo's webhook can
			// point at it; nothing else on loopback.
			if a, ok := netip.AddrFromSlice(tcp.IP); ok {
				m.Outbound.Allow(netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			}
		}
		// Platforms whose URL was not set explicitly talk to the sandbox.
		defaults := config.Defaults()
		if m.Config.TelegramAPIURL == defaults.TelegramAPIURL {
			m.Config.TelegramAPIURL = m.url + "/sandbox/telegram"
		}
		if m.Config.GraphAPIURL == defaults.GraphAPIURL {
			m.Config.GraphAPIURL = m.url + "/sandbox/graph"
		}
		if m.Config.WeiboAPIURL == defaults.WeiboAPIURL {
			m.Config.WeiboAPIURL = m.url + "/sandbox/weibo"
			if m.Config.WeiboRIP == "" {
				m.Config.WeiboRIP = "127.0.0.1"
			}
		}
	}
	if m.Config.PublicURL == "" {
		m.Config.PublicURL = m.url
	}
	return nil
}

// loopback reports whether a listening address is reachable from this
// machine only.
func loopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// URL is the server's base URL once Listen has run.
func (m *Main) URL() string { return m.url }

// connectors builds one connector per platform with an API.
func (m *Main) connectors() *platform.Registry {
	// Many publications fall due at the same minute; keep connections to
	// each platform open for them rather than dialling anew.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	hc := &http.Client{Timeout: m.Config.AttemptTimeout, Transport: transport}
	return platform.NewRegistry(
		telegram.New(m.Config.TelegramAPIURL, hc),
		weibo.New(weibo.Config{BaseURL: m.Config.WeiboAPIURL, ClientID: m.Config.WeiboClientID, ClientSecret: m.Config.WeiboClientSecret, RIP: m.Config.WeiboRIP, HTTPClient: hc}),
		facebook.New(facebook.Config{BaseURL: m.Config.GraphAPIURL, Version: m.Config.GraphAPIVersion, AppID: m.Config.FacebookAppID, AppSecret: m.Config.FacebookAppSecret, HTTPClient: hc}),
		instagram.New(instagram.Config{BaseURL: m.Config.GraphAPIURL, Version: m.Config.GraphAPIVersion, HTTPClient: hc}),
	)
}

// clock is Now, or the wall clock.
func (m *Main) clock() func() time.Time {
	if m.Now != nil {
		return m.Now
	}
	return time.Now
}

// Build creates the engine, the job client and the service.
func (m *Main) Build() error {
	blobs, err := OpenBlobs(m.Config)
	if err != nil {
		return err
	}
	m.metrics = prometheus.NewRegistry()
	m.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	events := newMetricsEvents(m.metrics)
	conns := m.connectors()
	m.Engine = &delivery.Engine{
		DB: m.DB, Connectors: conns, Media: blobs, Events: events, Log: m.Log,
		CallTimeout:    m.Config.AttemptTimeout * 3 / 4,
		GiveUpAfter:    m.Config.GiveUpAfter,
		ReauthDeadline: m.Config.ReauthDeadline,
		Now:            m.clock(),
		MediaURL: func(sum string) string {
			return strings.TrimRight(m.Config.PublicURL, "/") + "/media/" + sum
		},
	}
	m.Jobs, err = jobs.New(m.DB, jobs.Config{
		PollInterval: m.Config.PollInterval, RescueAfter: m.Config.RescueAfter,
		AttemptTimeout: m.Config.AttemptTimeout, MaxWorkers: m.Config.MaxWorkers, Logger: m.Log,
		Now: m.Now, Backup: m.scheduledBackup(blobs),
	}, m.Engine)
	if err != nil {
		return err
	}
	m.Engine.Scheduler = m.Jobs
	// Further wiring of the engine and the service goes here, one line each.
	if err := m.wireHandoffs(blobs, events); err != nil { // Xiaohongshu handoffs (handoff.go)
		return err
	}
	m.Service = &service.Service{
		DB: m.DB, Blobs: blobs, Connectors: conns, Scheduler: m.Jobs, Events: events, Log: m.Log,
		MaxUploadBytes: m.Config.MaxUploadBytes, VerifyTimeout: 20 * time.Second,
		Adapt: adapt.New(script.NewConverter()),
	}
	m.Service.Outbound = m.Outbound
	m.Service.OAuth = m.oauthFlows()
	m.Engine.Approvals = m.Service // approvers reminded when a publication comes due unapproved
	m.Service.Handoffs = m.handoffManager()
	if err := m.wireInvitationMail(); err != nil { // invitation emails (handoff.go)
		return err
	}
	m.Service.PauseNotifier, m.Service.Webhooks = m.Jobs, notify.NewWebhooks(m.Outbound, 15*time.Second) // pause notices
	m.Jobs.SetPauseSender(m.Service)
	m.Service.ArchiveJobs = m.Jobs // account archives and closures
	m.Jobs.SetArchiver(m.Service)
	if err := m.wireNotices(); err != nil { // notices (handoff.go)
		return err
	}
	return nil
}

// Run works jobs and, if Listen has run, serves HTTP, until ctx is done or
// one of them fails; then it stops (see stop) and returns. In demo mode it
// seeds the demo data once the server is up. Ready is closed once Run has
// started everything.
func (m *Main) Run(ctx context.Context) error {
	var handler http.Handler
	if m.listener != nil {
		h, err := m.handler()
		if err != nil {
			return err
		}
		handler = h
	}
	if err := m.claimJobs(ctx); err != nil {
		return err
	}
	// Connections ready before the first burst of publications, rather than
	// opened in the middle of it.
	if err := m.DB.Warm(ctx); err != nil {
		return err
	}
	// Cancelling River's start context is a hard stop that cancels running
	// jobs, platform calls included; River gets a context that ctx's
	// cancellation does not reach, and is stopped gracefully in stop.
	if err := m.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	if m.listener != nil {
		m.server = httpd.Server(handler)
		g.Go(func() error {
			if err := m.server.Serve(m.listener); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("http server: %w", err)
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		return m.stop()
	})
	g.Go(func() error {
		// Demo accounts are verified against the sandbox this server serves.
		if m.Config.Demo {
			if err := m.SeedDemo(gctx); err != nil {
				if gctx.Err() != nil {
					return nil // stopping already
				}
				return err
			}
		}
		close(m.ready)
		return nil
	})
	return g.Wait()
}

// claimJobs makes this process the owner of the jobs it will work. On
// SQLite one process works the data directory's jobs: it takes the
// directory's lock, and since the lock outlives no process, every job still
// marked running belongs to a dead one and is made available at once,
// rather than after River's rescue delay (FERRY_RESCUE_AFTER). On
// PostgreSQL several processes share the queue; each holds a liveness lock
// and takes back the jobs of dead ones (jobs.Client.Start; see
// docs/architecture.md, "Back on time after a crash").
func (m *Main) claimJobs(ctx context.Context) error {
	if m.Config.DatabaseURL != "" {
		return nil
	}
	lock, err := lockDataDir(m.Config.DataDir)
	if err != nil {
		return err
	}
	m.dirLock = lock
	n, err := m.Jobs.RescueOrphans(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		m.Log.Info("jobs left running by a previous process made available again", "jobs", n)
	}
	return nil
}

// Ready is closed once Run works jobs and serves HTTP.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// Force makes a stop cancel the jobs in flight instead of waiting for them
// (a second signal). Outcomes that platforms have already returned are
// still recorded.
func (m *Main) Force() { m.force() }

// handler routes every HTTP request.
func (m *Main) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	apiHandler := api.New(m.Service, m.Log, m.metrics).Handler()
	for _, prefix := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(prefix, apiHandler)
	}
	ui, err := web.New(web.Options{Service: m.Service, Log: m.Log, PublicURL: m.Config.PublicURL})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", ui.Handler()) // the web UI takes every other path
	mux.Handle("GET /media/{sha256}", mediaHandler(m.Service.Blobs))
	if m.Sandbox != nil {
		mux.Handle("/sandbox/", http.StripPrefix("/sandbox", m.Sandbox))
	}
	// Further top-level handlers (HTML pages, OAuth callbacks) are mounted here, one line each.
	mux.Handle("/handoff/", m.handoffPages())
	// Every body is bounded (each route bounds its own more tightly), and
	// HSTS is sent when Ferry is served over https.
	bodyLimit := max(m.Config.MaxUploadBytes, media.DefaultMaxBytes) + 1<<20
	// The client's address (sign-in throttling) believes X-Forwarded-For
	// from FERRY_TRUSTED_PROXIES only.
	trusted, err := netguard.ParseAllow(m.Config.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("configuration: FERRY_TRUSTED_PROXIES: %w", err)
	}
	h := httpd.ClientAddress(httpd.StrictTransport(httpd.LimitBody(m.untilReady(mux), bodyLimit), m.Config.PublicURL), trusted)
	return httpd.Handler(h, m.Log), nil
}

// untilReady answers 503 to everything but the sandbox until Run is ready,
// /healthz and /readyz included: with --demo the server must run for the
// demo accounts to be verified against the sandbox, and nothing may look
// ready before the demo user and accounts exist. Once a stop begins,
// /readyz answers 503 so that a load balancer sends no new work, while
// everything else is still served for the calls in flight.
func (m *Main) untilReady(next http.Handler) http.Handler {
	unavailable := func(w http.ResponseWriter, code, message string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`+"\n", code, message)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-m.ready:
			if m.stopping.Load() && r.URL.Path == "/readyz" {
				unavailable(w, "stopping", "Ferry is stopping.")
				return
			}
		default:
			if !strings.HasPrefix(r.URL.Path, "/sandbox/") {
				unavailable(w, "starting", "Ferry is starting; try again in a moment.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Bounds of a stop, beyond the attempt timeout that bounds a platform call.
const (
	// recordMargin is the time left after the attempt timeout for the
	// jobs in flight to record their outcomes.
	recordMargin = 10 * time.Second
	// cancelTimeout bounds waiting for cancelled jobs to return.
	cancelTimeout = 10 * time.Second
	// httpTimeout bounds waiting for HTTP requests in progress.
	httpTimeout = 10 * time.Second
)

// stop stops gracefully: River stops fetching jobs and the jobs in flight
// finish and record their outcomes (a platform call is bounded by the
// attempt timeout); then the HTTP server stops. Jobs go first because a
// platform call in flight may need this server: Instagram fetches media
// from it, and in sandbox mode the platforms are served by it. Force, or
// jobs outlasting the attempt timeout, cancel the jobs in flight.
func (m *Main) stop() error {
	m.stopping.Store(true)
	start := time.Now()
	n := m.Jobs.Publishing()
	m.Log.Info(fmt.Sprintf("stopping: waiting for %d publications in flight (second signal forces)", n), "in_flight", n)
	jobsErr := m.stopJobs()
	m.stopHTTP()
	m.Log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return jobsErr
}

func (m *Main) stopJobs() error {
	ctx, cancel := context.WithTimeout(m.forced, m.Config.AttemptTimeout+recordMargin)
	defer cancel()
	if m.Jobs.Stop(ctx) == nil {
		return nil
	}
	why := "the jobs outlasted the attempt timeout, so the stop was forced"
	if m.forced.Err() != nil {
		why = "the stop was forced"
	}
	n := m.Jobs.Publishing()
	m.Log.Warn("stopping now: cancelling the jobs in flight", "in_flight", n, "why", why)
	ctx, cancel = context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	if err := m.Jobs.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("stop workers: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%s with %d publications in flight; the ones whose outcome was not recorded are reconciled when Ferry runs again", why, n)
	}
	return nil
}

func (m *Main) stopHTTP() {
	if m.server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(m.forced, httpTimeout)
	defer cancel()
	if err := m.server.Shutdown(ctx); err != nil {
		m.Log.Warn("closing HTTP connections still in use", "error", err)
		_ = m.server.Close()
	}
}

// Close releases what Open and Listen acquired; call it after Run has
// returned (or if Run was never called).
func (m *Main) Close() error {
	var errs []error
	if m.server == nil && m.listener != nil {
		errs = append(errs, m.listener.Close())
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	errs = append(errs, m.dirLock.release())
	m.force()
	return errors.Join(errs...)
}

// metricsEvents counts publication transitions for /metrics.
type metricsEvents struct{ transitions *prometheus.CounterVec }

func newMetricsEvents(reg *prometheus.Registry) *metricsEvents {
	e := &metricsEvents{transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ferry_publication_transitions_total", Help: "Publication state transitions by platform and new state.",
	}, []string{"platform", "state"})}
	reg.MustRegister(e.transitions)
	return e
}

func (e *metricsEvents) Transition(_ context.Context, p *ferry.Publication, _ ferry.PublicationState) {
	e.transitions.WithLabelValues(string(p.Platform), string(p.State)).Inc()
}
