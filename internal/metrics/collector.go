// Package metrics measures how accounts and posts do: the collector reads
// counts from the platforms and keeps them as snapshots (accounts once a
// day, posts at checkpoints after publication), the token watch moves
// accounts whose authorisation is running out to needs_reauth before a
// publication fails on it, and the import reads counts from exports of
// platforms without an API (Xiaohongshu's creator centre). The River jobs
// that drive the collector live in package jobs.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// Collector reads counts from the platforms and stores them.
type Collector struct {
	DB         *store.DB
	Connectors *platform.Registry
	Log        *slog.Logger
	// Now is the collector's clock; tests move it.
	Now func() time.Time
	// CallTimeout bounds one platform call.
	CallTimeout time.Duration
}

// New returns a collector on the real clock.
func New(db *store.DB, conns *platform.Registry, log *slog.Logger) *Collector {
	return &Collector{DB: db, Connectors: conns, Log: log, Now: time.Now, CallTimeout: 60 * time.Second}
}

// AccountDue is an account to read today.
type AccountDue struct {
	AccountID string
	// Day is today in the workspace's time zone (YYYY-MM-DD).
	Day string
}

// AccountsDue lists the connected accounts whose platform reports counts
// and that have no snapshot yet today, "today" being the day in their
// workspace's time zone.
func (c *Collector) AccountsDue(ctx context.Context) ([]AccountDue, error) {
	list, err := c.DB.Read().AccountReadings(ctx)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	var out []AccountDue
	for _, r := range list {
		if _, ok := c.reader(r.Platform); !ok {
			continue
		}
		start := dayStart(now, location(r.TimeZone))
		if r.LastAt != nil && !r.LastAt.Before(start) {
			continue
		}
		out = append(out, AccountDue{AccountID: r.AccountID, Day: start.Format(time.DateOnly)})
	}
	return out, nil
}

// CollectAccount reads an account's counts and stores them, unless the
// account already has a snapshot today or is not connected. It reports
// whether it stored one. Errors the platform classifies as Retry (or
// cannot classify) are returned, to be retried later; an account whose
// authorisation no longer works is moved to needs_reauth; a permanent
// refusal is logged. Neither of the latter is an error for the caller.
func (c *Collector) CollectAccount(ctx context.Context, accountID string) (bool, error) {
	q := c.DB.Read()
	acct, err := q.AccountByID(ctx, accountID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r, ok := c.reader(acct.Platform)
	if !ok || acct.Health != ferry.HealthConnected {
		return false, nil
	}
	ws, err := q.Workspace(ctx, acct.WorkspaceID)
	if err != nil {
		return false, err
	}
	start := dayStart(c.Now(), location(ws.TimeZone))
	done, err := q.AccountSnapshots(ctx, acct.ID, start, time.Time{})
	if err != nil {
		return false, err
	}
	if len(done) > 0 {
		return false, nil
	}
	if err := c.held(ctx, acct); err != nil {
		return false, err
	}
	callCtx, cancel := context.WithTimeout(ctx, c.CallTimeout)
	m, err := r.AccountMetrics(callCtx, platformAccount(acct))
	cancel()
	if err != nil {
		return false, c.failed(ctx, acct, err, "account metrics")
	}
	snap := ferry.AccountSnapshot{AccountID: acct.ID, At: c.Now().UTC().Truncate(time.Millisecond), Followers: m.Followers, Following: m.Following, Posts: m.Posts}
	if err := c.DB.Write().PutAccountSnapshot(ctx, snap); err != nil {
		return false, err
	}
	return true, nil
}

// PostsDue lists the accounts that have posts with a checkpoint due, with
// how many.
func (c *Collector) PostsDue(ctx context.Context) (map[string]int, error) {
	now := c.Now()
	list, err := c.DB.Read().PostReadings(ctx, "", now.Add(-ReadPostsFor))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range list {
		if _, ok := c.reader(r.Platform); !ok {
			continue
		}
		if _, due := DueCheckpoint(r.PublishedAt, r.LastAt, now); due {
			out[r.AccountID]++
		}
	}
	return out, nil
}

// CollectPosts reads, in one batch, the counts of an account's posts that
// have a checkpoint due, and stores one snapshot for each post the
// platform reports, at the time of reading. It returns how many it stored.
// Errors are handled as in CollectAccount. A post the platform no longer
// has (deleted) gets no snapshot and is asked for again at the next run,
// until ReadPostsFor has passed.
func (c *Collector) CollectPosts(ctx context.Context, accountID string) (int, error) {
	q := c.DB.Read()
	acct, err := q.AccountByID(ctx, accountID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	r, ok := c.reader(acct.Platform)
	if !ok || acct.Health != ferry.HealthConnected {
		return 0, nil
	}
	now := c.Now()
	list, err := q.PostReadings(ctx, acct.ID, now.Add(-ReadPostsFor))
	if err != nil {
		return 0, err
	}
	byRemote := map[string]ferry.PostReading{}
	var ids []string
	for _, p := range list {
		if _, due := DueCheckpoint(p.PublishedAt, p.LastAt, now); due {
			if _, dup := byRemote[p.RemoteID]; !dup {
				ids = append(ids, p.RemoteID)
			}
			byRemote[p.RemoteID] = p
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := c.held(ctx, acct); err != nil {
		return 0, err
	}
	callCtx, cancel := context.WithTimeout(ctx, c.CallTimeout)
	got, err := r.PostMetrics(callCtx, platformAccount(acct), ids)
	cancel()
	if err != nil {
		return 0, c.failed(ctx, acct, err, "post metrics")
	}
	at := c.Now().UTC().Truncate(time.Millisecond)
	n := 0
	err = c.DB.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		for _, id := range ids {
			m, ok := got[id]
			if !ok {
				continue
			}
			p := byRemote[id]
			snap := ferry.PostSnapshot{PublicationID: p.PublicationID, AccountID: acct.ID, At: at, Views: m.Views, Likes: m.Likes, Comments: m.Comments, Shares: m.Shares, Saves: m.Saves}
			if err := tx.PutPostSnapshot(ctx, snap); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Summary counts what one Run did.
type Summary struct {
	Accounts int // account snapshots stored
	Posts    int // post snapshots stored
	Failed   int // accounts whose reading failed and would be retried
}

// Run reads, one account after another, everything that is due now. The
// jobs do the same work spread over River jobs; Run is for tests and tools.
func (c *Collector) Run(ctx context.Context) (Summary, error) {
	var s Summary
	due, err := c.AccountsDue(ctx)
	if err != nil {
		return s, err
	}
	for _, d := range due {
		ok, err := c.CollectAccount(ctx, d.AccountID)
		if err != nil {
			if ctx.Err() != nil {
				return s, ctx.Err()
			}
			s.Failed++
			continue
		}
		if ok {
			s.Accounts++
		}
	}
	posts, err := c.PostsDue(ctx)
	if err != nil {
		return s, err
	}
	for id := range posts {
		n, err := c.CollectPosts(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return s, ctx.Err()
			}
			s.Failed++
			continue
		}
		s.Posts += n
	}
	return s, nil
}

// failed handles a platform failure: Reauth moves the account to
// needs_reauth, Permanent is logged, anything else is returned to be
// retried.
func (c *Collector) failed(ctx context.Context, acct *ferry.Account, err error, what string) error {
	perr := platform.Classify(err)
	log := c.Log.With("account_id", acct.ID, "platform", acct.Platform, "code", perr.Code)
	switch perr.Class {
	case platform.Reauth:
		log.Warn("reading "+what+": the account must be reconnected", "error", perr.Error())
		return c.reauth(ctx, acct.ID, "metrics", func(a *ferry.Account) (string, map[string]any, bool) {
			// Credentials replaced since the reading are not the ones refused.
			return perr.Message, map[string]any{"code": perr.Code}, maps.Equal(a.Credentials, acct.Credentials)
		})
	case platform.Permanent:
		log.Warn("reading "+what+" was refused", "error", perr.Error())
		return nil
	}
	if ctx.Err() == nil {
		log.Info("reading "+what+" failed; will retry", "class", perr.Class.String(), "error", perr.Error())
	}
	return fmt.Errorf("metrics: %s of %s: %w", what, acct.ID, perr)
}

// reauth moves a connected account to needs_reauth, with an audit event,
// if check (given the account as it is now) still finds a reason to.
func (c *Collector) reauth(ctx context.Context, accountID, source string, check func(*ferry.Account) (reason string, data map[string]any, ok bool)) error {
	return c.DB.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByIDForUpdate(ctx, accountID)
		if err != nil {
			return err
		}
		if a.Health != ferry.HealthConnected {
			return nil
		}
		reason, data, ok := check(a)
		if !ok {
			return nil
		}
		changed, err := tx.SetAccountHealth(ctx, a, ferry.HealthNeedsReauth, reason)
		if err != nil || !changed {
			return err
		}
		if data == nil {
			data = map[string]any{}
		}
		data["reason"], data["source"] = reason, source
		return tx.Audit(ctx, ferry.Audit{WorkspaceID: a.WorkspaceID, Actor: "system", Action: "account.needs_reauth", TargetType: "account", TargetID: a.ID, Data: data})
	})
}

// held returns a Retry error when the platform asked Ferry to wait for one
// of the account's limits: reading now would only be refused too.
func (c *Collector) held(ctx context.Context, acct *ferry.Account) error {
	conn, _ := c.Connectors.Get(acct.Platform)
	lim, ok := conn.(platform.Limiter)
	if !ok {
		return nil
	}
	now := c.Now()
	keys := map[string]time.Time{}
	for _, l := range lim.Limits(platformAccount(acct)) {
		keys[l.Key] = now
	}
	statuses, err := c.DB.Read().RateStatuses(ctx, keys)
	if err != nil {
		return err
	}
	var until time.Time
	for _, st := range statuses {
		if st.Hold.After(until) {
			until = st.Hold
		}
	}
	if until.After(now) {
		return &platform.Error{Class: platform.Retry, Code: "rate_hold", Message: fmt.Sprintf("%s asked Ferry to wait until %s.", acct.Platform, until.Format(time.RFC3339)), RetryAfter: until.Sub(now)}
	}
	return nil
}

func (c *Collector) reader(p ferry.Platform) (platform.MetricsReader, bool) {
	conn, ok := c.Connectors.Get(p)
	if !ok {
		return nil, false
	}
	r, ok := conn.(platform.MetricsReader)
	return r, ok
}

// RetryAfter returns the wait a failure asks for before the next try, or
// zero when it names none.
func RetryAfter(err error) time.Duration {
	var perr *platform.Error
	if errors.As(err, &perr) && perr.Class == platform.Retry {
		return perr.RetryAfter
	}
	return 0
}

func platformAccount(a *ferry.Account) platform.Account {
	return platform.Account{ID: a.ID, ExternalID: a.ExternalID, Credentials: a.Credentials, Settings: a.Settings}
}

// location loads a workspace's time zone, UTC if it cannot.
func location(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// dayStart returns the midnight that began t's day in loc.
func dayStart(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
