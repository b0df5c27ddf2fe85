package delivery_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
)

// TestCancelWindow_Measured measures, on the wall clock, the window before
// a publication's due time in which a cancel (a deletion, an edit, a new
// time) is refused as too late: from the moment its attempt is opened (the
// publication is publishing, so Cancelable is false and a cancel answers
// too_late) to its due time. The engine opens attempts openAhead (250 ms)
// ahead, so the window is at most that; the test reports what it measured
// (median and largest of FERRY_CANCEL_WINDOW_RUNS runs, 8 by default) and
// asserts no timing but one rule: the platform is never called before the
// due time.
//
//	go test ./internal/delivery -run TestCancelWindow_Measured -v -count=1
func TestCancelWindow_Measured(t *testing.T) {
	runs := 8
	if n, err := strconv.Atoi(os.Getenv("FERRY_CANCEL_WINDOW_RUNS")); err == nil && n > 0 {
		runs = n
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var windows []time.Duration
		for range runs {
			h := e.harness(t, opts{})
			h.eng.Now = time.Now
			var (
				mu     sync.Mutex
				called time.Time
			)
			h.conn.publish = func(context.Context) (platform.Result, error) {
				mu.Lock()
				called = time.Now()
				mu.Unlock()
				return posted, nil
			}
			h.start(t, ferry.StateScheduled)
			due := time.Now().Add(600 * time.Millisecond).Truncate(time.Millisecond)
			h.dueAt(t, due)

			done := make(chan error, 1)
			go func() { done <- h.deliver(t) }()
			// Poll as a canceling person's request would read it: the
			// first instant it is no longer cancelable.
			var refusedFrom time.Time
			for refusedFrom.IsZero() {
				p, err := h.db.Read().PublicationByID(ctx, h.pub.ID)
				require.NoError(t, err)
				if !p.State.Cancelable() {
					refusedFrom = time.Now()
					break
				}
				time.Sleep(time.Millisecond)
			}
			require.NoError(t, <-done)
			require.Equal(t, ferry.StatePublished, h.current(t).State)
			mu.Lock()
			require.False(t, called.Before(due), "the platform is called at the due time, never before (called %s before)", due.Sub(called))
			mu.Unlock()
			windows = append(windows, due.Sub(refusedFrom))
		}
		slices.Sort(windows)
		t.Logf("%s: cancel refused as too late from %v (median) / %v (largest) before the due time, over %d runs; openAhead is 250ms", t.Name(),
			windows[len(windows)/2].Round(100*time.Microsecond), windows[len(windows)-1].Round(100*time.Microsecond), len(windows))
	})
}
