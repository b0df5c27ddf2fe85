package weibo

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-social/ferry/internal/platform"
)

// AccountMetrics implements platform.MetricsReader from users/show:
// followers, accounts followed and statuses.
func (c *Connector) AccountMetrics(ctx context.Context, acct platform.Account) (platform.AccountMetrics, error) {
	token, err := accessToken(acct)
	if err != nil {
		return platform.AccountMetrics{}, err
	}
	u, err := c.showUser(ctx, token, acct.ExternalID)
	if err != nil {
		return platform.AccountMetrics{}, err
	}
	followers, following, posts := int64(u.FollowersCount), int64(u.FriendsCount), int64(u.StatusesCount)
	return platform.AccountMetrics{Followers: &followers, Following: &following, Posts: &posts}, nil
}

// PostMetrics implements platform.MetricsReader from statuses/count, which
// takes up to 100 ids a call: reposts, comments and likes ("attitudes").
// Weibo leaves deleted statuses out of its answer.
func (c *Connector) PostMetrics(ctx context.Context, acct platform.Account, remoteIDs []string) (map[string]platform.PostMetrics, error) {
	token, err := accessToken(acct)
	if err != nil {
		return nil, err
	}
	out := make(map[string]platform.PostMetrics, len(remoteIDs))
	for start := 0; start < len(remoteIDs); start += countBatchMax {
		batch := remoteIDs[start:min(start+countBatchMax, len(remoteIDs))]
		var counts []struct {
			ID        idString `json:"id"`
			IDStr     string   `json:"idstr"`
			Reposts   flexInt  `json:"reposts"`
			Comments  flexInt  `json:"comments"`
			Attitudes flexInt  `json:"attitudes"`
		}
		err := c.do(ctx, request{
			method: http.MethodGet,
			path:   "/2/statuses/count.json",
			token:  token,
			params: url.Values{"ids": {strings.Join(batch, ",")}},
			safe:   true,
		}, &counts)
		if err != nil {
			return nil, err
		}
		for _, n := range counts {
			id := n.IDStr
			if id == "" {
				id = string(n.ID)
			}
			shares, comments, likes := int64(n.Reposts), int64(n.Comments), int64(n.Attitudes)
			out[id] = platform.PostMetrics{Likes: &likes, Comments: &comments, Shares: &shares}
		}
	}
	return out, nil
}
