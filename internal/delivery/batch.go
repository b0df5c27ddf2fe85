package delivery

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferry-social/ferry/internal/store"
)

// PublishJob is a publish job to enqueue: a publication's version, due at
// At. A Scheduler may take many at once (jobs.Client.SchedulePublishes),
// which keeps a transaction that schedules a story's publications short.
type PublishJob struct {
	PublicationID string
	Version       int
	At            time.Time
}

// Group commit. Publications due together open their attempts together:
// the transactions that would open them one by one are run, one after
// another, inside one transaction, and committed once (one commit, one
// flush of the log, one round of River's bookkeeping on the same pages);
// the outcomes recorded after the platform calls are grouped the same way.
// Nothing waits to form a group: a transaction that comes while no group
// is running starts one at once, alone if it is alone; those that come
// while the groups are running wait for the next one, which takes all of
// them (up to batchMax). docs/architecture.md ("Exactly once") argues why
// this keeps every rule of the argument.

// batchMax bounds a group on SQLite, where the one writer serialises
// transactions anyway: a longer group holds it longer.
const batchMax = 32

// On PostgreSQL two groups run at once, of up to 64 each. A group reads and
// writes set-wise (store.Tx.Grouped), so what it costs is mostly per group:
// its statements, its commit and the audit chain's lock, which every group
// of a workspace takes in turn. Measured with `ferry bench delivery`
// (docs/benchmarks.md, "Issue 16 §4, fourth look"), two groups of 64 carry
// about a third more than eight of 8, which spent their time waiting for
// each other on that lock; one group of up to 200 did no better than two.
const pgRunners, pgBatchMax = 2, 64

// txFunc is the work of one transaction. It may run more than once (a
// group that fails is run again one by one), so it starts from scratch
// each time.
type txFunc func(ctx context.Context, tx *store.Tx) error

// batcher runs txFuncs in shared transactions.
type batcher struct {
	db *store.DB
	// relaxed commits without waiting for the disk (Tx.RelaxDurability):
	// only for work whose loss in a crash is recovered by design.
	relaxed bool
	// runners is how many groups may run at once, of at most max each.
	runners, max int
	// readAhead reads, at the start of a group's transaction, what its
	// items will read, one statement per kind for the whole group
	// (store.Tx.Grouped); keys are the items' keys, in order.
	readAhead func(ctx context.Context, tx *store.Tx, keys []string) error

	mu      sync.Mutex
	queue   []*batchItem
	running int
}

type batchItem struct {
	ctx  context.Context
	key  string // rows are locked in key order, the same in every group
	fn   txFunc
	done chan error
}

func newBatcher(db *store.DB, relaxed bool, readAhead func(ctx context.Context, tx *store.Tx, keys []string) error) *batcher {
	b := &batcher{db: db, relaxed: relaxed, runners: 1, max: batchMax, readAhead: readAhead}
	if db.Dialect() == store.Postgres {
		b.runners, b.max = pgRunners, pgBatchMax
	}
	return b
}

// do runs fn in a transaction, possibly shared with others, and returns
// once that transaction has committed (nil) or fn's work was rolled back
// (fn's error, or the database's). key names the row fn locks first (the
// publication).
func (b *batcher) do(ctx context.Context, key string, fn txFunc) error {
	it := &batchItem{ctx: ctx, key: key, fn: fn, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, it)
	if b.running < b.runners {
		b.running++
		go b.run()
	}
	b.mu.Unlock()
	return <-it.done
}

// run takes groups from the queue until it is empty.
func (b *batcher) run() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.max)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		group := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		b.runGroup(group)
	}
}

// runGroup runs a group in one transaction. If any item fails, the whole
// transaction is rolled back and every item is run again in a transaction
// of its own, so that one item's failure (its job cancelled, a lock
// conflict) is that item's alone.
func (b *batcher) runGroup(group []*batchItem) {
	// Items whose job is already gone are not started.
	live := group[:0]
	for _, it := range group {
		if err := it.ctx.Err(); err != nil {
			it.done <- err
			continue
		}
		live = append(live, it)
	}
	group = live
	if len(group) == 0 {
		return
	}
	if len(group) == 1 {
		group[0].done <- b.one(group[0])
		return
	}
	// The same order in every group, so two groups never wait for each
	// other's rows in opposite orders.
	slices.SortStableFunc(group, func(x, y *batchItem) int { return strings.Compare(x.key, y.key) })
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	keys := make([]string, len(group))
	for i, it := range group {
		keys[i] = it.key
	}
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if err := b.begin(ctx, tx, keys); err != nil {
			return err
		}
		for _, it := range group {
			if err := it.fn(it.ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, it := range group {
			it.done <- nil
		}
		return
	}
	for _, it := range group {
		it.done <- b.one(it)
	}
}

// one runs an item in a transaction of its own.
func (b *batcher) one(it *batchItem) error {
	return b.db.InTx(it.ctx, func(tx *store.Tx) error {
		if err := b.begin(it.ctx, tx, []string{it.key}); err != nil {
			return err
		}
		return it.fn(it.ctx, tx)
	})
}

// begin starts a group's transaction: grouped, relaxed if asked, and with
// what the items will read read ahead.
func (b *batcher) begin(ctx context.Context, tx *store.Tx, keys []string) error {
	tx.Grouped()
	if b.relaxed {
		if err := tx.RelaxDurability(ctx); err != nil {
			return err
		}
	}
	if b.readAhead == nil {
		return nil
	}
	return b.readAhead(ctx, tx, keys)
}
