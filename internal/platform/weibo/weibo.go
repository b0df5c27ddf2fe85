// Package weibo publishes to Sina Weibo through Open API v2
// (https://open.weibo.com/wiki/API) and its statuses/share endpoint, the only
// one left to ordinary apps for posting: at most 140 characters, one image,
// and a link on the app's registered safe domain in every text.
//
// Account credentials: {"access_token", "expires_at" (RFC 3339)}, obtained
// through OAuth2 (AuthorizeURL, Exchange); tokens last 1 to 7 days and have
// no refresh token, so accounts must be reconnected before they expire.
// Account settings: {"link_url"}, a page on the safe domain appended to
// texts that carry no link to it. External id: the numeric uid.
//
// An image's alt text is not sent: statuses/share takes none.
package weibo

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
)

// DefaultBaseURL is the Open API's address.
const DefaultBaseURL = "https://api.weibo.com"

// Limits of statuses/share for ordinary apps (PLATFORMS.md).
const (
	TextLimit     = 140     // characters, counted the Weibo way
	PicMaxBytes   = 5 << 20 // a picture must be smaller
	PostsPerHour  = 30      // per user per app
	countBatchMax = 100     // ids per statuses/count call
	timelinePage  = 100     // statuses per user_timeline page, the maximum
	timelinePages = 5       // pages Lookup reads before giving up
	// clockSkew widens Lookup's window for the difference between Ferry's
	// clock and Weibo's.
	clockSkew = 2 * time.Minute
)

// Config configures a Connector.
type Config struct {
	// BaseURL is the API's address; DefaultBaseURL when empty. The sandbox
	// serves it under /weibo.
	BaseURL string
	// ClientID and ClientSecret are the app's App Key and App Secret, used
	// by the OAuth2 helpers.
	ClientID     string
	ClientSecret string
	// HTTPClient defaults to a client with a 60-second timeout.
	HTTPClient *http.Client
	// RIP is sent as rip with every post: Weibo requires the real IP of the
	// person acting. Publish refuses to post without it.
	RIP string
}

// The connector implements every optional capability.
var (
	_ platform.Connector     = (*Connector)(nil)
	_ platform.Reconciler    = (*Connector)(nil)
	_ platform.Verifier      = (*Connector)(nil)
	_ platform.Limiter       = (*Connector)(nil)
	_ platform.Deleter       = (*Connector)(nil)
	_ platform.MetricsReader = (*Connector)(nil)
)

// Connector talks to the Open API. It is safe for concurrent use.
type Connector struct {
	cfg     Config
	baseURL string
	client  *http.Client
}

// New returns a connector configured by cfg.
func New(cfg Config) *Connector {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	return &Connector{cfg: cfg, baseURL: strings.TrimRight(base, "/"), client: client}
}

// Platform implements platform.Connector.
func (c *Connector) Platform() ferry.Platform { return ferry.Weibo }

// Limits implements platform.Limiter: 30 posts an hour per user per app.
func (c *Connector) Limits(acct platform.Account) []platform.Limit {
	return []platform.Limit{{
		Key:    "weibo:user:" + acct.ExternalID,
		Max:    PostsPerHour,
		Window: time.Hour,
	}}
}

// Publish shares the text, with at most one image, through statuses/share.
// The account's link_url is appended when the text has no link to its host.
func (c *Connector) Publish(ctx context.Context, acct platform.Account, post platform.Post) (platform.Result, error) {
	token, err := accessToken(acct)
	if err != nil {
		return platform.Result{}, err
	}
	var pic *platform.Media
	switch n := len(post.Media); {
	case n > 1:
		return platform.Result{}, &platform.Error{Class: platform.Permanent, Code: "weibo:too_many_media", Message: fmt.Sprintf("Weibo's share API takes one image per post; this post has %d. Keep one image for the Weibo variant.", n)}
	case n == 1:
		pic = &post.Media[0]
		if err := checkPic(*pic); err != nil {
			return platform.Result{}, err
		}
	}
	if c.cfg.RIP == "" {
		return platform.Result{}, &platform.Error{Class: platform.Permanent, Code: "weibo:no_rip", Message: "Weibo requires the real IP address of the person posting (rip); set it in Ferry's Weibo configuration."}
	}
	text, err := publishedText(acct, post.Text)
	if err != nil {
		return platform.Result{}, err
	}
	var st status
	err = c.do(ctx, request{
		method: http.MethodPost,
		path:   "/2/statuses/share.json",
		token:  token,
		params: url.Values{"status": {text}, "rip": {c.cfg.RIP}},
		pic:    pic,
	}, &st)
	if err != nil {
		return platform.Result{}, err
	}
	return toResult(acct, st)
}

// toResult turns the status Weibo returned into a platform.Result. A status
// without an id leaves the outcome open.
func toResult(acct platform.Account, st status) (platform.Result, error) {
	if st.id() == "" {
		return platform.Result{}, &platform.Error{Class: platform.Unknown, Code: "weibo:no_id", Message: "Weibo answered without the id of the post; Ferry will check whether it went out."}
	}
	uid := acct.ExternalID
	if st.User != nil && st.User.id() != "" {
		uid = st.User.id()
	}
	res := platform.Result{RemoteID: st.id(), URL: statusURL(uid, st)}
	if t, err := st.createdAt(); err == nil {
		res.PublishedAt = t
	}
	return res, nil
}

// checkPic refuses, before uploading, what Weibo would refuse after.
func checkPic(m platform.Media) error {
	switch m.Mime {
	case "image/jpeg", "image/png", "image/gif", "":
	default:
		return &platform.Error{Class: platform.Permanent, Code: "weibo:pic_type", Message: fmt.Sprintf("Weibo takes JPEG, GIF or PNG images; this one is %s.", m.Mime)}
	}
	if m.Bytes >= PicMaxBytes {
		return &platform.Error{Class: platform.Permanent, Code: "weibo:pic_too_large", Message: fmt.Sprintf("Weibo takes images under 5 MB; this one has %d bytes.", m.Bytes)}
	}
	if m.Open == nil {
		return &platform.Error{Class: platform.Permanent, Code: "weibo:media", Message: "The image has no content to upload."}
	}
	return nil
}

// accessToken returns the account's token, refusing one that has expired:
// Weibo would only answer 21327.
func accessToken(acct platform.Account) (string, error) {
	token := acct.Credentials["access_token"]
	if token == "" {
		return "", &platform.Error{Class: platform.Reauth, Code: "weibo:no_token", Message: "The account has no Weibo access token; reconnect it."}
	}
	if raw := acct.Credentials["expires_at"]; raw != "" {
		exp, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return "", &platform.Error{Class: platform.Reauth, Code: "weibo:bad_expiry", Message: "The account's token expiry is unreadable; reconnect it.", Err: err}
		}
		if !time.Now().Before(exp) {
			return "", &platform.Error{Class: platform.Reauth, Code: "weibo:token_expired", Message: fmt.Sprintf("The Weibo authorisation expired on %s; reconnect the account.", exp.UTC().Format(time.RFC3339))}
		}
	}
	return token, nil
}

// urlRE finds links the way Weibo's counter does: an ASCII run after the
// scheme, so CJK text right after a link is not part of it.
var urlRE = regexp.MustCompile(`https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+`)

// publishedText is the text as sent: post.Text plus the account's link_url
// when no link in the text points at the link's host (Weibo refuses shared
// texts without a link on the app's safe domain).
func publishedText(acct platform.Account, text string) (string, error) {
	raw, _ := acct.Settings["link_url"].(string)
	if raw == "" {
		return text, nil
	}
	link, err := url.Parse(raw)
	if err != nil || (link.Scheme != "http" && link.Scheme != "https") || link.Host == "" {
		return "", &platform.Error{Class: platform.Permanent, Code: "weibo:bad_link_url", Message: fmt.Sprintf("The account's link_url %q is not an http(s) URL; fix it in the account settings.", raw)}
	}
	host := strings.ToLower(link.Hostname())
	for _, m := range urlRE.FindAllString(text, -1) {
		if u, err := url.Parse(m); err == nil {
			h := strings.ToLower(u.Hostname())
			if h == host || strings.HasSuffix(h, "."+host) {
				return text, nil
			}
		}
	}
	if text == "" {
		return raw, nil
	}
	return text + " " + raw, nil
}

// textKey is what Lookup compares: the text without links (Weibo rewrites
// them to t.cn short links) and with runs of white space made one space.
func textKey(s string) string {
	s = urlRE.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

// Lookup implements platform.Reconciler: it reads the account's own recent
// statuses (statuses/user_timeline) newest first and matches the text, links
// aside, among those posted since since. found is false only when the
// timeline reaches back past since, or ends, without a match.
func (c *Connector) Lookup(ctx context.Context, acct platform.Account, post platform.Post, since time.Time) (platform.Result, bool, error) {
	token, err := accessToken(acct)
	if err != nil {
		return platform.Result{}, false, err
	}
	text, err := publishedText(acct, post.Text)
	if err != nil {
		return platform.Result{}, false, err
	}
	want := textKey(text)
	after := since.Add(-clockSkew)
	for page := 1; page <= timelinePages; page++ {
		var tl struct {
			Statuses []status `json:"statuses"`
		}
		err := c.do(ctx, request{
			method: http.MethodGet,
			path:   "/2/statuses/user_timeline.json",
			token:  token,
			params: url.Values{"count": {strconv.Itoa(timelinePage)}, "page": {strconv.Itoa(page)}, "trim_user": {"1"}},
			safe:   true,
		}, &tl)
		if err != nil {
			return platform.Result{}, false, err
		}
		for _, st := range tl.Statuses {
			at, err := st.createdAt()
			if err != nil {
				return platform.Result{}, false, &platform.Error{Class: platform.Unknown, Code: "weibo:decode", Message: "A status in the account's timeline has an unreadable time.", Err: err}
			}
			if at.Before(after) {
				// Newest first: everything from here on is older.
				return platform.Result{}, false, nil
			}
			if textKey(st.Text) == want {
				res, err := toResult(acct, st)
				return res, err == nil, err
			}
		}
		if len(tl.Statuses) == 0 {
			// The whole timeline was read. A short page is no proof of
			// that: Weibo leaves out statuses it hides.
			return platform.Result{}, false, nil
		}
	}
	return platform.Result{}, false, &platform.Error{Class: platform.Unknown, Code: "weibo:timeline_too_long", Message: fmt.Sprintf("The account posted more than %d times since %s; Ferry could not settle whether this post went out.", timelinePage*timelinePages, since.UTC().Format(time.RFC3339))}
}

// Verify implements platform.Verifier: oauth2/get_token_info names the
// token's user and remaining life; users/show gives the user's name.
func (c *Connector) Verify(ctx context.Context, acct platform.Account) (platform.Identity, error) {
	token, err := accessToken(acct)
	if err != nil {
		return platform.Identity{}, err
	}
	var info struct {
		UID      idString `json:"uid"`
		ExpireIn flexInt  `json:"expire_in"`
		// Older documentation spells it expires_in.
		ExpiresIn flexInt `json:"expires_in"`
	}
	err = c.do(ctx, request{method: http.MethodPost, path: "/oauth2/get_token_info", token: token, safe: true}, &info)
	if err != nil {
		return platform.Identity{}, err
	}
	uid := string(info.UID)
	if uid == "" {
		return platform.Identity{}, &platform.Error{Class: platform.Unknown, Code: "weibo:decode", Message: "Weibo did not say whose token this is."}
	}
	if acct.ExternalID != "" && acct.ExternalID != uid {
		return platform.Identity{}, &platform.Error{Class: platform.Permanent, Code: "weibo:wrong_account", Message: fmt.Sprintf("The token belongs to Weibo user %s, not to the account's user %s; sign in as the right user.", uid, acct.ExternalID)}
	}
	life := max(info.ExpireIn, info.ExpiresIn)
	if life <= 0 {
		return platform.Identity{}, &platform.Error{Class: platform.Reauth, Code: "weibo:token_expired", Message: "The Weibo authorisation has expired; reconnect the account."}
	}
	u, err := c.showUser(ctx, token, uid)
	if err != nil {
		return platform.Identity{}, err
	}
	exp := time.Now().Add(time.Duration(life) * time.Second).UTC().Truncate(time.Second)
	return platform.Identity{ExternalID: uid, Name: u.name(), ExpiresAt: &exp}, nil
}

func (c *Connector) showUser(ctx context.Context, token, uid string) (user, error) {
	var u user
	err := c.do(ctx, request{method: http.MethodGet, path: "/2/users/show.json", token: token, params: url.Values{"uid": {uid}}, safe: true}, &u)
	return u, err
}

// Delete implements platform.Deleter through statuses/destroy. A status
// that is already gone (20101) is platform.ErrGone.
func (c *Connector) Delete(ctx context.Context, acct platform.Account, remoteID string) error {
	token, err := accessToken(acct)
	if err != nil {
		return err
	}
	err = c.do(ctx, request{
		method: http.MethodPost,
		path:   "/2/statuses/destroy.json",
		token:  token,
		params: url.Values{"id": {remoteID}},
		// Repeating a delete is harmless: the second finds nothing.
		safe: true,
	}, nil)
	if pe := platform.Classify(err); err != nil && pe.Code == "weibo:20101" {
		return platform.ErrGone
	}
	return err
}
