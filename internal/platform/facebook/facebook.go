// Package facebook publishes to Facebook Pages through the Graph API
// (https://developers.facebook.com/docs/pages-api). A page is connected
// with a page access token obtained through Facebook Login (see oauth.go);
// tokens derived from a long-lived user token do not expire.
//
// Account credentials: {"page_access_token"}; external id: the page id.
// Remote ids are the Graph post ids, "{page-id}_{post-id}".
package facebook

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
)

// DefaultDialogURL is where people log in to Facebook.
const DefaultDialogURL = "https://www.facebook.com"

// defaultScopes are the permissions Ferry asks for: managing and reading
// pages, and publishing to the Instagram accounts linked to them.
func defaultScopes() []string {
	return []string{
		"pages_show_list", "pages_read_engagement", "pages_manage_posts",
		"instagram_basic", "instagram_content_publish", "business_management",
	}
}

// Reconciliation reads at most this many pages of the page's posts.
const lookupPages = 5

// clockSkew widens reconciliation windows: Facebook's clock and Ferry's
// may disagree by a little.
const clockSkew = 2 * time.Minute

// Config configures a Connector.
type Config struct {
	// BaseURL is the Graph API's address (graph.DefaultBaseURL when empty).
	BaseURL string
	// Version pins the Graph API version (graph.DefaultVersion when empty).
	Version string
	// AppID and AppSecret identify Ferry's Meta app. They are needed for
	// Facebook Login; with AppSecret every call also carries appsecret_proof.
	AppID     string
	AppSecret string
	// HTTPClient makes the calls; nil means one with a 60-second timeout.
	HTTPClient *http.Client
	// DialogURL is the host of the login dialog (DefaultDialogURL when
	// empty; the sandbox serves it under its Graph base URL).
	DialogURL string
	// Scopes are the permissions requested at login; nil means
	// pages_show_list, pages_read_engagement, pages_manage_posts,
	// instagram_basic, instagram_content_publish and business_management.
	Scopes []string
}

// Connector publishes to Facebook Pages. It is safe for concurrent use.
type Connector struct {
	api       *graph.Client
	appID     string
	appSecret string
	dialogURL string
	scopes    []string
	now       func() time.Time
}

// New returns a connector for cfg.
func New(cfg Config) *Connector {
	c := &Connector{
		api:       graph.New(graph.Config{BaseURL: cfg.BaseURL, Version: cfg.Version, HTTPClient: cfg.HTTPClient, AppSecret: cfg.AppSecret, Name: "facebook"}),
		appID:     cfg.AppID,
		appSecret: cfg.AppSecret,
		dialogURL: strings.TrimRight(cfg.DialogURL, "/"),
		scopes:    slices.Clone(cfg.Scopes),
		now:       time.Now,
	}
	if c.dialogURL == "" {
		c.dialogURL = DefaultDialogURL
	}
	if c.scopes == nil {
		c.scopes = defaultScopes()
	}
	return c
}

// Platform implements platform.Connector.
func (c *Connector) Platform() ferry.Platform { return ferry.Facebook }

// pageToken returns the account's page access token and page id.
func pageToken(acct platform.Account) (token, page string, err error) {
	token = acct.Credentials["page_access_token"]
	if token == "" {
		return "", "", &platform.Error{Class: platform.Reauth, Code: "facebook:no_token", Message: "The account has no page access token; reconnect it."}
	}
	if acct.ExternalID == "" {
		return "", "", &platform.Error{Class: platform.Permanent, Code: "facebook:no_page", Message: "The account has no page id."}
	}
	return token, acct.ExternalID, nil
}

// Publish posts text to the page's feed, one photo with its caption through
// /photos, or several photos as one post: each uploaded unpublished, then
// attached to a feed post. Each photo carries its alt text. The text is sent as it is; Facebook turns links
// in it into previews by itself.
func (c *Connector) Publish(ctx context.Context, acct platform.Account, post platform.Post) (platform.Result, error) {
	token, page, err := pageToken(acct)
	if err != nil {
		return platform.Result{}, err
	}
	var postID string
	switch n := len(post.Media); {
	case n == 0:
		if strings.TrimSpace(post.Text) == "" {
			return platform.Result{}, &platform.Error{Class: platform.Permanent, Code: "facebook:empty", Message: "A Facebook post needs text or at least one image."}
		}
		var res struct {
			ID string `json:"id"`
		}
		if err := c.api.Post(ctx, token, page+"/feed", url.Values{"message": {post.Text}}, &res); err != nil {
			return platform.Result{}, err
		}
		postID = res.ID
	case n == 1:
		var res struct {
			ID     string `json:"id"`
			PostID string `json:"post_id"`
		}
		params := url.Values{}
		if post.Text != "" {
			params.Set("caption", post.Text)
		}
		setAltText(params, post.Media[0])
		if err := c.api.Upload(ctx, token, page+"/photos", params, upload(post.Media[0]), &res); err != nil {
			return platform.Result{}, err
		}
		postID = res.PostID
		if postID == "" {
			// Without post_id, the photo's own id still names what was
			// published: Graph reads and deletes it like a post.
			postID = res.ID
		}
	default:
		params := url.Values{}
		if post.Text != "" {
			params.Set("message", post.Text)
		}
		for i, m := range post.Media {
			id, err := c.uploadUnpublished(ctx, token, page, m)
			if err != nil {
				return platform.Result{}, err
			}
			params.Set(fmt.Sprintf("attached_media[%d]", i), fmt.Sprintf(`{"media_fbid":%q}`, id))
		}
		var res struct {
			ID string `json:"id"`
		}
		if err := c.api.Post(ctx, token, page+"/feed", params, &res); err != nil {
			return platform.Result{}, err
		}
		postID = res.ID
	}
	if postID == "" {
		return platform.Result{}, &platform.Error{Class: platform.Unknown, Code: "facebook:no_id", Message: "Facebook accepted the post but returned no id."}
	}
	return c.result(ctx, token, postID), nil
}

// uploadUnpublished uploads a photo for a multi-photo post. An unpublished
// photo is invisible, so a failed upload can be retried whatever happened:
// at worst it leaves an orphan nobody sees.
func (c *Connector) uploadUnpublished(ctx context.Context, token, page string, m platform.Media) (string, error) {
	var res struct {
		ID string `json:"id"`
	}
	params := url.Values{"published": {"false"}}
	setAltText(params, m)
	err := c.api.Upload(ctx, token, page+"/photos", params, upload(m), &res)
	if err != nil {
		if pe := platform.Classify(err); pe.Class == platform.Unknown {
			cp := *pe
			cp.Class = platform.Retry
			cp.Message = "An unpublished photo upload did not complete; nothing visible was posted: " + pe.Message
			return "", &cp
		}
		return "", err
	}
	if res.ID == "" {
		return "", &platform.Error{Class: platform.Retry, Code: "facebook:no_id", Message: "Facebook accepted a photo upload but returned no id; nothing visible was posted."}
	}
	return res.ID, nil
}

// result completes a published post's result with its permalink and time.
// The post exists whatever this read says, so its failure is not an error.
func (c *Connector) result(ctx context.Context, token, postID string) platform.Result {
	res := platform.Result{RemoteID: postID, URL: "https://www.facebook.com/" + postID, PublishedAt: c.now().UTC()}
	var p fbPost
	if err := c.api.Get(ctx, token, postID, url.Values{"fields": {"id,permalink_url,created_time"}}, &p); err == nil {
		if p.PermalinkURL != "" {
			res.URL = p.PermalinkURL
		}
		if !p.CreatedTime.IsZero() {
			res.PublishedAt = p.CreatedTime.Time
		}
	}
	return res
}

// setAltText gives a photo upload the image's alt text: Graph's
// alt_text_custom on /{page-id}/photos, which screen readers read instead
// of the description Facebook generates. Nothing is sent for an image
// without one (decorative or not described): Facebook then keeps its own.
func setAltText(params url.Values, m platform.Media) {
	if m.AltText != "" {
		params.Set("alt_text_custom", m.AltText)
	}
}

func upload(m platform.Media) graph.File {
	return graph.File{Field: "source", Name: "photo" + extension(m.Mime), Mime: m.Mime, Open: func() (io.ReadCloser, error) {
		if m.Open == nil {
			return nil, fmt.Errorf("media %s has no content", m.ID)
		}
		return m.Open()
	}}
}

func extension(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ".jpg"
}

// fbPost is a post as the Graph API returns it.
type fbPost struct {
	ID           string     `json:"id"`
	Message      string     `json:"message"`
	CreatedTime  graph.Time `json:"created_time"`
	PermalinkURL string     `json:"permalink_url"`
	Shares       *struct {
		Count int64 `json:"count"`
	} `json:"shares"`
	Reactions *graph.Summary `json:"reactions"`
	Comments  *graph.Summary `json:"comments"`
}

// Lookup implements platform.Reconciler: it reads the page's published
// posts since since and matches the text. When several match, the oldest
// wins, since it is the one the first attempt made.
func (c *Connector) Lookup(ctx context.Context, acct platform.Account, post platform.Post, since time.Time) (platform.Result, bool, error) {
	token, page, err := pageToken(acct)
	if err != nil {
		return platform.Result{}, false, err
	}
	from := since.Add(-clockSkew)
	params := url.Values{
		"fields": {"id,message,created_time,permalink_url"},
		"since":  {strconv.FormatInt(from.Unix(), 10)},
		"limit":  {"50"},
	}
	var match *fbPost
	complete, err := graph.Each(ctx, c.api, token, page+"/published_posts", params, lookupPages, func(p fbPost) bool {
		if !p.CreatedTime.IsZero() && p.CreatedTime.Before(from) {
			return false
		}
		if graph.SameText(p.Message, post.Text) {
			match = &p
		}
		return true
	})
	if err != nil {
		return platform.Result{}, false, err
	}
	if match != nil {
		res := platform.Result{RemoteID: match.ID, URL: match.PermalinkURL, PublishedAt: match.CreatedTime.Time}
		if res.URL == "" {
			res.URL = "https://www.facebook.com/" + match.ID
		}
		return res, true, nil
	}
	if !complete {
		return platform.Result{}, false, &platform.Error{Class: platform.Retry, Code: "facebook:lookup_incomplete", Message: fmt.Sprintf("The page has too many posts since %s to check them all.", since.UTC().Format(time.RFC3339))}
	}
	return platform.Result{}, false, nil
}

// Verify implements platform.Verifier: the token reads the page it claims.
func (c *Connector) Verify(ctx context.Context, acct platform.Account) (platform.Identity, error) {
	token, page, err := pageToken(acct)
	if err != nil {
		return platform.Identity{}, err
	}
	var p struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := c.api.Get(ctx, token, page, url.Values{"fields": {"id,name"}}, &p); err != nil {
		return platform.Identity{}, err
	}
	if p.ID != page {
		return platform.Identity{}, &platform.Error{Class: platform.Permanent, Code: "facebook:wrong_page", Message: fmt.Sprintf("The token reads page %s, not page %s.", p.ID, page)}
	}
	return platform.Identity{ExternalID: p.ID, Name: p.Name}, nil
}

// Delete implements platform.Deleter. Deleting a post that is already gone
// is platform.ErrGone.
func (c *Connector) Delete(ctx context.Context, acct platform.Account, remoteID string) error {
	token, _, err := pageToken(acct)
	if err != nil {
		return err
	}
	var res struct {
		Success bool `json:"success"`
	}
	if err := c.api.Delete(ctx, token, remoteID, &res); err != nil {
		if graph.IsNotFound(err) {
			return platform.ErrGone
		}
		return err
	}
	if !res.Success {
		return &platform.Error{Class: platform.Permanent, Code: "facebook:not_deleted", Message: "Facebook did not delete the post."}
	}
	return nil
}

// AccountMetrics implements platform.MetricsReader: the page's followers
// (fan_count, its likes, when followers_count is absent).
func (c *Connector) AccountMetrics(ctx context.Context, acct platform.Account) (platform.AccountMetrics, error) {
	token, page, err := pageToken(acct)
	if err != nil {
		return platform.AccountMetrics{}, err
	}
	var p pageCounts
	if err := c.api.Get(ctx, token, page, url.Values{"fields": {"followers_count,fan_count"}}, &p); err != nil {
		return platform.AccountMetrics{}, err
	}
	return p.metrics(), nil
}

type pageCounts struct {
	FollowersCount *int64 `json:"followers_count"`
	FanCount       *int64 `json:"fan_count"`
}

func (p pageCounts) metrics() platform.AccountMetrics {
	if p.FollowersCount != nil {
		return platform.AccountMetrics{Followers: p.FollowersCount}
	}
	return platform.AccountMetrics{Followers: p.FanCount}
}

// postFields asks for the counts without the lists behind them.
const postFields = "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"

// PostMetrics implements platform.MetricsReader: reactions (as likes),
// comments and shares in batches of ?ids=, then views from the post
// insights (post_media_view since 2025) where the page allows reading them.
func (c *Connector) PostMetrics(ctx context.Context, acct platform.Account, remoteIDs []string) (map[string]platform.PostMetrics, error) {
	token, _, err := pageToken(acct)
	if err != nil {
		return nil, err
	}
	posts, err := graph.Batch[fbPost](ctx, c.api, token, remoteIDs, url.Values{"fields": {postFields}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]platform.PostMetrics, len(posts))
	for id, p := range posts {
		out[id] = p.metrics()
	}
	views := c.views(ctx, token, slices.Sorted(maps.Keys(out)))
	for id, v := range views {
		m := out[id]
		m.Views = &v
		out[id] = m
	}
	return out, nil
}

func (p fbPost) metrics() platform.PostMetrics {
	var m platform.PostMetrics
	// Facebook leaves shares out when there are none.
	shares := int64(0)
	if p.Shares != nil {
		shares = p.Shares.Count
	}
	m.Shares = &shares
	if p.Reactions != nil {
		n := p.Reactions.Summary.TotalCount
		m.Likes = &n
	}
	if p.Comments != nil {
		n := p.Comments.Summary.TotalCount
		m.Comments = &n
	}
	return m
}

// views reads post_media_view for the posts. Insights need permissions
// some pages do not grant, so a failure leaves views unknown rather than
// failing the whole reading.
func (c *Connector) views(ctx context.Context, token string, ids []string) map[string]int64 {
	type withInsights struct {
		Insights graph.List[graph.Insight] `json:"insights"`
	}
	got, err := graph.Batch[withInsights](ctx, c.api, token, ids, url.Values{"fields": {"insights.metric(post_media_view)"}})
	if err != nil {
		return nil
	}
	out := map[string]int64{}
	for id, p := range got {
		for _, in := range p.Insights.Data {
			if v, ok := in.Value(); ok && in.Name == "post_media_view" {
				out[id] = v
			}
		}
	}
	return out
}
