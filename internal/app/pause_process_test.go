package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestProcess_PauseAndResumeUnderABurstWithTwoWorkers pauses the workspace
// in the middle of a burst worked by two processes (serve and worker) on
// PostgreSQL: from the pause's answer on, nothing goes out but what was
// already being sent; resuming with "send" sends everything held, each
// exactly once.
func TestProcess_PauseAndResumeUnderABurstWithTwoWorkers(t *testing.T) {
	t.Parallel()
	var pg *testdb.Backend
	for _, be := range testdb.Backends() {
		if be.Name == "PostgreSQL" {
			pg = &be
		}
	}
	if pg == nil {
		t.Skip("needs PostgreSQL (FERRY_TEST_DATABASE_URL)")
	}
	c := newCluster(t, pg.Options(t).URL)
	// Jobs start up to 6 s early and wait for their time: leave them room.
	c.env = append(c.env, "FERRY_ATTEMPT_TIMEOUT=10s", "FERRY_RESCUE_AFTER=20s")
	require.NoError(t, c.sandbox.SetFaults(sandbox.Faults{Platform: ferry.Weibo, LatencyMS: 50}))
	c.start("serve", "serve")
	c.start("worker", "worker")
	const spread = 6 * time.Second
	burstStart := time.Now()
	ids, texts := c.burst(100, 10, spread)

	time.Sleep(time.Until(burstStart.Add(1*time.Second + spread/2)))
	var st struct {
		Paused     bool
		Publishing int
		Held       []ferry.Publication
	}
	require.Equal(t, 201, c.api("POST", "/api/v1/pause", map[string]any{"reason": "breaking_news", "note": "burst test"}, &st))
	atPause := len(c.sandbox.Posts(ferry.Weibo, ""))
	require.True(t, st.Paused)
	t.Logf("paused with %d of %d posts out and %d being sent", atPause, len(ids), st.Publishing)
	require.Less(t, atPause, len(ids), "paused in the middle of the burst")

	// Everything falls due, and more, while paused; what was being sent
	// ends (within its attempt's timeout, 10 s, however loaded the machine).
	sending := st.Publishing
	time.Sleep(time.Until(burstStart.Add(spread + 3*time.Second)))
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		require.Equal(t, 200, c.api("GET", "/api/v1/pause", nil, &st))
		if st.Publishing == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d publications still being sent, 15 s on", st.Publishing)
	}
	during := len(c.sandbox.Posts(ferry.Weibo, ""))
	require.LessOrEqual(t, during, atPause+sending, "only what was being sent at the pause went out")
	time.Sleep(2 * time.Second)
	require.Equal(t, during, len(c.sandbox.Posts(ferry.Weibo, "")), "nothing goes out while paused")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		require.Equal(t, 200, c.api("GET", "/api/v1/pause", nil, &st))
		if len(st.Held) == len(ids)-during || time.Now().After(deadline) {
			break
		}
	}
	require.Equal(t, len(ids)-during, len(st.Held), "everything not out is held")
	require.Equal(t, during, len(c.sandbox.Posts(ferry.Weibo, "")), "nothing went out while paused")

	var res struct{ Sent []string }
	require.Equal(t, 200, c.api("DELETE", "/api/v1/pause", map[string]any{"due": "send"}, &res))
	require.Len(t, res.Sent, len(st.Held))
	resumed := time.Now()
	c.requireExactlyOnce(ids, texts, 20*time.Second)
	t.Logf("%d held publications out %v after the resume", len(res.Sent), time.Since(resumed).Round(100*time.Millisecond))
}
