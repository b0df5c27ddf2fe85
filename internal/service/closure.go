package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// Closing an account (docs/architecture.md, "Closing an account"): the
// request itself cancels or moves what is scheduled and marks the account
// closed, in one transaction, so nothing more goes out from that moment;
// a River job then takes a final reading, writes an archive, deletes the
// posts on the platform if asked (one by one, each audited) and forgets
// the credentials, saving its progress after each step. An account is
// closed once: asking again changes nothing.

// Closure steps, in order.
const (
	StepFinalReading = "final_reading"
	StepArchive      = "archive"
	StepDeleteRemote = "delete_remote"
	StepCredentials  = "forget_credentials"
	StepDone         = "done"
)

// CloseInput is what a person asks of a closure (API
// POST /accounts/{id}/close).
type CloseInput struct {
	// Scheduled is "cancel" (default) or "move".
	Scheduled    string `json:"scheduled"`
	MoveTo       string `json:"move_to"`
	DeleteRemote bool   `json:"delete_remote"`
}

// ClosureView is a closure with what asking for it did.
type ClosureView struct {
	*ferry.Closure
	// Changed is false when the account was being closed or closed
	// already: nothing was changed.
	Changed bool `json:"changed"`
	// Answers say, for each publication that was scheduled or being sent,
	// what the closure did to it (withdrawn, moved, too_late).
	Answers []PublicationAnswer `json:"answers"`
	// Moved maps publications moved to the new account's publications.
	Moved map[string]string `json:"moved,omitempty"`
	// RemoteNote says what the platform's API cannot delete.
	RemoteNote string `json:"remote_note,omitempty"`
}

// remoteNote says, per platform, what Ferry cannot delete there.
func remoteNote(pl ferry.Platform) string {
	switch pl {
	case ferry.Instagram:
		return "Instagram does not let apps delete posts: the posts stay on Instagram; delete them in the Instagram app."
	case ferry.Xiaohongshu:
		return "Xiaohongshu notes were posted by people: a person deletes them in the Xiaohongshu app."
	case ferry.Telegram:
		return "Telegram albums are left: Ferry recorded the first message of each only; delete them in Telegram."
	}
	return ""
}

// ClosurePlan is what the closure wizard shows before a person confirms.
type ClosurePlan struct {
	Account *ferry.Account
	// Scheduled are the publications a closure would cancel or move;
	// Sending those it cannot reach (being sent, outcome unknown).
	Scheduled, Sending []*ferry.Publication
	// Titles are the stories' titles, by story id.
	Titles map[string]string
	// MoveTargets are the accounts scheduled publications can move to.
	MoveTargets []*ferry.Account
	// Published is how many posts are on the platform; CanDelete whether
	// Ferry can delete posts there at all.
	Published int
	CanDelete bool
	Note      string
	// Closure is the account's closure if it has one.
	Closure *ferry.Closure
}

// PlanClosure reads what closing an account would touch.
func (s *Service) PlanClosure(ctx context.Context, p ferry.Principal, id string) (*ClosurePlan, error) {
	if err := require(p, ferry.RoleAdmin, "close accounts"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	a, err := q.Account(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	plan := &ClosurePlan{Account: a, Titles: map[string]string{}, Note: remoteNote(a.Platform)}
	if c, err := q.Closure(ctx, p.WorkspaceID, id); err == nil {
		plan.Closure = c
	} else if !ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil, err
	}
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{AccountID: id})
	if err != nil {
		return nil, err
	}
	var storyIDs []string
	for _, pub := range pubs {
		switch {
		case isCancelable(pub.State):
			plan.Scheduled = append(plan.Scheduled, pub)
		case pub.State == ferry.StatePublishing || pub.State == ferry.StateUnknown:
			plan.Sending = append(plan.Sending, pub)
		case pub.State == ferry.StatePublished && pub.RemoteID != "":
			plan.Published++
		}
		storyIDs = append(storyIDs, pub.StoryID)
	}
	stories, err := q.StoriesByID(ctx, p.WorkspaceID, storyIDs)
	if err != nil {
		return nil, err
	}
	for id, st := range stories {
		plan.Titles[id] = st.Title
	}
	accts, err := q.Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for _, o := range accts {
		if o.ID != a.ID && o.Health != ferry.HealthClosed {
			plan.MoveTargets = append(plan.MoveTargets, o)
		}
	}
	if s.Connectors != nil {
		conn, _ := s.Connectors.Get(a.Platform)
		_, plan.CanDelete = conn.(platform.Deleter)
	}
	plan.CanDelete = plan.CanDelete && a.Platform != ferry.Instagram && a.Platform != ferry.Xiaohongshu
	return plan, nil
}

func (in *CloseInput) validate(ctx context.Context, q *store.Q, p ferry.Principal, id string) error {
	details := map[string]string{}
	in.Scheduled, in.MoveTo = strings.TrimSpace(in.Scheduled), strings.TrimSpace(in.MoveTo)
	if in.Scheduled == "" {
		in.Scheduled = "cancel"
	}
	switch in.Scheduled {
	case "cancel":
		if in.MoveTo != "" {
			details["move_to"] = `is only for "scheduled": "move"`
		}
	case "move":
		switch to, err := q.Account(ctx, p.WorkspaceID, in.MoveTo); {
		case in.MoveTo == "":
			details["move_to"] = "is required to move scheduled publications: the id of another account of the workspace"
		case in.MoveTo == id:
			details["move_to"] = "must be another account than the one being closed"
		case ferry.IsCode(err, ferry.ENOTFOUND):
			details["move_to"] = "is not an account of this workspace"
		case err != nil:
			return err
		case to.Health == ferry.HealthClosed:
			details["move_to"] = "is closed"
		}
	default:
		details["scheduled"] = `must be "cancel" or "move"`
	}
	if len(details) > 0 {
		return ferry.Errorf(ferry.EINVALID, "The closure is not valid.").WithDetails(details)
	}
	return nil
}

// StartClosure closes an account (admin): what is scheduled is canceled,
// or moved to another account, and the account is closed at once; a job
// does the rest. Asking again for an account being closed, or closed by
// an earlier closure, changes nothing and answers with that closure.
func (s *Service) StartClosure(ctx context.Context, p ferry.Principal, id string, in CloseInput) (*ClosureView, error) {
	if err := require(p, ferry.RoleAdmin, "close accounts"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	a, err := q.Account(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if c, err := q.Closure(ctx, p.WorkspaceID, id); err == nil {
		return &ClosureView{Closure: c, Answers: []PublicationAnswer{}}, nil
	} else if !ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil, err
	}
	if err := in.validate(ctx, q, p, id); err != nil {
		return nil, err
	}
	if s.ArchiveJobs == nil {
		return nil, ferry.Errorf(ferry.EUNAVAILABLE, "This Ferry process does not run closure jobs.")
	}
	view := &ClosureView{Changed: true, Answers: []PublicationAnswer{}, RemoteNote: remoteNote(a.Platform)}
	if in.Scheduled == "move" {
		if view.Moved, view.Answers, err = s.moveScheduled(ctx, p, a, in.MoveTo); err != nil {
			return nil, err
		}
	}
	c := &ferry.Closure{AccountID: id, WorkspaceID: p.WorkspaceID, CreatedBy: p.Actor(),
		Options: ferry.ClosureOptions{Scheduled: in.Scheduled, MoveTo: in.MoveTo, DeleteRemote: in.DeleteRemote}}
	c.Progress.Moved = len(view.Moved)
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		acct, err := tx.AccountForUpdate(ctx, p.WorkspaceID, id)
		if err != nil {
			return err
		}
		created, err := tx.CreateClosure(ctx, c)
		if err != nil {
			return err
		}
		if !created { // another request closed it meanwhile
			view.Changed = false
			return nil
		}
		answers, err := s.closeInTx(ctx, tx, p, acct, "Closed by a workspace admin.")
		if err != nil {
			return err
		}
		for _, ans := range answers {
			switch ans.Answer {
			case AnswerWithdrawn:
				c.Progress.Canceled++
			case AnswerTooLate:
				c.Progress.TooLate++
			}
		}
		view.Answers = append(view.Answers, answers...)
		if err := tx.SaveClosure(ctx, c); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "account.closure_started", "account", id, map[string]any{
			"scheduled": in.Scheduled, "move_to": in.MoveTo, "delete_remote": in.DeleteRemote,
			"canceled": c.Progress.Canceled, "moved": c.Progress.Moved, "too_late": c.Progress.TooLate})); err != nil {
			return err
		}
		return s.ArchiveJobs.ScheduleClosure(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	if view.Closure, err = s.DB.Read().Closure(ctx, p.WorkspaceID, id); err != nil {
		return nil, err
	}
	return view, nil
}

// moveScheduled moves the account's scheduled publications to another
// account: each story's target changes from one to the other (the story
// is tailored to the new account as any edit would). A story that cannot
// take the change keeps it — the closure then cancels that publication —
// and its answer says why.
func (s *Service) moveScheduled(ctx context.Context, p ferry.Principal, from *ferry.Account, to string) (map[string]string, []PublicationAnswer, error) {
	pubs, err := s.DB.Read().Publications(ctx, ferry.PublicationFilter{AccountID: from.ID, States: cancelable})
	if err != nil {
		return nil, nil, err
	}
	moved, answers := map[string]string{}, []PublicationAnswer{}
	for _, pub := range pubs {
		st, err := s.DB.Read().Story(ctx, p.WorkspaceID, pub.StoryID)
		if err != nil {
			return nil, nil, err
		}
		targets := slices.DeleteFunc(slices.Clone(st.Targets), func(t string) bool { return t == from.ID })
		if !slices.Contains(targets, to) {
			targets = append(targets, to)
		}
		view, err := s.UpdateStory(ctx, p, st.ID, StoryPatch{Targets: &targets})
		if err != nil {
			var fe *ferry.Error
			if !errors.As(err, &fe) {
				return nil, nil, err
			}
			ans := answerFor(pub, false, false)
			ans.Message = "Not moved (" + fe.Message + "); the closure withdraws it instead."
			answers = append(answers, ans)
			continue
		}
		for _, np := range view.Publications {
			if np.AccountID == to {
				moved[pub.ID] = np.ID
			}
		}
		ans := answerFor(pub, true, false)
		ans.Answer, ans.Message = AnswerMoved, "Moved to the account "+to+" (publication "+moved[pub.ID]+")."
		answers = append(answers, ans)
	}
	return moved, answers, nil
}

// closeInTx marks an account closed and withdraws its unsent
// publications; it answers for those and for those being sent, which it
// cannot reach. An account closed already is left as it is.
func (s *Service) closeInTx(ctx context.Context, tx *store.Tx, p ferry.Principal, a *ferry.Account, why string) ([]PublicationAnswer, error) {
	answers := []PublicationAnswer{}
	if a.Health != ferry.HealthClosed {
		if _, err := tx.SetAccountHealth(ctx, a, ferry.HealthClosed, why); err != nil {
			return nil, err
		}
		if err := tx.Audit(ctx, audit(p, "account.close", "account", a.ID, nil)); err != nil {
			return nil, err
		}
	}
	pubs, err := tx.Publications(ctx, ferry.PublicationFilter{AccountID: a.ID,
		States: append(slices.Clone(cancelable), ferry.StatePublishing, ferry.StateUnknown)})
	if err != nil {
		return nil, err
	}
	for _, listed := range pubs {
		pub, err := tx.PublicationForUpdate(ctx, listed.ID)
		if err != nil {
			return nil, err
		}
		if !isCancelable(pub.State) {
			answers = append(answers, answerFor(pub, false, false)) // being sent: too late
			continue
		}
		if err := s.cancel(ctx, tx, p, pub, ferry.Because(ferry.ReasonAccountClosed)); err != nil {
			return nil, err
		}
		answers = append(answers, answerFor(pub, true, true))
	}
	return answers, nil
}

// Closure returns an account's closure.
func (s *Service) Closure(ctx context.Context, p ferry.Principal, id string) (*ferry.Closure, error) {
	if err := require(p, ferry.RoleViewer, "see closures"); err != nil {
		return nil, err
	}
	return s.DB.Read().Closure(ctx, p.WorkspaceID, id)
}

// RunClosure runs (or resumes) an account's closure: the closure job. Each
// step saves its progress, so a retry resumes where the last run stopped.
func (s *Service) RunClosure(ctx context.Context, accountID string) error {
	q := s.DB.Read()
	c, err := q.Closure(ctx, "", accountID)
	if err != nil {
		return err
	}
	if c.State == ferry.ClosureDone {
		return nil
	}
	p := ferry.Principal{UserID: strings.TrimPrefix(c.CreatedBy, "user:"), WorkspaceID: c.WorkspaceID, Role: ferry.RoleAdmin}
	if !strings.HasPrefix(c.CreatedBy, "user:") {
		p.UserID = ""
	}
	acct, err := q.Account(ctx, c.WorkspaceID, accountID)
	if err != nil {
		return err
	}
	save := func(step string) error {
		c.State, c.Step = ferry.ClosureRunning, step
		return s.DB.Write().SaveClosure(ctx, c)
	}
	err = s.runClosure(ctx, p, c, acct, save)
	now := s.DB.Now()
	if err != nil {
		c.Error = err.Error()
		_ = s.DB.Write().SaveClosure(ctx, c)
		return err
	}
	c.State, c.Step, c.Error, c.FinishedAt = ferry.ClosureDone, StepDone, "", &now
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveClosure(ctx, c); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "account.closed", "account", accountID, map[string]any{"archive_id": c.ArchiveID,
			"canceled": c.Progress.Canceled, "moved": c.Progress.Moved, "remote_deleted": c.Progress.RemoteDeleted,
			"remote_gone": c.Progress.RemoteGone, "remote_failed": c.Progress.RemoteFailed, "remote_kept": c.Progress.RemoteKept}))
	})
}

// FailClosure records that a closure's job gave up.
func (s *Service) FailClosure(ctx context.Context, accountID string, cause error) error {
	c, err := s.DB.Read().Closure(ctx, "", accountID)
	if err != nil {
		return err
	}
	c.State, c.Error = ferry.ClosureFailed, cause.Error()
	return s.DB.Write().SaveClosure(ctx, c)
}

func (s *Service) runClosure(ctx context.Context, p ferry.Principal, c *ferry.Closure, acct *ferry.Account, save func(string) error) error {
	// 1. A final reading of the account's counts, where its platform
	// reports them; a refusal is no reason not to close.
	if !c.Progress.FinalReading && len(acct.Credentials) > 0 {
		if err := save(StepFinalReading); err != nil {
			return err
		}
		if r, ok := s.metricsReader(acct.Platform); ok {
			callCtx, cancel := context.WithTimeout(ctx, time.Minute)
			m, err := r.AccountMetrics(callCtx, platform.Account{ID: acct.ID, ExternalID: acct.ExternalID, Credentials: acct.Credentials, Settings: acct.Settings})
			cancel()
			if err != nil {
				s.Log.Warn("final reading failed", "account_id", acct.ID, "err", err)
			} else {
				snap := ferry.AccountSnapshot{AccountID: acct.ID, At: s.DB.Now().UTC().Truncate(time.Millisecond), Followers: m.Followers, Following: m.Following, Posts: m.Posts}
				if err := s.DB.Write().PutAccountSnapshot(ctx, snap); err != nil {
					return err
				}
				c.Progress.FinalReading = true
			}
		}
	}
	// 2. The archive, after the final reading so that it holds it.
	if c.ArchiveID == "" {
		if err := save(StepArchive); err != nil {
			return err
		}
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			a := &ferry.Archive{WorkspaceID: acct.WorkspaceID, AccountID: acct.ID, CreatedBy: c.CreatedBy}
			if err := tx.CreateArchive(ctx, a); err != nil {
				return err
			}
			c.ArchiveID = a.ID
			return tx.SaveClosure(ctx, c)
		})
		if err != nil {
			return err
		}
	}
	if a, err := s.DB.Read().Archive(ctx, "", c.ArchiveID); err != nil {
		return err
	} else if a.State != ferry.ArchiveReady {
		if err := s.WriteArchive(ctx, a.ID); err != nil {
			return err
		}
	}
	// 3. The posts on the platform, one by one, if asked.
	if c.Options.DeleteRemote && len(acct.Credentials) > 0 {
		if err := s.deleteAllRemote(ctx, p, c, acct, save); err != nil {
			return err
		}
	}
	// 4. The credentials: forgotten (a closed account cannot be
	// reconnected, so they would never be used again).
	if err := save(StepCredentials); err != nil {
		return err
	}
	if len(acct.Credentials) > 0 {
		return s.DB.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.ForgetAccountCredentials(ctx, acct); err != nil {
				return err
			}
			return tx.Audit(ctx, audit(p, "account.credentials_forgotten", "account", acct.ID, nil))
		})
	}
	return nil
}

func (s *Service) metricsReader(pl ferry.Platform) (platform.MetricsReader, bool) {
	if s.Connectors == nil {
		return nil, false
	}
	conn, _ := s.Connectors.Get(pl)
	r, ok := conn.(platform.MetricsReader)
	return r, ok
}

// deleteAllRemote deletes the account's published posts on its platform,
// one by one, saving the progress after each. A post the platform cannot
// delete is kept (and counted); one already gone is counted as gone; a
// refusal is counted as failed and the closure goes on.
func (s *Service) deleteAllRemote(ctx context.Context, p ferry.Principal, c *ferry.Closure, acct *ferry.Account, save func(string) error) error {
	q := s.DB.Read()
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{AccountID: acct.ID, States: []ferry.PublicationState{ferry.StatePublished}})
	if err != nil {
		return err
	}
	pubs = slices.DeleteFunc(pubs, func(pub *ferry.Publication) bool { return pub.RemoteID == "" })
	c.Progress.RemoteToGo = len(pubs)
	if err := save(StepDeleteRemote); err != nil {
		return err
	}
	for _, pub := range pubs {
		del, err := s.deleterFor(ctx, q, pub)
		switch {
		case ferry.IsCode(err, ferry.ECONFLICT):
			c.Progress.RemoteKept++
			if err := s.DB.Write().Audit(ctx, audit(p, "publication.post_kept", "publication", pub.ID, map[string]any{"remote_url": pub.RemoteURL, "why": err.Error()})); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			gone, err := s.deleteRemote(ctx, p, del, acct, pub)
			switch {
			case err == nil && gone:
				c.Progress.RemoteGone++
			case err == nil:
				c.Progress.RemoteDeleted++
			case ferry.IsCode(err, ferry.EUNPROCESSABLE):
				c.Progress.RemoteFailed++
			default:
				return err
			}
		}
		c.Progress.RemoteToGo--
		if err := save(StepDeleteRemote); err != nil {
			return err
		}
	}
	return nil
}
