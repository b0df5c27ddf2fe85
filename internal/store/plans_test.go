package store_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// seeded is a workspace with accounts on two platforms and stories that
// each target every account; story i was created at i ms and its
// publications were published (one story in a hundred: are scheduled) i
// hours after the epoch.
type seeded struct {
	bundle
	stories  int
	accounts []*ferry.Account
}

func seed(t testing.TB, b testdb.Backend, stories, accounts int) seeded {
	t.Helper()
	ctx := context.Background()
	s := seeded{bundle: setup(t, b), stories: stories}
	for i := range accounts {
		p := ferry.Telegram
		if i%2 == 0 {
			p = ferry.Xiaohongshu
		}
		a := &ferry.Account{WorkspaceID: s.ws.ID, Platform: p, ExternalID: fmt.Sprint(i), Name: "A", Credentials: map[string]string{}}
		require.NoError(t, s.db.Write().CreateAccount(ctx, a))
		s.accounts = append(s.accounts, a)
	}
	const hour = int64(time.Hour / time.Millisecond)
	require.NoError(t, s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO stories (id, workspace_id, title, body, created_by, created_at, updated_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				SELECT 'sty_' || i, ?, 't', 'b', 'u', i, i FROM n`, []any{stories, s.ws.ID}},
			{`INSERT INTO publications (id, workspace_id, story_id, account_id, platform, state, scheduled_at, published_at, remote_id, created_at, updated_at)
				SELECT 'pub_' || s.created_at || '_' || a.id, s.workspace_id, s.id, a.id, a.platform,
					CASE WHEN s.created_at % 100 = 0 THEN 'scheduled' ELSE 'published' END,
					s.created_at * ?,
					CASE WHEN s.created_at % 100 = 0 THEN NULL ELSE s.created_at * ? END,
					CASE WHEN s.created_at % 100 = 0 THEN '' ELSE 'r' || s.created_at END,
					s.created_at, s.created_at
				FROM stories s CROSS JOIN accounts a WHERE s.workspace_id = ?`, []any{hour, hour, s.ws.ID}},
			{`INSERT INTO rate_events (limit_key, at, publication_id) SELECT account_id, created_at * ?, id FROM publications`, []any{hour}},
			{`INSERT INTO idempotency_keys (workspace_id, user_id, key, request_hash, status, body, created_at) SELECT 'wsp', 'usr', id, 'h', 201, ?, created_at * ? FROM publications`, []any{[]byte{}, hour}},
		} {
			if err := tx.ExecForTest(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}))
	if b.Name == "PostgreSQL" {
		// As autovacuum would, so the planner knows the tables' sizes.
		// SQLite runs without statistics in production, and so here.
		require.NoError(t, s.db.Write().ExecForTest(ctx, `ANALYZE`))
	}
	return s
}

// hours is the time n hours after the epoch, where seed puts story n.
func hours(n int) time.Time { return time.UnixMilli(int64(n) * int64(time.Hour/time.Millisecond)) }

// TestQueryPlans_ScansAreIndexRanges checks that the queries run every page
// or every few minutes read a range of an index, not the whole table, on a
// database of 20,000 publications.
func TestQueryPlans_ScansAreIndexRanges(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := seed(t, b, 2000, 10)
			page := make([]string, 50)
			for i := range page {
				page[i] = fmt.Sprint("sty_", 2000-i)
			}
			for _, c := range []struct {
				name, table, index string
				query              store.PlannedQuery
			}{
				{"StoriesPagePublications", "publications", "", store.PublicationsOfStoriesQuery(page)},
				{"HandoffSweep", "publications", "publications_state_platform_scheduled", store.ScheduledOnQuery(ferry.Xiaohongshu, hours(300))},
				{"PostReadings", "publications", "publications_state_published", store.PostReadingsQuery("", hours(1980))},
				{"PostReadingsOfAccount", "publications", "publications_account_state_published", store.PostReadingsQuery(s.accounts[0].ID, hours(1980))},
				{"CalendarRange", "publications", "publications_workspace_scheduled", store.PublicationsScheduledBetweenQuery(s.ws.ID, hours(1000), hours(1048))},
				{"RateHistoryPrune", "rate_events", "rate_events_at", store.PruneRatesQuery(hours(20))},
				{"IdempotencyKeyPrune", "idempotency_keys", "idempotency_keys_created", store.PruneIdempotencyKeysQuery(hours(20))},
			} {
				t.Run(c.name, func(t *testing.T) {
					plan, err := s.db.Plan(ctx, c.query)
					require.NoError(t, err)
					requireIndexRange(t, s.db.Dialect(), plan, c.table, c.index)
				})
			}
		})
	}
}

// requireIndexRange asserts that plan reads table through an index (index,
// when named; any, when empty) and never scans it whole.
func requireIndexRange(t *testing.T, dialect store.Dialect, plan, table, index string) {
	t.Helper()
	var scan, search *regexp.Regexp
	alias := `(` + table + `|` + table[:1] + `)` // the queries alias tables by their initial
	if dialect == store.SQLite {
		scan = regexp.MustCompile(`(?m)^SCAN ` + alias + `\b`)
		search = regexp.MustCompile(`(?m)^SEARCH ` + alias + ` USING (COVERING )?INDEX ` + orAny(index) + ` \(`)
	} else {
		scan = regexp.MustCompile(`Seq Scan on ` + table + `\b`)
		search = regexp.MustCompile(`Index (Only )?Scan (Backward )?using ` + orAny(index) + ` on ` + table + `\b|Bitmap Index Scan on ` + orAny(index) + `\b`)
	}
	require.NotRegexp(t, scan, plan, "whole-table scan")
	require.Regexp(t, search, plan, "index range")
}

func orAny(index string) string {
	if index == "" {
		return `\w+`
	}
	return regexp.QuoteMeta(index)
}

// BenchmarkStoriesPage reads a page of 50 stories with their publications
// among 100,000 publications: one query per story (as the list did before
// PublicationsOfStories), and one batched query.
func BenchmarkStoriesPage(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			s := seed(b, be, 10000, 10)
			q := s.db.Read()
			f := ferry.StoryFilter{WorkspaceID: s.ws.ID, Limit: 50}
			b.Run("QueryPerStory", func(b *testing.B) {
				for b.Loop() {
					stories, _, err := q.Stories(ctx, f)
					require.NoError(b, err)
					for _, st := range stories {
						pubs, err := q.Publications(ctx, ferry.PublicationFilter{StoryID: st.ID})
						require.NoError(b, err)
						require.Len(b, pubs, 10)
					}
				}
			})
			b.Run("Batched", func(b *testing.B) {
				for b.Loop() {
					stories, _, err := q.Stories(ctx, f)
					require.NoError(b, err)
					ids := make([]string, len(stories))
					for i, st := range stories {
						ids[i] = st.ID
					}
					pubs, err := q.PublicationsOfStories(ctx, ids)
					require.NoError(b, err)
					require.Len(b, pubs, 50)
				}
			})
		})
	}
}
