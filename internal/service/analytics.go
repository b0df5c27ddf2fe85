package service

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/store"
)

// Analytics: the overview of a workspace's accounts, one account over
// time, and one story across its platforms. Viewers may read them. Each
// page is a handful of queries, one per need, whatever the number of
// accounts or posts.

// Periods an analytics page can show, besides "custom" (from and to dates).
var analyticsPeriods = map[string]time.Duration{
	"7d":  7 * 24 * time.Hour,
	"30d": 30 * 24 * time.Hour,
	"90d": 90 * 24 * time.Hour,
	"1y":  365 * 24 * time.Hour,
}

// DefaultAnalyticsPeriod is the period shown when none is asked for.
const DefaultAnalyticsPeriod = "30d"

// AnalyticsPeriods lists the periods in the order a form offers them.
var AnalyticsPeriods = []string{"7d", "30d", "90d", "1y", "all", "custom"}

// AnalyticsRange is the period a page shows: [From, To). From is zero for
// "all" (back to the first reading).
type AnalyticsRange struct {
	Period string    `json:"period"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// FromDate and ToDate are the custom dates as given (YYYY-MM-DD, to
	// inclusive), to fill the form again.
	FromDate string `json:"-"`
	ToDate   string `json:"-"`
}

// analyticsRange reads a period: one of AnalyticsPeriods, "custom" with
// from and to dates in the workspace's zone (to inclusive). Errors name the
// field: period, from or to.
func analyticsRange(period, fromS, toS string, now time.Time, loc *time.Location) (AnalyticsRange, error) {
	period, fromS, toS = strings.TrimSpace(period), strings.TrimSpace(fromS), strings.TrimSpace(toS)
	if period == "" {
		period = DefaultAnalyticsPeriod
		if fromS != "" || toS != "" {
			period = "custom"
		}
	}
	// A period up to now includes a reading taken this very millisecond.
	r := AnalyticsRange{Period: period, To: now.Add(time.Millisecond), FromDate: fromS, ToDate: toS}
	details := map[string]string{}
	switch period {
	case "all":
	case "custom":
		from, err := time.ParseInLocation(time.DateOnly, fromS, loc)
		switch {
		case fromS == "":
			details["from"] = "required"
		case err != nil:
			details["from"] = "date"
		}
		to, err := time.ParseInLocation(time.DateOnly, toS, loc)
		switch {
		case toS == "":
			details["to"] = "required"
		case err != nil:
			details["to"] = "date"
		}
		if len(details) == 0 {
			to = to.AddDate(0, 0, 1)
			if !from.Before(to) {
				details["to"] = "before_from"
			}
			r.From, r.To = from.UTC(), to.UTC()
		}
	default:
		d, ok := analyticsPeriods[period]
		if !ok {
			details["period"] = "unknown"
			break
		}
		r.From = now.Add(-d)
	}
	if len(details) > 0 {
		return AnalyticsRange{Period: period, FromDate: fromS, ToDate: toS}, ferry.Errorf(ferry.EINVALID, "The period is not valid.").WithDetails(details)
	}
	return r, nil
}

// Point is one reading of a count.
type Point struct {
	At    time.Time `json:"at"`
	Value int64     `json:"value"`
}

// PostTotals add up the latest readings of a set of posts. Engagement is
// likes + comments + shares + saves (views are not engagement).
type PostTotals struct {
	Posts int `json:"posts"`
	// Measured is how many of them have a reading.
	Measured   int   `json:"measured"`
	Views      int64 `json:"views"`
	Likes      int64 `json:"likes"`
	Comments   int64 `json:"comments"`
	Shares     int64 `json:"shares"`
	Saves      int64 `json:"saves"`
	Engagement int64 `json:"engagement"`
}

func (t *PostTotals) add(sn *ferry.PostSnapshot) {
	t.Posts++
	if sn == nil {
		return
	}
	t.Measured++
	for _, f := range []struct {
		v   *int64
		dst *int64
	}{{sn.Views, &t.Views}, {sn.Likes, &t.Likes}, {sn.Comments, &t.Comments}, {sn.Shares, &t.Shares}, {sn.Saves, &t.Saves}} {
		if f.v != nil {
			*f.dst += *f.v
		}
	}
	t.Engagement += Engagement(sn)
}

// Engagement is a reading's likes + comments + shares + saves, counting an
// unknown count as 0.
func Engagement(sn *ferry.PostSnapshot) int64 {
	var sum int64
	for _, c := range []*int64{sn.Likes, sn.Comments, sn.Shares, sn.Saves} {
		if c != nil {
			sum += *c
		}
	}
	return sum
}

// engagementRate is the average engagement of a measured post per
// follower; nil when either is unknown.
func engagementRate(t PostTotals, followers *int64) *float64 {
	if t.Measured == 0 || followers == nil || *followers <= 0 {
		return nil
	}
	r := float64(t.Engagement) / float64(t.Measured) / float64(*followers)
	return &r
}

// AccountSummary is one account on the overview.
type AccountSummary struct {
	Account *ferry.Account `json:"account"`
	// Followers is the latest follower count and FollowersAt its time;
	// nil if never read.
	Followers   *int64     `json:"followers"`
	FollowersAt *time.Time `json:"followers_at"`
	// Change is the change of followers over the period (first to last
	// reading in it); nil with fewer than two readings.
	Change *int64 `json:"change"`
	// Series are the period's follower readings, for a trend line.
	Series []Point    `json:"series"`
	Totals PostTotals `json:"totals"`
	// Rate is the engagement rate: average engagement per measured post
	// divided by the latest follower count.
	Rate *float64 `json:"engagement_rate"`
}

// AnalyticsOverview is every account of the workspace over a period.
type AnalyticsOverview struct {
	Range    AnalyticsRange   `json:"range"`
	Accounts []AccountSummary `json:"accounts"`
	Totals   PostTotals       `json:"totals"`
}

// Overview returns every account of the workspace (closed ones too: their
// history stays readable) over a period. Four queries in all.
func (s *Service) AnalyticsOverview(ctx context.Context, p ferry.Principal, period, fromS, toS string) (*AnalyticsOverview, error) {
	if err := require(p, ferry.RoleViewer, "see analytics"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	rg, err := analyticsRange(period, fromS, toS, s.DB.Now(), loc)
	if err != nil {
		return &AnalyticsOverview{Range: rg}, err
	}
	accounts, err := q.Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	latest, err := q.LatestAccountSnapshots(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	snaps, err := q.WorkspaceAccountSnapshots(ctx, p.WorkspaceID, "", rg.From, rg.To)
	if err != nil {
		return nil, err
	}
	posts, err := q.PostResults(ctx, store.PostResultFilter{WorkspaceID: p.WorkspaceID, From: rg.From, To: rg.To})
	if err != nil {
		return nil, err
	}
	byAccount := map[string][]ferry.AccountSnapshot{}
	for _, sn := range snaps {
		byAccount[sn.AccountID] = append(byAccount[sn.AccountID], sn)
	}
	totals := map[string]*PostTotals{}
	out := &AnalyticsOverview{Range: rg, Accounts: []AccountSummary{}}
	for _, a := range accounts {
		totals[a.ID] = &PostTotals{}
	}
	for _, r := range posts {
		if t := totals[r.AccountID]; t != nil {
			t.add(r.Latest)
		}
		out.Totals.add(r.Latest)
	}
	for _, a := range accounts {
		sum := AccountSummary{Account: a, Series: followerSeries(byAccount[a.ID]), Totals: *totals[a.ID]}
		if l, ok := latest[a.ID]; ok && l.Followers != nil {
			sum.Followers, sum.FollowersAt = l.Followers, &l.At
		}
		sum.Change = change(byAccount[a.ID]).Followers
		sum.Rate = engagementRate(sum.Totals, sum.Followers)
		out.Accounts = append(out.Accounts, sum)
	}
	return out, nil
}

func followerSeries(snaps []ferry.AccountSnapshot) []Point {
	out := []Point{}
	for _, sn := range snaps {
		if sn.Followers != nil {
			out = append(out, Point{At: sn.At, Value: *sn.Followers})
		}
	}
	return out
}

// PostSorts are the orders the account page's posts can be listed in.
var PostSorts = []string{"published", "engagement", "views", "likes", "comments", "shares", "saves"}

// MaxPostRows is how many posts the account page lists; the totals count
// them all.
const MaxPostRows = 100

// PostRow is a post on the account page.
type PostRow struct {
	store.PostResult
	// Engagement of the latest reading; nil if never read.
	Engagement *int64 `json:"engagement"`
}

// AccountAnalytics is one account over a period.
type AccountAnalytics struct {
	Range   AnalyticsRange `json:"range"`
	Account *ferry.Account `json:"account"`
	// FirstReading is the time of the account's first reading (the
	// furthest a range can go back); nil if never read.
	FirstReading *time.Time `json:"first_reading"`
	Series       []Point    `json:"series"`
	Followers    *int64     `json:"followers"`
	Change       *int64     `json:"change"`
	Totals       PostTotals `json:"totals"`
	Rate         *float64   `json:"engagement_rate"`
	// GainedPerPost is the change of followers divided by the posts of the
	// period; nil without both.
	GainedPerPost *float64 `json:"followers_gained_per_post"`
	Sort          string   `json:"sort"`
	// Posts are the period's posts in Sort order, at most MaxPostRows.
	Posts     []PostRow  `json:"posts"`
	BestTimes *BestTimes `json:"best_times"`
}

// AccountAnalytics returns one account over a period, its posts sorted by
// sort (one of PostSorts; published, newest first, by default).
func (s *Service) AccountAnalytics(ctx context.Context, p ferry.Principal, accountID, period, fromS, toS, sort string) (*AccountAnalytics, error) {
	if err := require(p, ferry.RoleViewer, "see analytics"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	a, err := q.Account(ctx, p.WorkspaceID, accountID)
	if err != nil {
		return nil, err
	}
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	out := &AccountAnalytics{Account: a, Sort: cmp.Or(strings.TrimSpace(sort), "published")}
	rg, err := analyticsRange(period, fromS, toS, s.DB.Now(), loc)
	out.Range = rg
	if !slices.Contains(PostSorts, out.Sort) {
		details := map[string]string{"sort": "unknown"}
		if fe, ok := err.(*ferry.Error); ok {
			for k, v := range fe.Details.(map[string]string) {
				details[k] = v
			}
		}
		err = ferry.Errorf(ferry.EINVALID, "The period or the order is not valid.").WithDetails(details)
	}
	if err != nil {
		return out, err
	}
	if out.FirstReading, err = q.FirstAccountReading(ctx, a.ID); err != nil {
		return nil, err
	}
	snaps, err := q.WorkspaceAccountSnapshots(ctx, p.WorkspaceID, a.ID, rg.From, rg.To)
	if err != nil {
		return nil, err
	}
	out.Series = followerSeries(snaps)
	if n := len(out.Series); n > 0 {
		out.Followers = &out.Series[n-1].Value
	}
	out.Change = change(snaps).Followers
	results, err := q.PostResults(ctx, store.PostResultFilter{WorkspaceID: p.WorkspaceID, AccountID: a.ID, From: rg.From, To: rg.To})
	if err != nil {
		return nil, err
	}
	rows := make([]PostRow, 0, len(results))
	for _, r := range results {
		out.Totals.add(r.Latest)
		row := PostRow{PostResult: r}
		if r.Latest != nil {
			e := Engagement(r.Latest)
			row.Engagement = &e
		}
		rows = append(rows, row)
	}
	sortPosts(rows, out.Sort)
	out.Posts = rows[:min(len(rows), MaxPostRows)]
	out.Rate = engagementRate(out.Totals, out.Followers)
	if out.Change != nil && out.Totals.Posts > 0 {
		g := float64(*out.Change) / float64(out.Totals.Posts)
		out.GainedPerPost = &g
	}
	if out.BestTimes, err = s.BestTimes(ctx, p, a.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// sortPosts orders posts by a count, highest first (unread posts last), or
// by publication time, newest first.
func sortPosts(rows []PostRow, by string) {
	if by == "published" {
		return // as stored: newest first
	}
	key := func(r PostRow) *int64 {
		if r.Latest == nil {
			return nil
		}
		switch by {
		case "engagement":
			return r.Engagement
		case "views":
			return r.Latest.Views
		case "likes":
			return r.Latest.Likes
		case "comments":
			return r.Latest.Comments
		case "shares":
			return r.Latest.Shares
		}
		return r.Latest.Saves
	}
	slices.SortStableFunc(rows, func(a, b PostRow) int {
		ka, kb := key(a), key(b)
		switch {
		case ka == nil && kb == nil:
			return 0
		case ka == nil:
			return 1
		case kb == nil:
			return -1
		}
		return cmp.Compare(*kb, *ka)
	})
}

// CheckpointValue is a post's reading for one checkpoint: the last reading
// that stands for it; nil counts when it has none.
type CheckpointValue struct {
	Checkpoint string     `json:"checkpoint"`
	At         *time.Time `json:"at"`
	Views      *int64     `json:"views"`
	Engagement *int64     `json:"engagement"`
}

// StoryResult is one publication of a story with its results.
type StoryResult struct {
	Publication *ferry.Publication  `json:"publication"`
	Account     *ferry.Account      `json:"account"`
	Latest      *ferry.PostSnapshot `json:"latest"`
	Engagement  *int64              `json:"engagement"`
	Curve       []CheckpointValue   `json:"curve"`
}

// StoryAnalytics is one story across its platforms.
type StoryAnalytics struct {
	Story        *ferry.Story  `json:"story"`
	Checkpoints  []string      `json:"checkpoints"`
	Publications []StoryResult `json:"publications"`
	Totals       PostTotals    `json:"totals"`
}

// StoryAnalytics returns a story's published publications side by side:
// latest counts, their curve over the checkpoints, and the totals.
func (s *Service) StoryAnalytics(ctx context.Context, p ferry.Principal, storyID string) (*StoryAnalytics, error) {
	if err := require(p, ferry.RoleViewer, "see analytics"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	st, err := q.Story(ctx, p.WorkspaceID, storyID)
	if err != nil {
		return nil, err
	}
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{WorkspaceID: p.WorkspaceID, StoryID: st.ID, States: []ferry.PublicationState{ferry.StatePublished}})
	if err != nil {
		return nil, err
	}
	accounts, err := q.Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	snaps, err := q.StoryPostSnapshots(ctx, p.WorkspaceID, st.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]*ferry.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	readings := map[string][]ferry.PostSnapshot{}
	for _, sn := range snaps {
		readings[sn.PublicationID] = append(readings[sn.PublicationID], sn)
	}
	out := &StoryAnalytics{Story: st, Publications: []StoryResult{}}
	for _, c := range metrics.Checkpoints {
		out.Checkpoints = append(out.Checkpoints, c.Name)
	}
	for _, pub := range pubs {
		if pub.PublishedAt == nil {
			continue
		}
		r := StoryResult{Publication: pub, Account: byID[pub.AccountID], Curve: make([]CheckpointValue, len(metrics.Checkpoints))}
		for i, c := range metrics.Checkpoints {
			r.Curve[i].Checkpoint = c.Name
		}
		rs := readings[pub.ID]
		for i := range rs {
			sn := &rs[i]
			name := metrics.CheckpointOf(*pub.PublishedAt, sn.At)
			if j := slices.IndexFunc(metrics.Checkpoints, func(c metrics.Checkpoint) bool { return c.Name == name }); j >= 0 {
				e := Engagement(sn)
				r.Curve[j] = CheckpointValue{Checkpoint: name, At: &sn.At, Views: sn.Views, Engagement: &e}
			}
		}
		if n := len(rs); n > 0 {
			r.Latest = &rs[n-1]
			e := Engagement(r.Latest)
			r.Engagement = &e
		}
		out.Totals.add(r.Latest)
		out.Publications = append(out.Publications, r)
	}
	return out, nil
}

// ThinPostReadings applies each workspace's retention setting: post
// readings older than its ThinPostReadingsAfterDays are thinned to the last
// of each (UTC) day. Account readings are never touched, nor are a closed
// account's readings treated differently: its history stays readable. It
// returns how many readings were deleted. A daily River job runs it, with
// no person behind it, hence a function of the database.
func ThinPostReadings(ctx context.Context, db *store.DB) (int64, error) {
	q := db.Write()
	wss, err := q.ThinningWorkspaces(ctx)
	if err != nil {
		return 0, err
	}
	now := db.Now()
	var total int64
	for id, days := range wss {
		n, err := q.ThinPostSnapshots(ctx, id, now.Add(-time.Duration(days)*24*time.Hour))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
