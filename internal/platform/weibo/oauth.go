package weibo

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/ferry-social/ferry/internal/platform"
)

// Token is what Weibo grants when a user authorises the app.
type Token struct {
	AccessToken string
	// ExpiresAt is when the token stops working: 1 day after the grant for
	// an unaudited app, up to 7 days for an audited one. There is no refresh
	// token: the user must authorise again.
	ExpiresAt time.Time
	// UID is the user's numeric id, the account's external id.
	UID string
}

// Credentials returns the token as an account's credentials.
func (t Token) Credentials() map[string]string {
	return map[string]string{"access_token": t.AccessToken, "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339)}
}

// AuthorizeURL returns the page where a user signs in to Weibo and
// authorises the app; Weibo then redirects to redirectURI with code and
// state.
func (c *Connector) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{
		"client_id":     {c.cfg.ClientID},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"state":         {state},
	}
	return c.baseURL + "/oauth2/authorize?" + q.Encode()
}

// Exchange trades the code Weibo sent to redirectURI for an access token
// (oauth2/access_token). A code works once.
func (c *Connector) Exchange(ctx context.Context, code, redirectURI string) (Token, error) {
	var out struct {
		AccessToken string   `json:"access_token"`
		ExpiresIn   flexInt  `json:"expires_in"`
		UID         idString `json:"uid"`
	}
	err := c.do(ctx, request{
		method: http.MethodPost,
		path:   "/oauth2/access_token",
		params: url.Values{
			"client_id":     {c.cfg.ClientID},
			"client_secret": {c.cfg.ClientSecret},
			"grant_type":    {"authorization_code"},
			"code":          {code},
			"redirect_uri":  {redirectURI},
		},
		secrets: []string{c.cfg.ClientSecret, code},
	}, &out)
	if err != nil {
		return Token{}, err
	}
	if out.AccessToken == "" || out.UID == "" || out.ExpiresIn <= 0 {
		return Token{}, &platform.Error{Class: platform.Unknown, Code: "weibo:decode", Message: "Weibo's token answer lacked the token, its user or its lifetime."}
	}
	exp := time.Now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	return Token{AccessToken: out.AccessToken, ExpiresAt: exp, UID: string(out.UID)}, nil
}
