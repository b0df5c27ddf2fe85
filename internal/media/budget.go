package media

import (
	"sync"
)

// DefaultDecodeBudget is how many pixels the process decodes at once, all
// images together. A decoded pixel takes up to 4 bytes (8 for 16-bit PNGs,
// which decode to RGBA64), so 64 megapixels keep the images being decoded
// at once to about 256 MB, whatever the number of uploads in flight: six
// 7000×7000 PNGs uploaded at once are decoded one after another instead of
// together (docs/benchmarks.md, "Parallel image uploads").
const DefaultDecodeBudget = 64_000_000

// pixelBudget is a counting semaphore over pixels. A request larger than
// the whole budget waits for it to be entirely free, and then takes it all.
type pixelBudget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	limit int64 // 0: unbounded
	used  int64
}

var decodeBudget = newPixelBudget(DefaultDecodeBudget)

func newPixelBudget(limit int64) *pixelBudget {
	b := &pixelBudget{limit: limit}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n pixels fit in the budget, takes them, and returns
// the function that gives them back.
func (b *pixelBudget) acquire(n int64) (release func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limit <= 0 {
		return func() {}
	}
	n = min(n, b.limit)
	for b.used+n > b.limit {
		b.cond.Wait()
	}
	b.used += n
	return func() {
		b.mu.Lock()
		b.used -= n
		b.mu.Unlock()
		b.cond.Broadcast()
	}
}

// SetDecodeBudget changes how many pixels the process decodes at once (0:
// unbounded) and returns the previous budget. Only the benchmarks that
// measure memory with and without the bound call it; it must not be
// called while images are being decoded.
func SetDecodeBudget(pixels int64) (previous int64) {
	decodeBudget.mu.Lock()
	defer decodeBudget.mu.Unlock()
	previous, decodeBudget.limit = decodeBudget.limit, pixels
	return previous
}
