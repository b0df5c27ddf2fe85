// Package instagram publishes to Instagram professional accounts through
// the Instagram Graph API with Facebook Login
// (https://developers.facebook.com/docs/instagram-platform/content-publishing).
//
// Publishing takes steps: create a media container from an image Instagram
// fetches itself (so images need a public URL, FERRY_PUBLIC_URL), wait until
// the container is FINISHED, then media_publish it. A container that shows
// PUBLISHED is never published again: every Publish call makes fresh
// containers and calls media_publish only on one it has just seen FINISHED;
// when it cannot tell whether media_publish went out it says so
// (platform.Unknown, naming the container) and leaves the answer to Lookup,
// which finds the post by its caption. Nothing about a publication is
// remembered in memory between calls.
//
// Account credentials: {"access_token"} (the page access token of the
// linked Facebook page, or an Instagram user token); external id: the
// Instagram user id.
package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
)

// Instagram's publishing rules (PLATFORMS.md).
const (
	CaptionLimit = 2200
	HashtagLimit = 30
	MentionLimit = 20
	CarouselMin  = 2
	CarouselMax  = 10
	// DefaultQuota is the posts an account may publish through the API per
	// QuotaWindow until content_publishing_limit says otherwise.
	DefaultQuota = 25
	QuotaWindow  = 24 * time.Hour
)

// Container status codes (GET /{container}?fields=status_code).
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

// Defaults of Config.
const (
	DefaultPollInterval = 2 * time.Second
	DefaultPollTimeout  = 90 * time.Second
)

// Limits of the connector's own work.
const (
	lookupPages    = 5
	clockSkew      = 2 * time.Minute
	notReadyRetry  = 3
	containerTries = 2
	// quotaFallback is the wait when the quota is reached and the time a
	// slot frees cannot be read.
	quotaFallback = time.Hour
)

// Config configures a Connector.
type Config struct {
	// BaseURL is the Graph API's address (graph.DefaultBaseURL when empty).
	BaseURL string
	// Version pins the Graph API version (graph.DefaultVersion when empty).
	Version string
	// HTTPClient makes the calls; nil means one with a 60-second timeout.
	HTTPClient *http.Client
	// PollInterval is how often a container's status is read while
	// Instagram processes it (DefaultPollInterval when zero).
	PollInterval time.Duration
	// PollTimeout is how long Publish waits for a container to be ready
	// before giving up for now (DefaultPollTimeout when zero).
	PollTimeout time.Duration
}

// Connector publishes to Instagram. It is safe for concurrent use.
type Connector struct {
	api          *graph.Client
	pollInterval time.Duration
	pollTimeout  time.Duration
	now          func() time.Time

	mu     sync.Mutex
	quotas map[string]quota // by Instagram user id
}

// quota is an account's publishing quota as last read.
type quota struct {
	total  int
	window time.Duration
	usage  int
}

// New returns a connector for cfg.
func New(cfg Config) *Connector {
	c := &Connector{
		api:          graph.New(graph.Config{BaseURL: cfg.BaseURL, Version: cfg.Version, HTTPClient: cfg.HTTPClient, Name: "instagram"}),
		pollInterval: cfg.PollInterval,
		pollTimeout:  cfg.PollTimeout,
		now:          time.Now,
		quotas:       map[string]quota{},
	}
	if c.pollInterval <= 0 {
		c.pollInterval = DefaultPollInterval
	}
	if c.pollTimeout <= 0 {
		c.pollTimeout = DefaultPollTimeout
	}
	return c
}

// Platform implements platform.Connector.
func (c *Connector) Platform() ferry.Platform { return ferry.Instagram }

// ContainerError names the media container a failure concerns, so that a
// person, a log line or a later attempt can follow it. It wraps the
// platform's own error, if any.
type ContainerError struct {
	ContainerID string
	// StatusCode is the container's last known status_code, when read.
	StatusCode string
	// Status is Instagram's detail for an ERROR status.
	Status string
	Err    error
}

func (e *ContainerError) Error() string {
	s := "container " + e.ContainerID
	if e.StatusCode != "" {
		s += " " + e.StatusCode
	}
	if e.Status != "" {
		s += " (" + e.Status + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ContainerError) Unwrap() error { return e.Err }

// withContainer returns err, classified, naming the container.
func withContainer(err error, id, statusCode string) *platform.Error {
	pe := *platform.Classify(err)
	pe.Err = &ContainerError{ContainerID: id, StatusCode: statusCode, Err: pe.Err}
	return &pe
}

func credentials(acct platform.Account) (token, user string, err error) {
	token = acct.Credentials["access_token"]
	if token == "" {
		return "", "", &platform.Error{Class: platform.Reauth, Code: "instagram:no_token", Message: "The account has no access token; reconnect it."}
	}
	if acct.ExternalID == "" {
		return "", "", &platform.Error{Class: platform.Permanent, Code: "instagram:no_user", Message: "The account has no Instagram user id."}
	}
	return token, acct.ExternalID, nil
}

var (
	hashtagRE = regexp.MustCompile(`#[\p{L}\p{N}_]+`)
	mentionRE = regexp.MustCompile(`@[A-Za-z0-9._]+`)
)

// check refuses what Instagram would refuse, before any container is made.
func check(post platform.Post) error {
	perm := func(code, msg string) error {
		return &platform.Error{Class: platform.Permanent, Code: "instagram:" + code, Message: msg}
	}
	switch n := len(post.Media); {
	case n == 0:
		return perm("no_media", "An Instagram post needs at least one image; text-only posts are not possible.")
	case n > CarouselMax:
		return perm("too_many_media", fmt.Sprintf("An Instagram carousel holds at most %d images; this post has %d.", CarouselMax, n))
	}
	for i, m := range post.Media {
		if m.URL == "" {
			return perm("no_public_url", "Instagram fetches images from a public URL, and this image has none: set FERRY_PUBLIC_URL to an address Instagram can reach.")
		}
		if m.Mime != "" && m.Mime != "image/jpeg" {
			return perm("media_format", fmt.Sprintf("Instagram accepts only JPEG images; image %d is %s.", i+1, m.Mime))
		}
	}
	if n := utf8.RuneCountInString(post.Text); n > CaptionLimit {
		return perm("caption_too_long", fmt.Sprintf("The caption has %d characters; Instagram allows %d.", n, CaptionLimit))
	}
	if n := len(hashtagRE.FindAllString(post.Text, -1)); n > HashtagLimit {
		return perm("too_many_hashtags", fmt.Sprintf("The caption has %d hashtags; Instagram allows %d.", n, HashtagLimit))
	}
	if n := len(mentionRE.FindAllString(post.Text, -1)); n > MentionLimit {
		return perm("too_many_mentions", fmt.Sprintf("The caption has %d @-mentions; Instagram allows %d.", n, MentionLimit))
	}
	return nil
}

// Publish publishes one image, or a carousel of 2–10, with the post's text
// as caption.
func (c *Connector) Publish(ctx context.Context, acct platform.Account, post platform.Post) (platform.Result, error) {
	token, user, err := credentials(acct)
	if err != nil {
		return platform.Result{}, err
	}
	if err := check(post); err != nil {
		return platform.Result{}, err
	}
	started := c.now()
	if err := c.checkQuota(ctx, token, user); err != nil {
		return platform.Result{}, err
	}
	// A container that expires before it is published (it should not: they
	// live 24 hours) is replaced once by a new one.
	for try := 1; ; try++ {
		container, err := c.prepare(ctx, token, user, post)
		if err == nil {
			var res platform.Result
			res, err = c.publish(ctx, token, user, container, post, started)
			if err == nil {
				return res, nil
			}
		}
		if !expired(err) || try >= containerTries {
			return platform.Result{}, err
		}
	}
}

// expired reports whether err says a container can no longer be published.
func expired(err error) bool {
	var ce *ContainerError
	return graph.IsContainerExpired(err) || errors.As(err, &ce) && ce.StatusCode == StatusExpired
}

// prepare creates the post's container (and a carousel's children) and
// waits until Instagram has processed it.
func (c *Connector) prepare(ctx context.Context, token, user string, post platform.Post) (string, error) {
	if len(post.Media) == 1 {
		params := imageParams(post.Media[0])
		if post.Text != "" {
			params.Set("caption", post.Text)
		}
		id, err := c.create(ctx, token, user, params)
		if err != nil {
			return "", err
		}
		return id, c.wait(ctx, token, id, "")
	}
	children := make([]string, len(post.Media))
	for i, m := range post.Media {
		params := imageParams(m)
		params.Set("is_carousel_item", "true")
		id, err := c.create(ctx, token, user, params)
		if err != nil {
			return "", err
		}
		children[i] = id
	}
	// The children process in parallel on Instagram's side; wait for all.
	for i, id := range children {
		if err := c.wait(ctx, token, id, fmt.Sprintf("image %d of the carousel", i+1)); err != nil {
			return "", err
		}
	}
	params := url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}}
	if post.Text != "" {
		params.Set("caption", post.Text)
	}
	id, err := c.create(ctx, token, user, params)
	if err != nil {
		return "", err
	}
	return id, c.wait(ctx, token, id, "")
}

// imageParams are an image container's: its URL and, when it has one, its
// alt text. Instagram takes alt_text on image containers (since March
// 2025; not on reels or stories), so a carousel's text goes on each item,
// and the carousel container itself has none. Nothing is sent for an
// image without alt text (decorative or not described).
func imageParams(m platform.Media) url.Values {
	params := url.Values{"image_url": {m.URL}}
	if m.AltText != "" {
		params.Set("alt_text", m.AltText)
	}
	return params
}

// create makes a container. A container is invisible until published, so a
// creation that may or may not have happened is simply retried.
func (c *Connector) create(ctx context.Context, token, user string, params url.Values) (string, error) {
	var res struct {
		ID string `json:"id"`
	}
	if err := c.api.Post(ctx, token, user+"/media", params, &res); err != nil {
		if pe := platform.Classify(err); pe.Class == platform.Unknown {
			cp := *pe
			cp.Class = platform.Retry
			cp.Message = "Creating an Instagram media container did not complete; nothing was published: " + pe.Message
			return "", &cp
		}
		return "", err
	}
	if res.ID == "" {
		return "", &platform.Error{Class: platform.Retry, Code: "instagram:no_id", Message: "Instagram created a container but returned no id; nothing was published."}
	}
	return res.ID, nil
}

type containerStatus struct {
	ID         string `json:"id"`
	StatusCode string `json:"status_code"`
	Status     string `json:"status"`
}

func (c *Connector) status(ctx context.Context, token, id string) (containerStatus, error) {
	var st containerStatus
	err := c.api.Get(ctx, token, id, url.Values{"fields": {"id,status_code,status"}}, &st)
	return st, err
}

// wait polls a new container until it is FINISHED. what names it in
// messages ("image 2 of the carousel").
func (c *Connector) wait(ctx context.Context, token, id, what string) error {
	if what == "" {
		what = "the media"
	}
	deadline := c.now().Add(c.pollTimeout)
	for {
		st, err := c.status(ctx, token, id)
		if err != nil {
			return withContainer(err, id, "")
		}
		ce := &ContainerError{ContainerID: id, StatusCode: st.StatusCode, Status: st.Status}
		switch st.StatusCode {
		case StatusFinished:
			return nil
		case StatusError:
			return &platform.Error{Class: platform.Permanent, Code: "instagram:container_error", Message: fmt.Sprintf("Instagram could not process %s (%s); check that the image is a JPEG Instagram can fetch from its public URL.", what, st.Status), Err: ce}
		case StatusExpired:
			return &platform.Error{Class: platform.Retry, Code: "instagram:container_expired", Message: "The Instagram media container expired before it was published.", Err: ce}
		case StatusPublished:
			// Only this call knows a new container's id, so this cannot
			// happen; if it does, the post may be out: reconcile.
			return &platform.Error{Class: platform.Unknown, Code: "instagram:container_published", Message: "A new Instagram container already shows as published.", Err: ce}
		}
		if !c.now().Before(deadline) {
			return &platform.Error{Class: platform.Retry, Code: "instagram:processing_timeout", Message: fmt.Sprintf("Instagram was still processing %s after %s; nothing was published.", what, c.pollTimeout), Err: ce}
		}
		if err := sleep(ctx, c.pollInterval); err != nil {
			return &platform.Error{Class: platform.Retry, Code: "instagram:canceled", Message: "Publishing stopped while Instagram processed the media; nothing was published.", Err: err}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// publish calls media_publish on a FINISHED container, at most once unless
// Instagram says it is not ready yet and the container still shows
// FINISHED. Whenever Instagram refuses, the container's status decides: a
// PUBLISHED container is never published again, its post is looked up.
func (c *Connector) publish(ctx context.Context, token, user, container string, post platform.Post, started time.Time) (platform.Result, error) {
	for try := 1; ; try++ {
		var res struct {
			ID string `json:"id"`
		}
		err := c.api.Post(ctx, token, user+"/media_publish", url.Values{"creation_id": {container}}, &res)
		if err == nil {
			if res.ID == "" {
				return platform.Result{}, withContainer(&platform.Error{Class: platform.Unknown, Code: "instagram:no_id", Message: "Instagram accepted media_publish but returned no media id."}, container, "")
			}
			return c.result(ctx, token, res.ID), nil
		}
		pe := platform.Classify(err)
		if pe.Class == platform.Unknown {
			// The call may have gone out. Publishing the container again
			// could post twice; the engine reconciles through Lookup.
			return platform.Result{}, withContainer(err, container, "")
		}
		st, serr := c.status(ctx, token, container)
		if serr != nil {
			if ambiguous(err) {
				return platform.Result{}, withContainer(&platform.Error{Class: platform.Unknown, Code: pe.Code, Message: "Instagram failed media_publish with an unknown error and the container's status could not be read; the post may be out.", Err: pe.Err}, container, "")
			}
			return platform.Result{}, withContainer(err, container, "")
		}
		switch st.StatusCode {
		case StatusPublished:
			// Instagram published it despite the error.
			if r, found, lerr := c.find(ctx, token, user, post.Text, started); lerr == nil && found {
				return r, nil
			}
			return platform.Result{}, withContainer(&platform.Error{Class: platform.Unknown, Code: "instagram:published_unconfirmed", Message: "Instagram reported an error but the container shows PUBLISHED; the post could not be found yet.", Err: pe.Err}, container, st.StatusCode)
		case StatusExpired:
			return platform.Result{}, withContainer(err, container, st.StatusCode)
		case StatusFinished:
			if graph.IsNotReady(err) && try < notReadyRetry {
				if err := sleep(ctx, c.pollInterval); err != nil {
					return platform.Result{}, withContainer(err, container, st.StatusCode)
				}
				continue
			}
		}
		if graph.IsQuotaReached(err) {
			cp := *withContainer(err, container, st.StatusCode)
			cp.RetryAfter = max(cp.RetryAfter, c.quotaFreesIn(ctx, token, user))
			c.remember(user, func(q *quota) { q.usage = q.total })
			return platform.Result{}, &cp
		}
		return platform.Result{}, withContainer(err, container, st.StatusCode)
	}
}

// ambiguous reports whether a Graph error leaves open whether a write took
// effect: "an unknown error occurred" and "service unavailable".
func ambiguous(err error) bool {
	e, ok := graph.AsAPIError(err)
	return ok && (e.Code == graph.CodeUnknown || e.Code == graph.CodeService)
}

type media struct {
	ID            string     `json:"id"`
	Caption       string     `json:"caption"`
	Timestamp     graph.Time `json:"timestamp"`
	Permalink     string     `json:"permalink"`
	LikeCount     *int64     `json:"like_count"`
	CommentsCount *int64     `json:"comments_count"`
}

// result completes a published media's result with its permalink and time.
// The post exists whatever this read says, so its failure is not an error.
func (c *Connector) result(ctx context.Context, token, mediaID string) platform.Result {
	res := platform.Result{RemoteID: mediaID, PublishedAt: c.now().UTC()}
	var m media
	if err := c.api.Get(ctx, token, mediaID, url.Values{"fields": {"id,permalink,timestamp"}}, &m); err == nil {
		res.URL = m.Permalink
		if !m.Timestamp.IsZero() {
			res.PublishedAt = m.Timestamp.Time
		}
	}
	return res
}

// Lookup implements platform.Reconciler: it reads the account's media since
// since and matches the caption. When several match, the oldest wins.
func (c *Connector) Lookup(ctx context.Context, acct platform.Account, post platform.Post, since time.Time) (platform.Result, bool, error) {
	token, user, err := credentials(acct)
	if err != nil {
		return platform.Result{}, false, err
	}
	return c.find(ctx, token, user, post.Text, since)
}

func (c *Connector) find(ctx context.Context, token, user, caption string, since time.Time) (platform.Result, bool, error) {
	from := since.Add(-clockSkew)
	var match *media
	complete, err := graph.Each(ctx, c.api, token, user+"/media", url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {"50"}}, lookupPages, func(m media) bool {
		if !m.Timestamp.IsZero() && m.Timestamp.Before(from) {
			return false
		}
		if graph.SameText(m.Caption, caption) {
			match = &m
		}
		return true
	})
	if err != nil {
		return platform.Result{}, false, err
	}
	if match != nil {
		return platform.Result{RemoteID: match.ID, URL: match.Permalink, PublishedAt: match.Timestamp.Time}, true, nil
	}
	if !complete {
		return platform.Result{}, false, &platform.Error{Class: platform.Retry, Code: "instagram:lookup_incomplete", Message: fmt.Sprintf("The account has too many posts since %s to check them all.", since.UTC().Format(time.RFC3339))}
	}
	return platform.Result{}, false, nil
}

// Verify implements platform.Verifier. It also reads the account's
// publishing quota, so Limits knows it from the start.
func (c *Connector) Verify(ctx context.Context, acct platform.Account) (platform.Identity, error) {
	token, user, err := credentials(acct)
	if err != nil {
		return platform.Identity{}, err
	}
	var u struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
	}
	if err := c.api.Get(ctx, token, user, url.Values{"fields": {"id,username,name"}}, &u); err != nil {
		return platform.Identity{}, err
	}
	if u.ID != user {
		return platform.Identity{}, &platform.Error{Class: platform.Permanent, Code: "instagram:wrong_user", Message: fmt.Sprintf("The token reads Instagram account %s, not %s.", u.ID, user)}
	}
	_, _ = c.readQuota(ctx, token, user)
	name := u.Username
	if name == "" {
		name = u.Name
	}
	return platform.Identity{ExternalID: u.ID, Name: name}, nil
}

// AccountMetrics implements platform.MetricsReader.
func (c *Connector) AccountMetrics(ctx context.Context, acct platform.Account) (platform.AccountMetrics, error) {
	token, user, err := credentials(acct)
	if err != nil {
		return platform.AccountMetrics{}, err
	}
	var u userCounts
	if err := c.api.Get(ctx, token, user, url.Values{"fields": {"followers_count,follows_count,media_count"}}, &u); err != nil {
		return platform.AccountMetrics{}, err
	}
	return u.metrics(), nil
}

type userCounts struct {
	FollowersCount *int64 `json:"followers_count"`
	FollowsCount   *int64 `json:"follows_count"`
	MediaCount     *int64 `json:"media_count"`
}

func (u userCounts) metrics() platform.AccountMetrics {
	return platform.AccountMetrics{Followers: u.FollowersCount, Following: u.FollowsCount, Posts: u.MediaCount}
}

// insightMetrics are the media insights read, as named since 2025
// (impressions and plays became views).
const insightMetrics = "views,reach,likes,comments,saved,shares"

// PostMetrics implements platform.MetricsReader: likes and comments for all
// media in ?ids= batches, then each media's insights for views, saves and
// shares where Instagram has them (not for media older than the account's
// conversion to a professional one, for example).
func (c *Connector) PostMetrics(ctx context.Context, acct platform.Account, remoteIDs []string) (map[string]platform.PostMetrics, error) {
	token, _, err := credentials(acct)
	if err != nil {
		return nil, err
	}
	got, err := graph.Batch[media](ctx, c.api, token, remoteIDs, url.Values{"fields": {"id,like_count,comments_count"}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]platform.PostMetrics, len(got))
	for id, m := range got {
		pm := platform.PostMetrics{Likes: m.LikeCount, Comments: m.CommentsCount}
		var ins graph.List[graph.Insight]
		if err := c.api.Get(ctx, token, id+"/insights", url.Values{"metric": {insightMetrics}}, &ins); err == nil {
			applyInsights(&pm, ins.Data)
		} else if pe := platform.Classify(err); pe.Class == platform.Reauth {
			return nil, err
		}
		out[id] = pm
	}
	return out, nil
}

func applyInsights(pm *platform.PostMetrics, data []graph.Insight) {
	for _, in := range data {
		v, ok := in.Value()
		if !ok {
			continue
		}
		switch in.Name {
		case "views", "impressions":
			pm.Views = &v
		case "saved":
			pm.Saves = &v
		case "shares":
			pm.Shares = &v
		case "likes":
			if pm.Likes == nil {
				pm.Likes = &v
			}
		case "comments":
			if pm.Comments == nil {
				pm.Comments = &v
			}
		}
	}
}

// Peer is what business_discovery tells about another professional
// account, for comparing an account with its peers.
type Peer struct {
	ID        string
	Username  string
	Name      string
	Followers int64
	Media     int64
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`)

// Discover reads another professional account's public counts through
// business_discovery, as acct.
func (c *Connector) Discover(ctx context.Context, acct platform.Account, username string) (Peer, error) {
	token, user, err := credentials(acct)
	if err != nil {
		return Peer{}, err
	}
	username = strings.TrimPrefix(username, "@")
	if !usernameRE.MatchString(username) {
		return Peer{}, &platform.Error{Class: platform.Permanent, Code: "instagram:bad_username", Message: fmt.Sprintf("%q is not an Instagram username.", username)}
	}
	var res struct {
		BusinessDiscovery struct {
			ID             string `json:"id"`
			Username       string `json:"username"`
			Name           string `json:"name"`
			FollowersCount int64  `json:"followers_count"`
			MediaCount     int64  `json:"media_count"`
		} `json:"business_discovery"`
	}
	fields := "business_discovery.username(" + username + "){id,username,name,followers_count,media_count}"
	if err := c.api.Get(ctx, token, user, url.Values{"fields": {fields}}, &res); err != nil {
		return Peer{}, err
	}
	d := res.BusinessDiscovery
	return Peer{ID: d.ID, Username: d.Username, Name: d.Name, Followers: d.FollowersCount, Media: d.MediaCount}, nil
}
