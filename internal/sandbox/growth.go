package sandbox

import (
	"hash/fnv"
	"math"
	"time"
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
