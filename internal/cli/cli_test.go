package cli_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/ferry-social/ferry/internal/cli"
)

type result struct {
	code           int
	stdout, stderr string
}

// run runs ferry with args; a signal sent on signals stops it.
func run(signals <-chan os.Signal, env map[string]string, args ...string) result {
	var out, errb bytes.Buffer
	code := cli.Run(signals, args, &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	r := run(nil, nil, "--help")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stdout, "ferry serve")
	for _, cmd := range [][]string{{"serve", "--help"}, {"worker", "--help"}, {"migrate", "--help"}, {"user", "create", "--help"}, {"token", "create", "--help"}, {"secrets", "rotate", "--help"}, {"bench", "delivery", "--help"}, {"audit", "verify", "--help"}} {
		r := run(nil, nil, cmd...)
		require.Equal(t, 0, r.code, "%v: %s", cmd, r.stderr)
		require.Contains(t, r.stdout, "Usage: ferry "+cmd[0], "%v", cmd)
		require.Contains(t, r.stdout, "-", "%v lists its flags", cmd)
	}
	require.Equal(t, 2, run(nil, nil, "launch").code)
	require.Equal(t, 2, run(nil, nil).code)
	require.Equal(t, 2, run(nil, nil, "serve", "--no-such-flag").code)
	require.Equal(t, 0, run(nil, nil, "version").code)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// TestServeDemo_HealthyMeansTheDemoIsReady is a script's view of the quick
// start: wait for /healthz, then at once create a token for the demo user
// and list the demo accounts.
func TestServeDemo_HealthyMeansTheDemoIsReady(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"FERRY_DATA": dir}
	signals := make(chan os.Signal, 1)
	done := make(chan result)
	addr := freeAddr(t)
	go func() { done <- run(signals, env, "serve", "--addr", addr, "--demo") }()
	stopped := false
	stop := func() result {
		stopped = true
		signals <- os.Interrupt
		return <-done
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	base := "http://" + addr
	var sawStarting bool
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			sawStarting = true
			require.Equal(t, "1", res.Header.Get("Retry-After"))
		}
		return res.StatusCode == http.StatusOK
	}, 60*time.Second, 5*time.Millisecond)
	t.Logf("answered 503 while seeding: %v", sawStarting)

	r := run(nil, env, "token", "create", "--email", "demo@ferry.example")
	require.Equal(t, 0, r.code, "the demo user exists once /healthz answers: %s", r.stderr)
	tok := strings.TrimSpace(r.stdout)
	require.True(t, strings.HasPrefix(tok, "fry_"), "prints only the token: %q", r.stdout)
	require.NotContains(t, tok, "\n")

	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/accounts", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var list struct {
		Accounts []struct{ Platform string } `json:"accounts"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
	var platforms []string
	for _, a := range list.Accounts {
		platforms = append(platforms, a.Platform)
	}
	require.ElementsMatch(t, []string{"telegram", "weibo", "facebook", "instagram", "xiaohongshu"}, platforms)

	r = run(nil, env, "token", "create", "--email", "nobody@ferry.example")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "was not found")

	r = stop()
	require.Equal(t, 0, r.code, "stops cleanly: %s", r.stderr)
	require.Contains(t, r.stderr, "stopping: waiting for 0 publications in flight")
	require.Contains(t, r.stdout, "Demo login: demo@ferry.example", "the banner names the demo login")
}

func TestServeRefusesAnOlderSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"FERRY_DATA": dir}
	r := run(nil, env, "migrate")
	require.Equal(t, 0, r.code, r.stderr)
	// Pretend the newest migration has not been applied.
	db, err := sql.Open("sqlite", filepath.Join(dir, "ferry.db"))
	require.NoError(t, err)
	defer db.Close()
	var version int
	var name string
	var applied int64
	require.NoError(t, db.QueryRow(`SELECT version, name, applied_at FROM ferry_migrations ORDER BY version DESC LIMIT 1`).Scan(&version, &name, &applied))
	_, err = db.Exec(`DELETE FROM ferry_migrations WHERE version = ?`, version)
	require.NoError(t, err)

	r = run(nil, env, "serve", "--addr", freeAddr(t))
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "ferry migrate")

	r = run(nil, env, "user", "create", "--email", "a@ferry.example", "--password", "long-enough-password")
	require.Equal(t, 1, r.code, "other commands refuse too")

	// Put the record back (re-running the migration itself would find its
	// tables): the schema is current again.
	_, err = db.Exec(`INSERT INTO ferry_migrations (version, name, applied_at) VALUES (?, ?, ?)`, version, name, applied)
	require.NoError(t, err)
	r = run(nil, env, "user", "create", "--email", "a@ferry.example", "--password", "long-enough-password", "--role", "editor")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "as editor")
	r = run(nil, env, "user", "create", "--email", "a@ferry.example", "--password", "long-enough-password")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "already exists")
	r = run(nil, env, "user", "create", "--email", "b@ferry.example", "--password", "short")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "at least 12 characters")
}

// TestAuditVerify: an attacker with database access drops the append-only
// trigger and edits an event; `ferry audit verify` names it and fails.
func TestAuditVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"FERRY_DATA": dir}
	r := run(nil, env, "user", "create", "--email", "a@example.org", "--password", "0123456789ab")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(nil, env, "token", "create", "--email", "a@example.org")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(nil, env, "audit", "verify")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "OK: 3 events in 1 workspace chains verify.")

	db, err := sql.Open("sqlite", filepath.Join(dir, "ferry.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 2`)
	require.ErrorContains(t, err, "append-only")
	_, err = db.Exec(`DROP TRIGGER audit_events_append_only_update`)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 2`)
	require.NoError(t, err)
	r = run(nil, env, "audit", "verify")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stdout, "BROKEN")
	require.Contains(t, r.stdout, "event #2")
	require.Contains(t, r.stdout, "hash does not match its content")

	require.Equal(t, 2, run(nil, env, "audit").code)
	require.Equal(t, 0, run(nil, env, "audit", "verify", "--help").code)
}
