package metrics_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// fakeConn is a platform whose counts and failures the test sets.
type fakeConn struct {
	mu         sync.Mutex
	followers  int64
	posts      map[string]platform.PostMetrics // absent: deleted on the platform
	err        error
	during     func()     // runs while an account is being read
	accountIDs []string   // accounts read
	postCalls  [][]string // remote ids asked for, per call
}

func (f *fakeConn) Platform() ferry.Platform { return ferry.Weibo }

func (f *fakeConn) Publish(context.Context, platform.Account, platform.Post) (platform.Result, error) {
	panic("the collector never publishes")
}

func (f *fakeConn) AccountMetrics(_ context.Context, acct platform.Account) (platform.AccountMetrics, error) {
	if f.during != nil {
		f.during()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accountIDs = append(f.accountIDs, acct.ID)
	if f.err != nil {
		return platform.AccountMetrics{}, f.err
	}
	f.followers += 10
	n := f.followers
	return platform.AccountMetrics{Followers: &n}, nil
}

func (f *fakeConn) PostMetrics(_ context.Context, _ platform.Account, ids []string) (map[string]platform.PostMetrics, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.postCalls = append(f.postCalls, slices.Clone(ids))
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]platform.PostMetrics{}
	for _, id := range ids {
		if m, ok := f.posts[id]; ok {
			out[id] = m
		}
	}
	return out, nil
}

func (f *fakeConn) Limits(acct platform.Account) []platform.Limit {
	return []platform.Limit{{Key: "fake:" + acct.ExternalID, Max: 100, Window: time.Hour}}
}

func (f *fakeConn) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// clock is a test's time, shared by the collector and the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

type fixture struct {
	db   *store.DB
	c    *metrics.Collector
	conn *fakeConn
	clk  *clock
	ws   *ferry.Workspace
	usr  *ferry.User
}

// t0 is 23:30 on 1 May 2026 in Hong Kong, the workspace's time zone.
var t0 = time.Date(2026, 5, 1, 15, 30, 0, 0, time.UTC)

func newFixture(t *testing.T, b testdb.Backend) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: testdb.Open(t, b), conn: &fakeConn{followers: 1000, posts: map[string]platform.PostMetrics{}}, clk: &clock{now: t0}}
	f.db.Now = f.clk.Now
	f.c = metrics.New(f.db, platform.NewRegistry(f.conn), slog.New(slog.DiscardHandler))
	f.c.Now = f.clk.Now
	require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
		f.ws = &ferry.Workspace{Name: "Metrics", TimeZone: "Asia/Hong_Kong"}
		require.NoError(t, tx.CreateWorkspace(ctx, f.ws))
		f.usr = &ferry.User{Email: "m@example.org", PasswordHash: "x"}
		return tx.CreateUser(ctx, f.usr)
	}))
	return f
}

func (f *fixture) account(t *testing.T, uid string, creds map[string]string) *ferry.Account {
	t.Helper()
	if creds == nil {
		creds = map[string]string{"access_token": "tok-" + uid}
	}
	a := &ferry.Account{WorkspaceID: f.ws.ID, Platform: ferry.Weibo, ExternalID: uid, Name: "Weibo " + uid, Credentials: creds}
	require.NoError(t, f.db.Write().CreateAccount(context.Background(), a))
	return a
}

// published creates a publication published at a time with a remote id.
func (f *fixture) published(t *testing.T, a *ferry.Account, remoteID string, at time.Time) *ferry.Publication {
	t.Helper()
	ctx := context.Background()
	st := &ferry.Story{WorkspaceID: f.ws.ID, Title: "Story " + remoteID, Targets: []string{a.ID}, CreatedBy: f.usr.ID}
	require.NoError(t, f.db.Write().CreateStory(ctx, st))
	p := &ferry.Publication{WorkspaceID: f.ws.ID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: ferry.StatePublished, PublishedAt: &at, RemoteID: remoteID}
	require.NoError(t, f.db.Write().CreatePublication(ctx, p))
	return p
}

// reconnect gives an account new credentials, as a person reconnecting it does.
func (f *fixture) reconnect(t *testing.T, id string, creds map[string]string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByIDForUpdate(ctx, id)
		if err != nil {
			return err
		}
		return tx.SetAccountCredentials(ctx, a, creds)
	}))
}

func (f *fixture) audits(t *testing.T, accountID, action string) []ferry.Audit {
	t.Helper()
	all, err := f.db.Read().AuditEvents(context.Background(), ferry.AuditFilter{WorkspaceID: f.ws.ID, TargetType: "account", TargetID: accountID})
	require.NoError(t, err)
	return slices.DeleteFunc(all, func(e ferry.Audit) bool { return e.Action != action })
}

func TestCollector(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			collectorSuite(t, b)
		})
	}
}

func collectorSuite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()

	t.Run("AnAccountIsReadOncePerDayOfTheWorkspace", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "1001", nil)
		due, err := f.c.AccountsDue(ctx)
		require.NoError(t, err)
		require.Equal(t, []metrics.AccountDue{{AccountID: a.ID, Day: "2026-05-01"}}, due)
		ok, err := f.c.CollectAccount(ctx, a.ID)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = f.c.CollectAccount(ctx, a.ID)
		require.NoError(t, err)
		require.False(t, ok, "already read today")
		due, err = f.c.AccountsDue(ctx)
		require.NoError(t, err)
		require.Empty(t, due)

		// An hour later it is 2 May in Hong Kong (still 1 May in UTC).
		f.clk.Set(t0.Add(time.Hour))
		due, err = f.c.AccountsDue(ctx)
		require.NoError(t, err)
		require.Equal(t, []metrics.AccountDue{{AccountID: a.ID, Day: "2026-05-02"}}, due)
		sum, err := f.c.Run(ctx)
		require.NoError(t, err)
		require.Equal(t, metrics.Summary{Accounts: 1}, sum)

		snaps, err := f.db.Read().AccountSnapshots(ctx, a.ID, time.Time{}, time.Time{})
		require.NoError(t, err)
		require.Len(t, snaps, 2)
		require.Equal(t, t0, snaps[0].At)
		require.Equal(t, int64(1010), *snaps[0].Followers)
		require.Equal(t, int64(1020), *snaps[1].Followers)
		require.Nil(t, snaps[0].Posts, "what the platform does not give stays unknown")
		require.Len(t, f.conn.accountIDs, 2)
	})

	t.Run("PostsAreReadInOneBatchAtTheLatestDueCheckpoint", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "1002", nil)
		other := f.account(t, "1003", nil)
		p1 := f.published(t, a, "r1", t0)
		f.published(t, a, "r2", t0.Add(-5*time.Hour))
		gone := f.published(t, a, "r-deleted", t0)
		f.published(t, other, "r-other", t0.Add(-48*time.Hour))
		f.conn.posts["r1"] = platform.PostMetrics{Likes: count(5), Comments: count(1), Shares: count(0)}
		f.conn.posts["r2"] = platform.PostMetrics{Likes: count(50)}
		f.conn.posts["r-other"] = platform.PostMetrics{Likes: count(7)}

		f.clk.Set(t0.Add(30 * time.Minute))
		due, err := f.c.PostsDue(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]int{a.ID: 1, other.ID: 1}, due, "p2's 1h checkpoint is due; p1's first is not yet")

		f.clk.Set(t0.Add(2 * time.Hour)) // p1, gone: 1h; p2: 6h (7h old)
		n, err := f.c.CollectPosts(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n, "the deleted post gets no reading")
		require.Len(t, f.conn.postCalls, 1)
		require.ElementsMatch(t, []string{"r1", "r2", "r-deleted"}, f.conn.postCalls[0], "one call for the account")

		n, err = f.c.CollectPosts(ctx, a.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		require.Len(t, f.conn.postCalls, 2, "the deleted post is asked for again; nothing else")
		require.Equal(t, []string{"r-deleted"}, f.conn.postCalls[1])

		// Two days late: one reading for 24h, none for the 6h it missed.
		f.clk.Set(t0.Add(50 * time.Hour))
		n, err = f.c.CollectPosts(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		snaps, err := f.db.Read().PostSnapshots(ctx, ferry.PostSnapshotFilter{PublicationID: p1.ID})
		require.NoError(t, err)
		require.Len(t, snaps, 2)
		var names []string
		for _, s := range snaps {
			names = append(names, metrics.CheckpointOf(t0, s.At))
		}
		require.Equal(t, []string{"1h", "24h"}, names)
		require.Equal(t, t0.Add(2*time.Hour), snaps[0].At, "the actual reading time is kept")
		none, err := f.db.Read().PostSnapshots(ctx, ferry.PostSnapshotFilter{PublicationID: gone.ID})
		require.NoError(t, err)
		require.Empty(t, none)
	})

	t.Run("ARevokedTokenMovesTheAccountToNeedsReauth", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "1004", nil)
		f.conn.fail(&platform.Error{Class: platform.Reauth, Code: "weibo:21332", Message: "The Weibo authorisation was revoked; reconnect the account."})
		ok, err := f.c.CollectAccount(ctx, a.ID)
		require.NoError(t, err, "not retried: a person must reconnect")
		require.False(t, ok)
		got, err := f.db.Read().AccountByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.HealthNeedsReauth, got.Health)
		require.Equal(t, "The Weibo authorisation was revoked; reconnect the account.", got.HealthReason)
		ev := f.audits(t, a.ID, "account.needs_reauth")
		require.Len(t, ev, 1)
		require.Equal(t, "metrics", ev[0].Data["source"])
		require.Equal(t, "weibo:21332", ev[0].Data["code"])
		due, err := f.c.AccountsDue(ctx)
		require.NoError(t, err)
		require.Empty(t, due, "an account that needs reauthorising is not read")
	})

	t.Run("RetriesKeepThePlatformsHintAndPermanentRefusalsAreNotRetried", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "1005", nil)
		f.conn.fail(&platform.Error{Class: platform.Retry, Code: "weibo:10023", Message: "Hourly limit.", RetryAfter: 30 * time.Second})
		_, err := f.c.CollectAccount(ctx, a.ID)
		require.Error(t, err)
		require.Equal(t, 30*time.Second, metrics.RetryAfter(err))
		f.conn.fail(&platform.Error{Class: platform.Permanent, Code: "weibo:20003", Message: "No such user."})
		ok, err := f.c.CollectAccount(ctx, a.ID)
		require.NoError(t, err)
		require.False(t, ok)
		got, err := f.db.Read().AccountByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.HealthConnected, got.Health)
	})

	t.Run("AHoldThePlatformAskedForIsRespected", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "1006", nil)
		require.NoError(t, f.db.Write().HoldRate(ctx, "fake:1006", t0.Add(2*time.Minute)))
		_, err := f.c.CollectAccount(ctx, a.ID)
		require.Error(t, err)
		require.Equal(t, 2*time.Minute, metrics.RetryAfter(err))
		require.Empty(t, f.conn.accountIDs, "the platform was not called")
	})

	t.Run("ExpiringTokensAreAnnouncedDailyAndMovedBeforeTheyLapse", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		exp := func(d time.Duration) map[string]string {
			return map[string]string{"access_token": "x", "expires_at": t0.Add(d).Format(time.RFC3339)}
		}
		soon := f.account(t, "2001", exp(30*time.Hour))
		within := f.account(t, "2002", exp(50*time.Minute))
		lapsing := f.account(t, "2003", exp(5*time.Minute))
		expired := f.account(t, "2004", exp(-time.Hour))
		later := f.account(t, "2005", exp(5*24*time.Hour))
		never := f.account(t, "2006", nil)

		checks, err := f.c.WatchTokens(ctx, 65*time.Minute)
		require.NoError(t, err)
		require.Equal(t, []metrics.TokenCheck{{AccountID: within.ID, ExpiresAt: t0.Add(50 * time.Minute), At: t0.Add(40 * time.Minute)}}, checks)
		for _, a := range []*ferry.Account{lapsing, expired} {
			got, err := f.db.Read().AccountByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, ferry.HealthNeedsReauth, got.Health)
			require.Contains(t, got.HealthReason, "Weibo authorisation")
			require.Len(t, f.audits(t, a.ID, "account.needs_reauth"), 1)
		}
		for _, a := range []*ferry.Account{soon, within, later, never} {
			got, err := f.db.Read().AccountByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, ferry.HealthConnected, got.Health, a.ExternalID)
		}
		require.Len(t, f.audits(t, soon.ID, metrics.ActionTokenExpiring), 1)
		require.Len(t, f.audits(t, within.ID, metrics.ActionTokenExpiring), 1)
		require.Empty(t, f.audits(t, later.ID, metrics.ActionTokenExpiring))

		// Ten minutes later, still 1 May in Hong Kong: no second warning.
		f.clk.Set(t0.Add(10 * time.Minute))
		_, err = f.c.WatchTokens(ctx, 65*time.Minute)
		require.NoError(t, err)
		require.Len(t, f.audits(t, soon.ID, metrics.ActionTokenExpiring), 1, "once a day")

		// The scheduled check moves the account once it enters the margin,
		// unless it was reconnected with a new token in the meantime.
		f.clk.Set(t0.Add(40 * time.Minute))
		f.reconnect(t, within.ID, exp(7*24*time.Hour))
		require.NoError(t, f.c.CheckToken(ctx, within.ID))
		got, err := f.db.Read().AccountByID(ctx, within.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.HealthConnected, got.Health, "a reconnected account is left alone")

		// At 00:30 it is 2 May in Hong Kong: the warning comes again.
		f.clk.Set(t0.Add(time.Hour))
		_, err = f.c.WatchTokens(ctx, 65*time.Minute)
		require.NoError(t, err)
		require.Len(t, f.audits(t, soon.ID, metrics.ActionTokenExpiring), 2, "again the next day")

		f.clk.Set(t0.Add(7*24*time.Hour - 9*time.Minute))
		require.NoError(t, f.c.CheckToken(ctx, within.ID))
		got, err = f.db.Read().AccountByID(ctx, within.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.HealthNeedsReauth, got.Health)
		require.Contains(t, got.HealthReason, "in less than 10m0s")
	})

	t.Run("AHealthChangeNeverUndoesAConcurrentReconnection", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "3001", nil)
		stale, err := f.db.Read().AccountByID(ctx, a.ID)
		require.NoError(t, err)
		f.clk.Set(t0.Add(time.Second))
		f.reconnect(t, a.ID, map[string]string{"access_token": "new"})
		fresh, err := f.db.Read().AccountByID(ctx, a.ID)
		require.NoError(t, err)
		changed, err := f.db.Write().SetAccountHealth(ctx, stale, ferry.HealthNeedsReauth, "old news")
		require.NoError(t, err)
		require.False(t, changed)
		changed, err = f.db.Write().SetAccountHealth(ctx, fresh, ferry.HealthNeedsReauth, "now")
		require.NoError(t, err)
		require.True(t, changed)
	})

	t.Run("ARefusalOfReplacedCredentialsKeepsTheAccountConnected", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, b)
		a := f.account(t, "3002", nil)
		f.conn.fail(&platform.Error{Class: platform.Reauth, Code: "weibo:21332", Message: "The Weibo authorisation was revoked; reconnect the account."})
		f.conn.during = func() { f.reconnect(t, a.ID, map[string]string{"access_token": "refreshed"}) }
		ok, err := f.c.CollectAccount(ctx, a.ID)
		require.NoError(t, err)
		require.False(t, ok)
		got, err := f.db.Read().AccountByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.HealthConnected, got.Health, "the refusal was of the old token")
		require.Equal(t, "refreshed", got.Credentials["access_token"])
		require.Empty(t, f.audits(t, a.ID, "account.needs_reauth"))
	})
}
