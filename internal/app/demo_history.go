package app

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/store"
)

// The demo's history: a year of daily follower readings for every demo
// account, and past stories published to Weibo, Facebook and Instagram
// with readings at each checkpoint, so that the analytics pages show what
// they will show after months of use. The numbers are made up but
// plausible, and the same on every start (a fixed seed). Nothing is dated
// within the last demoHistoryGap, so the calendar's current month, the
// dashboard and the metrics collector (which reads posts of the last 37
// days) see only what happens while the demo runs; Telegram and
// Xiaohongshu get no past posts, so their best times stay the platform's
// defaults.

const (
	demoHistoryDays    = 365
	demoHistoryGap     = 40 * 24 * time.Hour
	demoHistoryStories = 28
)

// demoFollowersAt is an account's follower count at a past time: what
// the sandbox reports (so the history meets the live readings), or for
// Xiaohongshu, read by hand, about 30 % growth over the year to 15,760.
func demoFollowersAt(a *ferry.Account, at time.Time, rng *rand.Rand) int64 {
	if n, ok := sandbox.FollowersAt(a.Platform, a.ExternalID, at); ok {
		return n
	}
	x := 1 - float64(time.Since(at))/float64(demoHistoryDays*24*time.Hour)
	return int64(15_760 * (0.7 + 0.3*x + 0.015*math.Sin(x*9)) * (1 + (rng.Float64()-0.5)*0.002))
}

var demoHistoryTitles = []string{
	"中秋節海港燈會回顧", "Harbour clean-up: 300 volunteers", "颱風後海濱長廊重開", "新年倒數煙花安排",
	"Dragon Boat races this weekend", "端午節龍舟賽交通安排", "Lunar New Year market opens", "海港圖書館延長開放時間",
	"Heatwave: cooling centres open", "清明節掃墓交通提示", "Summer reading challenge", "重陽節登高活動",
	"Harbour Park night tours", "社區運動會報名開始", "Ferry timetable changes", "天文台發出黃色暴雨警告",
	"Open day at the fire station", "長者健康講座", "Beach water quality report", "海港藝術節節目表",
	"Recycling points extended", "兒童遊樂場翻新完成", "Marathon road closures", "聖誕燈飾亮燈儀式",
	"Mid-year community survey", "海港公園新增單車徑", "Museum free admission day", "元宵節猜燈謎",
}

// seedDemoHistory writes the demo's past into workspace ws.
func seedDemoHistory(ctx context.Context, db *store.DB, ws, createdBy string, now time.Time) error {
	rng := rand.New(rand.NewPCG(2026, 14))
	return db.InTx(ctx, func(tx *store.Tx) error {
		accounts, err := tx.Accounts(ctx, ws)
		if err != nil {
			return err
		}
		byPlatform := map[ferry.Platform]*ferry.Account{}
		day := time.Date(now.Year(), now.Month(), now.Day(), 3, 0, 0, 0, time.UTC)
		for _, a := range accounts {
			byPlatform[a.Platform] = a
			for d := demoHistoryDays; d >= 1; d-- {
				at := day.AddDate(0, 0, -d)
				n := demoFollowersAt(a, at, rng)
				if err := tx.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: at, Followers: &n}); err != nil {
					return err
				}
			}
		}
		hkt := time.FixedZone("HKT", 8*3600)
		hours := []int{9, 12, 13, 18, 20, 21}
		curve := []float64{0.16, 0.42, 0.71, 0.88, 0.96, 1}
		for i := range demoHistoryStories {
			ago := demoHistoryGap + time.Duration(i)*5*24*time.Hour + time.Duration(rng.IntN(3))*24*time.Hour
			d := now.Add(-ago).In(hkt)
			at := time.Date(d.Year(), d.Month(), d.Day(), hours[rng.IntN(len(hours))], 0, 0, 0, hkt).UTC()
			targets := []ferry.Platform{ferry.Weibo, ferry.Facebook, ferry.Instagram}
			if i%3 == 1 {
				targets = targets[:2]
			}
			var ids []string
			for _, p := range targets {
				if a := byPlatform[p]; a != nil {
					ids = append(ids, a.ID)
				}
			}
			if len(ids) == 0 {
				continue
			}
			title := demoHistoryTitles[i%len(demoHistoryTitles)]
			st := &ferry.Story{WorkspaceID: ws, Title: title, Body: title + "\n(Demo history.)", Targets: ids, ScheduledAt: &at, CreatedBy: createdBy}
			if err := tx.CreateStory(ctx, st); err != nil {
				return err
			}
			for _, p := range targets {
				a := byPlatform[p]
				if a == nil {
					continue
				}
				pub := &ferry.Publication{WorkspaceID: ws, StoryID: st.ID, AccountID: a.ID, Platform: p, State: ferry.StatePublished,
					ScheduledAt: &at, PublishedAt: &at, RemoteID: fmt.Sprintf("demo-%d-%s", i, p)}
				if err := tx.CreatePublication(ctx, pub); err != nil {
					return err
				}
				reach := float64(demoFollowersAt(a, at, rng)) * (0.15 + rng.Float64()*0.6)
				rate := 0.015 + rng.Float64()*0.05
				for k, c := range metrics.Checkpoints {
					v := reach * curve[k]
					views, likes := int64(v), int64(v*rate)
					comments, shares := int64(float64(likes)*0.12), int64(float64(likes)*0.18)
					sn := ferry.PostSnapshot{PublicationID: pub.ID, AccountID: a.ID, At: at.Add(c.After + time.Duration(rng.IntN(600))*time.Second),
						Views: &views, Likes: &likes, Comments: &comments, Shares: &shares}
					if p == ferry.Instagram {
						saves := int64(float64(likes) * 0.22)
						sn.Saves = &saves
					}
					if err := tx.PutPostSnapshot(ctx, sn); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
