package service

import (
	"context"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
)

// maxCalendarDays bounds a CalendarPublications range: six weeks covers a
// month view with its neighbouring days.
const maxCalendarDays = 42

// CalendarStory is a story as the calendar shows it: its publications due
// at one time. A story whose publications are due at different times
// (one held back by a limit, say) appears once per time.
type CalendarStory struct {
	Story *ferry.Story
	// Title is the story's title, or the start of its body.
	Title string
	At    time.Time
	// Day is At's date in the workspace's time zone.
	Day          calendar.Date
	Publications []*ferry.Publication
}

// Movable reports whether the story has a publication still to send at a
// time, which ScheduleStory would move.
func (c CalendarStory) Movable() bool {
	for _, p := range c.Publications {
		if p.State == ferry.StateScheduled || p.State == ferry.StateWaiting || p.State == ferry.StateNeedsReauth || p.State == ferry.StateAwaitingApproval {
			return true
		}
	}
	return false
}

// CalendarPublications lists the stories scheduled on the days from to to
// (inclusive, in the workspace's time zone), soonest first, each with its
// publications due then; canceled publications are left out. The range
// may span at most maxCalendarDays days.
func (s *Service) CalendarPublications(ctx context.Context, p ferry.Principal, from, to calendar.Date) ([]CalendarStory, error) {
	if err := require(p, ferry.RoleViewer, "see the calendar"); err != nil {
		return nil, err
	}
	if to.Before(from) || !to.Before(from.AddDays(maxCalendarDays)) {
		return nil, ferry.Errorf(ferry.EINVALID, "The range must run forwards and span at most %d days.", maxCalendarDays).
			WithDetails(map[string]string{"to": fmt.Sprintf("at most %d days after from", maxCalendarDays-1)})
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	pubs, err := q.PublicationsScheduledBetween(ctx, p.WorkspaceID, from.At(0, 0, loc), to.AddDays(1).At(0, 0, loc))
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, pub := range pubs {
		if !seen[pub.StoryID] {
			seen[pub.StoryID] = true
			ids = append(ids, pub.StoryID)
		}
	}
	stories, err := q.StoriesByID(ctx, p.WorkspaceID, ids)
	if err != nil {
		return nil, err
	}
	var out []CalendarStory
	at := map[string]int{} // story id and time → index in out
	for _, pub := range pubs {
		st := stories[pub.StoryID]
		if st == nil {
			continue // deleted between the two reads
		}
		when := pub.ScheduledAt.In(loc)
		key := pub.StoryID + "@" + when.Format(time.RFC3339Nano)
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, CalendarStory{Story: st, Title: StoryTitle(st), At: when, Day: calendar.DateOf(when)})
		}
		out[i].Publications = append(out[i].Publications, pub)
	}
	return out, nil
}
