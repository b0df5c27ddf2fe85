package service

import (
	"context"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// checkBlackout refuses a story time inside one of the workspace's blackout
// periods (a day of mourning, an election's quiet period): 422 with the
// blackout in the details. The input may ask to override it; only an admin
// or owner may, and every override is audited against the blackout it
// crosses, in the transaction that saves the story.
//
// The check applies to every save that leaves the story scheduled: an edit of
// a story already inside a blackout (one created before the blackout was)
// needs the override too, so that nobody sends into a blackout unawares.
func (s *Service) checkBlackout(ctx context.Context, q *store.Q, p ferry.Principal, in *StoryInput) error {
	if in.ScheduledAt == nil {
		return nil
	}
	at := in.ScheduledAt.UTC()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return err
	}
	// An instant inside [start, end): the range [at, at+1ms) overlaps it.
	blackouts, err := s.eventsBetween(ctx, q, p.WorkspaceID, ferry.EventBlackout, at, at.Add(time.Millisecond), loc)
	if err != nil || len(blackouts) == 0 {
		return err
	}
	b := blackouts[0]
	details := map[string]any{"blackout": b}
	if !in.OverrideBlackout {
		return ferry.Errorf(ferry.EUNPROCESSABLE, "The story's time, %s, falls in the blackout period %q (%s to %s). Choose another time, or ask an admin to send it anyway with \"override_blackout\": true.",
			at.In(loc).Format(time.DateTime+" MST"), eventName(b), b.StartsAt.Format(time.DateTime), b.EndsAt.Format(time.DateTime)).WithDetails(details)
	}
	if !p.Role.AtLeast(ferry.RoleAdmin) {
		return ferry.Errorf(ferry.EFORBIDDEN, "Only a workspace admin or owner may schedule into the blackout period %q; you are %s.", eventName(b), p.Role).WithDetails(details)
	}
	for _, b := range blackouts {
		err := q.Audit(ctx, audit(p, "calendar_event.blackout_override", "calendar_event", b.ID, map[string]any{
			"scheduled_at": at, "story_title": in.Title, "blackout": eventName(b),
		}))
		if err != nil {
			return err
		}
	}
	return nil
}

func eventName(e *ferry.CalendarEvent) string {
	if e.NameEN != "" {
		return e.NameEN
	}
	return e.NameZh
}
