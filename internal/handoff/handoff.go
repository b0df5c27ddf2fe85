// Package handoff is how Ferry publishes where no API may: Xiaohongshu has
// no public publishing API and bans automated accounts, so a person
// publishes. When a Xiaohongshu publication is due (or a lead time before),
// the delivery engine hands it to the Manager, which, in the engine's
// transaction, moves it to `handoff`, records the task (once per
// publication version), and enqueues the notifications to the account's
// operators and the deadline as River jobs. The operator opens a signed,
// expiring page with the text to copy and the images to save, publishes in
// the app, and confirms with the note's URL (on the page or through the
// API): the publication is then `published`. Unconfirmed at the deadline, it
// is `missed` and the workspace's admins are told. An edit or a cancel bumps
// the publication's version, which withdraws an open handoff.
package handoff

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/store"
)

// Jobs enqueues the handoff's River jobs inside a store transaction
// (implemented by internal/jobs).
type Jobs interface {
	ScheduleHandoffNotification(ctx context.Context, tx *store.Tx, n Notification) error
	ScheduleHandoffDeadline(ctx context.Context, tx *store.Tx, handoffID string, at time.Time) error
	ScheduleHandoffOpen(ctx context.Context, tx *store.Tx, publicationID string, version int, at time.Time) error
}

// Mailer sends one email (internal/notify.Mailer).
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Messenger sends one Telegram message (internal/notify.Telegram).
type Messenger interface {
	Send(ctx context.Context, chatID, text string) error
}

// WebhookPoster delivers one signed webhook (internal/notify.Webhooks).
type WebhookPoster interface {
	Post(ctx context.Context, target, secret, event, deliveryID string, body []byte) error
}

// Manager opens, confirms and closes handoffs, sends their notifications
// and serves their pages.
type Manager struct {
	DB     *store.DB
	Jobs   Jobs
	Events delivery.Events
	Media  delivery.Media
	Links  *Signer
	Log    *slog.Logger
	// PublicURL is Ferry's public base URL; page links start with it.
	PublicURL string
	// Mailer, Telegram and Webhooks are the notification transports; a nil
	// Mailer or Telegram turns that channel off (with a logged notice).
	Mailer   Mailer
	Telegram Messenger
	Webhooks WebhookPoster
	// Defaults apply to accounts whose settings do not say.
	Defaults Timing
	// LinkMargin is how long after the deadline a page link still works
	// (to show what became of the handoff).
	LinkMargin time.Duration
	// Now is the clock.
	Now func() time.Time

	// pages are the handoff page's templates, parsed by Handler.
	pages *httpd.Templates
}

// maxEarly is how early River may start a job (its scheduler promotes jobs
// up to five seconds ahead, and internal/jobs makes them available at
// once); the Manager waits out the difference, as the engine does.
const maxEarly = 5 * time.Second

// sweepAhead is how far ahead the lead-time sweep enqueues early openings;
// it must exceed the sweep's period (a minute).
const sweepAhead = 2 * time.Minute

// Handles implements delivery.Handoffs: Xiaohongshu is published by hand.
func (m *Manager) Handles(p ferry.Platform) bool { return p == ferry.Xiaohongshu }

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

// settings reads an account's handoff settings, logging what is invalid
// (the defaults stand in for it: a post is never held up by a typo).
func (m *Manager) settings(acct *ferry.Account) Settings {
	s, err := ParseSettings(acct.Settings, m.Defaults)
	if err != nil {
		m.Log.Warn("invalid handoff settings; using what is valid and the defaults", "account_id", acct.ID, "error", err)
	}
	return s
}

// Open implements delivery.Handoffs. Called by the engine under the
// publication's lock when p is due (its story exists, its account is
// open), it moves p to `handoff` and records the task at p's version, then
// enqueues the operators' notifications and the deadline, all in tx. A
// handoff whose deadline has already passed (Ferry was down) is missed at
// once, and the admins are told.
func (m *Manager) Open(ctx context.Context, tx *store.Tx, p *ferry.Publication, acct *ferry.Account) error {
	set := m.settings(acct)
	now := m.now()
	due := now
	if p.ScheduledAt != nil {
		due = *p.ScheduledAt
	}
	deadline := due.Add(set.Deadline)
	h := &ferry.Handoff{WorkspaceID: p.WorkspaceID, PublicationID: p.ID, StoryID: p.StoryID, AccountID: p.AccountID, Version: p.Version,
		State: ferry.HandoffOpen, DueAt: due, DeadlineAt: deadline, ExpiresAt: deadline.Add(m.LinkMargin)}
	loc := m.location(ctx, &tx.Q, p.WorkspaceID)
	if !deadline.After(now) {
		h.State, h.ClosedBy, h.ClosedAt = ferry.HandoffMissed, "system", &now
		if err := tx.CreateHandoff(ctx, h); err != nil {
			return err
		}
		if err := m.transition(ctx, tx, "system", p, ferry.StateMissed, ferry.Because(ferry.ReasonHandoffLate, "at", deadline.In(loc))); err != nil {
			return err
		}
		return m.notifyMissed(ctx, tx, h)
	}
	if err := tx.CreateHandoff(ctx, h); err != nil {
		return err
	}
	reason := ferry.Because(ferry.ReasonHandoffWaiting, "at", deadline.In(loc))
	if len(set.Operators) == 0 {
		reason.Code = ferry.ReasonHandoffNoOperators
	}
	p.NextAt = nil
	if err := m.transition(ctx, tx, "system", p, ferry.StateHandoff, reason); err != nil {
		return err
	}
	ops := make([]string, 0, len(set.Operators))
	for _, o := range set.Operators {
		ops = append(ops, o.Label())
	}
	if err := tx.Audit(ctx, ferry.Audit{WorkspaceID: h.WorkspaceID, Actor: "system", Action: "handoff.open", TargetType: "publication", TargetID: p.ID,
		Data: map[string]any{"handoff_id": h.ID, "version": h.Version, "deadline_at": deadline, "operators": ops}}); err != nil {
		return err
	}
	for _, o := range set.Operators {
		if o.Email != "" {
			if err := m.enqueue(ctx, tx, Notification{HandoffID: h.ID, Event: EventOpened, Channel: ChannelEmail, To: o.Email}); err != nil {
				return err
			}
		}
		if o.TelegramChatID != "" {
			if err := m.enqueue(ctx, tx, Notification{HandoffID: h.ID, Event: EventOpened, Channel: ChannelTelegram, To: o.TelegramChatID}); err != nil {
				return err
			}
		}
	}
	if err := m.enqueueWebhook(ctx, tx, h, EventOpened); err != nil {
		return err
	}
	return m.Jobs.ScheduleHandoffDeadline(ctx, tx, h.ID, deadline)
}

// transition saves a state change with its audit event.
func (m *Manager) transition(ctx context.Context, tx *store.Tx, actor string, p *ferry.Publication, to ferry.PublicationState, reason ferry.Reason) error {
	from := p.State
	p.State = to
	p.SetReason(reason)
	if to != ferry.StateMissed {
		p.Error = nil
	}
	if err := tx.SavePublication(ctx, p); err != nil {
		return err
	}
	return delivery.Transitioned(ctx, tx, m.Events, actor, p, from)
}

// OpenEarly is the work of a lead-time job: it opens the handoff of
// publication (at version) before its scheduled time, once the account's
// lead time is reached. Anything unusual (a deleted story, a closed
// account, a newer version) is left to the publication's own publish job.
func (m *Manager) OpenEarly(ctx context.Context, publicationID string, version int, complete delivery.Complete) error {
	for {
		var wait time.Duration
		err := m.DB.InTx(ctx, func(tx *store.Tx) error {
			wait = 0
			p, err := tx.PublicationForUpdate(ctx, publicationID)
			if ferry.IsCode(err, ferry.ENOTFOUND) {
				return complete(ctx, tx)
			}
			if err != nil {
				return err
			}
			if p.Version != version || (p.State != ferry.StateScheduled && p.State != ferry.StateWaiting) || p.ScheduledAt == nil {
				return complete(ctx, tx)
			}
			acct, err := tx.AccountByID(ctx, p.AccountID)
			if err != nil {
				return err
			}
			if _, err := tx.Story(ctx, p.WorkspaceID, p.StoryID); err != nil || acct.Health == ferry.HealthClosed || !m.Handles(acct.Platform) {
				if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
					return err
				}
				return complete(ctx, tx)
			}
			openAt := p.ScheduledAt.Add(-m.settings(acct).Lead)
			if d := openAt.Sub(m.now()); d > 0 {
				if d <= maxEarly {
					wait = d
					return nil
				}
				// The lead time changed since this job was enqueued.
				if err := m.Jobs.ScheduleHandoffOpen(ctx, tx, p.ID, p.Version, openAt); err != nil {
					return err
				}
				return complete(ctx, tx)
			}
			// While sending is paused nothing is opened early: the publish
			// job at the due time holds it (delivery/hold.go).
			if pz, err := tx.StandingPause(ctx, p.WorkspaceID, p.AccountID); err != nil {
				return err
			} else if pz != nil {
				return complete(ctx, tx)
			}
			if err := m.Open(ctx, tx, p, acct); err != nil {
				return err
			}
			return complete(ctx, tx)
		})
		if err != nil || wait == 0 {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Sweep enqueues the early openings of Xiaohongshu publications whose
// account has a lead time and whose opening comes within the next
// sweepAhead. It runs every minute; enqueuing is idempotent (one job per
// publication, version and time).
func (m *Manager) Sweep(ctx context.Context) error {
	now := m.now()
	q := m.DB.Read()
	pubs, err := q.ScheduledOn(ctx, ferry.Xiaohongshu, now.Add(MaxLead+sweepAhead))
	if err != nil || len(pubs) == 0 {
		return err
	}
	type plan struct {
		p  *ferry.Publication
		at time.Time
	}
	var plans []plan
	accts := map[string]*ferry.Account{}
	for _, p := range pubs {
		acct, ok := accts[p.AccountID]
		if !ok {
			if acct, err = q.AccountByID(ctx, p.AccountID); err != nil {
				return err
			}
			accts[p.AccountID] = acct
		}
		lead := m.settings(acct).Lead
		if lead <= 0 || p.ScheduledAt == nil {
			continue // the publish job opens it at the scheduled time
		}
		if at := p.ScheduledAt.Add(-lead); at.Before(now.Add(sweepAhead)) {
			plans = append(plans, plan{p, at})
		}
	}
	if len(plans) == 0 {
		return nil
	}
	return m.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, pl := range plans {
			if err := m.Jobs.ScheduleHandoffOpen(ctx, tx, pl.p.ID, pl.p.Version, pl.at); err != nil {
				return err
			}
		}
		return nil
	})
}

// Expire is the work of a deadline job: a handoff still open at its
// deadline is missed, and the admins are told; one whose publication was
// edited or canceled meanwhile is recorded as withdrawn.
func (m *Manager) Expire(ctx context.Context, handoffID string, complete delivery.Complete) error {
	if h, err := m.DB.Read().Handoff(ctx, handoffID); err == nil {
		// River may start the job up to maxEarly before its time.
		if d := h.DeadlineAt.Sub(m.now()); d > 0 && d <= maxEarly {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return m.DB.InTx(ctx, func(tx *store.Tx) error {
		h, err := tx.Handoff(ctx, handoffID)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			return complete(ctx, tx)
		}
		if err != nil {
			return err
		}
		if h.State != ferry.HandoffOpen {
			return complete(ctx, tx)
		}
		p, err := tx.PublicationForUpdate(ctx, h.PublicationID)
		if err != nil {
			return err
		}
		now := m.now()
		if !live(h, p) {
			h.State, h.ClosedBy, h.ClosedAt = ferry.HandoffWithdrawn, "system", &now
			if err := tx.SaveHandoff(ctx, h); err != nil {
				return err
			}
			return complete(ctx, tx)
		}
		if h.DeadlineAt.After(now) {
			// Too early (the deadline moved?): come back at the deadline.
			if err := m.Jobs.ScheduleHandoffDeadline(ctx, tx, h.ID, h.DeadlineAt); err != nil {
				return err
			}
			return complete(ctx, tx)
		}
		h.State, h.ClosedBy, h.ClosedAt = ferry.HandoffMissed, "system", &now
		if err := tx.SaveHandoff(ctx, h); err != nil {
			return err
		}
		loc := m.location(ctx, &tx.Q, h.WorkspaceID)
		if err := m.transition(ctx, tx, "system", p, ferry.StateMissed, ferry.Because(ferry.ReasonHandoffMissed, "at", h.DeadlineAt.In(loc))); err != nil {
			return err
		}
		if err := m.notifyMissed(ctx, tx, h); err != nil {
			return err
		}
		return complete(ctx, tx)
	})
}

// notifyMissed tells the workspace's webhook that a handoff was missed, and
// records it; the audit event tells the members (the story's author, the
// owners and admins) through their notices (service/notices.go).
func (m *Manager) notifyMissed(ctx context.Context, tx *store.Tx, h *ferry.Handoff) error {
	if err := m.enqueueWebhook(ctx, tx, h, EventMissed); err != nil {
		return err
	}
	return tx.Audit(ctx, ferry.Audit{WorkspaceID: h.WorkspaceID, Actor: "system", Action: "handoff.missed", TargetType: "publication", TargetID: h.PublicationID,
		Data: map[string]any{"handoff_id": h.ID, "deadline_at": h.DeadlineAt}})
}

// live reports whether a handoff still stands: open, and its publication
// still waiting for it at its version.
func live(h *ferry.Handoff, p *ferry.Publication) bool {
	return h.State == ferry.HandoffOpen && p.Version == h.Version && p.State == ferry.StateHandoff
}

// Status is a handoff's state as people see it: an open handoff whose
// publication was edited or canceled is withdrawn even before the deadline
// job records it.
func Status(h *ferry.Handoff, p *ferry.Publication) string {
	if h.State == ferry.HandoffOpen && !live(h, p) {
		return ferry.HandoffWithdrawn
	}
	return h.State
}

// Confirmation is an operator's word that a note is published.
type Confirmation struct {
	// Either HandoffID (the signed page) or WorkspaceID and PublicationID
	// (the API) name the handoff.
	HandoffID     string
	WorkspaceID   string
	PublicationID string
	URL           string
	// Actor is who confirms, for the audit log; Via is "api", "web" (the
	// story page) or "page" (the signed handoff page).
	Actor string
	Via   string
}

// Confirm records that the note is published at c.URL: the publication
// becomes `published` with that URL. Confirming again with the same URL
// changes nothing; a withdrawn, missed or differently confirmed handoff is
// a conflict.
func (m *Manager) Confirm(ctx context.Context, c Confirmation) (*ferry.Publication, error) {
	noteURL, noteID, err := NoteURL(c.URL)
	if err != nil {
		return nil, err
	}
	var pub *ferry.Publication
	err = m.DB.InTx(ctx, func(tx *store.Tx) error {
		var (
			h   *ferry.Handoff
			err error
		)
		if c.HandoffID != "" {
			h, err = tx.Handoff(ctx, c.HandoffID)
		} else {
			if _, err := tx.Publication(ctx, c.WorkspaceID, c.PublicationID); err != nil {
				return err
			}
			h, err = tx.LatestHandoff(ctx, c.WorkspaceID, c.PublicationID)
		}
		if ferry.IsCode(err, ferry.ENOTFOUND) && c.HandoffID == "" {
			p, perr := tx.Publication(ctx, c.WorkspaceID, c.PublicationID)
			if perr != nil {
				return perr
			}
			return ferry.Errorf(ferry.ECONFLICT, "Publication %s is not waiting for a person to publish it; it is %s.", p.ID, p.State)
		}
		if err != nil {
			return err
		}
		p, err := tx.PublicationForUpdate(ctx, h.PublicationID)
		if err != nil {
			return err
		}
		pub = p
		loc := m.location(ctx, &tx.Q, h.WorkspaceID)
		switch Status(h, p) {
		case ferry.HandoffConfirmed:
			if h.URL == noteURL {
				return nil
			}
			return ferry.Errorf(ferry.ECONFLICT, "This handoff was already confirmed, with %s.", h.URL).WithDetails(map[string]string{"url": h.URL})
		case ferry.HandoffMissed:
			return ferry.Errorf(ferry.ECONFLICT, "The deadline (%s) has passed: this publication was marked missed.", formatTime(h.DeadlineAt, loc))
		case ferry.HandoffWithdrawn:
			return ferry.Errorf(ferry.ECONFLICT, "This handoff was withdrawn: the story was edited or deleted, or the account removed (the publication is %s).", p.State)
		}
		now := m.now()
		h.State, h.URL, h.ClosedBy, h.ClosedAt = ferry.HandoffConfirmed, noteURL, c.Actor, &now
		if err := tx.SaveHandoff(ctx, h); err != nil {
			return err
		}
		p.RemoteURL, p.RemoteID, p.PublishedAt, p.NextAt = noteURL, noteID, &now, nil
		if err := m.transition(ctx, tx, c.Actor, p, ferry.StatePublished, ferry.Because(ferry.ReasonHandoffConfirmed)); err != nil {
			return err
		}
		if err := tx.Audit(ctx, ferry.Audit{WorkspaceID: h.WorkspaceID, Actor: c.Actor, Action: "handoff.confirm", TargetType: "publication", TargetID: p.ID,
			Data: map[string]any{"handoff_id": h.ID, "url": noteURL, "via": c.Via}}); err != nil {
			return err
		}
		return m.enqueueWebhook(ctx, tx, h, EventConfirmed)
	})
	if err != nil {
		return nil, err
	}
	return pub, nil
}

// View is a handoff as the API shows it.
type View struct {
	ID            string     `json:"id"`
	PublicationID string     `json:"publication_id"`
	Version       int        `json:"version"`
	State         string     `json:"state"`
	DueAt         time.Time  `json:"due_at"`
	DeadlineAt    time.Time  `json:"deadline_at"`
	URL           string     `json:"url,omitempty"`
	ClosedBy      string     `json:"closed_by,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	// PageURL is the signed page (given to editors and above while the
	// link works).
	PageURL   string    `json:"page_url,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Handoff returns the latest handoff of a workspace's publication;
// withLink adds the signed page's URL.
func (m *Manager) Handoff(ctx context.Context, workspaceID, publicationID string, withLink bool) (*View, error) {
	q := m.DB.Read()
	p, err := q.Publication(ctx, workspaceID, publicationID)
	if err != nil {
		return nil, err
	}
	h, err := q.LatestHandoff(ctx, workspaceID, publicationID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Publication %s has no handoff (it is %s).", p.ID, p.State)
	}
	if err != nil {
		return nil, err
	}
	v := &View{ID: h.ID, PublicationID: h.PublicationID, Version: h.Version, State: Status(h, p), DueAt: h.DueAt, DeadlineAt: h.DeadlineAt,
		URL: h.URL, ClosedBy: h.ClosedBy, ClosedAt: h.ClosedAt, CreatedAt: h.CreatedAt, ExpiresAt: h.ExpiresAt}
	if withLink && m.now().Before(h.ExpiresAt) {
		v.PageURL = m.PageURL(h)
	}
	return v, nil
}

// PageURL is the signed link to a handoff's page.
func (m *Manager) PageURL(h *ferry.Handoff) string {
	return strings.TrimRight(m.PublicURL, "/") + "/handoff/" + url.PathEscape(h.ID) + "?" + m.Links.Query(h.ID, h.ExpiresAt).Encode()
}

// Channels reports which notification transports are configured.
func (m *Manager) Channels() (email, telegram bool) { return m.Mailer != nil, m.Telegram != nil }

// location is the workspace's time zone, for times shown to people.
func (m *Manager) location(ctx context.Context, q *store.Q, workspaceID string) *time.Location {
	ws, err := q.Workspace(ctx, workspaceID)
	if err != nil {
		return time.UTC
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04") + " (" + loc.String() + ")"
}
