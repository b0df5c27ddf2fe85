package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/metrics"
)

// What the dashboard looks at.
const (
	// dashboardRecent is how long failed and missed publications stay on
	// the dashboard after they ended.
	dashboardRecent = 7 * 24 * time.Hour
	// dashboardAhead is how far ahead scheduled publications are listed.
	dashboardAhead = 7 * 24 * time.Hour
	// dashboardHolidayDays is how many days of festivals and holidays are
	// listed.
	dashboardHolidayDays = 30
	// dashboardListMax bounds each list; the totals say how many more.
	dashboardListMax = 50
)

// PublicationItem is a publication with what a list shows beside it.
type PublicationItem struct {
	Publication *ferry.Publication
	// StoryTitle is the story's title, or the start of its body.
	StoryTitle string
	Account    string
	// DueAt and DeadlineAt are an open handoff's.
	DueAt, DeadlineAt *time.Time
}

// PublicationList is up to dashboardListMax items and how many there are.
type PublicationList struct {
	Items []PublicationItem
	Total int
}

// AccountStatus is an account's health at a glance.
type AccountStatus struct {
	Account *ferry.Account
	// TokenExpiresAt is when the account's authorisation lapses, for
	// platforms whose tokens expire.
	TokenExpiresAt *time.Time
	// Expiring is set when that is within metrics.TokenWarnAhead.
	Expiring bool
}

// NeedsAttention reports whether a person must act on the account.
func (a AccountStatus) NeedsAttention() bool {
	return a.Account.Health == ferry.HealthNeedsReauth || a.Expiring
}

// Holiday is a festival, public holiday or make-up working day of the
// workspace's region, named in each script.
type Holiday struct {
	Date       calendar.Date
	Kind       calendar.Kind
	NameEN     string
	NameZhHant string
	NameZhHans string
}

// Dashboard is what needs a person now, and what comes next.
type Dashboard struct {
	Now      time.Time
	Location *time.Location
	Region   string
	// Unknown are publications whose outcome a person must settle.
	Unknown PublicationList
	// Failed are failed and missed publications of the last week, newest
	// first.
	Failed PublicationList
	// Handoffs are open Xiaohongshu handoffs, soonest deadline first.
	Handoffs PublicationList
	// Waiting are publications held by a limit or their account's
	// authorisation, with the reason and the next slot.
	Waiting PublicationList
	// Upcoming are publications scheduled in the next week, soonest first.
	Upcoming PublicationList
	Accounts []AccountStatus
	Holidays []Holiday
}

// Dashboard gathers what needs a person in p's workspace now: unknown
// outcomes, failed and missed publications, open handoffs, publications
// waiting, accounts to reconnect; and what is coming: the week's
// publications and the region's festivals and holidays.
func (s *Service) Dashboard(ctx context.Context, p ferry.Principal) (*Dashboard, error) {
	if err := require(p, ferry.RoleViewer, "see the dashboard"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	ws, err := q.Workspace(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("service: workspace %s time zone: %w", ws.ID, err)
	}
	now := s.DB.Now()
	d := &Dashboard{Now: now, Location: loc, Region: ws.Region}

	accts, err := q.Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, a := range accts {
		names[a.ID] = a.Name
		if a.Health == ferry.HealthClosed {
			continue
		}
		st := AccountStatus{Account: a}
		if exp, err := time.Parse(time.RFC3339, a.Credentials["expires_at"]); err == nil {
			st.TokenExpiresAt = &exp
			st.Expiring = exp.Sub(now) <= metrics.TokenWarnAhead
		}
		a.Credentials = nil // the dashboard never needs them
		d.Accounts = append(d.Accounts, st)
	}

	pubs, stories, err := q.DashboardPublications(ctx, p.WorkspaceID, now.Add(-dashboardRecent), now.Add(dashboardAhead))
	if err != nil {
		return nil, err
	}
	var unknown, failed, handoffs, waiting, upcoming []PublicationItem
	for _, pub := range pubs {
		item := PublicationItem{Publication: pub, Account: names[pub.AccountID]}
		switch pub.State {
		case ferry.StateUnknown:
			unknown = append(unknown, item)
		case ferry.StateFailed, ferry.StateMissed:
			if now.Sub(pub.UpdatedAt) <= dashboardRecent {
				failed = append(failed, item)
			}
		case ferry.StateHandoff:
			h, err := q.LatestHandoff(ctx, p.WorkspaceID, pub.ID)
			if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
				return nil, err
			}
			if h != nil {
				item.DueAt, item.DeadlineAt = &h.DueAt, &h.DeadlineAt
			}
			handoffs = append(handoffs, item)
		case ferry.StateWaiting, ferry.StateNeedsReauth, ferry.StateAwaitingApproval:
			waiting = append(waiting, item)
		case ferry.StateScheduled:
			if pub.ScheduledAt != nil && pub.ScheduledAt.Sub(now) <= dashboardAhead {
				upcoming = append(upcoming, item)
			}
		}
	}
	slices.SortStableFunc(failed, func(a, b PublicationItem) int { return b.Publication.UpdatedAt.Compare(a.Publication.UpdatedAt) })
	slices.SortStableFunc(handoffs, func(a, b PublicationItem) int { return compareTimes(a.DeadlineAt, b.DeadlineAt) })
	slices.SortStableFunc(waiting, func(a, b PublicationItem) int { return compareTimes(a.Publication.NextAt, b.Publication.NextAt) })
	slices.SortStableFunc(upcoming, func(a, b PublicationItem) int {
		return compareTimes(a.Publication.ScheduledAt, b.Publication.ScheduledAt)
	})
	for _, list := range []struct {
		items []PublicationItem
		to    *PublicationList
	}{{unknown, &d.Unknown}, {failed, &d.Failed}, {handoffs, &d.Handoffs}, {waiting, &d.Waiting}, {upcoming, &d.Upcoming}} {
		for _, item := range list.items {
			list.to.Total++
			if len(list.to.Items) < dashboardListMax {
				item.StoryTitle = StoryTitle(stories[item.Publication.StoryID])
				list.to.Items = append(list.to.Items, item)
			}
		}
	}

	today := calendar.DateOf(now.In(loc))
	events, err := calendar.Events(ws.Region, today, today.AddDays(dashboardHolidayDays-1))
	var cov *calendar.CoverageError
	if err != nil && !errors.As(err, &cov) {
		return nil, fmt.Errorf("service: dashboard holidays: %w", err)
	}
	for _, e := range events {
		d.Holidays = append(d.Holidays, Holiday{Date: e.Date, Kind: e.Kind, NameEN: e.NameEN, NameZhHant: e.NameZhHant, NameZhHans: e.NameZhHans})
	}
	return d, nil
}

// compareTimes orders nil last.
func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

// StoryTitle names a story in a list: its title, or the first 60
// characters of its body.
func StoryTitle(st *ferry.Story) string {
	if st.Title != "" {
		return st.Title
	}
	if utf8.RuneCountInString(st.Body) > 60 {
		return string([]rune(st.Body)[:60]) + "…"
	}
	return st.Body
}

// Attempts lists a publication's attempts, first first.
func (s *Service) Attempts(ctx context.Context, p ferry.Principal, publicationID string) ([]*ferry.Attempt, error) {
	if err := require(p, ferry.RoleViewer, "see publications"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	if _, err := q.Publication(ctx, p.WorkspaceID, publicationID); err != nil {
		return nil, err
	}
	return q.Attempts(ctx, publicationID)
}
