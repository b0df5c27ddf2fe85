package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
	"github.com/ferry-social/ferry/internal/report"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// seedAccounts gives the workspace n Weibo accounts with a daily reading
// through September 2026 and posts published posts each in it, with two
// readings per post.
func seedAccounts(tb testing.TB, b *testBundle, n, posts int) {
	tb.Helper()
	ctx := context.Background()
	require.NoError(tb, b.db.InTx(ctx, func(q *store.Tx) error {
		u := &ferry.User{Email: fmt.Sprintf("bench%d@ferry.example", time.Now().UnixNano())}
		if err := q.CreateUser(ctx, u); err != nil {
			return err
		}
		sept := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			a := &ferry.Account{WorkspaceID: b.workspaceID, Platform: ferry.Platforms[i%len(ferry.Platforms)], ExternalID: fmt.Sprint(i), Name: fmt.Sprintf("帳號 %d", i), Credentials: map[string]string{}}
			if err := q.CreateAccount(ctx, a); err != nil {
				return err
			}
			for d := range 30 {
				if err := q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: sept.Add(time.Duration(d) * 24 * time.Hour), Followers: ptr64(int64(10000 + d*i))}); err != nil {
					return err
				}
			}
			for j := range posts {
				at := sept.Add(time.Duration(j*30*24/posts)*time.Hour + time.Duration(i)*time.Minute)
				st := &ferry.Story{WorkspaceID: b.workspaceID, Title: fmt.Sprintf("中秋 %d-%d", i, j), Body: "月餅分享，祝大家中秋快樂！Happy Mid-Autumn.", Targets: []string{a.ID}, ScheduledAt: &at, CreatedBy: u.ID}
				if err := q.CreateStory(ctx, st); err != nil {
					return err
				}
				p := &ferry.Publication{WorkspaceID: b.workspaceID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: ferry.StatePublished, Version: 1, ScheduledAt: &at, PublishedAt: &at, RemoteURL: "https://weibo.example/" + st.Title}
				if err := q.CreatePublication(ctx, p); err != nil {
					return err
				}
				for k, h := range []time.Duration{time.Hour, 24 * time.Hour} {
					if err := q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: p.ID, AccountID: a.ID, At: at.Add(h), Views: ptr64(int64(100 * (k + 1) * (j + 1))), Likes: ptr64(int64(j))}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}))
}

// BenchmarkMonthlyReportPDF is one workspace report for 10 accounts with
// 30 posts each in the month: gathered, rendered and printed by Chromium.
func BenchmarkMonthlyReportPDF(b *testing.B) {
	browser := report.BrowserPath()
	if browser == "" {
		b.Skip("no Chromium")
	}
	bu := setup(b, testdb.Backends()[0])
	seedAccounts(b, bu, 10, 30)
	p := ferry.Principal{WorkspaceID: bu.workspaceID, Role: ferry.RoleViewer}
	var size int
	for b.Loop() {
		rep, err := bu.server.svc.MonthlyReport(context.Background(), p, "2026-09", "")
		require.NoError(b, err)
		w := httptest.NewRecorder()
		require.NoError(b, report.Write(w, httptest.NewRequest("GET", "/", nil), rep, true, "zh-Hant", browser))
		require.Equal(b, "application/pdf", w.Header().Get("Content-Type"))
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}

// discard is a ResponseWriter that keeps nothing.
type discard struct {
	h http.Header
	n atomic.Int64
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { d.n.Add(int64(len(p))); return len(p), nil }

// BenchmarkExportStreams exports every publication of a workspace with
// 4,000, 20,000 and 100,000 of them as CSV and XLSX and reports the peak
// heap in use while writing: flat in the number of rows for CSV, bounded
// for XLSX (excelize spills the sheet to a temporary file).
func BenchmarkExportStreams(b *testing.B) {
	for _, posts := range []int{400, 2000, 10000} {
		bu := setup(b, testdb.Backends()[0])
		seedAccounts(b, bu, 10, posts)
		p := ferry.Principal{WorkspaceID: bu.workspaceID, Role: ferry.RoleViewer}
		for _, f := range []export.Format{export.CSV, export.XLSX} {
			b.Run(fmt.Sprintf("%s/rows=%d", f, 10*posts), func(b *testing.B) {
				var peak uint64
				for b.Loop() {
					runtime.GC()
					var base runtime.MemStats
					runtime.ReadMemStats(&base)
					stop := make(chan struct{})
					var wg sync.WaitGroup
					wg.Add(1)
					go func() {
						defer wg.Done()
						var m runtime.MemStats
						for {
							runtime.ReadMemStats(&m)
							if m.HeapInuse > base.HeapInuse && m.HeapInuse-base.HeapInuse > peak {
								peak = m.HeapInuse - base.HeapInuse
							}
							select {
							case <-stop:
								return
							case <-time.After(2 * time.Millisecond):
							}
						}
					}()
					ex, err := bu.server.svc.ExportPublications(context.Background(), p, service.ExportQuery{From: "2026-01-01", To: "2026-12-31"})
					require.NoError(b, err)
					w := &discard{h: http.Header{}}
					require.NoError(b, export.Serve(w, httptest.NewRequest("GET", "/", nil), ex.Name, ex.Location, f, ex.WriteTo, func(context.Context, string, ...any) {}))
					close(stop)
					wg.Wait()
					b.ReportMetric(float64(w.n.Load()), "file-bytes")
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			})
		}
	}
}
