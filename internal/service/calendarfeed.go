package service

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/ical"
	"github.com/ferry-social/ferry/internal/store"
)

// The calendar feed: each member may make a secret link
// (/calendar.ics?token=…) that Outlook or Google Calendar subscribe to. The
// token is shown once and kept as its SHA-256; a new one replaces the old;
// revoking deletes it. The feed holds the workspace's scheduled and
// published publications and its campaigns and blackouts, from 30 days ago
// to a year ahead, with the member's rights at the time it is read (a
// removed member's link stops working).

// Feed window.
const (
	feedBack  = 30 * 24 * time.Hour
	feedAhead = 366 * 24 * time.Hour
)

// HasCalendarFeed reports whether the person has a calendar feed link.
func (s *Service) HasCalendarFeed(ctx context.Context, p ferry.Principal) (bool, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return false, err
	}
	return s.DB.Read().HasCalendarFeed(ctx, p.WorkspaceID, p.UserID)
}

// NewCalendarFeed makes the person's calendar feed token, replacing any
// earlier one (whose link stops working), and returns it: shown once.
func (s *Service) NewCalendarFeed(ctx context.Context, p ferry.Principal) (string, error) {
	if err := require(p, ferry.RoleViewer, "subscribe to the calendar"); err != nil {
		return "", err
	}
	if p.UserID == "" {
		return "", ferry.Errorf(ferry.EFORBIDDEN, "A calendar feed belongs to a person; sign in to make one.")
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutCalendarFeed(ctx, p.WorkspaceID, p.UserID, hash); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "calendar.feed_create", "user", p.UserID, nil))
	})
	return token, err
}

// RevokeCalendarFeed revokes the person's calendar feed link.
func (s *Service) RevokeCalendarFeed(ctx context.Context, p ferry.Principal) error {
	if err := require(p, ferry.RoleViewer, "subscribe to the calendar"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteCalendarFeed(ctx, p.WorkspaceID, p.UserID)
		if err != nil || !ok {
			return err
		}
		return tx.Audit(ctx, audit(p, "calendar.feed_revoke", "user", p.UserID, nil))
	})
}

// WriteCalendarFeed writes the feed a token opens as iCalendar. An unknown
// or revoked token, or one of a person no longer a member, is ENOTFOUND.
func (s *Service) WriteCalendarFeed(ctx context.Context, token string, w io.Writer) error {
	gone := ferry.Errorf(ferry.ENOTFOUND, "This calendar link is not valid (revoked or replaced); make a new one on Ferry's calendar page.")
	if token == "" {
		return gone
	}
	q := s.DB.Read()
	wsID, userID, ok, err := q.CalendarFeedOwner(ctx, auth.HashToken(token))
	if err != nil {
		return err
	}
	if !ok {
		return gone
	}
	ms, err := q.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	member := false
	for _, m := range ms {
		member = member || m.WorkspaceID == wsID
	}
	if !member {
		return gone
	}
	ws, err := q.Workspace(ctx, wsID)
	if err != nil {
		return err
	}
	loc, err := s.location(ctx, q, wsID)
	if err != nil {
		return err
	}
	now := s.DB.Now()
	from, to := now.Add(-feedBack), now.Add(feedAhead)
	pubs, err := q.PublicationsScheduledBetween(ctx, wsID, from, to)
	if err != nil {
		return err
	}
	ids := []string{}
	for _, p := range pubs {
		ids = append(ids, p.StoryID)
	}
	stories, err := q.StoriesByID(ctx, wsID, ids)
	if err != nil {
		return err
	}
	accounts, err := q.Accounts(ctx, wsID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range accounts {
		names[a.ID] = a.Name
	}
	var events []ical.Event
	for _, p := range pubs {
		at := *p.ScheduledAt
		if p.PublishedAt != nil {
			at = *p.PublishedAt
		}
		title := ""
		if st := stories[p.StoryID]; st != nil {
			title = StoryTitle(st)
		}
		events = append(events, ical.Event{UID: p.ID + "@ferry", Summary: fmt.Sprintf("%s · %s", title, names[p.AccountID]),
			Description: fmt.Sprintf("%s, %s (%s)", p.Platform, p.State, names[p.AccountID]), URL: p.RemoteURL,
			Start: at, End: at.Add(15 * time.Minute), Categories: string(p.Platform)})
	}
	evs, err := s.eventsBetween(ctx, q, wsID, "", from, to, loc)
	if err != nil {
		return err
	}
	for _, e := range evs {
		name := strings.TrimSpace(e.NameEN + " " + e.NameZh)
		ev := ical.Event{UID: e.ID + "@ferry", Summary: name, Description: e.Note, Start: e.StartsAt, End: e.EndsAt, AllDay: e.AllDay, Categories: e.Kind}
		if e.AllDay {
			ev.Start, ev.End = e.StartsAt.In(loc), e.EndsAt.In(loc)
		}
		events = append(events, ev)
	}
	return ical.Write(w, ws.Name, now, events)
}
