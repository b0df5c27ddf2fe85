package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/jobs"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// lockClock adds up how long transactions held the write pool, in wall
// time and in CPU time of the thread running them.
type lockClock struct {
	mu        sync.Mutex
	wall, cpu time.Duration
}

// trace is a store.DB.TxTrace.
func (c *lockClock) trace() func() {
	wall, cpu := time.Now(), threadCPU()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.wall += time.Since(wall)
		c.cpu += threadCPU() - cpu
	}
}

// take returns the totals since the last call.
func (c *lockClock) take() (wall, cpu time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall, cpu = c.wall, c.cpu
	c.wall, c.cpu = 0, 0
	return wall, cpu
}

// BenchmarkStoryWriteLock measures how long saving a story for 50 target
// accounts holds the write transaction (on SQLite the one writer, which
// the delivery engine shares): a 75-character Hong Kong Chinese story (Weibo takes 140)
// with a mention, tags, a link and two images, for ten accounts of each
// platform reading three scripts, with a workspace glossary, and River
// inserting the 50 publish jobs. Images are fitted on the first save
// (before the timing starts); later saves reuse the fitted copies.
//
// Reported: lock-ms/op and p50-lock-ms, the mean and median wall time
// inside write transactions per save; lock-cpu-ms/op, the CPU time spent
// in them (steadier than wall time on a loaded machine; on PostgreSQL it
// leaves out the server's share); ns/op is the whole command.
func BenchmarkStoryWriteLock(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			b.Run("Create", func(b *testing.B) {
				bu, in, clock := benchSetup(b, be)
				measureLock(b, clock, func(i int) {
					_, err := bu.svc.CreateStory(context.Background(), bu.editor(), in)
					require.NoError(b, err)
				})
			})
			b.Run("EditText", func(b *testing.B) {
				bu, in, clock := benchSetup(b, be)
				v, err := bu.svc.CreateStory(context.Background(), bu.editor(), in)
				require.NoError(b, err)
				clock.take()
				measureLock(b, clock, func(i int) {
					body := fmt.Sprintf("%s（第 %d 版）", in.Body, i)
					_, err := bu.svc.UpdateStory(context.Background(), bu.editor(), v.ID, service.StoryPatch{Body: &body})
					require.NoError(b, err)
				})
			})
		})
	}
}

func measureLock(b *testing.B, clock *lockClock, op func(i int)) {
	// The saves run on this goroutine and, locked, on this thread alone,
	// whose CPU time is then theirs whatever else the machine runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var held []time.Duration
	var cpu time.Duration
	for b.Loop() {
		op(len(held))
		w, c := clock.take()
		held, cpu = append(held, w), cpu+c
	}
	var total time.Duration
	for _, d := range held {
		total += d
	}
	slices.Sort(held)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(total)/float64(len(held)), "lock-ms/op")
	b.ReportMetric(ms(held[len(held)/2]), "p50-lock-ms")
	b.ReportMetric(ms(cpu)/float64(len(held)), "lock-cpu-ms/op")
}

// benchSetup makes the workspace of BenchmarkStoryWriteLock and saves its
// story once, so that its images are fitted.
func benchSetup(b *testing.B, be testdb.Backend) (*testBundle, service.StoryInput, *lockClock) {
	ctx := context.Background()
	bu := setup(b, be)
	bu.db.Now = time.Now
	client, err := jobs.New(bu.db, jobs.Config{PollInterval: time.Second, RescueAfter: time.Minute, AttemptTimeout: 30 * time.Second, MaxWorkers: 1,
		Logger: slog.New(slog.DiscardHandler)}, &delivery.Engine{DB: bu.db})
	require.NoError(b, err)
	bu.svc.Scheduler = client
	_, err = bu.svc.PutGlossary(ctx, bu.editor(), service.Glossary{Protected: []string{"維港"}, Phrases: []service.GlossaryPhrase{{From: "幻彩詠香江", To: "A Symphony of Lights"}}})
	require.NoError(b, err)
	_, err = bu.svc.PutPerson(ctx, bu.editor(), "chan", service.PersonInput{Name: "陳大文", Handles: map[ferry.Platform]string{ferry.Weibo: "chantaiman", ferry.Telegram: "chantm"}})
	require.NoError(b, err)
	var targets []string
	scripts := []string{"hk", "tw", "s"}
	for i := range 10 {
		for _, p := range ferry.Platforms {
			settings := map[string]any{}
			switch p {
			case ferry.Weibo:
				settings["link_url"] = "https://ferry.example/w"
			case ferry.Xiaohongshu:
			default:
				settings["audience_script"] = scripts[i%3]
			}
			targets = append(targets, bu.account(b, p, fmt.Sprintf("%s-%d", p, i), settings).ID)
		}
	}
	m1, m2 := bu.image(b, 1200, 900, 1), bu.image(b, 900, 1200, 2)
	at := time.Now().Add(time.Hour)
	in := service.StoryInput{
		Title: "維港夜色", Body: "@{chan} " + strings.Repeat("今晚維港幻彩詠香江，九點開始，歡迎大家嚟海旁睇。", 3),
		Tags: []string{"維港", "中秋"}, Links: []string{"https://ferry.example/story"}, MediaIDs: []string{m1.ID, m2.ID},
		Targets: targets, ScheduledAt: &at,
	}
	clock := &lockClock{}
	bu.db.TxTrace = clock.trace
	_, err = bu.svc.CreateStory(ctx, bu.editor(), in)
	require.NoError(b, err)
	clock.take()
	return bu, in, clock
}
