package service

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// AccountInput connects an account by hand.
type AccountInput struct {
	Platform    ferry.Platform    `json:"platform"`
	Name        string            `json:"name"`
	ExternalID  string            `json:"external_id"`
	Credentials map[string]string `json:"credentials"`
	Settings    map[string]any    `json:"settings"`
}

// requiredCredentials lists, per platform, the credentials a manual
// connection must carry.
var requiredCredentials = map[ferry.Platform][]string{
	ferry.Telegram:    {"bot_token"},
	ferry.Weibo:       {"access_token"},
	ferry.Facebook:    {"page_access_token"},
	ferry.Instagram:   {"access_token"},
	ferry.Xiaohongshu: {},
}

// credentialRules are the forms of credentials that have one: a Telegram
// bot token goes into the Bot API's URL path, so nothing else may pass.
var credentialRules = map[ferry.Platform]map[string]struct {
	re   *regexp.Regexp
	hint string
}{
	ferry.Telegram: {"bot_token": {regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`), "must be a bot token as @BotFather gives it: <digits>:<token>"}},
}

var externalIDRules = map[ferry.Platform]struct {
	re   *regexp.Regexp
	hint string
}{
	ferry.Telegram:    {regexp.MustCompile(`^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,16})$`), `"@channelname" or a numeric chat id`},
	ferry.Weibo:       {regexp.MustCompile(`^[0-9]{1,20}$`), "the numeric Weibo uid"},
	ferry.Facebook:    {regexp.MustCompile(`^[0-9]{1,25}$`), "the numeric Page id"},
	ferry.Instagram:   {regexp.MustCompile(`^[0-9]{1,25}$`), "the numeric Instagram professional account id"},
	ferry.Xiaohongshu: {regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`), "the account's RED id"},
}

func (in *AccountInput) validate() error {
	details := map[string]string{}
	if !in.Platform.Valid() {
		details["platform"] = fmt.Sprintf("must be one of %v", ferry.Platforms)
	} else {
		in.ExternalID = strings.TrimSpace(in.ExternalID)
		if r := externalIDRules[in.Platform]; !r.re.MatchString(in.ExternalID) {
			details["external_id"] = "must be " + r.hint
		}
		for _, k := range requiredCredentials[in.Platform] {
			if strings.TrimSpace(in.Credentials[k]) == "" {
				details["credentials."+k] = "is required for " + string(in.Platform)
			}
		}
		for k, r := range credentialRules[in.Platform] {
			if v := in.Credentials[k]; strings.TrimSpace(v) != "" && !r.re.MatchString(v) {
				details["credentials."+k] = r.hint
			}
		}
	}
	for k, reason := range checkAccountSettings(in.Settings) {
		details["settings."+k] = reason
	}
	in.Name = strings.TrimSpace(in.Name)
	if len(in.Name) > 200 {
		details["name"] = "must be at most 200 characters"
	}
	if len(details) > 0 {
		return ferry.Errorf(ferry.EINVALID, "The account is not valid.").WithDetails(details)
	}
	return nil
}

// verify asks the platform whether the credentials work, where the
// connector can tell.
func (s *Service) verify(ctx context.Context, a *ferry.Account) error {
	conn, ok := s.Connectors.Get(a.Platform)
	if !ok {
		return nil
	}
	v, ok := conn.(platform.Verifier)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.VerifyTimeout)
	defer cancel()
	id, err := v.Verify(ctx, platform.Account{ID: a.ID, ExternalID: a.ExternalID, Credentials: a.Credentials, Settings: a.Settings})
	if err != nil {
		perr := platform.Classify(err)
		return ferry.Errorf(ferry.EUNPROCESSABLE, "%s did not accept the account: %s", a.Platform, perr.Message).WithDetails(map[string]string{"platform_code": perr.Code})
	}
	if a.Name == "" {
		a.Name = id.Name
	}
	if id.ExpiresAt != nil {
		a.Credentials["expires_at"] = id.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return nil
}

// CreateAccount connects an account after checking it with the platform.
func (s *Service) CreateAccount(ctx context.Context, p ferry.Principal, in AccountInput) (*ferry.Account, error) {
	if err := require(p, ferry.RoleAdmin, "connect accounts"); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	// The account gets its own copy: verification adds to the credentials.
	a := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: in.Platform, ExternalID: in.ExternalID, Name: in.Name, Credentials: maps.Clone(in.Credentials), Settings: mergeSettings(nil, in.Settings)}
	if a.Credentials == nil {
		a.Credentials = map[string]string{}
	}
	if err := s.verify(ctx, a); err != nil {
		return nil, err
	}
	if a.Name == "" {
		a.Name = a.ExternalID
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "account.create", "account", a.ID, map[string]any{"platform": a.Platform, "external_id": a.ExternalID}))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Accounts lists the workspace's accounts.
func (s *Service) Accounts(ctx context.Context, p ferry.Principal) ([]*ferry.Account, error) {
	if err := require(p, ferry.RoleViewer, "see accounts"); err != nil {
		return nil, err
	}
	return s.DB.Read().Accounts(ctx, p.WorkspaceID)
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, p ferry.Principal, id string) (*ferry.Account, error) {
	if err := require(p, ferry.RoleViewer, "see accounts"); err != nil {
		return nil, err
	}
	return s.DB.Read().Account(ctx, p.WorkspaceID, id)
}

// AccountPatch changes an account; nil fields stay as they are. Settings
// merge into the account's: a setting named with a value replaces it, one
// named with null is removed, and those not named stay (JSON merge patch,
// RFC 7396, at the top level).
type AccountPatch struct {
	Name        *string           `json:"name"`
	Credentials map[string]string `json:"credentials"`
	Settings    map[string]any    `json:"settings"`
}

// UpdateAccount changes an account. New credentials are checked with the
// platform; an account that needed re-authorisation is connected again and
// its waiting publications resume. The check happens before the
// transaction, which reads the account again and writes only what the
// patch changes: an account closed meanwhile stays closed (ECONFLICT).
func (s *Service) UpdateAccount(ctx context.Context, p ferry.Principal, id string, patch AccountPatch) (*ferry.Account, error) {
	if err := require(p, ferry.RoleAdmin, "change accounts"); err != nil {
		return nil, err
	}
	a, err := s.DB.Read().Account(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if a.Health == ferry.HealthClosed {
		return nil, ferry.Errorf(ferry.ECONFLICT, "Account %s is closed.", id)
	}
	if patch.Name != nil {
		a.Name = strings.TrimSpace(*patch.Name)
	}
	if patch.Settings != nil {
		if details := checkAccountSettings(patch.Settings); len(details) > 0 {
			fields := make(map[string]string, len(details))
			for k, v := range details {
				fields["settings."+k] = v
			}
			return nil, ferry.Errorf(ferry.EINVALID, "The account's settings are not valid: the settings are %q; audience_script is one of %q, link_url an http(s) URL, operators a list of emails or {email, name, telegram_chat_id}, lead_time (0 to 24h) and deadline_after (up to 168h) durations such as \"30m\".", AccountSettings, AudienceScripts).WithDetails(fields)
		}
		a.Settings = mergeSettings(a.Settings, patch.Settings)
	}
	if patch.Credentials != nil {
		in := AccountInput{Platform: a.Platform, ExternalID: a.ExternalID, Name: a.Name, Credentials: patch.Credentials}
		if err := in.validate(); err != nil {
			return nil, err
		}
		a.Credentials = maps.Clone(patch.Credentials)
		if err := s.verify(ctx, a); err != nil {
			return nil, err
		}
	}
	var cur *ferry.Account
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if cur, err = tx.AccountForUpdate(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if cur.Health == ferry.HealthClosed {
			return ferry.Errorf(ferry.ECONFLICT, "Account %s was closed while it was being changed; it stays closed.", id)
		}
		changed := []string{}
		if patch.Name != nil || patch.Settings != nil {
			name, settings := cur.Name, cur.Settings
			if patch.Name != nil {
				name = a.Name
				changed = append(changed, "name")
			}
			if patch.Settings != nil {
				settings = mergeSettings(cur.Settings, patch.Settings)
				changed = append(changed, "settings")
			}
			if err := tx.SetAccountProfile(ctx, cur, name, settings); err != nil {
				return err
			}
		}
		reconnected := false
		if patch.Credentials != nil {
			reconnected = cur.Health == ferry.HealthNeedsReauth
			if err := tx.SetAccountCredentials(ctx, cur, a.Credentials); err != nil {
				return err
			}
			changed = append(changed, "credentials")
		}
		if err := tx.Audit(ctx, audit(p, "account.update", "account", cur.ID, map[string]any{"changed": changed})); err != nil {
			return err
		}
		if !reconnected {
			return nil
		}
		return s.resumeAccount(ctx, tx, p, cur)
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// resumeAccount reschedules the publications that waited for the account
// to be reconnected.
func (s *Service) resumeAccount(ctx context.Context, tx *store.Tx, p ferry.Principal, a *ferry.Account) error {
	pubs, err := tx.Publications(ctx, ferry.PublicationFilter{AccountID: a.ID, States: []ferry.PublicationState{ferry.StateNeedsReauth}})
	if err != nil {
		return err
	}
	now := tx.Now()
	for _, listed := range pubs {
		pub, err := tx.PublicationForUpdate(ctx, listed.ID)
		if err != nil {
			return err
		}
		if pub.State != ferry.StateNeedsReauth {
			continue // moved on since it was listed (PostgreSQL)
		}
		if err := s.reschedule(ctx, tx, p, pub, &now, ferry.Because(ferry.ReasonAccountReconnected)); err != nil {
			return err
		}
	}
	return nil
}

// CloseAccount closes an account: its record is kept, nothing more is sent
// through it, and its unsent publications are canceled. (The closure of
// closure.go does this and more: an archive, remote posts, credentials.)
func (s *Service) CloseAccount(ctx context.Context, p ferry.Principal, id string) (*ferry.Account, error) {
	if err := require(p, ferry.RoleAdmin, "close accounts"); err != nil {
		return nil, err
	}
	var a *ferry.Account
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = tx.AccountForUpdate(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if a.Health == ferry.HealthClosed {
			return nil
		}
		_, err = s.closeInTx(ctx, tx, p, a, "Closed by a workspace admin.")
		return err
	})
	return a, err
}
