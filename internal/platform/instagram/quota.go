package instagram

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
)

// Instagram limits how many posts an account publishes through the API in
// a rolling window: 25, 50 or 100 per 24 hours depending on the API version
// and account, so the connector reads the account's own number from
// content_publishing_limit instead of guessing.

// Limits implements platform.Limiter with the account's publishing quota
// as last read (by Verify or Publish), DefaultQuota per QuotaWindow before
// that. Limits itself makes no call.
func (c *Connector) Limits(acct platform.Account) []platform.Limit {
	q := c.quota(acct.ExternalID)
	return []platform.Limit{{
		Key:    "instagram:user:" + acct.ExternalID,
		Max:    q.total,
		Window: q.window,
	}}
}

func describeWindow(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// quota returns the account's quota as last read, or the default.
func (c *Connector) quota(user string) quota {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.quotas[user]; ok {
		return q
	}
	return quota{total: DefaultQuota, window: QuotaWindow}
}

// remember updates the account's cached quota.
func (c *Connector) remember(user string, update func(*quota)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.quotas[user]
	if !ok {
		q = quota{total: DefaultQuota, window: QuotaWindow}
	}
	update(&q)
	c.quotas[user] = q
}

// readQuota reads content_publishing_limit and caches what it says.
func (c *Connector) readQuota(ctx context.Context, token, user string) (quota, error) {
	var res graph.List[struct {
		QuotaUsage int `json:"quota_usage"`
		Config     struct {
			QuotaTotal    int `json:"quota_total"`
			QuotaDuration int `json:"quota_duration"`
		} `json:"config"`
	}]
	if err := c.api.Get(ctx, token, user+"/content_publishing_limit", url.Values{"fields": {"quota_usage,config"}}, &res); err != nil {
		return quota{}, err
	}
	if len(res.Data) == 0 {
		return c.quota(user), nil
	}
	d := res.Data[0]
	c.remember(user, func(q *quota) {
		q.usage = d.QuotaUsage
		if d.Config.QuotaTotal > 0 {
			q.total = d.Config.QuotaTotal
		}
		if d.Config.QuotaDuration > 0 {
			q.window = time.Duration(d.Config.QuotaDuration) * time.Second
		}
	})
	return c.quota(user), nil
}

// checkQuota refuses to start a post the quota would refuse, so that no
// container is made in vain. A quota that cannot be read does not stop the
// post, unless the token itself is refused: media_publish has the last word.
func (c *Connector) checkQuota(ctx context.Context, token, user string) error {
	q, err := c.readQuota(ctx, token, user)
	if err != nil {
		if pe := platform.Classify(err); pe.Class == platform.Reauth {
			return err
		}
		return nil
	}
	if q.usage < q.total {
		return nil
	}
	return &platform.Error{
		Class:      platform.Retry,
		Code:       "instagram:quota",
		Message:    fmt.Sprintf("The Instagram account published its quota of %d posts in %s; waiting until a slot frees.", q.total, describeWindow(q.window)),
		RetryAfter: c.quotaFreesIn(ctx, token, user),
	}
}

// quotaFreesIn estimates when the rolling quota window frees a slot: when
// the oldest post still inside it leaves it. The account's media list
// includes posts made in the app, which the quota does not count, so the
// estimate may be early; the next attempt then learns a later time.
func (c *Connector) quotaFreesIn(ctx context.Context, token, user string) time.Duration {
	window := c.quota(user).window
	now := c.now()
	var oldest time.Time
	_, err := graph.Each(ctx, c.api, token, user+"/media", url.Values{"fields": {"id,timestamp"}, "limit": {"50"}}, lookupPages, func(m media) bool {
		if m.Timestamp.IsZero() || now.Sub(m.Timestamp.Time) >= window {
			return false
		}
		oldest = m.Timestamp.Time
		return true
	})
	if err != nil || oldest.IsZero() {
		return quotaFallback
	}
	return max(oldest.Add(window).Sub(now), time.Minute)
}
