package app

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
)

// demoPeers are public accounts the demo workspace follows, looked up
// through the sandbox like any peer (Xiaohongshu's are taken as entered).
var demoPeers = []service.PeerInput{
	{Platform: "weibo", Handle: "港聞速遞"},
	{Platform: "weibo", Handle: "城市文化誌"},
	{Platform: "weibo", Handle: "灣區生活日報"},
	{Platform: "instagram", Handle: "hk.culture.desk"},
	{Platform: "instagram", Handle: "harbour.eats"},
	{Platform: "facebook", Handle: "harbourtimes"},
	{Platform: "facebook", Handle: "citylifehk"},
	{Platform: "telegram", Handle: "@hk_daily_brief"},
	{Platform: "telegram", Handle: "@bayarea_news_zh"},
	{Platform: "xiaohongshu", Handle: "港漂日记"},
	{Platform: "xiaohongshu", Handle: "周末去哪儿HK"},
}

// demoPeerHistoryDays is how far back the demo peers' readings go.
const demoPeerHistoryDays = 56

// seedDemoPeers adds the demo's peers and gives them eight weeks of daily
// readings before today, so that growth and posts per week show at once
// (the demo's own accounts get theirs from seedDemoHistory). The history is computed from each
// account's first reading with a growth and a posting rate of its own
// (deterministic: from its name); today's reading is left to the daily
// jobs.
func (m *Main) seedDemoPeers(ctx context.Context, p ferry.Principal) error {
	now := time.Now().UTC()
	for _, in := range demoPeers {
		v, err := m.Service.AddPeer(ctx, p, in)
		if err != nil {
			return fmt.Errorf("demo peer %s %s: %w", in.Platform, in.Handle, err)
		}
		f0, p0 := v.Summary.Followers, (*int64)(nil)
		if in.Platform == "xiaohongshu" {
			base := 3000 + int64(demoHash(in.Handle)%40000)
			f0 = &base
			posts := 120 + int64(demoHash("posts:"+in.Handle)%400)
			p0 = &posts
		} else {
			rs, err := m.DB.Read().PeerReadings(ctx, v.ID, time.Time{}, time.Time{})
			if err != nil || len(rs) == 0 {
				return fmt.Errorf("demo peer %s: first reading: %w", in.Handle, err)
			}
			p0 = rs[0].Posts
		}
		source := "platform"
		if in.Platform == "xiaohongshu" {
			source = "manual"
		}
		err = m.DB.InTx(ctx, func(tx *store.Tx) error {
			step := 1
			if source == "manual" {
				step = 7 // read by hand once a week
			}
			for k := step; k <= demoPeerHistoryDays; k += step {
				f, n := demoPast(in.Handle, f0, p0, k)
				if err := tx.PutPeerReading(ctx, ferry.PeerReading{PeerID: v.ID, At: demoDay(now, k), Followers: f, Posts: n, Source: source}); err != nil {
					return err
				}
			}
			if source == "manual" {
				return tx.PutPeerReading(ctx, ferry.PeerReading{PeerID: v.ID, At: demoDay(now, 0), Followers: f0, Posts: p0, Source: source})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// demoDay is 09:00 UTC k days before now's day.
func demoDay(now time.Time, k int) time.Time {
	d := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC).AddDate(0, 0, -k)
	if k == 0 && d.After(now) {
		return now.Truncate(time.Millisecond)
	}
	return d
}

// demoPast is an account's counts k days ago, from today's f0 and p0:
// followers growing 0.5–3% a month with a weekly ripple, 2–13 posts a
// week.
func demoPast(name string, f0, p0 *int64, k int) (*int64, *int64) {
	h := demoHash(name)
	var f, p *int64
	if f0 != nil {
		growth := 0.005 + float64(h%26)/1000
		ripple := 1 + 0.001*math.Sin(float64(k)*2*math.Pi/7)
		v := int64(float64(*f0) / math.Pow(1+growth, float64(k)/30) * ripple)
		f = &v
	}
	if p0 != nil {
		rate := 2 + int64(h>>8%12)
		v := max(0, *p0-rate*int64(k)/7)
		p = &v
	}
	return f, p
}

func demoHash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
