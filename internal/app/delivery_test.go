package app_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// Fault-injection tests: each asserts, from the sandbox's own record, that
// every publication was received exactly once and none is lost or stuck.

// connect creates n accounts of a platform wired to the sandbox.
func (b *testBundle) connect(t *testing.T, p ferry.Platform, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		var in map[string]any
		switch p {
		case ferry.Telegram:
			in = map[string]any{"platform": "telegram", "external_id": fmt.Sprintf("@chan%04d", i), "credentials": map[string]string{"bot_token": fmt.Sprintf("%d:sandbox-test-token-%08d", 200000000+i, i)}}
		case ferry.Weibo:
			uid := fmt.Sprint(6000000000 + i)
			in = map[string]any{"platform": "weibo", "external_id": uid, "credentials": map[string]string{"access_token": "sandbox-weibo-" + uid}, "settings": map[string]any{"link_url": "https://ferry.example/s/" + uid}}
		}
		var a map[string]any
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/accounts", in, &a), "%v", a)
		ids = append(ids, a["id"].(string))
	}
	return ids
}

// settle waits until no publication of the stories is in a transient state
// and returns the stories.
func (b *testBundle) settle(t *testing.T, ids []string, within time.Duration) map[string]story {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := map[string]story{}
		pending := 0
		for _, id := range ids {
			var s story
			status := b.do(t, "GET", "/api/v1/stories/"+id, nil, &s)
			if status == 404 {
				continue // deleted
			}
			require.Equal(t, 200, status)
			out[id] = s
			for _, p := range s.Publications {
				switch {
				case p.State == "unknown" && p.NextAt != "": // being reconciled
					pending++
				case p.State == "published", p.State == "failed", p.State == "canceled", p.State == "missed", p.State == "unknown", p.State == "needs_reauth":
				default:
					pending++
				}
			}
		}
		if pending == 0 {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d publications still in flight after %v", pending, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func textCounts(posts []sandbox.Post) map[string]int {
	m := map[string]int{}
	for _, p := range posts {
		m[p.Text]++
	}
	return m
}

func TestDelivery_DroppedResponsesAreReconciledNotDuplicated(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := boot(t, t.TempDir(), be.Options(t).URL)
			accts := b.connect(t, ferry.Weibo, 10)
			require.NoError(t, b.m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Weibo, LatencyMS: 20, DropResponseRate: 0.2}))
			// Drafts first, then all due at one time far enough ahead that
			// scheduling them finishes first (the race detector on a loaded
			// machine makes each write slow).
			ctx, owner := t.Context(), b.owner(t)
			began := time.Now()
			var ids []string
			for i := range 100 {
				s, err := b.m.Service.CreateStory(ctx, owner, service.StoryInput{Body: fmt.Sprintf("第%d条 dropped-response test", i), Targets: []string{accts[i%len(accts)]}})
				require.NoError(t, err)
				ids = append(ids, s.ID)
			}
			at := time.Now().Add(time.Second + time.Since(began))
			for _, id := range ids {
				_, err := b.m.Service.ScheduleStory(ctx, owner, id, service.ScheduleInput{At: at})
				require.NoError(t, err)
			}
			stories := b.settle(t, ids, 90*time.Second)
			counts := textCounts(b.m.Sandbox.Posts(ferry.Weibo, ""))
			reconciled := 0
			for i, id := range ids {
				s := stories[id]
				require.Equal(t, "published", s.Publications[0].State, "story %d: %+v", i, s.Publications[0])
				require.Equal(t, 1, countPrefix(counts, fmt.Sprintf("第%d条 dropped-response test", i)), "story %d received exactly once", i)
				atts, err := b.m.DB.Read().Attempts(t.Context(), s.Publications[0].ID)
				require.NoError(t, err)
				for _, a := range atts {
					if a.Outcome == ferry.OutcomeReconciled {
						reconciled++
					}
				}
			}
			require.Positive(t, reconciled, "some responses were dropped and reconciled")
			t.Logf("%d of 100 publications were settled by reconciliation", reconciled)
		})
	}
}

// countPrefix counts posts whose text starts with prefix (Weibo appends
// the account's safe-domain link).
func countPrefix(counts map[string]int, prefix string) int {
	n := 0
	for text, c := range counts {
		if len(text) >= len(prefix) && text[:len(prefix)] == prefix {
			n += c
		}
	}
	return n
}

func TestDelivery_RateLimitHintsAreHonoured(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	accts := b.connect(t, ferry.Telegram, 30)
	require.NoError(t, b.m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Telegram, LatencyMS: 10, RateLimitRate: 0.5, RetryAfterSeconds: 1}))
	at := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	var ids []string
	for i, acc := range accts {
		var s story
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": fmt.Sprintf("rate-limit %d", i), "targets": []string{acc}, "scheduled_at": at}, &s))
		ids = append(ids, s.ID)
	}
	stories := b.settle(t, ids, 60*time.Second)
	counts := textCounts(b.m.Sandbox.Posts(ferry.Telegram, ""))
	for i, id := range ids {
		require.Equal(t, "published", stories[id].Publications[0].State)
		require.Equal(t, 1, counts[fmt.Sprintf("rate-limit %d", i)])
	}
	// Each channel has one publication: after a 429 with retry_after, its
	// next request comes no sooner than the hint.
	byTarget := map[string][]sandbox.Request{}
	limited := 0
	for _, r := range b.m.Sandbox.Requests(ferry.Telegram) {
		if r.Target != "" && strings.HasPrefix(r.Op, "send") { // posts, not metric reads
			byTarget[r.Target] = append(byTarget[r.Target], r)
		}
	}
	for target, reqs := range byTarget {
		for i := 0; i+1 < len(reqs); i++ {
			if reqs[i].Fault == "rate_limit" {
				limited++
				gap := reqs[i+1].At.Sub(reqs[i].At)
				require.GreaterOrEqual(t, gap, reqs[i].RetryAfter, "%s: request %d came %v after a 429 asking for %v", target, i+1, gap, reqs[i].RetryAfter)
			}
		}
	}
	require.Positive(t, limited)
	t.Logf("%d rate-limited requests, all followed by a wait of at least retry_after", limited)
}

func TestDelivery_DeleteAndEditRacingTheScheduledTime(t *testing.T) {
	t.Parallel()
	const n = 1000
	// Generous call timeouts: under the race detector the machine is slow,
	// and a timed-out Telegram call would end in "unknown" (a person's
	// decision), which is not what this test is about.
	b := boot(t, t.TempDir(), "", func(c *config.Config) { c.AttemptTimeout, c.RescueAfter = time.Minute, 2*time.Minute })
	accts := b.connect(t, ferry.Telegram, 50)
	type race struct {
		id, pubID  string
		at         time.Time
		deleted    bool
		status     int
		stateAfter string
	}
	// The stories are written through the service (the setup is not what is
	// tested, and 2,000 HTTP calls are slow under the race detector): drafts
	// first, then each scheduled far enough ahead that scheduling finishes
	// before the first is due. Deletes and edits then race through the API.
	ctx := t.Context()
	owner := b.owner(t)
	races := make([]*race, n)
	began := time.Now()
	for i := range n {
		s, err := b.m.Service.CreateStory(ctx, owner, service.StoryInput{Body: fmt.Sprintf("race %d original", i), Targets: []string{accts[i%len(accts)]}})
		require.NoError(t, err)
		races[i] = &race{id: s.ID, pubID: s.Publications[0].ID, deleted: i%2 == 0}
	}
	start := time.Now().Add(2*time.Second + 2*time.Since(began))
	for i, r := range races {
		r.at = start.Add(time.Duration(i%100) * 40 * time.Millisecond)
		_, err := b.m.Service.ScheduleStory(ctx, owner, r.id, service.ScheduleInput{At: r.at})
		require.NoError(t, err)
	}
	require.True(t, time.Now().Before(start), "scheduling took longer than planned")
	var wg sync.WaitGroup
	for i, r := range races {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Around the edge of the too-late window (the attempt is
			// opened 250 ms before the time): from 400 ms before the time
			// to 100 ms after it.
			time.Sleep(time.Until(r.at.Add(time.Duration(rand.IntN(500)-400) * time.Millisecond)))
			var s story
			if r.deleted {
				r.status = b.do(t, "DELETE", "/api/v1/stories/"+r.id, nil, &s)
			} else {
				r.status = b.do(t, "PATCH", "/api/v1/stories/"+r.id, map[string]any{"body": fmt.Sprintf("race %d edited", i)}, &s)
			}
			if r.status == 200 {
				r.stateAfter = s.Publications[0].State
			}
		}()
	}
	wg.Wait()
	var ids []string
	for _, r := range races {
		if !r.deleted {
			ids = append(ids, r.id)
		}
	}
	b.settle(t, ids, 90*time.Second)
	// Deleted stories' publications must also be final.
	ws := b.workspace(t)
	for i, r := range races {
		if r.deleted {
			final := func() bool {
				p, err := b.m.DB.Read().Publication(ctx, ws, r.pubID)
				return err == nil && p.State.Final()
			}
			if !assert.Eventually(t, final, 60*time.Second, 100*time.Millisecond) {
				p, err := b.m.DB.Read().Publication(ctx, ws, r.pubID)
				require.NoError(t, err)
				atts, err := b.m.DB.Read().Attempts(ctx, r.pubID)
				require.NoError(t, err)
				t.Fatalf("race %d (delete answered %d, then %q): the publication is still %+v; attempts %+v", i, r.status, r.stateAfter, p, atts)
			}
		}
	}
	counts := textCounts(b.m.Sandbox.Posts(ferry.Telegram, ""))
	var stats struct{ canceled, deletedTooLate, edited, editTooLate int }
	for i, r := range races {
		orig, edited := counts[fmt.Sprintf("race %d original", i)], counts[fmt.Sprintf("race %d edited", i)]
		switch {
		case r.deleted && r.status == 200 && r.stateAfter == "canceled":
			stats.canceled++
			require.Zero(t, orig+edited, "story %d was deleted before it was sent, yet received", i)
		case r.deleted:
			stats.deletedTooLate++
			require.Equal(t, 200, r.status)
			require.Equal(t, 1, orig, "story %d was already out when deleted: received once", i)
		case r.status == 200 && r.stateAfter == "scheduled":
			stats.edited++
			require.Equal(t, 0, orig, "story %d: the old text must not be sent after an edit", i)
			require.Equal(t, 1, edited, "story %d: the edited text is received once", i)
		default:
			stats.editTooLate++
			require.Contains(t, []int{200, 409}, r.status)
			require.Equal(t, 1, orig, "story %d was already out (or going out) when edited: received once", i)
			require.Zero(t, edited)
		}
	}
	t.Logf("deleted in time %d, deleted too late %d, edited in time %d, edited too late %d", stats.canceled, stats.deletedTooLate, stats.edited, stats.editTooLate)
	require.Positive(t, stats.canceled)
	require.Positive(t, stats.edited)
}

// owner is the demo user acting in the demo workspace.
func (b *testBundle) owner(t *testing.T) ferry.Principal {
	t.Helper()
	u, err := b.m.DB.Read().UserByEmail(t.Context(), "demo@ferry.example")
	require.NoError(t, err)
	return ferry.Principal{UserID: u.ID, WorkspaceID: b.workspace(t), Role: ferry.RoleOwner}
}

func (b *testBundle) workspace(t *testing.T) string {
	t.Helper()
	ws, err := b.m.DB.Read().WorkspaceByName(t.Context(), "Demo")
	require.NoError(t, err)
	return ws.ID
}
