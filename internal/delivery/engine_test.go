package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/delivery/deliverytest"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// t0 is when every case starts. Clocks stand still unless a test moves
// them, so each follow-up's time is known (up to its jitter).
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// clock is an engine's time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

const (
	callTimeout    = 100 * time.Millisecond
	giveUpAfter    = 24 * time.Hour
	reauthDeadline = 72 * time.Hour
)

// call is what a fake platform was asked to do.
type call struct {
	Kind        string // "publish" or "lookup"
	Credentials map[string]string
}

// fakeConn is a platform whose answers the test scripts. During runs while
// a call is under way, outside any transaction, as a concurrent request
// would.
type fakeConn struct {
	platform ferry.Platform
	max      int // posts per hour per account
	publish  func(ctx context.Context) (platform.Result, error)
	lookup   func(ctx context.Context) (platform.Result, bool, error)
	during   func()

	mu    sync.Mutex
	calls []call
	posts []platform.Post // what each publish call sent
}

func (c *fakeConn) Platform() ferry.Platform { return c.platform }

func (c *fakeConn) record(kind string, acct platform.Account) {
	c.mu.Lock()
	c.calls = append(c.calls, call{Kind: kind, Credentials: acct.Credentials})
	c.mu.Unlock()
	if during := c.during; during != nil {
		c.during = nil
		during()
	}
}

func (c *fakeConn) Publish(ctx context.Context, acct platform.Account, post platform.Post) (platform.Result, error) {
	c.mu.Lock()
	c.posts = append(c.posts, post)
	c.mu.Unlock()
	c.record("publish", acct)
	if c.publish == nil {
		return platform.Result{}, errors.New("the test did not expect a publish call")
	}
	return c.publish(ctx)
}

func (c *fakeConn) Limits(acct platform.Account) []platform.Limit {
	return []platform.Limit{{Key: limitKey(acct.ExternalID), Max: c.max, Window: time.Hour}}
}

func (c *fakeConn) taken() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]call(nil), c.calls...)
}

func limitKey(externalID string) string { return "fake:" + externalID }

// lookingConn is a fakeConn that can look for a post (platform.Reconciler).
type lookingConn struct{ *fakeConn }

func (c lookingConn) Lookup(ctx context.Context, acct platform.Account, _ platform.Post, _ time.Time) (platform.Result, bool, error) {
	c.record("lookup", acct)
	if c.lookup == nil {
		return platform.Result{}, false, errors.New("the test did not expect a lookup")
	}
	return c.lookup(ctx)
}

// listener records the transitions Events is told of.
type listener struct {
	mu  sync.Mutex
	got []ferry.PublicationState
}

func (l *listener) Transition(_ context.Context, p *ferry.Publication, _ ferry.PublicationState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, p.State)
}

func (l *listener) take() []ferry.PublicationState {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

// env is a database shared by the cases of one test; each case has its own
// account, story and publication in it.
type env struct {
	db  *store.DB
	ws  *ferry.Workspace
	usr *ferry.User
	n   atomic.Int64
}

func newEnv(t *testing.T, b testdb.Backend) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: testdb.Open(t, b)}
	e.db.Now = func() time.Time { return t0 } // the cases' own clocks drive their engines
	require.NoError(t, e.db.InTx(ctx, func(tx *store.Tx) error {
		e.ws = &ferry.Workspace{Name: "Delivery"}
		if err := tx.CreateWorkspace(ctx, e.ws); err != nil {
			return err
		}
		e.usr = &ferry.User{Email: "editor@example.org", PasswordHash: "x"}
		return tx.CreateUser(ctx, e.usr)
	}))
	return e
}

// forEachBackend runs test once per database, its cases sharing one.
func forEachBackend(t *testing.T, test func(t *testing.T, e *env)) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, b))
		})
	}
}

// harness is one case: a publication of a story to an account, the engine
// that delivers it, and the service a person acts through.
type harness struct {
	db    *store.DB
	clk   *clock
	conn  *fakeConn
	eng   *delivery.Engine
	svc   *service.Service
	jobs  *deliverytest.Scheduler
	ev    *listener
	admin ferry.Principal
	acct  *ferry.Account
	story *ferry.Story
	pub   *ferry.Publication
	prior []string // outcomes of the attempts the case starts with
	// reconciler says whether the platform can look for posts.
	reconciler bool
	done       atomic.Int32
	failOn     atomic.Bool // the completion fails: the final transaction rolls back
}

type opts struct {
	reconciler  bool // the platform can look for posts
	noConnector bool // the account's platform has no connector
}

func (e *env) harness(t *testing.T, o opts) *harness {
	t.Helper()
	ctx := context.Background()
	n := e.n.Add(1)
	conn := &fakeConn{platform: ferry.Telegram, max: 100}
	acct := &ferry.Account{WorkspaceID: e.ws.ID, Platform: ferry.Telegram, ExternalID: fmt.Sprintf("@ferry%04d", n), Credentials: map[string]string{"bot_token": "100:token-1"}}
	var c platform.Connector = conn
	switch {
	case o.reconciler:
		conn.platform = ferry.Weibo
		acct.Platform, acct.ExternalID, acct.Credentials = ferry.Weibo, fmt.Sprint(1000+n), map[string]string{"access_token": "token-1"}
		c = lookingConn{conn}
	case o.noConnector:
		acct.Platform, acct.ExternalID = ferry.Facebook, fmt.Sprint(1000+n)
	}
	acct.Name = acct.ExternalID
	require.NoError(t, e.db.Write().CreateAccount(ctx, acct))
	story := &ferry.Story{WorkspaceID: e.ws.ID, Title: "Title", Body: "Body", Targets: []string{acct.ID}, ScheduledAt: &t0, CreatedBy: e.usr.ID}
	require.NoError(t, e.db.Write().CreateStory(ctx, story))
	require.NoError(t, e.db.Write().PutVariant(ctx, ferry.Variant{StoryID: story.ID, AccountID: acct.ID, Platform: acct.Platform, Title: "Title", Text: "Body"}))
	h := &harness{db: e.db, clk: &clock{now: t0}, conn: conn, jobs: &deliverytest.Scheduler{}, ev: &listener{}, acct: acct, story: story, reconciler: o.reconciler,
		admin: ferry.Principal{UserID: e.usr.ID, WorkspaceID: e.ws.ID, Role: ferry.RoleAdmin}}
	reg := platform.NewRegistry(c)
	log := slog.New(slog.DiscardHandler)
	h.eng = &delivery.Engine{DB: e.db, Connectors: reg, Scheduler: h.jobs, Events: h.ev, Log: log,
		CallTimeout: callTimeout, GiveUpAfter: giveUpAfter, ReauthDeadline: reauthDeadline, Now: h.clk.Now}
	h.svc = &service.Service{DB: e.db, Connectors: reg, Scheduler: h.jobs, Events: h.ev, Log: log, VerifyTimeout: time.Second}
	return h
}

// start creates the publication in a state, with the attempts a
// publication in that state has: waiting has failed once, publishing has
// an attempt open (its worker died), unknown has one whose outcome is
// unknown (open, to be looked up, when the platform can look).
func (h *harness) start(t *testing.T, state ferry.PublicationState) {
	t.Helper()
	ctx := context.Background()
	p := &ferry.Publication{WorkspaceID: h.acct.WorkspaceID, StoryID: h.story.ID, AccountID: h.acct.ID, Platform: h.acct.Platform, State: state, ScheduledAt: &t0}
	var earlier *ferry.Attempt
	switch state {
	case ferry.StateWaiting:
		p.NextAt, p.Attempts = &t0, 1
		earlier = &ferry.Attempt{Outcome: ferry.OutcomeRetry}
	case ferry.StatePublishing:
		p.Attempts = 1
		earlier = &ferry.Attempt{}
	case ferry.StateUnknown:
		p.Attempts = 1
		earlier = &ferry.Attempt{Outcome: ferry.OutcomeUnknown}
		if h.reconciler {
			p.NextAt, earlier.Outcome = &t0, ""
		}
	case ferry.StatePublished:
		p.PublishedAt, p.RemoteID = &t0, "r0"
	case ferry.StateDraft:
		p.ScheduledAt = nil
	}
	require.NoError(t, h.db.Write().CreatePublication(ctx, p))
	h.pub = p
	if earlier == nil {
		return
	}
	earlier.PublicationID, earlier.Number, earlier.Version, earlier.Fingerprint = p.ID, 1, p.Version, "fp"
	require.NoError(t, h.db.Write().OpenAttempt(ctx, earlier))
	if earlier.Outcome != "" {
		require.NoError(t, h.db.Write().FinishAttempt(ctx, earlier))
		h.prior = append(h.prior, earlier.Outcome)
	} else {
		h.prior = append(h.prior, "open")
	}
}

// dueAt changes the publication's scheduled time (which the give-up
// window counts from).
func (h *harness) dueAt(t *testing.T, when time.Time) {
	t.Helper()
	p := h.current(t)
	p.ScheduledAt = &when
	require.NoError(t, h.db.Write().SavePublication(context.Background(), p))
}

func (h *harness) complete(_ context.Context, tx *store.Tx) error {
	if h.failOn.Load() {
		return errors.New("the job could not be completed")
	}
	tx.AfterCommit(func() { h.done.Add(1) })
	return nil
}

// deliver runs the publication's job at its current version.
func (h *harness) deliver(t *testing.T) error {
	t.Helper()
	return h.deliverVersion(t, h.current(t).Version)
}

func (h *harness) deliverVersion(t *testing.T, version int) error {
	t.Helper()
	h.done.Store(0)
	return h.eng.Deliver(context.Background(), h.pub.ID, version, h.complete)
}

func (h *harness) current(t *testing.T) *ferry.Publication {
	t.Helper()
	p, err := h.db.Read().PublicationByID(context.Background(), h.pub.ID)
	require.NoError(t, err)
	return p
}

func (h *harness) account(t *testing.T) *ferry.Account {
	t.Helper()
	a, err := h.db.Read().AccountByID(context.Background(), h.acct.ID)
	require.NoError(t, err)
	return a
}

func (h *harness) attempts(t *testing.T) []*ferry.Attempt {
	t.Helper()
	atts, err := h.db.Read().Attempts(context.Background(), h.pub.ID)
	require.NoError(t, err)
	return atts
}

func (h *harness) outcomes(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, a := range h.attempts(t) {
		if a.FinishedAt == nil {
			out = append(out, "open")
		} else {
			out = append(out, a.Outcome)
		}
	}
	return out
}

// window is the range, after t0, in which a follow-up is due.
type window struct{ lo, hi time.Duration }

func at(d time.Duration) window { return window{d, d} }

// backoffWindow is where the retry after the nth attempt falls: full jitter
// over the upper half of 5 s doubling.
func backoffWindow(n int) window {
	d := 5 * time.Second << (n - 1)
	return window{d / 2, d}
}

// want is the state a case must end in.
type want struct {
	state ferry.PublicationState
	// reason is the reason's code, when the case names one.
	reason   ferry.ReasonCode
	attempts []string // outcomes of the attempts this job made or settled ("open": unfinished)
	// job is the follow-up's kind ("" for none), due in in.
	job    string
	in     window
	health ferry.AccountHealth // "" for connected
}

// check asserts the publication's state, its attempts journal, its
// follow-up, the account's health, and that the job completed once. It
// returns the follow-up, if any.
func (h *harness) check(t *testing.T, w want) *deliverytest.Job {
	t.Helper()
	p := h.current(t)
	require.Equal(t, w.state, p.State, "reason: %s", p.Reason)
	if w.reason != "" {
		require.Equal(t, w.reason, p.ReasonCode, "reason: %s", p.Reason)
	}
	require.Equal(t, p.Because().English(), p.Reason, "the English words are the code's")
	require.Equal(t, append(append([]string(nil), h.prior...), w.attempts...), h.outcomes(t), "attempts journal")
	jobs := h.jobs.Take()
	if w.job == "" {
		require.Empty(t, jobs, "no follow-up")
	} else {
		require.Len(t, jobs, 1, "one follow-up")
		require.Equal(t, w.job, jobs[0].Kind)
		require.Equal(t, p.Version, jobs[0].Version, "for the current version")
		require.False(t, jobs[0].At.Before(t0.Add(w.in.lo)), "follow-up at %v, not before t0+%v", jobs[0].At.Sub(t0), w.in.lo)
		require.False(t, jobs[0].At.After(t0.Add(w.in.hi)), "follow-up at %v, not after t0+%v", jobs[0].At.Sub(t0), w.in.hi)
		if p.State == ferry.StateWaiting || p.State == ferry.StateUnknown {
			require.WithinDuration(t, jobs[0].At, *p.NextAt, time.Millisecond, "next_attempt_at says when (stored to the millisecond)")
		}
	}
	health := w.health
	if health == "" {
		health = ferry.HealthConnected
	}
	require.Equal(t, health, h.account(t).Health)
	require.EqualValues(t, 1, h.done.Load(), "the job completes once")
	if len(jobs) == 0 {
		return nil
	}
	return &jobs[0]
}

// follow runs a follow-up job when it is due.
func (h *harness) follow(t *testing.T, j *deliverytest.Job) error {
	t.Helper()
	require.NotNil(t, j, "a follow-up")
	h.clk.set(j.At)
	return h.deliverVersion(t, j.Version)
}

func platformErr(class platform.Class, code string) error {
	return &platform.Error{Class: class, Code: code, Message: "The platform said " + code + "."}
}

// answer scripts a publish call's answer.
func answer(res platform.Result, err error) func(context.Context) (platform.Result, error) {
	return func(context.Context) (platform.Result, error) { return res, err }
}

// hang never answers: the call ends when its timeout does.
func hang(ctx context.Context) (platform.Result, error) {
	<-ctx.Done()
	return platform.Result{}, ctx.Err()
}

var posted = platform.Result{RemoteID: "r1", URL: "https://example.org/r1", PublishedAt: t0.Add(time.Second)}

func TestEngine_EachOutcomeOfAPublishCall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, start := range []ferry.PublicationState{ferry.StateScheduled, ferry.StateWaiting} {
			n := 1 // the attempt this job makes
			if start == ferry.StateWaiting {
				n = 2
			}
			for _, tc := range []struct {
				name       string
				reconciler bool
				publish    func(context.Context) (platform.Result, error)
				want       want
			}{
				{name: "Success", publish: answer(posted, nil),
					want: want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}}},
				{name: "TransientError", publish: answer(platform.Result{}, platformErr(platform.Retry, "fake:503")),
					want: want{state: ferry.StateWaiting, reason: ferry.ReasonNextAttempt, attempts: []string{ferry.OutcomeRetry}, job: "publish", in: backoffWindow(n)}},
				{name: "RateLimitWithRetryAfter", publish: answer(platform.Result{}, &platform.Error{Class: platform.Retry, Code: "fake:429", Message: "Too many.", RetryAfter: time.Minute}),
					want: want{state: ferry.StateWaiting, reason: ferry.ReasonNextAttempt, attempts: []string{ferry.OutcomeRetry}, job: "publish", in: window{time.Minute, time.Minute + 6*time.Second}}},
				{name: "AuthError", publish: answer(platform.Result{}, platformErr(platform.Reauth, "fake:401")),
					want: want{state: ferry.StateNeedsReauth, reason: ferry.ReasonNeedsReauth, attempts: []string{ferry.OutcomeReauth}, job: "expiry", in: at(reauthDeadline), health: ferry.HealthNeedsReauth}},
				{name: "TimeoutWithNoWayToLook", publish: hang,
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonOutcomeUnknown, attempts: []string{ferry.OutcomeUnknown}}},
				{name: "TimeoutIsLookedUp", reconciler: true, publish: hang,
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonCheckingOutcome, attempts: []string{"open"}, job: "publish", in: window{2 * time.Second, 3 * time.Second}}},
				{name: "UnknownAnswerIsLookedUp", reconciler: true, publish: answer(platform.Result{}, errors.New("connection reset after the request was sent")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonCheckingOutcome, attempts: []string{"open"}, job: "publish", in: window{2 * time.Second, 3 * time.Second}}},
				{name: "DuplicateWithNoWayToLook", publish: answer(platform.Result{}, platformErr(platform.Duplicate, "fake:dup")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonOutcomeUnknown, attempts: []string{ferry.OutcomeUnknown}}},
				{name: "DuplicateIsLookedUp", reconciler: true, publish: answer(platform.Result{}, platformErr(platform.Duplicate, "fake:dup")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonCheckingOutcome, attempts: []string{"open"}, job: "publish", in: window{2 * time.Second, 3 * time.Second}}},
				{name: "PermanentError", publish: answer(platform.Result{}, platformErr(platform.Permanent, "fake:400")),
					want: want{state: ferry.StateFailed, reason: ferry.ReasonRefused, attempts: []string{ferry.OutcomeFailed}}},
			} {
				t.Run(fmt.Sprintf("From%s/%s", camel(start), tc.name), func(t *testing.T) {
					t.Parallel()
					h := e.harness(t, opts{reconciler: tc.reconciler})
					h.conn.publish = tc.publish
					h.start(t, start)
					require.NoError(t, h.deliver(t))
					h.check(t, tc.want)
					require.Equal(t, []call{{"publish", h.acct.Credentials}}, h.conn.taken())
					require.Equal(t, []ferry.PublicationState{ferry.StatePublishing, tc.want.state}, h.ev.take(), "each committed transition told once")

					p, atts := h.current(t), h.attempts(t)
					last := atts[len(atts)-1]
					require.Equal(t, n, last.Number)
					require.Equal(t, n, p.Attempts)
					switch tc.want.state {
					case ferry.StatePublished:
						require.Equal(t, "r1", p.RemoteID)
						require.Equal(t, "r1", last.RemoteID)
						require.Equal(t, posted.URL, p.RemoteURL)
						require.True(t, posted.PublishedAt.Equal(*p.PublishedAt))
						require.Nil(t, p.Error)
					case ferry.StateNeedsReauth:
						require.Equal(t, "The platform said fake:401.", h.account(t).HealthReason)
					default:
						require.NotNil(t, p.Error, "the platform's words are kept")
					}
					if tc.name == "RateLimitWithRetryAfter" {
						st, err := h.db.Read().RateStatuses(context.Background(), map[string]time.Time{limitKey(h.acct.ExternalID): t0})
						require.NoError(t, err)
						require.True(t, t0.Add(time.Minute).Equal(st[limitKey(h.acct.ExternalID)].Hold), "the hint holds every worker")
					}
				})
			}
		}
	})
}

func TestEngine_RetriesEndAtTheGiveUpWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		h := e.harness(t, opts{})
		h.conn.publish = answer(platform.Result{}, platformErr(platform.Retry, "fake:503"))
		h.start(t, ferry.StateWaiting)
		h.dueAt(t, t0.Add(-giveUpAfter+time.Second)) // the next retry would fall past the window
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StateFailed, reason: ferry.ReasonGiveUp, attempts: []string{ferry.OutcomeRetry}})
		require.Equal(t, ferry.ReasonArgs{"attempts": "2", "after": giveUpAfter.String(), "message": "The platform said fake:503."}, h.current(t).ReasonArgs)
	})
}

func TestEngine_EachOutcomeOfALookup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		found := platform.Result{RemoteID: "r9", URL: "https://example.org/r9", PublishedAt: t0.Add(-time.Minute)}
		look := func(res platform.Result, ok bool, err error) func(context.Context) (platform.Result, bool, error) {
			return func(context.Context) (platform.Result, bool, error) { return res, ok, err }
		}
		for _, start := range []ferry.PublicationState{ferry.StatePublishing, ferry.StateUnknown} {
			for _, tc := range []struct {
				name   string
				lookup func(context.Context) (platform.Result, bool, error)
				want   want
			}{
				{name: "Found", lookup: look(found, true, nil),
					want: want{state: ferry.StatePublished, attempts: []string{ferry.OutcomeReconciled}}},
				{name: "PositivelyAbsent", lookup: look(platform.Result{}, false, nil),
					want: want{state: ferry.StateWaiting, reason: ferry.ReasonNotOnPlatform, attempts: []string{ferry.OutcomeAbandoned}, job: "publish", in: at(0)}},
				{name: "TransientError", lookup: look(platform.Result{}, false, platformErr(platform.Retry, "fake:503")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonNextCheck, attempts: []string{"open"}, job: "publish", in: backoffWindow(1)}},
				{name: "Timeout", lookup: func(ctx context.Context) (platform.Result, bool, error) {
					<-ctx.Done()
					return platform.Result{}, false, ctx.Err()
				}, want: want{state: ferry.StateUnknown, reason: ferry.ReasonNextCheck, attempts: []string{"open"}, job: "publish", in: backoffWindow(1)}},
				{name: "DuplicateAnswer", lookup: look(platform.Result{}, false, platformErr(platform.Duplicate, "fake:dup")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonNextCheck, attempts: []string{"open"}, job: "publish", in: backoffWindow(1)}},
				{name: "AuthErrorKeepsLookingAfterReconnection", lookup: look(platform.Result{}, false, platformErr(platform.Reauth, "fake:401")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonNextCheck, attempts: []string{"open"}, job: "publish", in: backoffWindow(1), health: ferry.HealthNeedsReauth}},
				{name: "PermanentErrorAsksAPerson", lookup: look(platform.Result{}, false, platformErr(platform.Permanent, "fake:400")),
					want: want{state: ferry.StateUnknown, reason: ferry.ReasonCheckFailed, attempts: []string{ferry.OutcomeUnknown}}},
			} {
				t.Run(fmt.Sprintf("From%s/%s", camel(start), tc.name), func(t *testing.T) {
					t.Parallel()
					h := e.harness(t, opts{reconciler: true})
					h.conn.lookup = tc.lookup
					h.start(t, start)
					h.prior = nil // the job settles the earlier attempt itself
					require.NoError(t, h.deliver(t))
					h.check(t, tc.want)
					require.Equal(t, []call{{"lookup", h.acct.Credentials}}, h.conn.taken(), "never sent again blindly")
					p := h.current(t)
					require.Equal(t, 1, p.Attempts)
					if tc.want.state == ferry.StatePublished {
						require.Equal(t, "r9", p.RemoteID)
						require.Equal(t, "r9", h.attempts(t)[0].RemoteID)
						require.True(t, found.PublishedAt.Equal(*p.PublishedAt))
					}
				})
			}
		}

		t.Run("AbsentPostIsSentAgainOnce", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{reconciler: true})
			h.conn.lookup = look(platform.Result{}, false, nil)
			h.conn.publish = answer(posted, nil)
			h.start(t, ferry.StatePublishing)
			h.prior = nil
			require.NoError(t, h.deliver(t))
			next := h.check(t, want{state: ferry.StateWaiting, attempts: []string{ferry.OutcomeAbandoned}, job: "publish", in: at(0)})
			require.NoError(t, h.follow(t, next))
			h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomeAbandoned, ferry.OutcomePublished}})
			require.Equal(t, []string{"lookup", "publish"}, kinds(h.conn.taken()))
		})

		t.Run("GivesUpLookingAndAsksAPerson", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{reconciler: true})
			h.conn.lookup = look(platform.Result{}, false, platformErr(platform.Retry, "fake:503"))
			h.start(t, ferry.StatePublishing)
			h.prior = nil
			h.dueAt(t, t0.Add(-giveUpAfter))
			require.NoError(t, h.deliver(t))
			h.check(t, want{state: ferry.StateUnknown, reason: ferry.ReasonGiveUpUnknown, attempts: []string{ferry.OutcomeUnknown}})
		})

		t.Run("NoWayToLook", func(t *testing.T) {
			t.Parallel()
			for _, start := range []ferry.PublicationState{ferry.StatePublishing, ferry.StateUnknown} {
				h := e.harness(t, opts{})
				h.start(t, start)
				h.prior = nil
				require.NoError(t, h.deliver(t))
				h.check(t, want{state: ferry.StateUnknown, attempts: []string{ferry.OutcomeUnknown}})
				require.Empty(t, h.conn.taken(), "Telegram cannot look, and is never sent to again blindly")
				if start == ferry.StatePublishing {
					require.Equal(t, ferry.Because(ferry.ReasonCannotCheck, "attempt", 1, "platform", h.acct.Platform), h.current(t).Because())
				}
			}
		})
	})
}

func TestEngine_StatesWithNothingToSend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, start := range []ferry.PublicationState{ferry.StateDraft, ferry.StatePublished, ferry.StateFailed, ferry.StateCanceled,
			ferry.StateMissed, ferry.StateNeedsReauth, ferry.StateHandoff} {
			t.Run(camel(start), func(t *testing.T) {
				t.Parallel()
				h := e.harness(t, opts{})
				h.start(t, start)
				require.NoError(t, h.deliver(t))
				h.check(t, want{state: start})
				require.Empty(t, h.conn.taken())
				require.Empty(t, h.ev.take())
			})
		}

		t.Run("StaleVersion", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{})
			h.start(t, ferry.StateScheduled)
			require.NoError(t, h.deliverVersion(t, h.pub.Version-1))
			h.check(t, want{state: ferry.StateScheduled})
			require.Empty(t, h.conn.taken())
		})

		t.Run("NoSuchPublication", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{})
			require.NoError(t, h.eng.Deliver(context.Background(), "pub_gone", 1, h.complete))
			require.EqualValues(t, 1, h.done.Load())
			require.Empty(t, h.conn.taken())
		})
	})
}

func TestEngine_DecisionsBeforeTheCall(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name  string
			opts  opts
			start ferry.PublicationState
			setup func(t *testing.T, h *harness)
			want  want
		}{
			{name: "StoryDeleted", setup: func(t *testing.T, h *harness) {
				st := *h.story
				st.DeletedAt = &t0
				require.NoError(t, h.db.Write().UpdateStory(ctx, &st))
			}, want: want{state: ferry.StateCanceled, reason: ferry.ReasonStoryDeleted}},
			{name: "AccountClosed", setup: func(t *testing.T, h *harness) {
				_, err := h.db.Write().SetAccountHealth(ctx, h.account(t), ferry.HealthClosed, "closed")
				require.NoError(t, err)
			}, want: want{state: ferry.StateCanceled, reason: ferry.ReasonAccountClosed, health: ferry.HealthClosed}},
			{name: "AccountNeedsReauth", setup: func(t *testing.T, h *harness) {
				_, err := h.db.Write().SetAccountHealth(ctx, h.account(t), ferry.HealthNeedsReauth, "revoked")
				require.NoError(t, err)
			}, want: want{state: ferry.StateNeedsReauth, reason: ferry.ReasonNeedsReauth, job: "expiry", in: at(reauthDeadline), health: ferry.HealthNeedsReauth}},
			{name: "HourlyLimitReached", setup: func(t *testing.T, h *harness) {
				h.conn.max = 1
				require.NoError(t, h.db.Write().RecordRate(ctx, limitKey(h.acct.ExternalID), "pub_other", t0.Add(-20*time.Minute)))
			}, want: want{state: ferry.StateWaiting, reason: ferry.ReasonRateLimit, job: "publish", in: window{40 * time.Minute, 40*time.Minute + 36*time.Second}}},
			{name: "PlatformAskedToWait", setup: func(t *testing.T, h *harness) {
				require.NoError(t, h.db.Write().HoldRate(ctx, limitKey(h.acct.ExternalID), t0.Add(5*time.Minute)))
			}, want: want{state: ferry.StateWaiting, reason: ferry.ReasonPlatformHold, job: "publish", in: at(5 * time.Minute)}},
			{name: "GaveUp", start: ferry.StateWaiting, setup: func(t *testing.T, h *harness) {
				h.dueAt(t, t0.Add(-giveUpAfter-time.Minute))
			}, want: want{state: ferry.StateMissed, reason: ferry.ReasonWindowPassed}},
			{name: "TooEarly", setup: func(t *testing.T, h *harness) {
				h.dueAt(t, t0.Add(time.Hour))
			}, want: want{state: ferry.StateScheduled, job: "publish", in: at(time.Hour)}},
			{name: "NoConnector", opts: opts{noConnector: true}, want: want{state: ferry.StateFailed, reason: ferry.ReasonNoConnector}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				h := e.harness(t, tc.opts)
				start := tc.start
				if start == "" {
					start = ferry.StateScheduled
				}
				h.start(t, start)
				if tc.setup != nil {
					tc.setup(t, h)
				}
				require.NoError(t, h.deliver(t))
				h.check(t, tc.want)
				require.Empty(t, h.conn.taken(), "nothing is sent")
				p := h.current(t)
				if tc.want.state != start {
					require.NotEmpty(t, p.ReasonCode, "the state is explained")
				}
				if tc.name == "NoConnector" {
					require.Equal(t, "no_connector", p.Error.Code)
				}
			})
		}
	})
}

func TestEngine_ChangesWhileTheCallIsInFlight(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, e *env) {
		deleteStory := func(t *testing.T, h *harness) {
			_, err := h.svc.DeleteStory(ctx, h.admin, h.story.ID)
			require.NoError(t, err)
		}
		closeAccount := func(t *testing.T, h *harness) {
			_, err := h.svc.CloseAccount(ctx, h.admin, h.acct.ID)
			require.NoError(t, err)
		}
		reconnect := func(t *testing.T, h *harness) {
			_, err := h.svc.UpdateAccount(ctx, h.admin, h.acct.ID, service.AccountPatch{Credentials: map[string]string{"bot_token": "100:token-2"}})
			require.NoError(t, err)
		}
		resolve := func(outcome string) func(t *testing.T, h *harness) {
			return func(t *testing.T, h *harness) {
				_, err := h.svc.Resolve(ctx, h.admin, h.pub.ID, service.Resolution{Outcome: outcome, URL: "https://example.org/by-hand"})
				require.NoError(t, err)
			}
		}
		for _, tc := range []struct {
			name       string
			reconciler bool
			start      ferry.PublicationState
			during     func(t *testing.T, h *harness)
			publish    func(context.Context) (platform.Result, error)
			lookup     func(context.Context) (platform.Result, bool, error)
			want       want
			// then, if set, is what the publication's next job ends in.
			then *want
		}{
			{name: "StoryDeleted/Success", during: deleteStory, publish: answer(posted, nil),
				want: want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}}},
			{name: "StoryDeleted/TransientError", during: deleteStory, publish: answer(platform.Result{}, platformErr(platform.Retry, "fake:503")),
				want: want{state: ferry.StateCanceled, reason: ferry.ReasonStoryDeleted, attempts: []string{ferry.OutcomeRetry}}},
			{name: "StoryDeleted/PermanentError", during: deleteStory, publish: answer(platform.Result{}, platformErr(platform.Permanent, "fake:400")),
				want: want{state: ferry.StateFailed, attempts: []string{ferry.OutcomeFailed}}},
			{name: "AccountClosed/Success", during: closeAccount, publish: answer(posted, nil),
				want: want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}, health: ferry.HealthClosed}},
			{name: "AccountClosed/TransientError", during: closeAccount, publish: answer(platform.Result{}, platformErr(platform.Retry, "fake:503")),
				want: want{state: ferry.StateWaiting, attempts: []string{ferry.OutcomeRetry}, job: "publish", in: backoffWindow(1), health: ferry.HealthClosed},
				then: &want{state: ferry.StateCanceled, reason: ferry.ReasonAccountClosed, attempts: []string{ferry.OutcomeRetry}, health: ferry.HealthClosed}},
			{name: "AccountClosed/AuthErrorLeavesItClosed", during: closeAccount, publish: answer(platform.Result{}, platformErr(platform.Reauth, "fake:401")),
				want: want{state: ferry.StateCanceled, reason: ferry.ReasonAccountClosed, attempts: []string{ferry.OutcomeReauth}, health: ferry.HealthClosed}},
			{name: "Reconnected/AuthErrorKeepsTheNewCredentials", during: reconnect, publish: answer(platform.Result{}, platformErr(platform.Reauth, "fake:401")),
				want: want{state: ferry.StateWaiting, reason: ferry.ReasonReconnectedDuring, attempts: []string{ferry.OutcomeReauth}, job: "publish", in: at(0)},
				then: &want{state: ferry.StateFailed, reason: ferry.ReasonRefused, attempts: []string{ferry.OutcomeReauth, ferry.OutcomeFailed}}},
			{name: "ResolvedRetry/LookupFoundThePost", reconciler: true, start: ferry.StateUnknown, during: resolve("retry"),
				lookup: func(context.Context) (platform.Result, bool, error) { return posted, true, nil },
				want:   want{state: ferry.StatePublished, reason: ferry.ReasonFoundAfterAll, attempts: []string{ferry.OutcomeReconciled}, job: "publish", in: at(0)}},
			{name: "ResolvedRetry/LookupFoundNothing", reconciler: true, start: ferry.StateUnknown, during: resolve("retry"),
				lookup: func(context.Context) (platform.Result, bool, error) { return platform.Result{}, false, nil },
				want:   want{state: ferry.StateScheduled, reason: ferry.ReasonNotSentResend, attempts: []string{ferry.OutcomeAbandoned}, job: "publish", in: at(0)}},
			{name: "ResolvedPublished/LookupFailed", reconciler: true, start: ferry.StateUnknown, during: resolve("published"),
				lookup: func(context.Context) (platform.Result, bool, error) {
					return platform.Result{}, false, platformErr(platform.Retry, "fake:503")
				},
				want: want{state: ferry.StatePublished, reason: ferry.ReasonConfirmedByPerson, attempts: []string{ferry.OutcomeReconciled}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				h := e.harness(t, opts{reconciler: tc.reconciler})
				h.conn.publish, h.conn.lookup = tc.publish, tc.lookup
				start := tc.start
				if start == "" {
					start = ferry.StateScheduled
				}
				h.start(t, start)
				h.prior = nil
				h.conn.during = func() { tc.during(t, h) }
				require.NoError(t, h.deliver(t))
				next := h.check(t, tc.want)
				if tc.then != nil {
					// The next attempt fails permanently, to show which
					// credentials it used.
					h.conn.publish = answer(platform.Result{}, platformErr(platform.Permanent, "fake:400"))
					require.NoError(t, h.follow(t, next))
					h.check(t, *tc.then)
				}
				calls := h.conn.taken()
				switch {
				case tc.name == "Reconnected/AuthErrorKeepsTheNewCredentials":
					require.Equal(t, []call{{"publish", map[string]string{"bot_token": "100:token-1"}}, {"publish", map[string]string{"bot_token": "100:token-2"}}}, calls)
					a := h.account(t)
					require.Equal(t, "100:token-2", a.Credentials["bot_token"], "the refreshed credentials are kept")
					require.Empty(t, a.HealthReason)
				case tc.reconciler:
					require.Equal(t, []string{"lookup"}, kinds(calls))
				default:
					require.Equal(t, []string{"publish"}, kinds(calls), "one call, never a second")
				}
				p := h.current(t)
				switch tc.name {
				case "ResolvedRetry/LookupFoundThePost":
					require.Equal(t, "r1", p.RemoteID, "found on the platform: never sent again")
				case "ResolvedPublished/LookupFailed":
					require.Equal(t, "https://example.org/by-hand", p.RemoteURL, "the person's verdict stands")
				}
			})
		}
	})
}

func TestEngine_EventsAfterCommit(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("ATransitionRolledBackTellsNoListener", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{})
			h.start(t, ferry.StateScheduled)
			err := h.db.InTx(ctx, func(tx *store.Tx) error {
				p, err := tx.PublicationForUpdate(ctx, h.pub.ID)
				require.NoError(t, err)
				from := p.State
				p.State = ferry.StateCanceled
				require.NoError(t, tx.SavePublication(ctx, p))
				require.NoError(t, delivery.Transitioned(ctx, tx, h.ev, "test", p, from))
				return errors.New("roll back")
			})
			require.Error(t, err)
			require.Empty(t, h.ev.take())
			require.Equal(t, ferry.StateScheduled, h.current(t).State)
		})

		t.Run("ATransitionCommittedTellsOnceAsItWas", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{})
			h.start(t, ferry.StateScheduled)
			require.NoError(t, h.db.InTx(ctx, func(tx *store.Tx) error {
				p, err := tx.PublicationForUpdate(ctx, h.pub.ID)
				require.NoError(t, err)
				from := p.State
				p.State = ferry.StateCanceled
				require.NoError(t, tx.SavePublication(ctx, p))
				require.NoError(t, delivery.Transitioned(ctx, tx, h.ev, "test", p, from))
				require.Empty(t, h.ev.take(), "not before the commit")
				p.State = ferry.StateDraft // later changes in the transaction do not alter what is told
				return nil
			}))
			require.Equal(t, []ferry.PublicationState{ferry.StateCanceled}, h.ev.take())
		})

		t.Run("AnOutcomeThatFailsToCommitIsNotToldAndNotSentAgain", func(t *testing.T) {
			t.Parallel()
			h := e.harness(t, opts{})
			h.conn.publish = answer(posted, nil)
			h.start(t, ferry.StateScheduled)
			h.failOn.Store(true)
			require.Error(t, h.deliver(t), "the job is retried")
			require.Equal(t, []ferry.PublicationState{ferry.StatePublishing}, h.ev.take(), "only the committed opening of the attempt")
			require.Equal(t, ferry.StatePublishing, h.current(t).State)

			h.failOn.Store(false)
			require.NoError(t, h.deliver(t))
			h.check(t, want{state: ferry.StateUnknown, attempts: []string{ferry.OutcomeUnknown}})
			require.Equal(t, []ferry.PublicationState{ferry.StateUnknown}, h.ev.take())
			require.Len(t, h.conn.taken(), 1, "the retried job does not send again")
		})
	})
}

func kinds(calls []call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Kind)
	}
	return out
}

// camel names a state for a subtest: needs_reauth → NeedsReauth.
func camel(s ferry.PublicationState) string {
	out := []byte{}
	up := true
	for _, r := range []byte(s) {
		switch {
		case r == '_':
			up = true
		case up:
			out = append(out, r-'a'+'A')
			up = false
		default:
			out = append(out, r)
		}
	}
	return string(out)
}

// TestEngine_SendsEachImagesAltText sends a variant of three images: a copy
// fitted to the platform, whose original is described; a decorative image
// that says otherwise in its stored text; one nobody described. Each goes
// with its original's alt text, none for the other two, and the attempt's
// fingerprint covers the alt text, so the same images described otherwise
// are other content.
func TestEngine_SendsEachImagesAltText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		q := e.db.Write()
		image := func(sum, alt string, decorative bool, parent string) *ferry.Media {
			m := &ferry.Media{WorkspaceID: e.ws.ID, SHA256: sum, Mime: "image/jpeg", Width: 800, Height: 600, Bytes: 1000, AltText: alt, Decorative: decorative, ParentID: parent}
			require.NoError(t, q.CreateMedia(ctx, m))
			return m
		}
		orig := image("a1", "A ferry at dusk", false, "")
		fitted := image("a2", "", false, orig.ID)
		deco := image("b1", "", false, "")
		require.NoError(t, q.SetMediaAlt(ctx, e.ws.ID, deco.ID, "stale words", true))
		plain := image("c1", "", false, "")

		h := e.harness(t, opts{})
		require.NoError(t, q.PutVariant(ctx, ferry.Variant{StoryID: h.story.ID, AccountID: h.acct.ID, Platform: h.acct.Platform, Title: "Title", Text: "Body",
			MediaIDs: []string{fitted.ID, deco.ID, plain.ID}}))
		h.start(t, ferry.StateScheduled)
		h.conn.publish = answer(posted, nil)
		require.NoError(t, h.deliver(t))
		h.check(t, want{state: ferry.StatePublished, attempts: []string{ferry.OutcomePublished}})
		require.Len(t, h.conn.posts, 1)
		var alts []string
		for _, m := range h.conn.posts[0].Media {
			alts = append(alts, m.AltText)
		}
		require.Equal(t, []string{"A ferry at dusk", "", ""}, alts)
		described := h.attempts(t)[0].Fingerprint
		require.Equal(t, h.conn.posts[0].Fingerprint, described)

		// The same story with the original described otherwise.
		require.NoError(t, q.SetMediaAlt(ctx, e.ws.ID, orig.ID, "A ferry at dawn", false))
		h2 := e.harness(t, opts{})
		require.NoError(t, q.PutVariant(ctx, ferry.Variant{StoryID: h2.story.ID, AccountID: h2.acct.ID, Platform: h2.acct.Platform, Title: "Title", Text: "Body",
			MediaIDs: []string{fitted.ID, deco.ID, plain.ID}}))
		h2.start(t, ferry.StateScheduled)
		h2.conn.publish = answer(posted, nil)
		require.NoError(t, h2.deliver(t))
		require.Equal(t, "A ferry at dawn", h2.conn.posts[0].Media[0].AltText)
		require.NotEqual(t, described, h2.attempts(t)[0].Fingerprint, "the fingerprint covers the alt text")
	})
}
