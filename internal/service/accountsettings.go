package service

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/metrics"
)

// AudienceScripts lists the values of an account's audience_script
// setting: "" converts to the platform's usual script, "source" keeps the
// story's.
var AudienceScripts = []string{"", string(script.Source), string(script.HongKong), string(script.Taiwan), string(script.Traditional), string(script.Simplified)}

// AccountSettings lists the settings an account may have; any other is
// refused, so that a misspelt setting is not silently ignored.
var AccountSettings = []string{"audience_script", "link_url", "operators", "lead_time", "deadline_after"}

// checkAccountSettings checks settings as they are written, and returns
// setting → reason code for those that are not valid: "unknown" for a
// setting Ferry does not have, "invalid" for a bad value. A null value
// (which a PATCH uses to remove a setting) is valid.
func checkAccountSettings(settings map[string]any) map[string]string {
	details := map[string]string{}
	for k := range settings {
		if !slices.Contains(AccountSettings, k) {
			details[k] = "unknown"
		}
	}
	if v, ok := settings["audience_script"]; ok && v != nil {
		s, isString := v.(string)
		valid := false
		for _, a := range AudienceScripts {
			valid = valid || (isString && strings.TrimSpace(s) == a)
		}
		if !valid {
			details["audience_script"] = "invalid"
		}
	}
	if v, ok := settings["link_url"]; ok && v != nil {
		s, isString := v.(string)
		s = strings.TrimSpace(s)
		if u, err := url.Parse(s); !isString || (s != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "")) {
			details["link_url"] = "invalid"
		}
	}
	// Each handoff setting is parsed on its own, so a problem is told
	// beside its own field.
	for _, key := range []string{"operators", "lead_time", "deadline_after"} {
		if v, ok := settings[key]; ok && v != nil {
			if _, err := handoff.ParseSettings(map[string]any{key: v}, handoff.Timing{}); err != nil {
				details[key] = "invalid"
			}
		}
	}
	return details
}

// AccountOverview is an account as the accounts page shows it: its health,
// when its authorisation lapses, and its latest follower count.
type AccountOverview struct {
	AccountStatus
	// Followers is the latest reading of the follower count, nil when none
	// was read; FollowersAt is when it was read.
	Followers   *int64
	FollowersAt *time.Time
	// Method is how accounts of its platform are connected (MethodOAuth,
	// …), which is also how it is reconnected.
	Method string
}

// followerWindow bounds how far back the latest follower reading is looked
// for.
const followerWindow = 90 * 24 * time.Hour

// AccountOverviews lists the workspace's accounts with their health, token
// expiry and latest follower count. Credentials are left out.
func (s *Service) AccountOverviews(ctx context.Context, p ferry.Principal) ([]AccountOverview, error) {
	if err := require(p, ferry.RoleViewer, "see accounts"); err != nil {
		return nil, err
	}
	accts, err := s.DB.Read().Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	out := make([]AccountOverview, 0, len(accts))
	for _, a := range accts {
		o, err := s.overview(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, nil
}

// AccountOverview returns one account as the accounts page shows it.
func (s *Service) AccountOverview(ctx context.Context, p ferry.Principal, id string) (*AccountOverview, error) {
	if err := require(p, ferry.RoleViewer, "see accounts"); err != nil {
		return nil, err
	}
	a, err := s.DB.Read().Account(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return s.overview(ctx, a)
}

func (s *Service) overview(ctx context.Context, a *ferry.Account) (*AccountOverview, error) {
	now := s.DB.Now()
	o := &AccountOverview{AccountStatus: AccountStatus{Account: a}, Method: connectionMethod(a.Platform)}
	if exp, err := time.Parse(time.RFC3339, a.Credentials["expires_at"]); err == nil && a.Health != ferry.HealthClosed {
		o.TokenExpiresAt = &exp
		o.Expiring = exp.Sub(now) <= metrics.TokenWarnAhead
	}
	a.Credentials = nil
	readings, err := s.DB.Read().AccountSnapshots(ctx, a.ID, now.Add(-followerWindow), time.Time{})
	if err != nil {
		return nil, err
	}
	for i := len(readings) - 1; i >= 0; i-- {
		if readings[i].Followers != nil {
			at := readings[i].At
			o.Followers, o.FollowersAt = readings[i].Followers, &at
			break
		}
	}
	return o, nil
}

// mergeSettings returns cur with patch merged in: a null value removes its
// setting, any other replaces it, and settings patch does not name stay.
func mergeSettings(cur, patch map[string]any) map[string]any {
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}
