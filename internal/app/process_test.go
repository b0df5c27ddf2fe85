package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/testdb"
)

// These tests run Ferry as real processes against a sandbox that lives in
// the test process, so the sandbox's record survives when Ferry is killed.

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// ferryBinary builds cmd/ferry once per test run.
func ferryBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ferry-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "ferry")
		out, err := exec.Command("go", "build", "-o", binaryPath, "../../cmd/ferry").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, binaryErr)
	return binaryPath
}

// cluster is a set of Ferry processes on one database and one sandbox.
type cluster struct {
	t       *testing.T
	bin     string
	env     []string
	addr    string
	sandbox *sandbox.Sandbox
	token   string
	procs   map[string]*exec.Cmd
	logs    *bytes.Buffer
	mu      sync.Mutex
}

func newCluster(t *testing.T, dbURL string) *cluster {
	t.Helper()
	sb := sandbox.New()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	c := &cluster{t: t, bin: ferryBinary(t), addr: addr, sandbox: sb, procs: map[string]*exec.Cmd{}, logs: &bytes.Buffer{}}
	c.env = append(os.Environ(),
		"FERRY_DATA="+t.TempDir(),
		"FERRY_DATABASE_URL="+dbURL,
		"FERRY_ADDR="+addr,
		"FERRY_TELEGRAM_API_URL="+srv.URL+"/telegram",
		"FERRY_WEIBO_API_URL="+srv.URL+"/weibo",
		"FERRY_WEIBO_RIP=127.0.0.1",
		"FERRY_ATTEMPT_TIMEOUT=2s",
		"FERRY_RESCUE_AFTER=5s",
		"FERRY_SECRET_KEY="+strings.Repeat("ab", 32),
	)
	c.run("migrate")
	c.run("user", "create", "--email", "ops@ferry.example", "--password", "ops-password-123", "--workspace", "Ops")
	c.token = strings.TrimSpace(c.run("token", "create", "--email", "ops@ferry.example"))
	t.Cleanup(func() {
		for name := range c.procs {
			c.kill(name)
		}
		if t.Failed() {
			t.Logf("ferry logs:\n%s", c.logTail())
		}
	})
	return c
}

func (c *cluster) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	require.NoError(c.t, err, "ferry %v: %s", args, out)
	return string(out)
}

// allLogs returns all the logs.
func (c *cluster) allLogs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logs.String()
}

func (c *cluster) logTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.logs.String()
	if len(s) > 8000 {
		s = s[len(s)-8000:]
	}
	return s
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// start starts a process ("serve" or "worker") under a name.
func (c *cluster) start(name, command string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, command)
	cmd.Env = c.env
	w := lockedWriter{&c.mu, c.logs}
	cmd.Stdout, cmd.Stderr = w, w
	require.NoError(c.t, cmd.Start())
	c.procs[name] = cmd
	if command == "serve" {
		c.waitReady()
	}
}

// kill sends SIGKILL: no shutdown, no cleanup.
func (c *cluster) kill(name string) {
	if cmd := c.procs[name]; cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		delete(c.procs, name)
	}
}

func (c *cluster) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + c.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("ferry did not become ready:\n%s", c.logTail())
}

// api calls the API, retrying while the server is down or restarting.
func (c *cluster) api(method, path string, body, out any) int {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, "http://"+c.addr+path, r)
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil && resp.StatusCode < 500 {
			defer resp.Body.Close()
			if out != nil {
				require.NoError(c.t, json.NewDecoder(resp.Body).Decode(out))
			}
			return resp.StatusCode
		}
		if err == nil {
			resp.Body.Close()
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s %s kept failing (%v)", method, path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// burst connects Weibo accounts and schedules n stories spread over spread,
// starting a second from now. It returns the story ids and their texts.
func (c *cluster) burst(n, accounts int, spread time.Duration) ([]string, []string) {
	c.t.Helper()
	var accts []string
	for i := range accounts {
		uid := fmt.Sprint(7000000000 + i)
		var a struct{ ID string }
		require.Equal(c.t, 201, c.api("POST", "/api/v1/accounts", map[string]any{"platform": "weibo", "external_id": uid,
			"credentials": map[string]string{"access_token": "sandbox-weibo-" + uid}, "settings": map[string]any{"link_url": "https://ferry.example/" + uid}}, &a))
		accts = append(accts, a.ID)
	}
	start := time.Now().Add(time.Second)
	var ids, texts []string
	for i := range n {
		at := start.Add(spread * time.Duration(i) / time.Duration(n))
		text := fmt.Sprintf("burst %d: harbour lights %d", i, rand.IntN(1_000_000))
		var s story
		require.Equal(c.t, 201, c.api("POST", "/api/v1/stories", map[string]any{"body": text, "targets": []string{accts[i%accounts]}, "scheduled_at": at.UTC().Format(time.RFC3339Nano)}, &s))
		ids, texts = append(ids, s.ID), append(texts, text)
	}
	return ids, texts
}

// requireExactlyOnce waits until every story's publication is published,
// then checks the sandbox received each text exactly once.
func (c *cluster) requireExactlyOnce(ids, texts []string, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		notYet := 0
		var last story
		for _, id := range ids {
			var s story
			require.Equal(c.t, 200, c.api("GET", "/api/v1/stories/"+id, nil, &s))
			if s.Publications[0].State != "published" {
				notYet++
				last = s
			}
		}
		if notYet == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d publications not published after %v; e.g. %+v", notYet, within, last.Publications[0])
		}
		time.Sleep(500 * time.Millisecond)
	}
	counts := textCounts(c.sandbox.Posts(ferry.Weibo, ""))
	for i, text := range texts {
		require.Equal(c.t, 1, countPrefix(counts, text), "story %d received %d times", i, countPrefix(counts, text))
	}
	require.Len(c.t, c.sandbox.Posts(ferry.Weibo, ""), len(texts), "nothing else was posted")
}

func TestProcess_KilledRepeatedlyDuringABurstDeliversEachExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			// River's rescue delay is left at its default (5 minutes) to show
			// that it plays no part: on SQLite the restarted process owns the
			// data directory and takes back at once what the dead one held; on
			// PostgreSQL the survivors see the dead process's liveness lock
			// free and take its jobs back.
			c := newCluster(t, be.Options(t).URL)
			c.env = append(c.env, "FERRY_RESCUE_AFTER=5m")
			require.NoError(t, c.sandbox.SetFaults(sandbox.Faults{Platform: ferry.Weibo, LatencyMS: 80}))
			c.start("serve", "serve")
			names := []string{"serve"}
			if be.Name == "PostgreSQL" {
				// Scale-out: a second process works the same queue.
				c.start("worker", "worker")
				names = append(names, "worker")
			}
			const spread = 8 * time.Second
			burstStart := time.Now()
			ids, texts := c.burst(200, 20, spread)
			for range 10 {
				time.Sleep(time.Duration(200+rand.IntN(600)) * time.Millisecond)
				victim := names[rand.IntN(len(names))]
				c.kill(victim)
				c.start(victim, victim)
			}
			// A last kill once everything is due, with publications in hand:
			// everything must be out within 10 s of the restart (SQLite) or of
			// the death, while another process lives (PostgreSQL).
			time.Sleep(time.Until(burstStart.Add(spread + 2*time.Second)))
			var since time.Time
			if be.Name == "PostgreSQL" {
				c.kill("worker")
				since = time.Now()
			} else {
				c.kill("serve")
				c.start("serve", "serve")
				since = time.Now()
			}
			c.requireExactlyOnce(ids, texts, 10*time.Second)
			t.Logf("everything out %v after the last kill's %s; %d publications were settled by reconciliation after a kill",
				time.Since(since).Round(100*time.Millisecond), map[bool]string{true: "death", false: "restart"}[be.Name == "PostgreSQL"],
				strings.Count(c.allLogs(), "reconciled=true"))
		})
	}
}

func TestProcess_SecondProcessOnOneSQLiteDirectoryIsRefused(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "")
	c.start("serve", "serve")
	cmd := exec.Command(c.bin, "worker")
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "a second process must not work the same SQLite jobs")
	require.Contains(t, string(out), "another Ferry process works on this data directory")
	require.Contains(t, string(out), fmt.Sprint(c.procs["serve"].Process.Pid))
}

// TestProcess_PostgresRestartDuringABurst restarts the PostgreSQL server, so
// it runs only when FERRY_TEST_PG_RESTART_CMD says how (CI runs it on its own,
// after the rest of the suite, since it disturbs every other PostgreSQL test).
func TestProcess_PostgresRestartDuringABurst(t *testing.T) {
	restart := os.Getenv("FERRY_TEST_PG_RESTART_CMD")
	if restart == "" {
		t.Skip("set FERRY_TEST_PG_RESTART_CMD (e.g. 'pg_ctlcluster --skip-systemctl-redirect 15 main restart') to restart PostgreSQL during a burst")
	}
	c := newCluster(t, testdb.PostgresURL(t))
	c.env = append(c.env, "FERRY_RESCUE_AFTER=5m") // River's rescue plays no part
	require.NoError(t, c.sandbox.SetFaults(sandbox.Faults{Platform: ferry.Weibo, LatencyMS: 50}))
	c.start("serve", "serve")
	c.start("worker", "worker")
	const spread = 6 * time.Second
	burstStart := time.Now()
	ids, texts := c.burst(200, 20, spread)
	time.Sleep(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", restart).CombinedOutput()
	require.NoError(t, err, "%s", out)
	// What fell due during the outage goes out within 10 s of the database
	// being back; what falls due later, within 10 s of its time.
	back := time.Now()
	lastDue := burstStart.Add(spread + time.Second)
	c.requireExactlyOnce(ids, texts, time.Until(maxTime(back, lastDue).Add(10*time.Second)))
	t.Logf("everything out %v after the database was back", time.Since(back).Round(100*time.Millisecond))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
