package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/testdb"
)

// BenchmarkCalendarPage is the server's time for the calendar's month of
// 500 publications (100 stories to five accounts), among 100,000 more
// publications in the months before: the handler, from the session to the
// rendered page. docs/benchmarks.md has the results.
func BenchmarkCalendarPage(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			tb := setup(b, be)
			db := tb.svc.DB
			p, token := tb.setUpIn("Asia/Hong_Kong", "zh-Hant")
			seedMonth(b, db, p, 2027, time.March, 100, 5)
			// 20,000 older stories, each to the same five accounts, one an
			// hour up to the month before.
			end := time.Date(2027, time.February, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
			const hour = int64(time.Hour / time.Millisecond)
			for _, q := range []string{
				fmt.Sprintf(`INSERT INTO stories (id, workspace_id, title, body, created_by, created_at, updated_at, scheduled_at)
					WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
					SELECT 'old_' || i, '%s', 'old', 'b', '%s', %d - CAST(i AS BIGINT) * %d, %d - CAST(i AS BIGINT) * %d, %d - CAST(i AS BIGINT) * %d FROM n`, p.WorkspaceID, p.UserID, end, hour, end, hour, end, hour),
				fmt.Sprintf(`INSERT INTO publications (id, workspace_id, story_id, account_id, platform, state, scheduled_at, published_at, created_at, updated_at)
					SELECT 'pub_' || s.id || '_' || a.id, s.workspace_id, s.id, a.id, a.platform, 'published', s.scheduled_at, s.scheduled_at, s.created_at, s.created_at
					FROM stories s CROSS JOIN accounts a WHERE s.workspace_id = '%s' AND s.id LIKE 'old_%%'`, p.WorkspaceID),
			} {
				_, err := db.WritePool().ExecContext(ctx, q)
				require.NoError(b, err)
			}
			if be.Name == "PostgreSQL" {
				_, err := db.WritePool().ExecContext(ctx, `ANALYZE`)
				require.NoError(b, err)
			}
			h := tb.ui
			get := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", "/calendar?month=2027-03", nil)
				req.AddCookie(&http.Cookie{Name: "ferry_session", Value: token})
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			first := get()
			require.Equal(b, 200, first.Code)
			require.Equal(b, 500, countChips(first.Body.String()))
			b.ResetTimer()
			for b.Loop() {
				if rec := get(); rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// countChips counts the publications' chips (the legend's have no
// hidden platform label).
func countChips(body string) int {
	return strings.Count(body, `<span class="chip-p" aria-hidden="true">`)
}
