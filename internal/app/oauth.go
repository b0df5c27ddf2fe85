package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform/facebook"
	"github.com/ferry-social/ferry/internal/platform/weibo"
	"github.com/ferry-social/ferry/internal/service"
)

// sandboxAppCredential is the app id and secret used for OAuth against the
// built-in sandbox when none is configured; the sandbox accepts any.
const sandboxAppCredential = "sandbox"

// oauthFlows builds the OAuth connection flows of the platforms whose app
// credentials are configured (or that talk to the sandbox). The state key
// is derived from the credentials key, so every process of one Ferry
// accepts the others' states. It returns nil, and says why, when the key
// cannot be read.
func (m *Main) oauthFlows() *service.OAuth {
	ring, err := m.keyring()
	if err != nil {
		m.Log.Error("OAuth connections are off: the secret key cannot be read", "error", err)
		return nil
	}
	// The current key only: a state lives for minutes, so one made just
	// before a key change fails once and the person starts again.
	mac := hmac.New(sha256.New, ring.Keys()[0])
	mac.Write([]byte("ferry oauth state key v1"))
	flows := &service.OAuth{Key: mac.Sum(nil), PublicURL: m.Config.PublicURL, Providers: map[ferry.Platform]service.OAuthProvider{}}
	hc := &http.Client{Timeout: m.Config.AttemptTimeout}

	id, secret := m.Config.WeiboClientID, m.Config.WeiboClientSecret
	if m.sandboxed(m.Config.WeiboAPIURL) && id == "" && secret == "" {
		id, secret = sandboxAppCredential, sandboxAppCredential
	}
	if id != "" && secret != "" {
		c := weibo.New(weibo.Config{BaseURL: m.Config.WeiboAPIURL, ClientID: id, ClientSecret: secret, RIP: m.Config.WeiboRIP, HTTPClient: hc})
		flows.Providers[ferry.Weibo] = weiboOAuth{c}
	}

	id, secret = m.Config.FacebookAppID, m.Config.FacebookAppSecret
	dialog := facebook.DefaultDialogURL
	if m.sandboxed(m.Config.GraphAPIURL) {
		// The sandbox serves the login dialog under its Graph API.
		dialog = m.Config.GraphAPIURL
		if id == "" && secret == "" {
			id, secret = sandboxAppCredential, sandboxAppCredential
		}
	}
	if id != "" && secret != "" {
		c := facebook.New(facebook.Config{BaseURL: m.Config.GraphAPIURL, Version: m.Config.GraphAPIVersion, AppID: id, AppSecret: secret, DialogURL: dialog, HTTPClient: hc})
		flows.Providers[ferry.Facebook] = facebookOAuth{c}
	}
	return flows
}

// sandboxed reports whether a platform URL points at the built-in sandbox.
func (m *Main) sandboxed(apiURL string) bool {
	return m.Sandbox != nil && m.url != "" && strings.HasPrefix(apiURL, m.url+"/sandbox/")
}

// weiboOAuth is Weibo's OAuth2 code flow: one account, the user who signed
// in, with a token that lasts 1 to 7 days.
type weiboOAuth struct{ c *weibo.Connector }

func (w weiboOAuth) AuthorizeURL(redirect, state string) string {
	return w.c.AuthorizeURL(redirect, state)
}

func (w weiboOAuth) Accounts(ctx context.Context, code, redirect string) ([]service.Grant, error) {
	tok, err := w.c.Exchange(ctx, code, redirect)
	if err != nil {
		return nil, err
	}
	return []service.Grant{{Platform: ferry.Weibo, ExternalID: tok.UID, Credentials: tok.Credentials()}}, nil
}

// facebookOAuth is Facebook Login: every Page the person let Ferry manage
// (Facebook asks them which), each with its page token, and the Instagram
// professional account linked to each Page, which publishes with the same
// token. The user token itself is not kept.
type facebookOAuth struct{ c *facebook.Connector }

func (f facebookOAuth) AuthorizeURL(redirect, state string) string {
	return f.c.LoginURL(redirect, state)
}

func (f facebookOAuth) Accounts(ctx context.Context, code, redirect string) ([]service.Grant, error) {
	short, err := f.c.ExchangeCode(ctx, code, redirect)
	if err != nil {
		return nil, err
	}
	// Page tokens derived from a long-lived user token do not expire.
	long, err := f.c.LongLivedToken(ctx, short.AccessToken)
	if err != nil {
		return nil, err
	}
	pages, err := f.c.Pages(ctx, long.AccessToken)
	if err != nil {
		return nil, err
	}
	var grants []service.Grant
	for _, p := range pages {
		grants = append(grants, service.Grant{Platform: ferry.Facebook, ExternalID: p.ID, Name: p.Name, Credentials: map[string]string{"page_access_token": p.AccessToken}})
		if p.InstagramBusinessAccountID != "" {
			grants = append(grants, service.Grant{Platform: ferry.Instagram, ExternalID: p.InstagramBusinessAccountID, Credentials: map[string]string{"access_token": p.AccessToken}})
		}
	}
	return grants, nil
}
