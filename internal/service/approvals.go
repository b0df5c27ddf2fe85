package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// Approvals (approval.go). Policies say what each account's content needs;
// a submission asks for it; decisions give it, bound to the fingerprint of
// what will be sent (delivery.Fingerprint). The delivery engine checks it
// in the transaction that opens the attempt (delivery/approval.go): the
// service only records, shows and notifies.

// ApprovalPolicyView is the policy that applies to an account: its own, or
// the workspace's default (Inherited), with why it cannot be satisfied
// (Problem, "" when it can).
type ApprovalPolicyView struct {
	*ferry.ApprovalPolicy
	Inherited bool   `json:"inherited"`
	Problem   string `json:"problem,omitempty"`
}

// ApprovalPolicyInput is a policy as a person sets it.
type ApprovalPolicyInput struct {
	Steps     []ferry.ApprovalStep `json:"steps"`
	AllowSelf bool                 `json:"allow_self_approval"`
}

// ApprovalPolicy returns the policy that applies to an account (accountID
// "": the workspace's default).
func (s *Service) ApprovalPolicy(ctx context.Context, p ferry.Principal, accountID string) (*ApprovalPolicyView, error) {
	if err := require(p, ferry.RoleViewer, "see approval policies"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	if accountID != "" {
		if _, err := q.Account(ctx, p.WorkspaceID, accountID); err != nil {
			return nil, err
		}
	}
	return policyView(ctx, q, p.WorkspaceID, accountID)
}

func policyView(ctx context.Context, q *store.Q, workspaceID, accountID string) (*ApprovalPolicyView, error) {
	pol, own, err := q.ApprovalPolicy(ctx, workspaceID, accountID)
	if err != nil {
		return nil, err
	}
	members, err := q.WorkspaceMembers(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	v := &ApprovalPolicyView{ApprovalPolicy: pol, Inherited: accountID != "" && !own, Problem: ferry.CheckPolicy(pol, members)}
	if v.Inherited {
		v.AccountID = accountID
	}
	return v, nil
}

// SetApprovalPolicy sets an account's policy (accountID "": the workspace's
// default). An approver who is not a member, or a step that its approvers
// cannot satisfy, is refused (EUNPROCESSABLE), field by field.
func (s *Service) SetApprovalPolicy(ctx context.Context, p ferry.Principal, accountID string, in ApprovalPolicyInput) (*ApprovalPolicyView, error) {
	if err := require(p, ferry.RoleAdmin, "change approval policies"); err != nil {
		return nil, err
	}
	var out *ApprovalPolicyView
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if accountID != "" {
			if _, err := tx.Account(ctx, p.WorkspaceID, accountID); err != nil {
				return err
			}
		}
		members, err := tx.WorkspaceMembers(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		pol := &ferry.ApprovalPolicy{WorkspaceID: p.WorkspaceID, AccountID: accountID, AllowSelf: in.AllowSelf, UpdatedBy: p.UserID, Steps: []ferry.ApprovalStep{}}
		if err := validatePolicy(in, members, pol); err != nil {
			return err
		}
		if err := tx.PutApprovalPolicy(ctx, pol); err != nil {
			return err
		}
		target, id := "account", accountID
		if accountID == "" {
			target, id = "workspace", p.WorkspaceID
		}
		if err := tx.Audit(ctx, audit(p, "approval_policy.set", target, id, map[string]any{"steps": pol.Steps, "allow_self_approval": pol.AllowSelf})); err != nil {
			return err
		}
		out = &ApprovalPolicyView{ApprovalPolicy: pol}
		return nil
	})
	return out, err
}

// validatePolicy checks a policy against the workspace's members and
// fills pol with it cleaned.
func validatePolicy(in ApprovalPolicyInput, members []ferry.WorkspaceMember, pol *ferry.ApprovalPolicy) error {
	details := map[string]string{}
	var first string
	bad := func(field, msg string) {
		if first == "" {
			first = msg
		}
		details[field] = msg
	}
	if len(in.Steps) > 10 {
		bad("steps", "A policy has at most 10 steps.")
	}
	for i, st := range in.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		step := ferry.ApprovalStep{Required: st.Required}
		seen := map[string]bool{}
		for j, a := range st.Approvers {
			kind, value, err := ferry.ParseApprover(a)
			if err != nil {
				bad(fmt.Sprintf("%s.approvers[%d]", field, j), strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
				continue
			}
			if kind == ferry.ApproverUser && !slices.ContainsFunc(members, func(m ferry.WorkspaceMember) bool { return m.User.ID == value }) {
				bad(fmt.Sprintf("%s.approvers[%d]", field, j), fmt.Sprintf("%q is not a member of this workspace.", value))
				continue
			}
			if a = kind + ":" + value; !seen[a] {
				seen[a] = true
				step.Approvers = append(step.Approvers, a)
			}
		}
		switch {
		case len(st.Approvers) == 0:
			bad(field+".approvers", fmt.Sprintf("Step %d names no approvers.", i+1))
		case st.Required < 1:
			bad(field+".required", fmt.Sprintf("Step %d must require at least 1 approval.", i+1))
		}
		pol.Steps = append(pol.Steps, step)
	}
	if first == "" {
		if problem := ferry.CheckPolicy(pol, members); problem != "" {
			bad("steps", problem)
		}
	}
	if first != "" {
		return ferry.Errorf(ferry.EUNPROCESSABLE, "%s", first).WithDetails(details)
	}
	return nil
}

// ResetApprovalPolicy removes an account's own policy: it follows the
// workspace's default again.
func (s *Service) ResetApprovalPolicy(ctx context.Context, p ferry.Principal, accountID string) (*ApprovalPolicyView, error) {
	if err := require(p, ferry.RoleAdmin, "change approval policies"); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Account(ctx, p.WorkspaceID, accountID); err != nil {
			return err
		}
		if err := tx.DeleteApprovalPolicy(ctx, p.WorkspaceID, accountID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "approval_policy.reset", "account", accountID, nil))
	})
	if err != nil {
		return nil, err
	}
	return policyView(ctx, s.DB.Read(), p.WorkspaceID, accountID)
}

// StoryApprovals is where each target of a story stands.
func (s *Service) StoryApprovals(ctx context.Context, p ferry.Principal, storyID string) ([]ferry.ApprovalStatus, error) {
	if err := require(p, ferry.RoleViewer, "see approvals"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	story, err := q.Story(ctx, p.WorkspaceID, storyID)
	if err != nil {
		return nil, err
	}
	return storyApprovals(ctx, q, story)
}

func storyApprovals(ctx context.Context, q *store.Q, story *ferry.Story) ([]ferry.ApprovalStatus, error) {
	out := make([]ferry.ApprovalStatus, 0, len(story.Targets))
	for _, id := range story.Targets {
		st, _, err := delivery.ApprovalOf(ctx, q, story, id)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			continue // no variant yet
		}
		if err != nil {
			return nil, err
		}
		if st.Decisions == nil {
			st.Decisions = []*ferry.ApprovalDecision{}
		}
		out = append(out, st)
	}
	return out, nil
}

// SubmitStory asks for approval of what would be sent to the story's
// targets that need it (some of them: accountIDs). Content already
// submitted and not rejected is not submitted again.
func (s *Service) SubmitStory(ctx context.Context, p ferry.Principal, storyID string, accountIDs []string) ([]ferry.ApprovalStatus, error) {
	if err := require(p, ferry.RoleEditor, "submit stories for approval"); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		story, err := tx.Story(ctx, p.WorkspaceID, storyID)
		if err != nil {
			return err
		}
		targets, err := selectTargets(story, accountIDs)
		if err != nil {
			return err
		}
		needed := 0
		for _, id := range targets {
			n, err := s.submit(ctx, tx, p, story, id)
			if err != nil {
				return err
			}
			needed += n
		}
		if needed == 0 {
			return ferry.Errorf(ferry.ECONFLICT, "None of these accounts needs approval: their approval policy has no steps.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.StoryApprovals(ctx, p, storyID)
}

// selectTargets returns the story's targets, or those of ids (each must be
// a target).
func selectTargets(story *ferry.Story, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return story.Targets, nil
	}
	for _, id := range ids {
		if !slices.Contains(story.Targets, id) {
			return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "Account %q is not a target of this story.", id).WithDetails(map[string]string{"account_ids": "not_a_target"})
		}
	}
	return ids, nil
}

// submit submits one target's current content if its policy needs
// approval and it is not already waiting or approved; it reports 1 when the
// target needs approval. A policy that cannot be satisfied is refused.
func (s *Service) submit(ctx context.Context, tx *store.Tx, p ferry.Principal, story *ferry.Story, accountID string) (int, error) {
	st, _, err := delivery.ApprovalOf(ctx, &tx.Q, story, accountID)
	if err != nil {
		return 0, err
	}
	switch st.State {
	case ferry.ApprovalNotNeeded:
		return 0, nil
	case ferry.ApprovalPending, ferry.ApprovalApproved:
		return 1, nil
	case ferry.ApprovalBroken:
		return 0, ferry.Errorf(ferry.ECONFLICT, "The approval policy of account %q cannot be satisfied, so nothing can be approved until an admin fixes it: %s", accountID, st.Problem).WithDetails(map[string]string{"policy": "unsatisfiable"})
	}
	v, err := tx.Variant(ctx, story.ID, accountID)
	if err != nil {
		return 0, err
	}
	sub := &ferry.ApprovalSubmission{StoryID: story.ID, AccountID: accountID, Fingerprint: st.Fingerprint, Title: v.Title, Text: v.Text, SubmittedBy: p.UserID}
	if err := tx.CreateApprovalSubmission(ctx, p.WorkspaceID, sub); err != nil {
		return 0, err
	}
	if err := tx.Audit(ctx, audit(p, "approval.submit", "story", story.ID, map[string]any{"account_id": accountID, "fingerprint": st.Fingerprint})); err != nil {
		return 0, err
	}
	st, _, err = delivery.ApprovalOf(ctx, &tx.Q, story, accountID)
	if err != nil {
		return 0, err
	}
	return 1, s.notifyApprovers(ctx, tx, story, st, p.Actor())
}

// submitScheduled submits the targets of a story saved with a time whose
// policy needs approval: scheduling submits. A target whose content changed
// since it was approved is so asked again.
func (s *Service) submitScheduled(ctx context.Context, tx *store.Tx, p ferry.Principal, story *ferry.Story, accountIDs []string) error {
	if story.ScheduledAt == nil {
		return nil
	}
	for _, id := range accountIDs {
		if _, err := s.submit(ctx, tx, p, story, id); err != nil && !ferry.IsCode(err, ferry.ECONFLICT) {
			return err
		}
		// An unsatisfiable policy does not block saving: the story page and
		// the engine's reason say so.
	}
	return nil
}

// DecisionInput is an approval or a rejection: a comment, some targets
// (none: every target the person may decide), and the fingerprints of the
// content the person saw, by account (optional; a target whose content
// changed since is refused with ECONFLICT and its current fingerprint).
type DecisionInput struct {
	Comment      string            `json:"comment"`
	AccountIDs   []string          `json:"account_ids"`
	Fingerprints map[string]string `json:"fingerprints"`
}

// Approve approves what would be sent to the story's targets (some of
// them). Approving the same content twice changes nothing. A publication
// that came due while waiting for this approval is sent at once.
func (s *Service) Approve(ctx context.Context, p ferry.Principal, storyID string, in DecisionInput) ([]ferry.ApprovalStatus, error) {
	return s.decideApproval(ctx, p, storyID, ferry.DecisionApprove, in)
}

// Reject rejects what would be sent to the story's targets (some of them),
// with a comment saying why.
func (s *Service) Reject(ctx context.Context, p ferry.Principal, storyID string, in DecisionInput) ([]ferry.ApprovalStatus, error) {
	return s.decideApproval(ctx, p, storyID, ferry.DecisionReject, in)
}

// decider is who decides: a member, or an external approver by email.
type decider struct {
	p     ferry.Principal
	email string
	name  string
}

// actor names the decider in the audit trail and notices.
func (d decider) actor() string {
	if d.email != "" {
		return "email:" + d.email
	}
	return d.p.Actor()
}

func (s *Service) decideApproval(ctx context.Context, p ferry.Principal, storyID, decision string, in DecisionInput) ([]ferry.ApprovalStatus, error) {
	if !p.Role.Valid() {
		return nil, ferry.Errorf(ferry.EFORBIDDEN, "Only a member of the workspace may decide approvals.")
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		return s.decideTx(ctx, tx, decider{p: p}, storyID, decision, in)
	})
	if err != nil {
		return nil, err
	}
	return s.StoryApprovals(ctx, p, storyID)
}

// decideTx records a decision on each selected target the decider may
// decide, in tx.
func (s *Service) decideTx(ctx context.Context, tx *store.Tx, d decider, storyID, decision string, in DecisionInput) error {
	in.Comment = strings.TrimSpace(in.Comment)
	if decision == ferry.DecisionReject && in.Comment == "" {
		return ferry.Errorf(ferry.EUNPROCESSABLE, "Say why it is rejected: a rejection needs a comment.").WithDetails(map[string]string{"comment": "required"})
	}
	if len([]rune(in.Comment)) > 4000 {
		return ferry.Errorf(ferry.EUNPROCESSABLE, "The comment is longer than 4000 characters.").WithDetails(map[string]string{"comment": "too_long"})
	}
	story, err := tx.Story(ctx, d.p.WorkspaceID, storyID)
	if err != nil {
		return err
	}
	targets, err := selectTargets(story, in.AccountIDs)
	if err != nil {
		return err
	}
	var role ferry.Role
	if d.p.UserID != "" {
		role = d.p.Role
	}
	changed := map[string]string{}
	decided, eligibleAny, waiting := 0, false, false
	for _, id := range targets {
		st, pol, err := delivery.ApprovalOf(ctx, &tx.Q, story, id)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			continue
		}
		if err != nil {
			return err
		}
		if seen, ok := in.Fingerprints[id]; ok && seen != st.Fingerprint {
			changed[id] = st.Fingerprint
			continue
		}
		if st.State == ferry.ApprovalNotNeeded || st.State == ferry.ApprovalDraft || st.State == ferry.ApprovalBroken {
			continue
		}
		waiting = true
		// Approvers of the step waited for approve; any step's may reject.
		steps := pol.Steps
		if decision == ferry.DecisionApprove && st.State == ferry.ApprovalPending {
			steps = pol.Steps[st.Step : st.Step+1]
		}
		may := false
		for _, step := range steps {
			may = may || ferry.ApproverMatches(step.Approvers, d.p.UserID, role, d.email)
		}
		if !may {
			continue
		}
		eligibleAny = true
		if d.p.UserID != "" && !pol.AllowSelf {
			sub, err := tx.LatestSubmission(ctx, story.ID, id, st.Fingerprint)
			if err != nil {
				return err
			}
			if story.CreatedBy == d.p.UserID || (sub != nil && sub.SubmittedBy == d.p.UserID) {
				return ferry.Errorf(ferry.EFORBIDDEN, "You wrote or submitted this story, and its approval policy does not let people approve their own stories.")
			}
		}
		if last := lastDecisionOf(st.Decisions, d); last != nil && last.Decision == decision && (decision == ferry.DecisionApprove || last.Comment == in.Comment) {
			decided++
			continue // the same decision twice: no change
		}
		rec := &ferry.ApprovalDecision{WorkspaceID: d.p.WorkspaceID, StoryID: story.ID, AccountID: id, Fingerprint: st.Fingerprint, UserID: d.p.UserID, Email: d.email, Decision: decision, Comment: in.Comment}
		if err := tx.CreateApprovalDecision(ctx, rec); err != nil {
			return err
		}
		if err := tx.Audit(ctx, ferry.Audit{WorkspaceID: d.p.WorkspaceID, Actor: d.actor(), Action: "approval." + decision, TargetType: "story", TargetID: story.ID, Data: map[string]any{"account_id": id, "fingerprint": st.Fingerprint, "comment": in.Comment}}); err != nil {
			return err
		}
		decided++
		after, _, err := delivery.ApprovalOf(ctx, &tx.Q, story, id)
		if err != nil {
			return err
		}
		if err := s.afterDecision(ctx, tx, d, story, after); err != nil {
			return err
		}
	}
	if len(changed) > 0 {
		return ferry.Errorf(ferry.ECONFLICT, "What would be sent changed since you opened it: review the new version before you decide.").WithDetails(map[string]any{"fingerprints": changed, "story_version": story.Version})
	}
	if decided == 0 && !eligibleAny {
		if !waiting {
			// A state of the story, not a matter of who asks.
			return ferry.Errorf(ferry.ECONFLICT, "Nothing of this story waits for a decision: it was not submitted for approval, or its targets need none.")
		}
		return ferry.Errorf(ferry.EFORBIDDEN, "Nothing of this story waits for your decision: you are not an approver of a step it waits for.")
	}
	return nil
}

func lastDecisionOf(ds []*ferry.ApprovalDecision, d decider) *ferry.ApprovalDecision {
	for i := len(ds) - 1; i >= 0; i-- {
		if (d.p.UserID != "" && ds[i].UserID == d.p.UserID) || (d.email != "" && ds[i].Email == d.email) {
			return ds[i]
		}
	}
	return nil
}

// afterDecision acts on a target's new status: approved, a publication
// waiting for it is sent at once; the submitter hears of an approval or a
// rejection; the next step's approvers are asked.
func (s *Service) afterDecision(ctx context.Context, tx *store.Tx, d decider, story *ferry.Story, st ferry.ApprovalStatus) error {
	switch st.State {
	case ferry.ApprovalApproved:
		// Every state is listed and each is read again under its lock: a
		// publication the engine is moving to awaiting_approval right now
		// is seen once the engine's transaction commits.
		pubs, err := tx.Publications(ctx, ferry.PublicationFilter{StoryID: story.ID, AccountID: st.AccountID})
		if err != nil {
			return err
		}
		for _, pub := range pubs {
			if pub, err = tx.PublicationForUpdate(ctx, pub.ID); err != nil {
				return err
			}
			if pub.State != ferry.StateAwaitingApproval {
				continue
			}
			from, now := pub.State, tx.Now()
			pub.Version++
			pub.State, pub.NextAt = ferry.StateScheduled, &now
			pub.SetReason(ferry.Because(ferry.ReasonApproved))
			if err := tx.SavePublication(ctx, pub); err != nil {
				return err
			}
			if err := delivery.Transitioned(ctx, tx, s.Events, d.p.Actor(), pub, from); err != nil {
				return err
			}
			if err := s.Scheduler.SchedulePublish(ctx, tx, pub.ID, pub.Version, now); err != nil {
				return err
			}
		}
		return s.notifySubmitter(ctx, tx, story, st, ferry.NoticeApproved, d.actor())
	case ferry.ApprovalRejected:
		return s.notifySubmitter(ctx, tx, story, st, ferry.NoticeRejected, d.actor())
	case ferry.ApprovalPending:
		if st.Step > 0 && len(st.Decisions) > 0 {
			return s.notifyApprovers(ctx, tx, story, st, d.actor())
		}
	}
	return nil
}

// ApprovalItem is one target waiting for the calling person's decision.
type ApprovalItem struct {
	StoryID     string               `json:"story_id"`
	StoryTitle  string               `json:"story_title"`
	AccountID   string               `json:"account_id"`
	AccountName string               `json:"account_name"`
	Platform    ferry.Platform       `json:"platform"`
	ScheduledAt *time.Time           `json:"scheduled_at"`
	SubmittedBy string               `json:"submitted_by"`
	SubmittedAt time.Time            `json:"submitted_at"`
	Status      ferry.ApprovalStatus `json:"status"`
}

// Approvals lists what waits for the calling person's decision: targets
// pending at a step that names them, which they have not approved yet,
// newest submission first.
func (s *Service) Approvals(ctx context.Context, p ferry.Principal) ([]ApprovalItem, error) {
	if err := require(p, ferry.RoleViewer, "see approvals"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	subs, err := q.SubmittedTargets(ctx, p.WorkspaceID, 500)
	if err != nil {
		return nil, err
	}
	out := []ApprovalItem{}
	stories := map[string]*ferry.Story{}
	for _, sub := range subs {
		story, ok := stories[sub.StoryID]
		if !ok {
			story, err = q.Story(ctx, p.WorkspaceID, sub.StoryID)
			if ferry.IsCode(err, ferry.ENOTFOUND) {
				stories[sub.StoryID] = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			stories[sub.StoryID] = story
		}
		if story == nil || !slices.Contains(story.Targets, sub.AccountID) {
			continue
		}
		st, pol, err := delivery.ApprovalOf(ctx, q, story, sub.AccountID)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st.State != ferry.ApprovalPending || !ferry.ApproverMatches(st.Awaited, p.UserID, p.Role, "") {
			continue
		}
		if !pol.AllowSelf && (story.CreatedBy == p.UserID || sub.SubmittedBy == p.UserID) {
			continue
		}
		if last := lastDecisionOf(st.Decisions, decider{p: p}); last != nil && last.Decision == ferry.DecisionApprove {
			continue
		}
		acct, err := q.Account(ctx, p.WorkspaceID, sub.AccountID)
		if err != nil {
			return nil, err
		}
		cur, err := q.LatestSubmission(ctx, story.ID, sub.AccountID, st.Fingerprint)
		if err != nil || cur == nil {
			return nil, err
		}
		out = append(out, ApprovalItem{StoryID: story.ID, StoryTitle: story.Title, AccountID: acct.ID, AccountName: acct.Name, Platform: acct.Platform,
			ScheduledAt: story.ScheduledAt, SubmittedBy: cur.SubmittedBy, SubmittedAt: cur.SubmittedAt, Status: st})
	}
	return out, nil
}
