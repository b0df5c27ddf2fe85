package media

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPixelBudget_BoundsWhatIsHeldAtOnce(t *testing.T) {
	t.Parallel()
	b := newPixelBudget(100)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for _, n := range []int64{60, 60, 30, 500, 40, 10} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release := b.acquire(n)
			now := held.Add(min(n, 100))
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			held.Add(-min(n, 100))
			release()
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, peak.Load(), int64(100), "never more than the budget at once")
	require.Zero(t, b.used, "everything was given back")
}
