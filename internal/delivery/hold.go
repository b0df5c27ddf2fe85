package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/store"
)

// Holds. A due publication is held — left `waiting`, with a hold's reason
// code (ferry.Publication.Held) and no next time, so no job of it is
// queued — when sending is paused for its account or its workspace, or
// when its time falls in a blackout period set (or changed) after its story
// was last saved: a save into a blackout needs an admin's audited override
// (service.checkBlackout), so a story saved after the blackout was set went
// through that check. A person then decides: send now, reschedule or
// cancel (internal/service/pause.go). A held publication has no open
// attempt, so holding it changes nothing in the exactly-once argument.

// hold holds p if a pause or a blackout period says so, and reports
// whether it did. due is when p was due.
func (e *Engine) hold(ctx context.Context, tx *store.Tx, p *ferry.Publication, story *ferry.Story, due time.Time) (bool, error) {
	pz, err := tx.StandingPause(ctx, p.WorkspaceID, p.AccountID)
	if err != nil {
		return false, err
	}
	if pz != nil {
		p.NextAt = nil
		return true, e.transition(ctx, tx, p, ferry.StateWaiting, ferry.Because(ferry.ReasonPaused, "by", pz.PausedByName, "at", pz.PausedAt), p.Error)
	}
	if p.Held() {
		// Held after a pause that has ended: a person decides.
		return true, nil
	}
	b, err := e.blackoutAt(ctx, tx, p.WorkspaceID, due)
	if err != nil || b == nil || !b.UpdatedAt.After(story.UpdatedAt) {
		return false, err
	}
	if released, err := tx.HoldReleased(ctx, p.ID, p.Version); err != nil || released {
		return false, err
	}
	name := b.NameEN
	if name == "" {
		name = b.NameZh
	}
	p.NextAt = nil
	return true, e.transition(ctx, tx, p, ferry.StateWaiting, ferry.Because(ferry.ReasonBlackoutHold, "name", name), p.Error)
}

// blackoutKey names blackoutAt's answer in a transaction: publications
// due at the same instant in a group share one read.
type blackoutKey struct {
	workspaceID string
	at          int64
}

type blackoutAnswer struct {
	b   *ferry.CalendarEvent
	err error
}

// blackoutAt returns a blackout period of the workspace that contains t,
// or nil. It is read once per transaction for each workspace and instant:
// in the transaction that opens attempts, a group's (batch.go).
func (e *Engine) blackoutAt(ctx context.Context, tx *store.Tx, workspaceID string, t time.Time) (*ferry.CalendarEvent, error) {
	a := tx.Local(blackoutKey{workspaceID, t.UnixNano()}, func() any {
		b, err := e.readBlackoutAt(ctx, tx, workspaceID, t)
		return blackoutAnswer{b, err}
	}).(blackoutAnswer)
	return a.b, a.err
}

func (e *Engine) readBlackoutAt(ctx context.Context, tx *store.Tx, workspaceID string, t time.Time) (*ferry.CalendarEvent, error) {
	// All-day periods are stored as dates; their instants depend on the
	// workspace's zone, so the query is widened and the bounds rechecked.
	const slack = 48 * time.Hour
	list, err := tx.CalendarEvents(ctx, ferry.CalendarEventFilter{WorkspaceID: workspaceID, Kind: ferry.EventBlackout, From: t.Add(-slack), To: t.Add(slack)})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	ws, err := tx.Workspace(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("delivery: workspace %s time zone: %w", workspaceID, err)
	}
	for _, b := range list {
		start, end := b.StartsAt, b.EndsAt
		if b.AllDay {
			first, err1 := calendar.ParseDate(b.StartDate)
			last, err2 := calendar.ParseDate(b.EndDate)
			if err1 != nil || err2 != nil {
				continue
			}
			start, end = first.At(0, 0, loc), last.AddDays(1).At(0, 0, loc)
		}
		if !t.Before(start) && t.Before(end) {
			return b, nil
		}
	}
	return nil, nil
}
