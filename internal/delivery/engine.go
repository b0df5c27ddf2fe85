// Package delivery is Ferry's delivery engine: it takes one publication at a
// time from scheduled to a final, explained state, exactly once, through
// crashes, rate limits and platform faults. docs/architecture.md explains
// the state machine and why it cannot send twice.
package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// Scheduler enqueues the engine's jobs inside a store transaction, so that
// a job exists if and only if the change that wants it is committed.
type Scheduler interface {
	SchedulePublish(ctx context.Context, tx *store.Tx, publicationID string, version int, at time.Time) error
	ScheduleExpiry(ctx context.Context, tx *store.Tx, publicationID string, version int, at time.Time) error
}

// Media opens stored media by hash.
type Media interface {
	Open(sha256 string) (io.ReadCloser, error)
}

// Events receives every committed state transition (notifications hang on
// it), after the transaction that made it has committed.
type Events interface {
	Transition(ctx context.Context, p *ferry.Publication, from ferry.PublicationState)
}

// Handoffs takes the publications of platforms that have no publishing API
// by design (Xiaohongshu): a person publishes them (internal/handoff).
type Handoffs interface {
	// Handles reports whether publications to the platform are handed off.
	Handles(ferry.Platform) bool
	// Open moves a due publication to `handoff` and records the task, its
	// notifications and its deadline in tx, once per publication version.
	Open(ctx context.Context, tx *store.Tx, p *ferry.Publication, acct *ferry.Account) error
}

// Engine delivers publications.
type Engine struct {
	DB         *store.DB
	Connectors *platform.Registry
	Scheduler  Scheduler
	Media      Media
	Events     Events
	Log        *slog.Logger
	// Handoffs opens hand publishing for platforms without a connector
	// that it handles; nil: such publications fail with no_connector.
	Handoffs Handoffs
	// MediaURL returns a public URL for a media hash, or "" when Ferry has
	// no public URL (Instagram needs one).
	MediaURL func(sha256 string) string
	// CallTimeout bounds one platform call.
	CallTimeout time.Duration
	// GiveUpAfter bounds how long a publication keeps retrying after it
	// was due.
	GiveUpAfter time.Duration
	// ReauthDeadline is how long a publication waits for its account to be
	// reconnected before it is missed.
	ReauthDeadline time.Duration
	// Now is the engine's clock.
	Now func() time.Time
	// Approvals reminds approvers of a publication that came due
	// unapproved (approval.go); nil: nobody is reminded.
	Approvals ApprovalReminders

	// Groups of transactions (batch.go): attempts opened, outcomes recorded.
	batchers          sync.Once
	opens, outcomeLog *batcher
}

// groups returns the engine's batchers, made on first use.
func (e *Engine) groups() (opens, outcomes *batcher) {
	e.batchers.Do(func() {
		e.opens = newBatcher(e.DB, false, e.readAheadOpens)
		e.outcomeLog = newBatcher(e.DB, true, func(ctx context.Context, tx *store.Tx, ids []string) error {
			_, err := tx.LockPublications(ctx, ids)
			return err
		})
	})
	return e.opens, e.outcomeLog
}

// readAheadOpens reads, for a group of publications about to open their
// attempts, what prepare reads for each (store.Tx.Grouped): the
// publications, locked; their stories, accounts, variants and approval
// policies; the counts of their accounts' rate limits.
func (e *Engine) readAheadOpens(ctx context.Context, tx *store.Tx, ids []string) error {
	pubs, err := tx.LockPublications(ctx, ids)
	if err != nil {
		return err
	}
	if err := tx.ReadAhead(ctx, pubs); err != nil {
		return err
	}
	now := e.Now()
	since := map[string]time.Time{}
	for _, p := range pubs {
		acct, err := tx.AccountByID(ctx, p.AccountID)
		if err != nil {
			continue // prepare reports it
		}
		conn, _ := e.Connectors.Get(acct.Platform)
		if lim, ok := conn.(platform.Limiter); ok {
			for _, l := range lim.Limits(platformAccount(acct)) {
				since[l.Key] = now.Add(-l.Window)
			}
		}
	}
	return tx.ReadAheadRates(ctx, since)
}

// maxEarly is how early a publish job may start and still be worked (the
// engine waits out the difference). Jobs start up to 6 s early: they are
// scheduled a second ahead of the publication (jobs.publishLead), and those
// due within River's 5-second scheduler horizon are inserted available at
// once (jobs.promoteSoon). It must exceed that, or such a job would be
// re-enqueued for the same time over and over until it fell due.
const maxEarly = 10 * time.Second

// openAhead is how long before its time a publication's attempt is opened.
// The attempt transaction then waits for no other one at the due time (on
// SQLite they are serialised, and a minute's worth may fall due at once), and
// the platform call itself starts on time — never before it. The price: an
// edit or a cancel in the last openAhead before the time finds the
// publication already being sent, and is refused as too late.
const openAhead = 250 * time.Millisecond

// Complete finishes the job that carries the work, inside the engine's
// final transaction (river.JobCompleteTx).
type Complete func(ctx context.Context, tx *store.Tx) error

// Deliver does the work of one publish job for (publication, version). It
// returns nil when the job is done, whatever the publication's outcome;
// an error means the job should be retried as is (e.g. the database was
// unreachable), which is always safe.
func (e *Engine) Deliver(ctx context.Context, publicationID string, version int, complete Complete) error {
	log := e.Log.With("publication_id", publicationID, "version", version)
	// A job may start up to maxEarly before its time (River promotes
	// scheduled jobs ahead of time). Wait outside any transaction, so that
	// at the due time only the short transaction opening the attempt is left.
	if wait, err := e.untilDue(ctx, publicationID, version); err != nil {
		return err
	} else if wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var (
		send    *sendPlan
		waitFor time.Duration
	)
	// The attempt is opened in a transaction shared with the other
	// publications due together (batch.go), committed durably before the
	// platform is called.
	opens, _ := e.groups()
	err := opens.do(ctx, publicationID, func(ctx context.Context, tx *store.Tx) error {
		send, waitFor = nil, 0
		p, err := tx.PublicationForUpdate(ctx, publicationID)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			return complete(ctx, tx)
		}
		if err != nil {
			return err
		}
		if p.Version != version {
			// Edited, rescheduled or canceled since this job was enqueued;
			// the job of the current version (if any) carries on.
			log.Debug("stale publish job", "current_version", p.Version)
			return complete(ctx, tx)
		}
		plan, wait, err := e.prepare(ctx, tx, p)
		if err != nil {
			return err
		}
		if wait > 0 {
			waitFor = wait
			return nil // leave the job running; we come back after the wait
		}
		send = plan
		if plan != nil {
			return nil // the job completes with the call's outcome
		}
		return complete(ctx, tx)
	})
	if err != nil {
		return err
	}
	if waitFor > 0 {
		select {
		case <-time.After(waitFor):
		case <-ctx.Done():
			return ctx.Err()
		}
		return e.Deliver(ctx, publicationID, version, complete)
	}
	if send == nil {
		return nil
	}
	return e.send(ctx, log, send, complete)
}

// untilDue returns how long until the publication is due, when it is due
// within maxEarly; zero otherwise (the transaction then decides).
func (e *Engine) untilDue(ctx context.Context, publicationID string, version int) (time.Duration, error) {
	p, err := e.DB.Read().PublicationByID(ctx, publicationID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if p.Version != version || (p.State != ferry.StateScheduled && p.State != ferry.StateWaiting) {
		return 0, nil
	}
	due := p.ScheduledAt
	if p.NextAt != nil {
		due = p.NextAt
	}
	if due == nil {
		return 0, nil
	}
	if d := due.Sub(e.Now()); d > openAhead && d <= maxEarly {
		return d - openAhead, nil
	}
	return 0, nil
}

// sendPlan is an attempt journaled and committed, about to call the
// platform.
type sendPlan struct {
	pub       *ferry.Publication
	acct      *ferry.Account
	conn      platform.Connector
	post      platform.Post
	attempt   *ferry.Attempt
	reconcile bool // the attempt is an earlier one whose outcome is unknown
	// notBefore is the publication's time: the call never starts earlier.
	notBefore time.Time
}

// prepare decides, under the publication's lock, what this job does. It
// returns a plan to call the platform, or a wait (the job is a few seconds
// early), or neither (the job is complete: state already updated).
func (e *Engine) prepare(ctx context.Context, tx *store.Tx, p *ferry.Publication) (*sendPlan, time.Duration, error) {
	now := e.Now()
	switch p.State {
	case ferry.StateScheduled, ferry.StateWaiting:
	case ferry.StatePublishing, ferry.StateUnknown:
		// An attempt was open when its worker died or lost the answer.
		return e.prepareReconcile(ctx, tx, p)
	default:
		return nil, 0, nil // draft, final, needs_reauth, handoff: nothing to send
	}
	due := p.ScheduledAt
	if p.NextAt != nil {
		due = p.NextAt
	}
	if due != nil && due.After(now.Add(openAhead)) {
		if d := due.Sub(now); d <= maxEarly {
			return nil, d - openAhead, nil
		}
		// Far too early: an older schedule's job; re-enqueue for the right time.
		return nil, 0, e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, *due)
	}
	story, err := tx.Story(ctx, p.WorkspaceID, p.StoryID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil, 0, e.transition(ctx, tx, p, ferry.StateCanceled, ferry.Because(ferry.ReasonStoryDeleted), nil)
	} else if err != nil {
		return nil, 0, err
	}
	// A pause, or a blackout period set after the story was scheduled,
	// holds it: decided here, in the transaction that would open the
	// attempt, so that every worker holds at once (hold.go).
	dueAt := now
	if due != nil {
		dueAt = *due
	}
	if held, err := e.hold(ctx, tx, p, story, dueAt); err != nil || held {
		return nil, 0, err
	}
	if e.gaveUpAt(p, now) {
		return nil, 0, e.transition(ctx, tx, p, ferry.StateMissed, ferry.Because(ferry.ReasonWindowPassed, "within", e.GiveUpAfter), p.Error)
	}
	acct, err := tx.AccountByID(ctx, p.AccountID)
	if err != nil {
		return nil, 0, err
	}
	switch acct.Health {
	case ferry.HealthClosed:
		return nil, 0, e.transition(ctx, tx, p, ferry.StateCanceled, ferry.Because(ferry.ReasonAccountClosed), nil)
	case ferry.HealthNeedsReauth:
		return nil, 0, e.needsReauth(ctx, tx, p, acct.HealthReason)
	}
	// Nothing goes out unapproved, by API or by hand (approval.go).
	approvedFP, ok, err := e.gate(ctx, tx, p, story)
	if err != nil || !ok {
		return nil, 0, err
	}
	conn, ok := e.Connectors.Get(acct.Platform)
	if !ok && e.Handoffs != nil && e.Handoffs.Handles(acct.Platform) {
		// No connector by design (Xiaohongshu): a person publishes. The
		// handoff is opened in this transaction, under this lock, so it is
		// opened once per version; the job then completes.
		return nil, 0, e.Handoffs.Open(ctx, tx, p, acct)
	}
	if !ok {
		return nil, 0, e.transition(ctx, tx, p, ferry.StateFailed, ferry.Because(ferry.ReasonNoConnector, "platform", acct.Platform), &ferry.PubError{Code: "no_connector", Message: "No connector for this platform."})
	}
	pacct := platformAccount(acct)
	// Rate limits, and the platforms' own requests to wait, are shared by
	// every worker through the database.
	if next, reason, err := e.nextSlot(ctx, tx, conn, pacct, now); err != nil {
		return nil, 0, err
	} else if !next.IsZero() {
		p.NextAt = &next
		if err := e.transition(ctx, tx, p, ferry.StateWaiting, reason, p.Error); err != nil {
			return nil, 0, err
		}
		return nil, 0, e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, next)
	}
	if lim, ok := conn.(platform.Limiter); ok {
		for _, l := range lim.Limits(pacct) {
			if err := tx.RecordRate(ctx, l.Key, p.ID, now); err != nil {
				return nil, 0, err
			}
		}
	}
	post, err := e.post(ctx, tx, p)
	if err != nil {
		return nil, 0, err
	}
	if approvedFP != "" && post.Fingerprint != approvedFP {
		// What would be sent changed since the gate read it (an image's
		// alt text, say, which locks no publication): it is not what was
		// approved.
		return nil, 0, e.awaitApproval(ctx, tx, p, ferry.ApprovalStatus{AccountID: p.AccountID, State: ferry.ApprovalPending, Fingerprint: post.Fingerprint})
	}
	p.Attempts++
	att := &ferry.Attempt{PublicationID: p.ID, Number: p.Attempts, Version: p.Version, Fingerprint: post.Fingerprint}
	if err := tx.OpenAttempt(ctx, att); err != nil {
		return nil, 0, err
	}
	p.NextAt = nil
	if err := e.transition(ctx, tx, p, ferry.StatePublishing, ferry.Because(ferry.ReasonAttemptSending, "attempt", p.Attempts), p.Error); err != nil {
		return nil, 0, err
	}
	plan := &sendPlan{pub: p, acct: acct, conn: conn, post: post, attempt: att}
	if due != nil {
		plan.notBefore = *due
	}
	return plan, 0, nil
}

// nextSlot returns when the account may post again and why, or the zero
// time if it may post now.
func (e *Engine) nextSlot(ctx context.Context, tx *store.Tx, conn platform.Connector, acct platform.Account, now time.Time) (time.Time, ferry.Reason, error) {
	lim, ok := conn.(platform.Limiter)
	if !ok {
		return time.Time{}, ferry.Reason{}, nil
	}
	limits := lim.Limits(acct)
	since := make(map[string]time.Time, len(limits))
	for _, l := range limits {
		since[l.Key] = now.Add(-l.Window)
	}
	status, err := tx.RateStatuses(ctx, since)
	if err != nil {
		return time.Time{}, ferry.Reason{}, err
	}
	for _, l := range limits {
		st := status[l.Key]
		if st.Hold.After(now) {
			return st.Hold, ferry.Because(ferry.ReasonPlatformHold, "platform", conn.Platform(), "at", st.Hold), nil
		}
		if st.Count >= l.Max {
			next := st.Oldest.Add(l.Window).Add(jitter(l.Window / 100))
			return next, ferry.Because(ferry.ReasonRateLimit, "platform", conn.Platform(), "max", l.Max, "window", l.Window, "at", next), nil
		}
	}
	return time.Time{}, ferry.Reason{}, nil
}

// holdLimits records a platform's request to wait for everything sharing
// the account's limits.
func (e *Engine) holdLimits(ctx context.Context, tx *store.Tx, conn platform.Connector, acct *ferry.Account, until time.Time) error {
	lim, ok := conn.(platform.Limiter)
	if !ok {
		return nil
	}
	for _, l := range lim.Limits(platformAccount(acct)) {
		if err := tx.HoldRate(ctx, l.Key, until); err != nil {
			return err
		}
	}
	return nil
}

// prepareReconcile handles a publication whose last attempt's outcome is
// unknown: it is never sent again blindly.
func (e *Engine) prepareReconcile(ctx context.Context, tx *store.Tx, p *ferry.Publication) (*sendPlan, time.Duration, error) {
	atts, err := tx.Attempts(ctx, p.ID)
	if err != nil {
		return nil, 0, err
	}
	if len(atts) == 0 {
		return nil, 0, fmt.Errorf("delivery: publication %s is %s without an attempt", p.ID, p.State)
	}
	last := atts[len(atts)-1]
	acct, err := tx.AccountByID(ctx, p.AccountID)
	if err != nil {
		return nil, 0, err
	}
	conn, ok := e.Connectors.Get(acct.Platform)
	if _, canLook := conn.(platform.Reconciler); !ok || !canLook {
		if last.FinishedAt == nil {
			last.Outcome = ferry.OutcomeUnknown
			last.ErrorCode, last.ErrorMessage = "interrupted", "The worker stopped while the platform call was under way."
			if err := tx.FinishAttempt(ctx, last); err != nil {
				return nil, 0, err
			}
		}
		if p.State == ferry.StateUnknown {
			return nil, 0, nil
		}
		return nil, 0, e.transition(ctx, tx, p, ferry.StateUnknown,
			ferry.Because(ferry.ReasonCannotCheck, "attempt", last.Number, "platform", acct.Platform),
			&ferry.PubError{Code: "outcome_unknown", Message: "The outcome of the last attempt is unknown."})
	}
	post, err := e.post(ctx, tx, p)
	if err != nil {
		return nil, 0, err
	}
	post.Fingerprint = last.Fingerprint
	return &sendPlan{pub: p, acct: acct, conn: conn, post: post, attempt: last, reconcile: true}, 0, nil
}

// recordTimeout bounds recording an outcome once the job's own context is
// gone. It is generous: an outcome that is not recorded leaves its attempt
// open, and on a platform that offers no way to look (Telegram) a sent post
// becomes "unknown" for a person to settle. On SQLite every worker's outcome
// waits its turn for the one write connection, and in a burst (a thousand
// posts due within seconds, edits and deletes racing them, the race
// detector on two cores) that queue was measured at over 30 seconds.
const recordTimeout = 2 * time.Minute

// recordContext returns a context for recording an outcome that the job's
// cancellation does not reach, bounded by recordTimeout.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}

// send calls the platform (or looks for an earlier attempt's post) outside
// any transaction, then records the outcome and completes the job in one
// transaction.
func (e *Engine) send(ctx context.Context, log *slog.Logger, plan *sendPlan, complete Complete) error {
	if wait := plan.notBefore.Sub(e.Now()); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return e.release(ctx, plan, complete)
		}
	}
	callCtx, cancel := context.WithTimeout(ctx, e.CallTimeout)
	defer cancel()
	pacct := platformAccount(plan.acct)
	var (
		res     platform.Result
		callErr error
		found   = true
	)
	if plan.reconcile {
		since := plan.attempt.StartedAt.Add(-time.Minute)
		res, found, callErr = plan.conn.(platform.Reconciler).Lookup(callCtx, pacct, plan.post, since)
	} else {
		res, callErr = plan.conn.Publish(callCtx, pacct, plan.post)
	}
	if ctx.Err() != nil && callErr != nil {
		// The worker is shutting down: leave the attempt open. The job will
		// be rescued and reconciled.
		return ctx.Err()
	}
	// The call has an outcome: record it even if the job is cancelled
	// meanwhile (a forced stop, the job's deadline), or a post that went
	// out would be left for reconciliation, and on Telegram for a person.
	ctx, cancelRecord := recordContext(ctx)
	defer cancelRecord()
	// Recorded in a transaction shared with other outcomes (batch.go).
	// Losing it in a crash is safe: the attempt stays open and is
	// reconciled. So its commit need not wait for the disk.
	_, outcomes := e.groups()
	return outcomes.do(ctx, plan.pub.ID, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.PublicationForUpdate(ctx, plan.pub.ID)
		if err != nil {
			return err
		}
		if p.Version != plan.pub.Version {
			if err := e.superseded(ctx, tx, log, p, plan, res, callErr == nil && found); err != nil {
				return err
			}
			return complete(ctx, tx)
		}
		att := plan.attempt
		switch {
		case callErr == nil && found:
			log.Info("published", "remote_id", res.RemoteID, "reconciled", plan.reconcile)
			err = e.published(ctx, tx, p, plan, res, ferry.Reason{})
		case callErr == nil && !found:
			// The platform positively has no such post: the earlier attempt
			// did not take effect, so sending again is safe.
			att.Outcome = ferry.OutcomeAbandoned
			att.ErrorCode, att.ErrorMessage = "not_found", "The platform shows no post from this attempt."
			if err := tx.FinishAttempt(ctx, att); err != nil {
				return err
			}
			now := e.Now()
			p.NextAt = &now
			if err := e.transition(ctx, tx, p, ferry.StateWaiting, ferry.Because(ferry.ReasonNotOnPlatform), p.Error); err != nil {
				return err
			}
			err = e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, now)
		default:
			err = e.failed(ctx, tx, log, p, plan, platform.Classify(callErr))
		}
		if err != nil {
			return err
		}
		return complete(ctx, tx)
	})
}

// superseded handles the outcome of a call whose publication a person
// settled while it was under way (resolving an unknown publication gives it
// a new version). Their verdict stands, except that a post found on the
// platform is never sent again: a publication they sent back to be
// published, and that has not been sent since, is published.
func (e *Engine) superseded(ctx context.Context, tx *store.Tx, log *slog.Logger, p *ferry.Publication, plan *sendPlan, res platform.Result, sent bool) error {
	log.Warn("the publication was settled during the call", "current_version", p.Version, "state", p.State, "sent", sent)
	if !sent || (p.State != ferry.StateScheduled && p.State != ferry.StateWaiting) {
		return nil
	}
	return e.published(ctx, tx, p, plan, res, ferry.Because(ferry.ReasonFoundAfterAll))
}

// published closes the plan's attempt with the post the platform has, and
// makes the publication published.
func (e *Engine) published(ctx context.Context, tx *store.Tx, p *ferry.Publication, plan *sendPlan, res platform.Result, reason ferry.Reason) error {
	att := plan.attempt
	att.Outcome, att.RemoteID, att.ErrorCode, att.ErrorMessage = ferry.OutcomePublished, res.RemoteID, "", ""
	if plan.reconcile {
		att.Outcome = ferry.OutcomeReconciled
	}
	if err := tx.FinishAttempt(ctx, att); err != nil {
		return err
	}
	published := res.PublishedAt
	if published.IsZero() {
		published = e.Now()
	}
	p.PublishedAt, p.RemoteID, p.RemoteIDs, p.RemoteURL, p.NextAt = &published, res.RemoteID, res.RemoteIDs, res.URL, nil
	return e.transition(ctx, tx, p, ferry.StatePublished, reason, nil)
}

// release undoes an attempt that was opened but never sent, because the
// worker is stopping before the publication's time: nothing reached the
// platform, so the publication is simply scheduled again.
func (e *Engine) release(ctx context.Context, plan *sendPlan, complete Complete) error {
	ctx, cancel := recordContext(ctx)
	defer cancel()
	return e.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.PublicationForUpdate(ctx, plan.pub.ID)
		if err != nil {
			return err
		}
		att := plan.attempt
		att.Outcome, att.ErrorCode, att.ErrorMessage = ferry.OutcomeAbandoned, "not_sent", "The worker stopped before the publication's time; nothing was sent."
		if err := tx.FinishAttempt(ctx, att); err != nil {
			return err
		}
		p.NextAt = &plan.notBefore
		if err := e.transition(ctx, tx, p, ferry.StateScheduled, ferry.Reason{}, p.Error); err != nil {
			return err
		}
		if err := e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, plan.notBefore); err != nil {
			return err
		}
		return complete(ctx, tx)
	})
}

// failed records a classified failure and decides what happens next.
func (e *Engine) failed(ctx context.Context, tx *store.Tx, log *slog.Logger, p *ferry.Publication, plan *sendPlan, perr *platform.Error) error {
	att := plan.attempt
	att.ErrorCode, att.ErrorMessage = perr.Code, perr.Message
	pubErr := &ferry.PubError{Code: perr.Code, Message: perr.Message}
	log.Warn("platform call failed", "class", perr.Class.String(), "code", perr.Code, "error", perr.Error(), "reconcile", plan.reconcile)
	if plan.reconcile {
		return e.lookupFailed(ctx, tx, p, plan, perr, pubErr)
	}
	switch perr.Class {
	case platform.Permanent:
		att.Outcome = ferry.OutcomeFailed
		if err := tx.FinishAttempt(ctx, att); err != nil {
			return err
		}
		return e.transition(ctx, tx, p, ferry.StateFailed, ferry.Because(ferry.ReasonRefused, "platform", p.Platform, "message", perr.Message), pubErr)
	case platform.Reauth:
		att.Outcome = ferry.OutcomeReauth
		if err := tx.FinishAttempt(ctx, att); err != nil {
			return err
		}
		p.Error = pubErr
		return e.reauth(ctx, tx, p, plan, perr.Message)
	case platform.Unknown, platform.Duplicate:
		// Leave the attempt open: it is settled by reconciliation.
		if _, canLook := plan.conn.(platform.Reconciler); canLook {
			next := e.Now().Add(reconcileDelay())
			p.NextAt, p.Error = &next, pubErr
			if err := e.transition(ctx, tx, p, ferry.StateUnknown, ferry.Because(ferry.ReasonCheckingOutcome, "message", perr.Message), pubErr); err != nil {
				return err
			}
			return e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, next)
		}
		return e.askAPerson(ctx, tx, p, att, ferry.Because(ferry.ReasonOutcomeUnknown, "message", perr.Message), pubErr)
	default: // Retry
		return e.retry(ctx, tx, p, plan, perr, pubErr)
	}
}

// lookupFailed handles a failed look for an earlier attempt's post. That
// attempt's fate is still unknown, so nothing is sent again: it is looked
// for later, or, when the platform will not say, a person settles it.
func (e *Engine) lookupFailed(ctx context.Context, tx *store.Tx, p *ferry.Publication, plan *sendPlan, perr *platform.Error, pubErr *ferry.PubError) error {
	switch perr.Class {
	case platform.Permanent:
		return e.askAPerson(ctx, tx, p, plan.attempt, ferry.Because(ferry.ReasonCheckFailed, "message", perr.Message), pubErr)
	case platform.Reauth:
		if _, err := e.accountRefused(ctx, tx, plan, perr.Message); err != nil {
			return err
		}
	}
	return e.retry(ctx, tx, p, plan, perr, pubErr)
}

// askAPerson closes an attempt whose outcome Ferry cannot establish and
// leaves the publication unknown, for a person to resolve.
func (e *Engine) askAPerson(ctx context.Context, tx *store.Tx, p *ferry.Publication, att *ferry.Attempt, reason ferry.Reason, pubErr *ferry.PubError) error {
	att.Outcome = ferry.OutcomeUnknown
	if err := tx.FinishAttempt(ctx, att); err != nil {
		return err
	}
	p.NextAt = nil
	return e.transition(ctx, tx, p, ferry.StateUnknown, reason, pubErr)
}

// retry schedules the next attempt (or, for a lookup, the next look) after
// a backoff or the platform's hint, within the give-up window.
func (e *Engine) retry(ctx context.Context, tx *store.Tx, p *ferry.Publication, plan *sendPlan, perr *platform.Error, pubErr *ferry.PubError) error {
	att := plan.attempt
	now := e.Now()
	// A failed lookup leaves the earlier attempt open: look again later.
	if !plan.reconcile {
		att.Outcome = ferry.OutcomeRetry
		if err := tx.FinishAttempt(ctx, att); err != nil {
			return err
		}
	}
	wait := backoff(p.Attempts)
	if perr.RetryAfter > 0 {
		wait = perr.RetryAfter + jitter(perr.RetryAfter/10)
		if err := e.holdLimits(ctx, tx, plan.conn, plan.acct, now.Add(perr.RetryAfter)); err != nil {
			return err
		}
	}
	next := now.Add(wait)
	if _, err := tx.Story(ctx, p.WorkspaceID, p.StoryID); ferry.IsCode(err, ferry.ENOTFOUND) {
		return e.transition(ctx, tx, p, ferry.StateCanceled, ferry.Because(ferry.ReasonStoryDeleted), pubErr)
	} else if err != nil {
		return err
	}
	if e.gaveUpAt(p, next) {
		if plan.reconcile {
			return e.askAPerson(ctx, tx, p, att, ferry.Because(ferry.ReasonGiveUpUnknown, "attempts", p.Attempts, "after", e.GiveUpAfter, "message", perr.Message), pubErr)
		}
		return e.transition(ctx, tx, p, ferry.StateFailed, ferry.Because(ferry.ReasonGiveUp, "attempts", p.Attempts, "after", e.GiveUpAfter, "message", perr.Message), pubErr)
	}
	p.NextAt = &next
	state, reason := ferry.StateWaiting, ferry.Because(ferry.ReasonNextAttempt, "message", perr.Message, "at", next)
	if plan.reconcile {
		state, reason = ferry.StateUnknown, ferry.Because(ferry.ReasonNextCheck, "message", perr.Message, "at", next)
	}
	if err := e.transition(ctx, tx, p, state, reason, pubErr); err != nil {
		return err
	}
	return e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, next)
}

// accountRefused records that the platform refused the account's
// credentials. The account is read again: the refusal concerns the
// credentials the call used, and only if they are still the account's, and
// it is connected, is it marked needs_reauth. It returns the account as it
// now is.
func (e *Engine) accountRefused(ctx context.Context, tx *store.Tx, plan *sendPlan, reason string) (*ferry.Account, error) {
	acct, err := tx.AccountForUpdate(ctx, plan.acct.WorkspaceID, plan.acct.ID)
	if err != nil {
		return nil, err
	}
	if acct.Health != ferry.HealthConnected || !maps.Equal(acct.Credentials, plan.acct.Credentials) {
		return acct, nil
	}
	if changed, err := tx.SetAccountHealth(ctx, acct, ferry.HealthNeedsReauth, reason); err != nil || !changed {
		return acct, err
	}
	return acct, tx.Audit(ctx, ferry.Audit{WorkspaceID: acct.WorkspaceID, Actor: "system", Action: "account.needs_reauth", TargetType: "account", TargetID: acct.ID, Data: map[string]any{"reason": reason}})
}

// reauth handles a platform's refusal of the credentials a publish call
// used: the account must be reconnected, unless it was meanwhile (the new
// credentials get an attempt of their own: nothing was published) or was
// closed.
func (e *Engine) reauth(ctx context.Context, tx *store.Tx, p *ferry.Publication, plan *sendPlan, reason string) error {
	acct, err := e.accountRefused(ctx, tx, plan, reason)
	if err != nil {
		return err
	}
	switch {
	case acct.Health == ferry.HealthClosed:
		return e.transition(ctx, tx, p, ferry.StateCanceled, ferry.Because(ferry.ReasonAccountClosed), nil)
	case !maps.Equal(acct.Credentials, plan.acct.Credentials):
		now := e.Now()
		p.NextAt = &now
		if err := e.transition(ctx, tx, p, ferry.StateWaiting, ferry.Because(ferry.ReasonReconnectedDuring), p.Error); err != nil {
			return err
		}
		return e.Scheduler.SchedulePublish(ctx, tx, p.ID, p.Version, now)
	}
	return e.needsReauth(ctx, tx, p, reason)
}

// needsReauth parks a publication until its account is reconnected, and
// sets the deadline after which it is missed.
func (e *Engine) needsReauth(ctx context.Context, tx *store.Tx, p *ferry.Publication, message string) error {
	if err := e.transition(ctx, tx, p, ferry.StateNeedsReauth, ferry.Because(ferry.ReasonNeedsReauth, "message", message), p.Error); err != nil {
		return err
	}
	return e.Scheduler.ScheduleExpiry(ctx, tx, p.ID, p.Version, e.Now().Add(e.ReauthDeadline))
}

// Expire marks a publication missed if it is still waiting for its account
// to be reconnected, or for approval, at the given version.
func (e *Engine) Expire(ctx context.Context, publicationID string, version int, complete Complete) error {
	return e.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.PublicationForUpdate(ctx, publicationID)
		if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			return err
		}
		if err == nil && p.Version == version && p.State == ferry.StateNeedsReauth {
			if err := e.transition(ctx, tx, p, ferry.StateMissed, ferry.Because(ferry.ReasonReauthExpired, "within", e.ReauthDeadline), p.Error); err != nil {
				return err
			}
		}
		if err == nil && p.Version == version && p.State == ferry.StateAwaitingApproval {
			if err := e.transition(ctx, tx, p, ferry.StateMissed, ferry.Because(ferry.ReasonApprovalMissed, "within", e.GiveUpAfter), p.Error); err != nil {
				return err
			}
		}
		return complete(ctx, tx)
	})
}

// transition moves a publication to a state, saving it with an audit event.
func (e *Engine) transition(ctx context.Context, tx *store.Tx, p *ferry.Publication, to ferry.PublicationState, reason ferry.Reason, perr *ferry.PubError) error {
	from := p.State
	p.State, p.Error = to, perr
	p.SetReason(reason)
	if err := tx.SavePublication(ctx, p); err != nil {
		return err
	}
	return Transitioned(ctx, tx, e.Events, "system", p, from)
}

// Transitioned writes the audit event of a state change in tx and tells
// Events once tx has committed. Every transition, by the engine or by a
// person, goes through it.
func Transitioned(ctx context.Context, tx *store.Tx, ev Events, actor string, p *ferry.Publication, from ferry.PublicationState) error {
	data := map[string]any{"from": string(from), "to": string(p.State), "version": p.Version}
	if p.Reason != "" {
		data["reason"] = p.Reason
	}
	if p.ReasonCode != "" {
		data["reason_code"], data["reason_args"] = p.ReasonCode, p.ReasonArgs
	}
	if p.RemoteID != "" {
		data["remote_id"] = p.RemoteID
	}
	if err := tx.Audit(ctx, ferry.Audit{WorkspaceID: p.WorkspaceID, Actor: actor, Action: "publication." + string(p.State), TargetType: "publication", TargetID: p.ID, Data: data}); err != nil {
		return err
	}
	if ev != nil {
		// Told after commit, as the state was at this transition: a
		// rolled-back transition never happened.
		snap := *p
		tx.AfterCommit(func() { ev.Transition(context.WithoutCancel(ctx), &snap, from) })
	}
	return nil
}

// gaveUpAt reports whether t is past the give-up window of a publication
// that has been tried at least once.
func (e *Engine) gaveUpAt(p *ferry.Publication, t time.Time) bool {
	if p.ScheduledAt == nil || p.Attempts == 0 {
		return false
	}
	return t.After(p.ScheduledAt.Add(e.GiveUpAfter))
}

// post builds what is sent from the publication's variant. Each image
// carries the alt text of its original (a copy fitted to the platform
// shows what its original shows), none when that is decorative. The
// fingerprint covers everything sent, alt text included (fingerprint).
func (e *Engine) post(ctx context.Context, tx *store.Tx, p *ferry.Publication) (platform.Post, error) {
	v, images, err := sendable(ctx, &tx.Q, p.WorkspaceID, p.StoryID, p.AccountID)
	if err != nil {
		return platform.Post{}, err
	}
	post := platform.Post{PublicationID: p.ID, Title: v.Title, Text: v.Text, Fingerprint: fingerprint(v, images)}
	for _, img := range images {
		m := img.media
		sum := m.SHA256
		pm := platform.Media{ID: m.ID, Mime: m.Mime, Width: m.Width, Height: m.Height, Bytes: m.Bytes, AltText: img.alt, Open: func() (io.ReadCloser, error) { return e.Media.Open(sum) }}
		if e.MediaURL != nil {
			pm.URL = e.MediaURL(sum)
		}
		post.Media = append(post.Media, pm)
	}
	return post, nil
}

// sentImage is one image as sent: the fitted copy and its alt text.
type sentImage struct {
	media *ferry.Media
	alt   string
}

// sendable reads what is sent to an account for a story: its variant (the
// text after script conversion and the platform's template) and its
// images (the copies fitted to the platform, i.e. with their crops).
func sendable(ctx context.Context, q *store.Q, workspaceID, storyID, accountID string) (*ferry.Variant, []sentImage, error) {
	v, err := q.Variant(ctx, storyID, accountID)
	if err != nil {
		return nil, nil, err
	}
	var images []sentImage
	for _, id := range v.MediaIDs {
		m, err := q.Media(ctx, workspaceID, id)
		if err != nil {
			return nil, nil, err
		}
		alt, err := altText(ctx, q, m)
		if err != nil {
			return nil, nil, err
		}
		images = append(images, sentImage{media: m, alt: alt})
	}
	return v, images, nil
}

// fingerprint hashes everything sent: title, text, each image's hash (a
// different crop is a different copy) and its alt text.
func fingerprint(v *ferry.Variant, images []sentImage) string {
	h := sha256.New()
	io.WriteString(h, v.Title+"\x00"+v.Text)
	for _, img := range images {
		io.WriteString(h, "\x00"+img.media.SHA256)
		if img.alt != "" {
			// Length-prefixed, so no alt text can pass for another image.
			fmt.Fprintf(h, "\x01%d:%s", len(img.alt), img.alt)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Fingerprint is the fingerprint of what would be sent now to an account
// for a story: the attempt's fingerprint, and what an approval is bound
// to. One function, so that what is approved is what is sent.
func Fingerprint(ctx context.Context, q *store.Q, workspaceID, storyID, accountID string) (string, error) {
	v, images, err := sendable(ctx, q, workspaceID, storyID, accountID)
	if err != nil {
		return "", err
	}
	return fingerprint(v, images), nil
}

// altText is what an image sent shows, for people who cannot see it: its
// original's alt text, or "" when the original is decorative or has none.
func altText(ctx context.Context, q *store.Q, m *ferry.Media) (string, error) {
	if m.ParentID != "" {
		orig, err := q.Media(ctx, m.WorkspaceID, m.ParentID)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		m = orig
	}
	if m.Decorative {
		return "", nil
	}
	return m.AltText, nil
}

func platformAccount(a *ferry.Account) platform.Account {
	return platform.Account{ID: a.ID, ExternalID: a.ExternalID, Credentials: a.Credentials, Settings: a.Settings}
}

// backoff is exponential with full jitter: about 5 s, 10 s, 20 s, … capped
// at 30 minutes.
func backoff(attempt int) time.Duration {
	d := 5 * time.Second << min(max(attempt-1, 0), 9)
	d = min(d, 30*time.Minute)
	return d/2 + jitter(d/2)
}

// reconcileDelay gives the platform a moment before Ferry looks for a post.
func reconcileDelay() time.Duration { return 2*time.Second + jitter(time.Second) }

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
