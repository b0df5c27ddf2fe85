package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/testdb"
)

// slowTelegram is the sandbox's Bot API with slow answers: the sandbox
// records each post at once, and the answer is held for delay, as when
// Telegram posts and then answers slowly.
type slowTelegram struct {
	sandbox *sandbox.Sandbox
	delay   time.Duration
	// onPost, if set, runs once a post is recorded, before its answer.
	onPost func()
	posted chan struct{} // one value per post recorded
}

func newSlowTelegram(t *testing.T, delay time.Duration, onPost func()) (*slowTelegram, string) {
	s := &slowTelegram{sandbox: sandbox.New(), delay: delay, onPost: onPost, posted: make(chan struct{}, 100)}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL + "/telegram"
}

func (s *slowTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/sendMessage") {
		s.sandbox.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	s.sandbox.ServeHTTP(rec, r)
	if s.onPost != nil {
		s.onPost()
	}
	s.posted <- struct{}{}
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return
	}
	maps.Copy(w.Header(), rec.Header())
	w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// waitPosts waits until n posts have reached the platform.
func (s *slowTelegram) waitPosts(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for i := range n {
		select {
		case <-s.posted:
		case <-deadline:
			t.Fatalf("%d of %d posts reached Telegram within %v", i, n, within)
		}
	}
}

// slowCluster is a cluster whose Telegram is a slowTelegram.
func slowCluster(t *testing.T, dbURL string, delay, attemptTimeout time.Duration) (*cluster, *slowTelegram) {
	t.Helper()
	tg, url := newSlowTelegram(t, delay, nil)
	c := newCluster(t, dbURL)
	c.sandbox = tg.sandbox
	c.env = append(c.env, "FERRY_TELEGRAM_API_URL="+url,
		"FERRY_ATTEMPT_TIMEOUT="+attemptTimeout.String(), "FERRY_RESCUE_AFTER="+(2*attemptTimeout).String())
	return c, tg
}

// dueSoon connects a Telegram channel and creates n stories on it, all due
// in two seconds.
func (c *cluster) dueSoon(n int) (ids, texts []string) {
	c.t.Helper()
	var a struct{ ID string }
	require.Equal(c.t, 201, c.api("POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@harbour_news",
		"credentials": map[string]string{"bot_token": "210000000:sandbox-test-token-00000000"}}, &a))
	at := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	for i := range n {
		text := fmt.Sprintf("deploy %d: ferry leaves at dawn %d", i, rand.IntN(1_000_000))
		var s story
		require.Equal(c.t, 201, c.api("POST", "/api/v1/stories", map[string]any{"body": text, "targets": []string{a.ID}, "scheduled_at": at}, &s))
		ids, texts = append(ids, s.ID), append(texts, text)
	}
	return ids, texts
}

// signal sends sig to a process.
func (c *cluster) signal(name string, sig os.Signal) {
	c.t.Helper()
	require.NoError(c.t, c.procs[name].Process.Signal(sig))
}

// wait waits for a process to exit and returns its exit code.
func (c *cluster) wait(name string, within time.Duration) int {
	c.t.Helper()
	cmd := c.procs[name]
	delete(c.procs, name)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		c.t.Fatalf("%s did not exit within %v", name, within)
	}
	return cmd.ProcessState.ExitCode()
}

// states returns the state of each story's publication.
func (c *cluster) states(ids []string) []string {
	c.t.Helper()
	var out []string
	for _, id := range ids {
		var s story
		require.Equal(c.t, 200, c.api("GET", "/api/v1/stories/"+id, nil, &s))
		out = append(out, s.Publications[0].State)
	}
	return out
}

// A deploy stops Ferry while Telegram is slow to answer: the stop waits for
// the answers and records them, so nothing is left unknown.
func TestProcess_StopWaitsForCallsInFlightAndRecordsTheirOutcomes(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			c, tg := slowCluster(t, be.Options(t).URL, 3*time.Second, 10*time.Second)
			c.start("serve", "serve")
			ids, texts := c.dueSoon(5)
			tg.waitPosts(t, len(ids), 20*time.Second)

			c.signal("serve", syscall.SIGTERM)
			stopped := time.Now()
			// While the calls drain, /readyz tells load balancers to send
			// nothing new.
			require.Eventually(t, func() bool {
				res, err := http.Get("http://" + c.addr + "/readyz")
				if err != nil {
					return false
				}
				res.Body.Close()
				return res.StatusCode == http.StatusServiceUnavailable
			}, 2*time.Second, 20*time.Millisecond, "/readyz answers 503 during the stop")
			require.Equal(t, 0, c.wait("serve", 30*time.Second), "a graceful stop exits 0")
			t.Logf("stopped %v after SIGTERM", time.Since(stopped).Round(time.Millisecond))
			require.Contains(t, c.allLogs(), fmt.Sprintf("stopping: waiting for %d publications in flight", len(ids)))

			// The outcomes were recorded before the exit: a new process
			// finds every publication published, none unknown.
			c.start("serve", "serve")
			for i, state := range c.states(ids) {
				require.Equal(t, "published", state, "story %d", i)
			}
			counts := textCounts(tg.sandbox.Posts(ferry.Telegram, ""))
			for i, text := range texts {
				require.Equal(t, 1, counts[text], "story %d delivered once", i)
			}
			require.Len(t, tg.sandbox.Posts(ferry.Telegram, ""), len(texts))
		})
	}
}

// A second signal does not wait for slow platforms: the calls in flight
// are cancelled and Ferry exits at once, and says so.
func TestProcess_SecondSignalForcesAPromptStop(t *testing.T) {
	t.Parallel()
	c, tg := slowCluster(t, "", time.Minute, 90*time.Second)
	c.start("serve", "serve")
	ids, texts := c.dueSoon(2)
	tg.waitPosts(t, len(ids), 20*time.Second)

	c.signal("serve", syscall.SIGTERM)
	require.Eventually(t, func() bool { return strings.Contains(c.allLogs(), "stopping: waiting for 2 publications in flight") }, 10*time.Second, 20*time.Millisecond)
	c.signal("serve", syscall.SIGTERM)
	forced := time.Now()
	code := c.wait("serve", 30*time.Second)
	took := time.Since(forced)
	t.Logf("exited %v after the second signal", took.Round(time.Millisecond))
	require.Less(t, took, 5*time.Second, "the answers would have taken a minute")
	require.Equal(t, 1, code)
	require.Contains(t, c.allLogs(), "ferry: the stop was forced with 2 publications in flight")

	// The posts went out but their answers were cut off: they are not
	// published, and not sent again.
	c.start("serve", "serve")
	for i, state := range c.states(ids) {
		require.Contains(t, []string{"publishing", "unknown"}, state, "story %d", i)
	}
	counts := textCounts(tg.sandbox.Posts(ferry.Telegram, ""))
	for i, text := range texts {
		require.Equal(t, 1, counts[text], "story %d sent once", i)
	}
}

// The job's context may end between the platform's answer and its record
// (a forced stop, the job's deadline); the answer is recorded all the same.
// Here the record waits on a lock held past the job's deadline.
func TestDelivery_OutcomeIsRecordedAfterTheJobsContextEnds(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			const timeout = time.Second
			dir, dbURL := t.TempDir(), be.Options(t).URL
			lock := lockPublications(t, dir, dbURL)
			tg, url := newSlowTelegram(t, 0, func() { lock(2 * timeout) })
			b := boot(t, dir, dbURL, func(c *config.Config) { c.TelegramAPIURL, c.AttemptTimeout = url, timeout })
			acc := b.connect(t, ferry.Telegram, 1)[0]
			var s story
			require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "late record", "targets": []string{acc}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &s))
			s = b.waitState(t, s.ID, "published", 20*time.Second)
			require.Equal(t, 1, s.Publications[0].Attempts)
			require.Equal(t, 1, textCounts(tg.sandbox.Posts(ferry.Telegram, ""))["late record"])
		})
	}
}

// lockPublications returns a function that locks the publications against
// Ferry's writes for d, from another connection, and returns once locked.
func lockPublications(t *testing.T, dir, dbURL string) func(d time.Duration) {
	t.Helper()
	// Ferry's own writes (River's among them) may hold SQLite's lock for a
	// moment when the lock is taken: wait for it, as Ferry does.
	driver, dsn, lock := "sqlite", "file:"+filepath.Join(dir, "ferry.db")+"?_pragma=busy_timeout(10000)", []string{"BEGIN IMMEDIATE"}
	if dbURL != "" {
		driver, dsn, lock = "pgx", dbURL, []string{"BEGIN", "SELECT id FROM publications FOR UPDATE"}
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return func(d time.Duration) {
		ctx := context.Background()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Errorf("lock: %v", err)
			return
		}
		for _, q := range lock {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Errorf("lock: %s: %v", q, err)
			}
		}
		time.AfterFunc(d, func() {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			conn.Close()
		})
	}
}
