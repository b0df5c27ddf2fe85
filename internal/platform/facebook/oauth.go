package facebook

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
)

// Facebook Login, server side
// (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
// send the person to LoginURL; Facebook redirects back with a code;
// ExchangeCode turns it into a short-lived user token, LongLivedToken into a
// 60-day one, and Pages lists the pages the person manages with their page
// tokens, which, derived from a long-lived user token, do not expire.

// Token is a user access token.
type Token struct {
	AccessToken string
	// ExpiresAt is when the token stops working; nil when Facebook did not
	// say.
	ExpiresAt *time.Time
}

// String hides the token, so that logging a Token never leaks it.
func (t Token) String() string {
	if t.ExpiresAt == nil {
		return "facebook.Token{<redacted>}"
	}
	return "facebook.Token{<redacted>, expires " + t.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// Page is a Facebook page the person manages.
type Page struct {
	ID   string
	Name string
	// AccessToken is the page access token: the credential of a Facebook
	// account, and of the Instagram account linked to the page.
	AccessToken string
	// InstagramBusinessAccountID is the id of the Instagram professional
	// account linked to the page, empty when there is none.
	InstagramBusinessAccountID string
}

// String hides the page token.
func (p Page) String() string { return fmt.Sprintf("facebook.Page{%s %q}", p.ID, p.Name) }

// LoginURL returns the address of the login dialog. state must be an
// unguessable value bound to the person's session, checked when Facebook
// redirects back to redirect.
func (c *Connector) LoginURL(redirect, state string) string {
	q := url.Values{
		"client_id":     {c.appID},
		"redirect_uri":  {redirect},
		"state":         {state},
		"response_type": {"code"},
		"scope":         {strings.Join(c.scopes, ",")},
	}
	return c.dialogURL + "/" + c.api.Version() + "/dialog/oauth?" + q.Encode()
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (c *Connector) token(a tokenAnswer) (Token, error) {
	if a.AccessToken == "" {
		return Token{}, &platform.Error{Class: platform.Permanent, Code: "facebook:no_token", Message: "Facebook answered without an access token."}
	}
	t := Token{AccessToken: a.AccessToken}
	if a.ExpiresIn > 0 {
		at := c.now().Add(time.Duration(a.ExpiresIn) * time.Second).UTC()
		t.ExpiresAt = &at
	}
	return t, nil
}

func (c *Connector) appCredentials() error {
	if c.appID == "" || c.appSecret == "" {
		return &platform.Error{Class: platform.Permanent, Code: "facebook:no_app", Message: "Facebook Login needs the app id and app secret to be configured."}
	}
	return nil
}

// ExchangeCode exchanges the code Facebook sent to redirect for a
// short-lived user token. redirect must be the exact URL given to LoginURL.
func (c *Connector) ExchangeCode(ctx context.Context, code, redirect string) (Token, error) {
	if err := c.appCredentials(); err != nil {
		return Token{}, err
	}
	var a tokenAnswer
	err := c.api.Get(ctx, "", "oauth/access_token", url.Values{
		"client_id":     {c.appID},
		"client_secret": {c.appSecret},
		"redirect_uri":  {redirect},
		"code":          {code},
	}, &a)
	if err != nil {
		return Token{}, err
	}
	return c.token(a)
}

// LongLivedToken exchanges a short-lived user token for a long-lived one
// (about 60 days).
func (c *Connector) LongLivedToken(ctx context.Context, userToken string) (Token, error) {
	if err := c.appCredentials(); err != nil {
		return Token{}, err
	}
	var a tokenAnswer
	err := c.api.Get(ctx, "", "oauth/access_token", url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {c.appID},
		"client_secret":     {c.appSecret},
		"fb_exchange_token": {userToken},
	}, &a)
	if err != nil {
		return Token{}, err
	}
	return c.token(a)
}

// maxPages bounds how many pages of /me/accounts are read (100 pages each).
const maxPages = 10

// Pages lists the pages the person behind userToken manages, with their
// page tokens and linked Instagram accounts.
func (c *Connector) Pages(ctx context.Context, userToken string) ([]Page, error) {
	type account struct {
		ID                       string `json:"id"`
		Name                     string `json:"name"`
		AccessToken              string `json:"access_token"`
		InstagramBusinessAccount *struct {
			ID string `json:"id"`
		} `json:"instagram_business_account"`
	}
	var pages []Page
	params := url.Values{"fields": {"id,name,access_token,instagram_business_account"}, "limit": {strconv.Itoa(100)}}
	_, err := graph.Each(ctx, c.api, userToken, "me/accounts", params, maxPages, func(a account) bool {
		p := Page{ID: a.ID, Name: a.Name, AccessToken: a.AccessToken}
		if a.InstagramBusinessAccount != nil {
			p.InstagramBusinessAccountID = a.InstagramBusinessAccount.ID
		}
		pages = append(pages, p)
		return true
	})
	if err != nil {
		return nil, err
	}
	return pages, nil
}
