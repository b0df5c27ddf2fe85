package service_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// BenchmarkWriteArchive writes the archive of an account with n published
// posts (each with a variant, an attempt-less publication, a reading) to
// io.Discard, and reports the peak heap in use while writing, sampled
// every millisecond: flat in n, since rows are streamed.
//
//	go test ./internal/service -run '^$' -bench WriteArchive -benchtime 3x
func BenchmarkWriteArchive(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			ctx := context.Background()
			f := setup(b, testdb.Backends()[0])
			acct := f.account(b, ferry.Weibo, "1001", nil)
			img := f.image(b, 400, 300, 3)
			body := strings.Repeat("八號風球信號今晚十時發出，市民請留在安全地方。", 6)
			err := f.db.InTx(ctx, func(tx *store.Tx) error {
				for i := range n {
					at := f.now.Add(-time.Duration(n-i) * time.Hour)
					st := &ferry.Story{WorkspaceID: f.ws.ID, Title: fmt.Sprintf("Post %d", i), Body: body, MediaIDs: []string{img.ID}, Targets: []string{acct.ID}, CreatedBy: "user:x"}
					if err := tx.CreateStory(ctx, st); err != nil {
						return err
					}
					if err := tx.PutVariant(ctx, ferry.Variant{StoryID: st.ID, AccountID: acct.ID, Platform: ferry.Weibo, Text: body, MediaIDs: []string{img.ID}}); err != nil {
						return err
					}
					pub := &ferry.Publication{WorkspaceID: f.ws.ID, StoryID: st.ID, AccountID: acct.ID, Platform: ferry.Weibo, State: ferry.StatePublished,
						ScheduledAt: &at, PublishedAt: &at, RemoteID: fmt.Sprint(i), RemoteURL: fmt.Sprintf("https://weibo.com/1001/%d", i)}
					if err := tx.CreatePublication(ctx, pub); err != nil {
						return err
					}
					likes := int64(i)
					if err := tx.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: acct.ID, At: at.Add(time.Hour), Likes: &likes}); err != nil {
						return err
					}
				}
				return nil
			})
			require.NoError(b, err)
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peak uint64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				var m runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapInuse)
					}
				}
			}()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_, posts, err := f.svc.WriteArchiveTo(ctx, io.Discard, f.ws.ID, acct.ID)
				require.NoError(b, err)
				require.Equal(b, n, posts)
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(1<<20), "peak-heap-MiB-over-base")
		})
	}
}
