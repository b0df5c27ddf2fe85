package service

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// OAuth connection flows. An admin starts a flow through the API and gets
// the platform's authorisation page; the platform sends the browser back to
// Ferry's callback with a code and the state Ferry gave it. The state is
// signed (HMAC-SHA256 over workspace, user, platform, nonce and expiry),
// expires after OAuth.StateTTL, and is claimed once in the database, so a
// state that was changed, is late or comes back a second time connects
// nothing. The code is exchanged for tokens, and the accounts they grant
// are created or reconnected with their credentials sealed like any other
// account's. Tokens that do not end in an account (Facebook's user token)
// are never stored.

// OAuthProvider is one platform's OAuth flow.
type OAuthProvider interface {
	// AuthorizeURL is the page where a person lets Ferry act for them; the
	// platform then redirects to redirect with a code and state.
	AuthorizeURL(redirect, state string) string
	// Accounts exchanges the code the platform sent to redirect for the
	// accounts it grants. Errors are *platform.Error and name no secret.
	Accounts(ctx context.Context, code, redirect string) ([]Grant, error)
}

// Grant is an account an OAuth flow connects.
type Grant struct {
	Platform    ferry.Platform
	ExternalID  string
	Name        string
	Credentials map[string]string
}

// OAuth configures the connection flows.
type OAuth struct {
	// Key signs the state parameter; at least 32 bytes.
	Key []byte
	// PublicURL is Ferry's public base URL: callbacks are
	// PublicURL/oauth/{platform}/callback.
	PublicURL string
	// Providers holds the flows whose app credentials are configured.
	Providers map[ferry.Platform]OAuthProvider
	// StateTTL is how long a started flow may take (10 minutes when 0).
	StateTTL time.Duration
}

// oauthSetup says, per platform with OAuth, which settings its app needs.
var oauthSetup = map[ferry.Platform][]string{
	ferry.Weibo:    {"FERRY_WEIBO_CLIENT_ID", "FERRY_WEIBO_CLIENT_SECRET"},
	ferry.Facebook: {"FERRY_FACEBOOK_APP_ID", "FERRY_FACEBOOK_APP_SECRET"},
}

// Connection methods: how accounts of a platform are connected.
const (
	MethodOAuth    = "oauth"     // the person signs in on the platform
	MethodFacebook = "facebook"  // through a Facebook connection (Instagram)
	MethodBotToken = "bot_token" // a Telegram bot that administers the channel
	MethodManual   = "manual"    // by hand: no publishing API (Xiaohongshu)
)

// connectionMethod is how accounts of pl are connected.
func connectionMethod(pl ferry.Platform) string {
	switch pl {
	case ferry.Weibo, ferry.Facebook:
		return MethodOAuth
	case ferry.Instagram:
		return MethodFacebook
	case ferry.Telegram:
		return MethodBotToken
	}
	return MethodManual
}

// ConnectionMethod is how accounts of a platform are connected. Each door
// words its own instructions from it.
type ConnectionMethod struct {
	Platform ferry.Platform `json:"platform"`
	// Method is MethodOAuth, MethodFacebook, MethodBotToken or
	// MethodManual.
	Method string `json:"method"`
	// Configured is false for an OAuth flow whose app credentials are not
	// set.
	Configured bool `json:"configured"`
	// Setup names the settings an OAuth flow's app needs.
	Setup []string `json:"-"`
	// RedirectURI is the callback to register with the platform's app.
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// ConnectionMethods lists how each platform's accounts are connected.
func (s *Service) ConnectionMethods(_ context.Context, p ferry.Principal) ([]ConnectionMethod, error) {
	if err := require(p, ferry.RoleViewer, "see connection methods"); err != nil {
		return nil, err
	}
	var out []ConnectionMethod
	for _, pl := range ferry.Platforms {
		m := ConnectionMethod{Platform: pl, Method: connectionMethod(pl), Configured: true}
		switch m.Method {
		case MethodOAuth:
			_, m.Configured = s.oauthProvider(pl)
			m.Setup = oauthSetup[pl]
			m.RedirectURI = s.redirectURI(pl)
		case MethodFacebook:
			_, m.Configured = s.oauthProvider(ferry.Facebook)
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Service) oauthProvider(pl ferry.Platform) (OAuthProvider, bool) {
	if s.OAuth == nil {
		return nil, false
	}
	prov, ok := s.OAuth.Providers[pl]
	return prov, ok && prov != nil
}

// redirectURI is the platform's callback URL; empty when no public URL is
// known.
func (s *Service) redirectURI(pl ferry.Platform) string {
	if s.OAuth == nil || s.OAuth.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.OAuth.PublicURL, "/") + "/oauth/" + string(pl) + "/callback"
}

func (s *Service) stateTTL() time.Duration {
	if s.OAuth == nil || s.OAuth.StateTTL <= 0 {
		return 10 * time.Minute
	}
	return s.OAuth.StateTTL
}

// ConnectionStart is a started OAuth flow.
type ConnectionStart struct {
	Platform ferry.Platform `json:"platform"`
	// AuthorizeURL is the page to open in a browser; it works once, until
	// ExpiresAt.
	AuthorizeURL string    `json:"authorize_url"`
	RedirectURI  string    `json:"redirect_uri"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// StartConnection starts connecting accounts of a platform by OAuth.
func (s *Service) StartConnection(ctx context.Context, p ferry.Principal, pl ferry.Platform) (*ConnectionStart, error) {
	if err := require(p, ferry.RoleAdmin, "connect accounts"); err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, ferry.Errorf(ferry.EFORBIDDEN, "Connection flows are started by a person, with their own API token.")
	}
	if !pl.Valid() {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "There is no platform %q; platforms are %v.", pl, ferry.Platforms)
	}
	switch method := connectionMethod(pl); method {
	case MethodFacebook:
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "%s has no sign-in flow of its own: its professional accounts are connected through Facebook, with the Pages they are linked to.", pl.Name()).
			WithDetails(map[string]any{"method": method})
	case MethodBotToken:
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "%s has no sign-in flow: a channel is connected with a bot token, of a bot that administers the channel and may post.", pl.Name()).
			WithDetails(map[string]any{"method": method})
	case MethodManual:
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "%s has no publishing API: its account is added by hand, and a person publishes.", pl.Name()).
			WithDetails(map[string]any{"method": method})
	}
	prov, ok := s.oauthProvider(pl)
	if !ok {
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "Signing in with %s is not configured: set %s (and register %s as the app's redirect URI); meanwhile, accounts can be added by hand with their access tokens.", pl.Name(), strings.Join(oauthSetup[pl], " and "), s.redirectURI(pl)).
			WithDetails(map[string]any{"method": MethodOAuth, "setup": oauthSetup[pl], "redirect_uri": s.redirectURI(pl)})
	}
	if len(s.OAuth.Key) < 32 {
		return nil, ferry.Errorf(ferry.EINTERNAL, "The OAuth state key is missing.")
	}
	redirect := s.redirectURI(pl)
	if redirect == "" {
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "Ferry's public URL is not known: set FERRY_PUBLIC_URL.")
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("oauth nonce: %w", err)
	}
	st := &store.OAuthState{
		Nonce: base64.RawURLEncoding.EncodeToString(nonce[:]), WorkspaceID: p.WorkspaceID, UserID: p.UserID, Platform: pl,
		ExpiresAt: s.DB.Now().UTC().Add(s.stateTTL()).Truncate(time.Second),
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOAuthState(ctx, st); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "connection.start", "platform", string(pl), map[string]any{"expires_at": st.ExpiresAt}))
	})
	if err != nil {
		return nil, err
	}
	state := signState(s.OAuth.Key, statePayload{Workspace: st.WorkspaceID, User: st.UserID, Platform: pl, Nonce: st.Nonce, Expires: st.ExpiresAt.Unix()})
	return &ConnectionStart{Platform: pl, AuthorizeURL: prov.AuthorizeURL(redirect, state), RedirectURI: redirect, ExpiresAt: st.ExpiresAt}, nil
}

// statePayload is what the state parameter carries and signs.
type statePayload struct {
	Workspace string         `json:"w"`
	User      string         `json:"u"`
	Platform  ferry.Platform `json:"p"`
	Nonce     string         `json:"n"`
	Expires   int64          `json:"e"`
}

const statePrefix = "v1."

// maxStateLen bounds what is parsed as a state.
const maxStateLen = 1024

func stateMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ferry oauth state\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// signState encodes and signs a state: "v1.<payload>.<mac>", both
// base64url.
func signState(key []byte, p statePayload) string {
	raw, _ := json.Marshal(p)
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return statePrefix + payload + "." + base64.RawURLEncoding.EncodeToString(stateMAC(key, payload))
}

var errBadState = ferry.Errorf(ferry.EINVALID, "This sign-in link is not valid: it was changed, or it was not made by this Ferry. Nothing was connected; start the connection again.")

// openState checks a state's signature, platform and expiry.
func openState(key []byte, state string, pl ferry.Platform, now time.Time) (statePayload, error) {
	var p statePayload
	rest, ok := strings.CutPrefix(state, statePrefix)
	if !ok || len(state) > maxStateLen {
		return p, errBadState
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return p, errBadState
	}
	// The signature is compared as Ferry writes it, not decoded: another
	// spelling of the same bytes — its last character's unused bits set,
	// or a line break, which Go's base64 decoder skips even when strict —
	// is not the state Ferry signed (both found by FuzzOpenState).
	if !hmac.Equal([]byte(sig), []byte(base64.RawURLEncoding.EncodeToString(stateMAC(key, payload)))) {
		return p, errBadState
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return p, errBadState
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || p.Nonce == "" || p.Workspace == "" || p.User == "" {
		return p, errBadState
	}
	if p.Platform != pl {
		return p, ferry.Errorf(ferry.EINVALID, "This sign-in link was made for %s, not %s. Nothing was connected; start the connection again.", p.Platform.Name(), pl.Name())
	}
	if !now.Before(time.Unix(p.Expires, 0)) {
		return p, errExpiredState
	}
	return p, nil
}

var errExpiredState = ferry.Errorf(ferry.EINVALID, "This sign-in link has expired. Nothing was connected; start the connection again.")

// ConnectionCallback is what the platform sent to the callback URL.
type ConnectionCallback struct {
	Platform ferry.Platform
	Code     string
	State    string
	// Error is the platform's error code when it sends no code
	// ("access_denied" when the person refused); Description its words.
	Error       string
	Description string
}

// ConnectionResult says what a completed flow connected.
type ConnectionResult struct {
	Platform ferry.Platform     `json:"platform"`
	Accounts []ConnectedAccount `json:"accounts"`
	// Skipped are accounts the platform granted that were not connected,
	// with the reason.
	Skipped []SkippedAccount `json:"skipped,omitempty"`
}

// ConnectedAccount is an account a flow created or reconnected.
type ConnectedAccount struct {
	Account     *ferry.Account `json:"account"`
	Reconnected bool           `json:"reconnected"`
	// Resumed counts publications that waited for the account and were
	// rescheduled.
	Resumed int `json:"resumed,omitempty"`
	// Needs names the setting the account still needs before it can
	// publish ("link_url"), if any.
	Needs string `json:"needs,omitempty"`
}

// SkippedAccount is a granted account that was not connected.
type SkippedAccount struct {
	Platform   ferry.Platform `json:"platform"`
	ExternalID string         `json:"external_id"`
	Name       string         `json:"name"`
	Reason     string         `json:"reason"`
}

// CompleteConnection finishes an OAuth flow at the callback: it checks and
// claims the state, exchanges the code, and creates or reconnects the
// granted accounts, acting as the admin who started the flow. On any error
// nothing is connected, and the state cannot be used again.
func (s *Service) CompleteConnection(ctx context.Context, cb ConnectionCallback) (*ConnectionResult, error) {
	prov, ok := s.oauthProvider(cb.Platform)
	if !ok || len(s.OAuth.Key) < 32 {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Signing in with %q is not configured in this Ferry.", cb.Platform)
	}
	sp, err := openState(s.OAuth.Key, cb.State, cb.Platform, s.DB.Now())
	if err != nil {
		return nil, err
	}
	st, err := s.DB.Write().ClaimOAuthState(ctx, sp.Nonce)
	switch {
	case ferry.IsCode(err, ferry.ECONFLICT):
		return nil, ferry.Errorf(ferry.ECONFLICT, "This sign-in link was already used. Nothing more was connected; to connect again, start a new connection.")
	case ferry.IsCode(err, ferry.ENOTFOUND):
		return nil, errExpiredState
	case err != nil:
		return nil, err
	case st.WorkspaceID != sp.Workspace || st.UserID != sp.User || st.Platform != sp.Platform:
		return nil, errBadState
	}
	if cb.Error != "" {
		return nil, consentError(cb)
	}
	if cb.Code == "" {
		return nil, ferry.Errorf(ferry.EINVALID, "%s sent no authorisation code. Nothing was connected; start the connection again.", cb.Platform.Name())
	}
	p, err := s.flowPrincipal(ctx, st)
	if err != nil {
		return nil, err
	}
	xctx, cancel := context.WithTimeout(ctx, s.VerifyTimeout)
	grants, err := prov.Accounts(xctx, cb.Code, s.redirectURI(cb.Platform))
	cancel()
	if err != nil {
		perr := platform.Classify(err)
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "%s did not complete the sign-in: %s Nothing was connected; start the connection again.", cb.Platform.Name(), perr.Message).
			WithDetails(map[string]string{"platform_code": perr.Code})
	}
	if len(grants) == 0 {
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "%s granted no account Ferry can publish to. For Facebook, choose at least one Page when Facebook asks which Pages Ferry may use.", cb.Platform.Name())
	}
	return s.connectGrants(ctx, p, cb.Platform, grants)
}

// consentError explains a callback that carries an error instead of a code.
func consentError(cb ConnectionCallback) error {
	if cb.Error == "access_denied" {
		return ferry.Errorf(ferry.EFORBIDDEN, "You did not allow Ferry to use your %s account, so nothing was connected. To connect it, start again and accept.", cb.Platform.Name())
	}
	desc := strings.TrimSpace(cb.Description)
	if !utf8.ValidString(desc) || len(desc) > 300 {
		desc = ""
	}
	msg := fmt.Sprintf("%s refused the sign-in (%.60s)", cb.Platform.Name(), cb.Error)
	if desc != "" {
		msg += ": " + desc
	}
	return ferry.Errorf(ferry.EUNPROCESSABLE, "%s. Nothing was connected; start the connection again.", strings.TrimRight(msg, "."))
}

// flowPrincipal is the person who started a flow, with their role now: a
// person who is no longer an admin of the workspace connects nothing.
func (s *Service) flowPrincipal(ctx context.Context, st *store.OAuthState) (ferry.Principal, error) {
	ms, err := s.DB.Read().Memberships(ctx, st.UserID)
	if err != nil {
		return ferry.Principal{}, err
	}
	for _, m := range ms {
		if m.WorkspaceID == st.WorkspaceID {
			p := ferry.Principal{UserID: st.UserID, WorkspaceID: st.WorkspaceID, Role: m.Role}
			return p, require(p, ferry.RoleAdmin, "connect accounts")
		}
	}
	return ferry.Principal{}, ferry.Errorf(ferry.EFORBIDDEN, "The person who started this connection is no longer a member of the workspace.")
}

// connectGrants verifies each granted account with its platform, then, in
// one transaction, creates the new ones and reconnects those the workspace
// already has (new credentials, connected again, waiting publications
// resumed). Closed accounts stay closed.
func (s *Service) connectGrants(ctx context.Context, p ferry.Principal, pl ferry.Platform, grants []Grant) (*ConnectionResult, error) {
	res := &ConnectionResult{Platform: pl, Accounts: []ConnectedAccount{}}
	existing, err := s.DB.Read().Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	var ready []*ferry.Account
	for _, g := range grants {
		skip := func(reason string) {
			res.Skipped = append(res.Skipped, SkippedAccount{Platform: g.Platform, ExternalID: g.ExternalID, Name: g.Name, Reason: reason})
		}
		in := AccountInput{Platform: g.Platform, ExternalID: g.ExternalID, Name: g.Name, Credentials: g.Credentials}
		if err := in.validate(); err != nil {
			skip(fmt.Sprintf("%s answered with an account Ferry cannot use (%v).", pl.Name(), err))
			continue
		}
		a := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: in.Platform, ExternalID: in.ExternalID, Name: in.Name, Credentials: in.Credentials}
		if old := findAccount(existing, a.Platform, a.ExternalID); old != nil {
			if old.Health == ferry.HealthClosed {
				skip(fmt.Sprintf("Account %s was closed in Ferry and stays closed.", old.ID))
				continue
			}
			a.ID, a.Name = old.ID, old.Name
		}
		if err := s.verify(ctx, a); err != nil {
			skip(ferry.ErrorMessage(err))
			continue
		}
		if a.Name == "" {
			a.Name = a.ExternalID
		}
		ready = append(ready, a)
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		current, err := tx.Accounts(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		for _, a := range ready {
			c := ConnectedAccount{Account: a}
			if listed := findAccount(current, a.Platform, a.ExternalID); listed != nil {
				old, err := tx.AccountForUpdate(ctx, p.WorkspaceID, listed.ID)
				if err != nil {
					return err
				}
				if old.Health == ferry.HealthClosed {
					res.Skipped = append(res.Skipped, SkippedAccount{Platform: a.Platform, ExternalID: a.ExternalID, Name: old.Name, Reason: fmt.Sprintf("Account %s was closed in Ferry and stays closed.", old.ID)})
					continue
				}
				if c.Resumed, err = s.reconnect(ctx, tx, p, old, a.Credentials); err != nil {
					return err
				}
				c.Account, c.Reconnected = old, true
			} else {
				if err := tx.CreateAccount(ctx, a); err != nil {
					return err
				}
				if err := tx.Audit(ctx, audit(p, "account.create", "account", a.ID, map[string]any{"platform": a.Platform, "external_id": a.ExternalID, "via": "oauth"})); err != nil {
					return err
				}
			}
			c.Needs = accountNeeds(c.Account)
			res.Accounts = append(res.Accounts, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(res.Accounts) == 0 {
		reasons := make([]string, 0, len(res.Skipped))
		for _, sk := range res.Skipped {
			reasons = append(reasons, fmt.Sprintf("%s %s: %s", sk.Platform.Name(), sk.ExternalID, sk.Reason))
		}
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "No account was connected. %s", strings.Join(reasons, " ")).WithDetails(map[string]any{"skipped": res.Skipped})
	}
	return res, nil
}

// reconnect gives an existing account, read with AccountForUpdate, new
// credentials, as UpdateAccount does: it is connected again, and
// publications that waited for it resume.
func (s *Service) reconnect(ctx context.Context, tx *store.Tx, p ferry.Principal, a *ferry.Account, creds map[string]string) (resumed int, err error) {
	wasReauth := a.Health == ferry.HealthNeedsReauth
	if err := tx.SetAccountCredentials(ctx, a, creds); err != nil {
		return 0, err
	}
	if err := tx.Audit(ctx, audit(p, "account.update", "account", a.ID, map[string]any{"changed": []string{"credentials"}, "via": "oauth"})); err != nil {
		return 0, err
	}
	if !wasReauth {
		return 0, nil
	}
	pubs, err := tx.Publications(ctx, ferry.PublicationFilter{AccountID: a.ID, States: []ferry.PublicationState{ferry.StateNeedsReauth}})
	if err != nil {
		return 0, err
	}
	return len(pubs), s.resumeAccount(ctx, tx, p, a)
}

// platformName is a platform's name as people write it.
func findAccount(list []*ferry.Account, pl ferry.Platform, externalID string) *ferry.Account {
	for _, a := range list {
		if a.Platform == pl && a.ExternalID == externalID {
			return a
		}
	}
	return nil
}

// accountNeeds names the setting a connected account still needs before it
// can publish: a Weibo account its safe-domain link.
func accountNeeds(a *ferry.Account) string {
	if a.Platform == ferry.Weibo {
		if link, _ := a.Settings["link_url"].(string); strings.TrimSpace(link) == "" {
			return "link_url"
		}
	}
	return ""
}
