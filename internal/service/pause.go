package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// Emergency pause. An admin or owner pauses the whole workspace's sending,
// or some accounts'. The pause is a row, not a flag in memory: the delivery
// engine reads it in the transaction that would open an attempt
// (internal/delivery/hold.go), so every worker holds at once, and what
// comes due meanwhile is held (waiting, reason "paused", no next time). A
// publication already being sent is not stopped. Resuming ends the pause
// and says what becomes of what came due: sent now, canceled, or kept held
// for a person to decide one by one (send now, reschedule, cancel) — in
// the same transaction, which enqueues the River jobs of what is sent.
// Every start, end and decision is audited; the workspace's webhook is
// told (pause.started, pause.ended) when one is set.

// PauseNotifier tells the world that a pause started or ended, from a job
// scheduled in tx (internal/jobs). Nil: nobody is told beyond the audit
// trail.
type PauseNotifier interface {
	SchedulePauseNotification(ctx context.Context, tx *store.Tx, workspaceID, pauseID, event string) error
}

// Pause notification events.
const (
	EventPauseStarted = "pause.started"
	EventPauseEnded   = "pause.ended"
)

// maxPauseNote bounds a pause's note.
const maxPauseNote = 500

// PauseInput starts a pause: of the whole workspace when AccountIDs is
// empty, else of those accounts.
type PauseInput struct {
	Reason     ferry.PauseReason `json:"reason"`
	Note       string            `json:"note,omitempty"`
	AccountIDs []string          `json:"account_ids,omitempty"`
}

// PauseStatus is where a workspace's sending stands.
type PauseStatus struct {
	// Paused is true while a pause stands (of the workspace or an account).
	Paused bool `json:"paused"`
	// Workspace is the standing pause of the whole workspace, if any.
	Workspace *ferry.Pause `json:"workspace,omitempty"`
	// Pauses are all the standing pauses, the workspace's first.
	Pauses []*ferry.Pause `json:"pauses"`
	// Held are the publications held by a pause or a blackout period,
	// oldest due first: what a person decides about.
	Held []*ferry.Publication `json:"held"`
	// Publishing counts the publications being sent now: a pause does not
	// stop them.
	Publishing int `json:"publishing"`
}

// HoldDecision is what becomes of one held publication: "send" (now),
// "cancel", "keep" (held, for later) or "reschedule" (to At).
type HoldDecision struct {
	Action string     `json:"action"`
	At     *time.Time `json:"at,omitempty"`
}

// ResumeInput ends pauses: every standing pause when AccountIDs is empty,
// else those accounts' own. Due says what becomes of the publications that
// came due meanwhile (send, cancel or keep); Decisions, by publication id,
// decide some of them otherwise.
type ResumeInput struct {
	AccountIDs []string                `json:"account_ids,omitempty"`
	Due        string                  `json:"due"`
	Decisions  map[string]HoldDecision `json:"decisions,omitempty"`
}

// ResumeResult is what a resume did.
type ResumeResult struct {
	Ended []*ferry.Pause `json:"ended"`
	// Sent, Canceled, Kept and Rescheduled are the publications that came
	// due, by what became of them.
	Sent        []string `json:"sent"`
	Canceled    []string `json:"canceled"`
	Kept        []string `json:"kept"`
	Rescheduled []string `json:"rescheduled"`
}

// Pause starts a pause. Pausing what is already paused is ECONFLICT.
func (s *Service) Pause(ctx context.Context, p ferry.Principal, in PauseInput) ([]*ferry.Pause, error) {
	if err := require(p, ferry.RoleAdmin, "pause sending"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	if !in.Reason.Valid() {
		details["reason"] = "must be one of " + pauseReasonList()
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > maxPauseNote {
		details["note"] = "must be at most 500 characters"
	}
	if in.Reason == ferry.PauseOther && in.Note == "" {
		details["note"] = `is required when the reason is "other"`
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The pause is not valid.").WithDetails(details)
	}
	scopes := []string{""}
	if len(in.AccountIDs) > 0 {
		scopes = dedupe(in.AccountIDs)
	}
	var out []*ferry.Pause
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		out = nil
		if err := tx.LockWorkspacePauses(ctx, p.WorkspaceID); err != nil {
			return err
		}
		name := p.Actor()
		if u, err := tx.User(ctx, p.UserID); err == nil {
			name = displayName(u)
		}
		for _, acct := range scopes {
			if acct != "" {
				if _, err := tx.Account(ctx, p.WorkspaceID, acct); err != nil {
					return err
				}
			}
			pz := &ferry.Pause{WorkspaceID: p.WorkspaceID, AccountID: acct, Reason: in.Reason, Note: in.Note, PausedBy: p.UserID, PausedByName: name}
			if err := tx.CreatePause(ctx, pz); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit(p, "pause.started", "pause", pz.ID, map[string]any{"account_id": acct, "reason": string(in.Reason), "note": in.Note})); err != nil {
				return err
			}
			if err := s.notifyPause(ctx, tx, pz, EventPauseStarted); err != nil {
				return err
			}
			out = append(out, pz)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PauseStatus returns the standing pauses and the held publications. Every
// member may see them (the banner is on every page).
func (s *Service) PauseStatus(ctx context.Context, p ferry.Principal) (*PauseStatus, error) {
	if err := require(p, ferry.RoleViewer, "see whether sending is paused"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	pauses, err := q.StandingPauses(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	held, err := q.HeldPublications(ctx, p.WorkspaceID, nil)
	if err != nil {
		return nil, err
	}
	publishing, err := q.Publications(ctx, ferry.PublicationFilter{WorkspaceID: p.WorkspaceID, States: []ferry.PublicationState{ferry.StatePublishing}})
	if err != nil {
		return nil, err
	}
	st := &PauseStatus{Paused: len(pauses) > 0, Pauses: pauses, Held: held, Publishing: len(publishing)}
	if st.Pauses == nil {
		st.Pauses = []*ferry.Pause{}
	}
	if st.Held == nil {
		st.Held = []*ferry.Publication{}
	}
	if len(pauses) > 0 && pauses[0].AccountID == "" {
		st.Workspace = pauses[0]
	}
	return st, nil
}

// StandingPauses returns only the standing pauses (the banner's).
func (s *Service) StandingPauses(ctx context.Context, p ferry.Principal) ([]*ferry.Pause, error) {
	if err := require(p, ferry.RoleViewer, "see whether sending is paused"); err != nil {
		return nil, err
	}
	return s.DB.Read().StandingPauses(ctx, p.WorkspaceID)
}

// PauseHistory lists the workspace's pauses, newest first.
func (s *Service) PauseHistory(ctx context.Context, p ferry.Principal, limit int) ([]*ferry.Pause, error) {
	if err := require(p, ferry.RoleViewer, "see the pause history"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.DB.Read().PauseHistory(ctx, p.WorkspaceID, limit)
}

// Resume ends pauses and decides what came due meanwhile, in one
// transaction. Accounts named that are not paused on their own are
// ECONFLICT, and so is resuming when nothing is paused.
func (s *Service) Resume(ctx context.Context, p ferry.Principal, in ResumeInput) (*ResumeResult, error) {
	if err := require(p, ferry.RoleAdmin, "resume sending"); err != nil {
		return nil, err
	}
	if !validDue(in.Due) {
		return nil, ferry.Errorf(ferry.EINVALID, `due must be "send", "cancel" or "keep".`).WithDetails(map[string]string{"due": `must be "send", "cancel" or "keep"`})
	}
	if err := validDecisions(in.Decisions); err != nil {
		return nil, err
	}
	var res *ResumeResult
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		res = &ResumeResult{Ended: []*ferry.Pause{}, Sent: []string{}, Canceled: []string{}, Kept: []string{}, Rescheduled: []string{}}
		if err := tx.LockWorkspacePauses(ctx, p.WorkspaceID); err != nil {
			return err
		}
		standing, err := tx.StandingPauses(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		if len(standing) == 0 {
			return ferry.Errorf(ferry.ECONFLICT, "Sending is not paused.")
		}
		var end, remain []*ferry.Pause
		if len(in.AccountIDs) == 0 {
			end = standing
		} else {
			want := dedupe(in.AccountIDs)
			for _, pz := range standing {
				if pz.AccountID != "" && slices.Contains(want, pz.AccountID) {
					end = append(end, pz)
				} else {
					remain = append(remain, pz)
				}
			}
			for _, a := range want {
				if !slices.ContainsFunc(end, func(pz *ferry.Pause) bool { return pz.AccountID == a }) {
					return ferry.Errorf(ferry.ECONFLICT, "Account %q is not paused on its own; resume the workspace instead.", a).WithDetails(map[string]string{"account_ids": a + " is not paused"})
				}
			}
		}
		for _, pz := range end {
			pz.EndedBy, pz.Due = p.UserID, in.Due
			if err := tx.EndPause(ctx, pz); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit(p, "pause.ended", "pause", pz.ID, map[string]any{"account_id": pz.AccountID, "due": in.Due})); err != nil {
				return err
			}
			if err := s.notifyPause(ctx, tx, pz, EventPauseEnded); err != nil {
				return err
			}
			res.Ended = append(res.Ended, pz)
		}
		held, err := tx.HeldPublications(ctx, p.WorkspaceID, nil)
		if err != nil {
			return err
		}
		for _, pub := range held {
			if pub.ReasonCode != ferry.ReasonPaused || stillPaused(remain, pub.AccountID) {
				continue // held by a blackout, an earlier pause, or a pause that stands
			}
			if pub, err = tx.PublicationForUpdate(ctx, pub.ID); err != nil {
				return err
			}
			d, ok := in.Decisions[pub.ID]
			if !ok {
				d = HoldDecision{Action: in.Due}
			}
			if err := s.decide(ctx, tx, p, pub, d, res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// DecideHeld decides about held publications one by one (after a resume
// that kept them, or held by a blackout period). A publication whose
// account is still paused, or that is not held, is ECONFLICT.
func (s *Service) DecideHeld(ctx context.Context, p ferry.Principal, decisions map[string]HoldDecision) (*ResumeResult, error) {
	if err := require(p, ferry.RoleAdmin, "release held publications"); err != nil {
		return nil, err
	}
	if len(decisions) == 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "Choose what to do with at least one held publication.").WithDetails(map[string]string{"decisions": "is empty"})
	}
	if err := validDecisions(decisions); err != nil {
		return nil, err
	}
	var res *ResumeResult
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		res = &ResumeResult{Ended: []*ferry.Pause{}, Sent: []string{}, Canceled: []string{}, Kept: []string{}, Rescheduled: []string{}}
		if err := tx.LockWorkspacePauses(ctx, p.WorkspaceID); err != nil {
			return err
		}
		standing, err := tx.StandingPauses(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(decisions))
		for id := range decisions {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			pub, err := tx.PublicationForUpdate(ctx, id)
			if err != nil || pub.WorkspaceID != p.WorkspaceID {
				return ferry.Errorf(ferry.ENOTFOUND, "Publication %q was not found.", id)
			}
			if !pub.Held() {
				return ferry.Errorf(ferry.ECONFLICT, "Publication %q is not held; it is %s.", id, pub.State)
			}
			if stillPaused(standing, pub.AccountID) && decisions[id].Action != "cancel" {
				return ferry.Errorf(ferry.ECONFLICT, "Publication %q is held by a pause that stands; resume first.", id)
			}
			if err := s.decide(ctx, tx, p, pub, decisions[id], res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// decide carries out one decision about a held publication in tx.
func (s *Service) decide(ctx context.Context, tx *store.Tx, p ferry.Principal, pub *ferry.Publication, d HoldDecision, res *ResumeResult) error {
	switch d.Action {
	case ferry.PauseDueSend, "reschedule":
		at := tx.Now()
		if d.Action == "reschedule" {
			at = d.At.UTC()
		}
		if err := s.reschedule(ctx, tx, p, pub, &at, ferry.Because(ferry.ReasonReleased)); err != nil {
			return err
		}
		if err := tx.ReleaseHold(ctx, pub.ID, pub.Version, p.Actor()); err != nil {
			return err
		}
		if d.Action == "reschedule" {
			res.Rescheduled = append(res.Rescheduled, pub.ID)
		} else {
			res.Sent = append(res.Sent, pub.ID)
		}
	case ferry.PauseDueCancel:
		if err := s.cancel(ctx, tx, p, pub, ferry.Because(ferry.ReasonCanceledByPerson)); err != nil {
			return err
		}
		res.Canceled = append(res.Canceled, pub.ID)
	default: // keep
		if pub.ReasonCode == ferry.ReasonPaused {
			from := pub.State
			pub.SetReason(ferry.Because(ferry.ReasonHeldAfterPause))
			if err := tx.SavePublication(ctx, pub); err != nil {
				return err
			}
			if err := delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, from); err != nil {
				return err
			}
		}
		res.Kept = append(res.Kept, pub.ID)
	}
	return nil
}

// notifyPause schedules the webhook's notice of a pause, in tx, when the
// workspace has a webhook.
func (s *Service) notifyPause(ctx context.Context, tx *store.Tx, pz *ferry.Pause, event string) error {
	if s.PauseNotifier == nil || s.Webhooks == nil {
		return nil
	}
	ns, err := tx.NotificationSettings(ctx, pz.WorkspaceID)
	if err != nil || ns.WebhookURL == "" {
		return err
	}
	return s.PauseNotifier.SchedulePauseNotification(ctx, tx, pz.WorkspaceID, pz.ID, event)
}

// pauseWebhook is the JSON the webhook receives for pause.started and
// pause.ended.
type pauseWebhook struct {
	ID          string       `json:"id"`
	Event       string       `json:"event"`
	CreatedAt   time.Time    `json:"created_at"`
	WorkspaceID string       `json:"workspace_id"`
	Pause       *ferry.Pause `json:"pause"`
	// Text is the notice in plain English words.
	Text string `json:"text"`
}

// SendPauseNotification posts a pause's event to the workspace's webhook
// (its job's work). A pause or webhook gone since is no error.
func (s *Service) SendPauseNotification(ctx context.Context, workspaceID, pauseID, event, deliveryID string) error {
	if s.Webhooks == nil {
		return nil
	}
	q := s.DB.Read()
	ns, err := q.NotificationSettings(ctx, workspaceID)
	if err != nil || ns.WebhookURL == "" {
		return err
	}
	list, err := q.PauseHistory(ctx, workspaceID, 500)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(pz *ferry.Pause) bool { return pz.ID == pauseID })
	if i < 0 {
		return nil
	}
	pz := list[i]
	what := "Sending is paused"
	if pz.AccountID != "" {
		what = "Sending to " + pz.AccountName + " is paused"
	}
	text := fmt.Sprintf("%s by %s at %s: %s", what, pz.PausedByName, pz.PausedAt.Format(time.RFC3339), pz.Reason.English())
	if pz.Note != "" {
		text += " — " + pz.Note
	}
	if event == EventPauseEnded {
		text = "Resumed. " + text + fmt.Sprintf(" (until %s; what came due: %s)", pz.EndedAt.Format(time.RFC3339), pz.Due)
	}
	body, err := json.Marshal(pauseWebhook{ID: deliveryID, Event: event, CreatedAt: s.DB.Now(), WorkspaceID: workspaceID, Pause: pz, Text: text})
	if err != nil {
		return err
	}
	return s.Webhooks.Post(ctx, ns.WebhookURL, ns.WebhookSecret, event, deliveryID, body)
}

func stillPaused(standing []*ferry.Pause, accountID string) bool {
	return slices.ContainsFunc(standing, func(pz *ferry.Pause) bool { return pz.AccountID == "" || pz.AccountID == accountID })
}

func validDue(d string) bool {
	return d == ferry.PauseDueSend || d == ferry.PauseDueCancel || d == ferry.PauseDueKeep
}

func validDecisions(ds map[string]HoldDecision) error {
	for id, d := range ds {
		switch {
		case d.Action == "reschedule" && d.At == nil:
			return ferry.Errorf(ferry.EINVALID, "Choose a time to reschedule publication %q to.", id).WithDetails(map[string]string{"decisions." + id + ".at": "is required to reschedule"})
		case d.Action != "reschedule" && !validDue(d.Action):
			return ferry.Errorf(ferry.EINVALID, `A decision must be "send", "cancel", "keep" or "reschedule".`).WithDetails(map[string]string{"decisions." + id + ".action": `must be "send", "cancel", "keep" or "reschedule"`})
		}
	}
	return nil
}

func pauseReasonList() string {
	var b strings.Builder
	for i, r := range ferry.PauseReasons {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + string(r) + `"`)
	}
	return b.String()
}

func dedupe(list []string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func displayName(u *ferry.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}
