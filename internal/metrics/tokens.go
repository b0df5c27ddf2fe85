package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// Token lifecycle parameters.
const (
	// TokenWarnAhead is how long before its expiry an account's
	// authorisation is announced as expiring (Weibo's last 1 to 7 days).
	TokenWarnAhead = 48 * time.Hour
	// TokenMargin is how long before its expiry an authorisation is no
	// longer trusted: the account moves to needs_reauth then, so that no
	// publication is sent on a token about to lapse mid-call.
	TokenMargin = 10 * time.Minute
)

// ActionTokenExpiring is the audit action of the daily warning.
const ActionTokenExpiring = "account.token_expiring"

// TokenCheck asks for one account's expiry to be checked at a time: when
// its token enters the margin, between two runs of the watch.
type TokenCheck struct {
	AccountID string
	ExpiresAt time.Time
	At        time.Time
}

// WatchTokens looks at every connected account whose credentials carry an
// "expires_at" (RFC 3339). An account within TokenMargin of its expiry, or
// past it, moves to needs_reauth with the reason; one expiring within
// TokenWarnAhead gets an "account.token_expiring" audit event, at most once
// a day (in the workspace's time zone). It returns the checks to schedule
// for accounts that will enter the margin within the next horizon, so that
// they move on time rather than at the next run.
func (c *Collector) WatchTokens(ctx context.Context, horizon time.Duration) ([]TokenCheck, error) {
	accts, err := c.DB.Read().ConnectedAccounts(ctx)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	zones := map[string]*time.Location{}
	var checks []TokenCheck
	for _, a := range accts {
		raw := a.Credentials["expires_at"]
		if raw == "" {
			continue
		}
		exp, err := time.Parse(time.RFC3339, raw)
		switch {
		case err != nil, exp.Sub(now) <= TokenMargin:
			if err := c.CheckToken(ctx, a.ID); err != nil {
				return checks, err
			}
		case exp.Sub(now) <= TokenWarnAhead:
			loc, ok := zones[a.WorkspaceID]
			if !ok {
				ws, err := c.DB.Read().Workspace(ctx, a.WorkspaceID)
				if err != nil {
					return checks, err
				}
				loc = location(ws.TimeZone)
				zones[a.WorkspaceID] = loc
			}
			if err := c.warnExpiring(ctx, a, exp, loc); err != nil {
				return checks, err
			}
			if at := exp.Add(-TokenMargin); at.Sub(now) <= horizon {
				checks = append(checks, TokenCheck{AccountID: a.ID, ExpiresAt: exp, At: at})
			}
		}
	}
	return checks, nil
}

// CheckToken moves an account to needs_reauth if its authorisation has
// expired, expires within TokenMargin, or has an unreadable expiry. The
// account is read again in the transaction, so a reconnection with a new
// token is never undone.
func (c *Collector) CheckToken(ctx context.Context, accountID string) error {
	return c.reauth(ctx, accountID, "token_watch", func(a *ferry.Account) (string, map[string]any, bool) {
		raw := a.Credentials["expires_at"]
		if raw == "" {
			return "", nil, false
		}
		exp, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return fmt.Sprintf("The %s authorisation's expiry (%q) is unreadable; reconnect the account.", a.Platform.Name(), raw), map[string]any{"expires_at": raw}, true
		}
		now := c.Now()
		left := exp.Sub(now)
		if left > TokenMargin {
			return "", nil, false
		}
		when := exp.UTC().Format(time.RFC3339)
		reason := fmt.Sprintf("The %s authorisation expired at %s; reconnect the account.", a.Platform.Name(), when)
		if left > 0 {
			reason = fmt.Sprintf("The %s authorisation expires at %s, in less than %v; reconnect the account to keep publishing.", a.Platform.Name(), when, TokenMargin)
		}
		return reason, map[string]any{"expires_at": when}, true
	})
}

// warnExpiring records the daily "token expiring" event for an account,
// unless one was recorded since the day began in loc. Audit events are
// timed by the store's clock, so the day is too.
func (c *Collector) warnExpiring(ctx context.Context, a *ferry.Account, exp time.Time, loc *time.Location) error {
	return c.DB.InTx(ctx, func(tx *store.Tx) error {
		last, err := tx.LastAudit(ctx, a.WorkspaceID, "account", a.ID, ActionTokenExpiring)
		if err != nil {
			return err
		}
		if last != nil && !last.Before(dayStart(tx.Now(), loc)) {
			return nil
		}
		left := exp.Sub(c.Now())
		return tx.Audit(ctx, ferry.Audit{WorkspaceID: a.WorkspaceID, Actor: "system", Action: ActionTokenExpiring, TargetType: "account", TargetID: a.ID,
			Data: map[string]any{"platform": a.Platform, "expires_at": exp.UTC().Format(time.RFC3339), "hours_left": int(left.Hours()),
				"message": fmt.Sprintf("The %s authorisation of %s expires at %s; reconnect the account before then.", a.Platform.Name(), a.Name, exp.UTC().Format(time.RFC3339))}})
	})
}
