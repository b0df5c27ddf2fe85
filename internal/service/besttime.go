package service

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// BestTimes are the hours at which an account's posts do best, per weekday,
// in the workspace's time zone.
type BestTimes struct {
	AccountID string         `json:"account_id"`
	Platform  ferry.Platform `json:"platform"`
	TimeZone  string         `json:"time_zone"`
	// Source is "history" when the slots were learned from the account's
	// own posts, "platform_defaults" until there are enough of them.
	Source string `json:"source"`
	// Metric is what history ranks by: "engagement_rate" (interactions per
	// follower at the time) or "engagement" (interactions, when the
	// account's follower count is unknown). Empty for defaults.
	Metric        string `json:"metric,omitempty"`
	PostsAnalysed int    `json:"posts_analysed"`
	PostsNeeded   int    `json:"posts_needed"`
	// Basis says in words where the slots come from and how far to trust
	// them.
	Basis    string        `json:"basis"`
	Weekdays []BestTimeDay `json:"weekdays"`
}

// BestTimeDay lists the best slots of one weekday, best first.
type BestTimeDay struct {
	Weekday string         `json:"weekday"` // "monday" … "sunday"
	Slots   []BestTimeSlot `json:"slots"`
}

// BestTimeSlot is an hour to post in.
type BestTimeSlot struct {
	Start string `json:"start"` // HH:MM, workspace time zone
	End   string `json:"end"`
	// Score is the slot's expected engagement relative to the account's
	// average (1.0 = average); history only.
	Score *float64 `json:"score,omitempty"`
	// Posts is how many of the analysed posts went out in this hour of this
	// weekday.
	Posts int `json:"posts"`
}

// Parameters of the best-time estimate.
const (
	// minBestTimePosts is how many measured posts history needs before it
	// replaces the platform defaults: fewer spread over 168 weekly hours say
	// more about chance than about the audience.
	minBestTimePosts = 20
	// bestTimeLookback keeps the estimate to the audience as it is now.
	bestTimeLookback = 365 * 24 * time.Hour
	// A post is measured by its last reading within its first week (when
	// most engagement has come in), and only once that reading is a day old
	// or more: a post read an hour after publication is not comparable.
	matureAfter   = 24 * time.Hour
	measureWithin = 7 * 24 * time.Hour
	// shrinkPosts is the weight, in posts, of the prior each slot's average
	// is pulled towards (the same hour on other weekdays, and that towards
	// the account's average), so that one lucky post does not make a slot.
	shrinkPosts   = 2.0
	slotsPerDay   = 3
	bestTimeRound = 100 // scores to two decimals
)

// platformHours are the posting hours each platform's defaults recommend,
// best first, in the audience's time zone.
type platformHours struct {
	zone             string // the audience's IANA zone; "" for the workspace's
	weekday, weekend []int
	basis            string
}

// platformDefaults are heuristics, not measurements: the commute, lunch and
// evening peaks that social-media marketing guides repeat for each platform
// (Chinese-language guides for Weibo and Xiaohongshu, whose readers are on
// mainland time; industry "best time to post" surveys for Facebook and
// Instagram; channel-reading habits for Telegram). They are a starting point
// that Ferry drops as soon as the account's own history is long enough.
var platformDefaults = map[ferry.Platform]platformHours{
	ferry.Weibo: {zone: "Asia/Shanghai", weekday: []int{21, 12, 8}, weekend: []int{21, 11, 16},
		basis: "Weibo guides' rule of thumb for mainland readers (China time): the late-evening peak, lunch, and the morning commute on weekdays; late morning and afternoon at weekends."},
	ferry.Xiaohongshu: {zone: "Asia/Shanghai", weekday: []int{20, 12, 18}, weekend: []int{20, 15, 11},
		basis: "Xiaohongshu guides' rule of thumb for mainland readers (China time): the evening browse after 20:00, lunch, and the end of the working day; afternoons at weekends."},
	ferry.Facebook: {weekday: []int{9, 12, 15}, weekend: []int{10, 13, 19},
		basis: "A rule of thumb from industry surveys of Facebook Pages: weekday mornings to mid-afternoon, in the audience's (here the workspace's) time zone."},
	ferry.Instagram: {weekday: []int{11, 13, 19}, weekend: []int{10, 14, 19},
		basis: "A rule of thumb from industry surveys of Instagram: late morning, lunch and early evening, in the audience's (here the workspace's) time zone."},
	ferry.Telegram: {weekday: []int{9, 13, 20}, weekend: []int{10, 13, 20},
		basis: "A rule of thumb for Telegram channels, which are read in bursts: the morning, lunch and the evening, in the audience's (here the workspace's) time zone."},
}

// isoWeek is the order in which weekdays are listed.
var isoWeek = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// BestTimes returns the best hours to post for an account: learned from the
// engagement of its own published posts once at least minBestTimePosts of
// them have been measured, the platform's defaults until then.
func (s *Service) BestTimes(ctx context.Context, p ferry.Principal, accountID string) (*BestTimes, error) {
	if err := require(p, ferry.RoleViewer, "see accounts"); err != nil {
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
	now := s.DB.Now()
	samples, metric, err := engagementSamples(ctx, q, a, now)
	if err != nil {
		return nil, err
	}
	bt := &BestTimes{AccountID: a.ID, Platform: a.Platform, TimeZone: loc.String(), PostsAnalysed: len(samples), PostsNeeded: minBestTimePosts}
	if len(samples) >= minBestTimePosts {
		if days, ok := rankHistory(samples, loc); ok {
			bt.Source, bt.Metric, bt.Weekdays = "history", metric, days
			bt.Basis = fmt.Sprintf("Learned from the %s of this account's %d measured posts of the last %d days, by the hour they went out. "+
				"Only hours the account has posted in can be ranked: try others now and then.", strings.ReplaceAll(metric, "_", " "), len(samples), int(bestTimeLookback.Hours()/24))
			return bt, nil
		}
	}
	def, ok := platformDefaults[a.Platform]
	if !ok {
		return nil, fmt.Errorf("service: no default posting hours for %s", a.Platform)
	}
	days, err := defaultSlots(def, now, loc)
	if err != nil {
		return nil, err
	}
	bt.Source, bt.Weekdays = "platform_defaults", days
	if len(samples) < minBestTimePosts {
		bt.Basis = fmt.Sprintf("%s Heuristic defaults: this account has %d measured posts, and its own history is used from %d.", def.basis, len(samples), minBestTimePosts)
	} else {
		bt.Basis = fmt.Sprintf("%s Heuristic defaults: none of this account's %d measured posts drew any engagement to learn from.", def.basis, len(samples))
	}
	return bt, nil
}

// engagementSample is one measured post: when it went out and how it did.
type engagementSample struct {
	at    time.Time
	score float64
}

// engagementSamples measures the account's published posts of the lookback
// window: likes + comments + shares + saves of each post's reading (see
// matureAfter), per follower at publication when the follower count is
// known, and raw otherwise.
func engagementSamples(ctx context.Context, q *store.Q, a *ferry.Account, now time.Time) ([]engagementSample, string, error) {
	since := now.Add(-bestTimeLookback)
	// One row per post: its last reading within measureWithin.
	measured, err := q.MeasuredReadings(ctx, a.ID, since, measureWithin)
	if err != nil {
		return nil, "", err
	}
	reading := map[string]ferry.PostSnapshot{}
	published := map[string]time.Time{}
	for _, m := range measured {
		reading[m.PublicationID], published[m.PublicationID] = m.Reading, m.PublishedAt
	}
	followers, err := q.AccountSnapshots(ctx, a.ID, since.Add(-30*24*time.Hour), time.Time{})
	if err != nil {
		return nil, "", err
	}
	followers = slices.DeleteFunc(followers, func(s ferry.AccountSnapshot) bool { return s.Followers == nil || *s.Followers <= 0 })
	metric := "engagement_rate"
	if len(followers) == 0 {
		metric = "engagement"
	}
	var out []engagementSample
	for id, sn := range reading {
		at := published[id]
		if sn.At.Before(at.Add(matureAfter)) {
			continue
		}
		var sum int64
		known := false
		for _, c := range []*int64{sn.Likes, sn.Comments, sn.Shares, sn.Saves} {
			if c != nil {
				sum, known = sum+*c, true
			}
		}
		if !known {
			continue
		}
		score := float64(sum)
		if len(followers) > 0 {
			score /= float64(followersAt(followers, at))
		}
		out = append(out, engagementSample{at: at, score: score})
	}
	slices.SortFunc(out, func(a, b engagementSample) int { return a.at.Compare(b.at) })
	return out, metric, nil
}

// followersAt returns the follower count of the last reading at or before
// t, or of the first after it; readings are in time order and not empty.
func followersAt(readings []ferry.AccountSnapshot, t time.Time) int64 {
	i, _ := slices.BinarySearchFunc(readings, t, func(s ferry.AccountSnapshot, t time.Time) int {
		if s.At.After(t) {
			return 1
		}
		return -1
	})
	if i > 0 {
		i--
	}
	return *readings[i].Followers
}

// rankHistory ranks, per weekday, the hours the samples went out in. Each
// slot's estimate is its posts' mean score relative to the account's mean,
// shrunk towards the same hour's mean over the week (itself shrunk towards
// 1, the account's mean). It returns false when no post engaged anyone, so
// there is nothing to rank by.
func rankHistory(samples []engagementSample, loc *time.Location) ([]BestTimeDay, bool) {
	var total float64
	for _, s := range samples {
		total += s.score
	}
	mean := total / float64(len(samples))
	if mean <= 0 || math.IsInf(mean, 0) || math.IsNaN(mean) {
		return nil, false
	}
	var slotSum [7][24]float64
	var slotN [7][24]int
	var hourSum [24]float64
	var hourN [24]int
	for _, s := range samples {
		t := s.at.In(loc)
		lift := s.score / mean
		slotSum[t.Weekday()][t.Hour()] += lift
		slotN[t.Weekday()][t.Hour()]++
		hourSum[t.Hour()] += lift
		hourN[t.Hour()]++
	}
	var hourPrior [24]float64
	for h := range 24 {
		hourPrior[h] = (hourSum[h] + shrinkPosts) / (float64(hourN[h]) + shrinkPosts)
	}
	days := make([]BestTimeDay, 0, 7)
	for _, wd := range isoWeek {
		type cand struct {
			hour, posts int
			est         float64
		}
		var cands []cand
		for h := range 24 {
			if hourN[h] == 0 {
				continue // never tried: nothing to say
			}
			est := (slotSum[wd][h] + shrinkPosts*hourPrior[h]) / (float64(slotN[wd][h]) + shrinkPosts)
			cands = append(cands, cand{hour: h, posts: slotN[wd][h], est: est})
		}
		slices.SortFunc(cands, func(a, b cand) int {
			return cmp.Or(cmp.Compare(b.est, a.est), cmp.Compare(b.posts, a.posts), cmp.Compare(a.hour, b.hour))
		})
		day := BestTimeDay{Weekday: strings.ToLower(wd.String()), Slots: []BestTimeSlot{}}
		for _, c := range cands[:min(slotsPerDay, len(cands))] {
			score := math.Round(c.est*bestTimeRound) / bestTimeRound
			day.Slots = append(day.Slots, BestTimeSlot{Start: fmt.Sprintf("%02d:00", c.hour), End: fmt.Sprintf("%02d:00", (c.hour+1)%24), Score: &score, Posts: c.posts})
		}
		days = append(days, day)
	}
	return days, true
}

// defaultSlots places a platform's default hours, given in its audience's
// time zone, in the workspace's, on the coming week (so that daylight
// saving is that of now).
func defaultSlots(def platformHours, now time.Time, loc *time.Location) ([]BestTimeDay, error) {
	audience := loc
	if def.zone != "" {
		var err error
		if audience, err = time.LoadLocation(def.zone); err != nil {
			return nil, fmt.Errorf("service: default hours: %w", err)
		}
	}
	type placed struct {
		rank int
		t    time.Time
	}
	byDay := map[time.Weekday][]placed{}
	today := now.In(audience)
	for i := range 7 {
		d := today.AddDate(0, 0, i)
		hours := def.weekday
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			hours = def.weekend
		}
		for rank, h := range hours {
			t := time.Date(d.Year(), d.Month(), d.Day(), h, 0, 0, 0, audience).In(loc)
			byDay[t.Weekday()] = append(byDay[t.Weekday()], placed{rank, t})
		}
	}
	days := make([]BestTimeDay, 0, 7)
	for _, wd := range isoWeek {
		ps := byDay[wd]
		slices.SortFunc(ps, func(a, b placed) int { return cmp.Or(cmp.Compare(a.rank, b.rank), a.t.Compare(b.t)) })
		day := BestTimeDay{Weekday: strings.ToLower(wd.String()), Slots: []BestTimeSlot{}}
		for _, p := range ps {
			day.Slots = append(day.Slots, BestTimeSlot{Start: p.t.Format("15:04"), End: p.t.Add(time.Hour).Format("15:04")})
		}
		days = append(days, day)
	}
	return days, nil
}
