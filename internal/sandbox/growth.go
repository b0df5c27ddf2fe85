package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// simulatedFollowers returns a follower count that grows smoothly and
// deterministically with time, so demo analytics look alive and repeated
// readings agree.
func simulatedFollowers(key string, now time.Time) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	seed := h.Sum64()
	base := 800 + int64(seed%20000)
	days := float64(now.Unix()-1_700_000_000) / 86400
	growth := 1 + float64(seed%7)/10 // 1.0–1.6% a month
	weekly := 0.004 * math.Sin(days*2*math.Pi/7)
	return int64(float64(base) * (1 + weekly) * math.Pow(1+growth/100, days/30))
}

// FollowersAt is the follower count the sandbox reports for an account at
// time t, by platform and the account's external id (a Telegram channel's
// @username, a Weibo uid, a Facebook Page id, an Instagram user id): the
// demo's history is drawn from it, so that it meets the live readings. It
// returns false for a platform the sandbox does not count (Xiaohongshu).
func FollowersAt(platform ferry.Platform, externalID string, t time.Time) (int64, bool) {
	switch platform {
	case ferry.Telegram:
		name, ok := strings.CutPrefix(externalID, "@")
		if !ok {
			return 0, false
		}
		sum := sha256.Sum256([]byte(name))
		id := -1000000000000 - int64(binary.BigEndian.Uint32(sum[:4])) // as telegramAPI.chat names it
		return simulatedFollowers(name+strconv.FormatInt(id, 10), t), true
	case ferry.Weibo:
		return simulatedFollowers("weibo:"+externalID, t), true
	case ferry.Facebook:
		return simulatedFollowers("facebook:page:"+externalID, t), true
	case ferry.Instagram:
		return simulatedFollowers("instagram:user:"+externalID, t), true
	}
	return 0, false
}
