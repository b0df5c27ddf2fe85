package delivery

import (
	"context"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// Approval. The engine decides, in the transaction that would open the
// attempt and under the publication's lock, whether the content it is
// about to send — fingerprinted by the same function as the attempt
// (Fingerprint) — is approved under its account's policy. An unapproved
// publication is never sent: it waits in `awaiting_approval`, its
// approvers are reminded (ApprovalReminders), and once its window
// (GiveUpAfter from its time) has passed it is missed. Approving it
// later sends it at once (service.Approve). docs/architecture.md
// ("Approval") says why this one check is enough.

// ApprovalReminders reminds the approvers of a publication that came due
// unapproved, in the transaction that records it (a River job).
type ApprovalReminders interface {
	AwaitingApproval(ctx context.Context, tx *store.Tx, p *ferry.Publication, st ferry.ApprovalStatus) error
}

// ApprovalOf says where the content that would be sent now to an account
// for a story stands under the account's policy. The service shows it and
// the engine gates on it: one evaluation for both.
func ApprovalOf(ctx context.Context, q *store.Q, story *ferry.Story, accountID string) (ferry.ApprovalStatus, *ferry.ApprovalPolicy, error) {
	pol, _, err := q.ApprovalPolicy(ctx, story.WorkspaceID, accountID)
	if err != nil {
		return ferry.ApprovalStatus{}, nil, err
	}
	st := ferry.ApprovalStatus{AccountID: accountID, State: ferry.ApprovalNotNeeded}
	if !pol.Needed() {
		return st, pol, nil
	}
	fp, err := Fingerprint(ctx, q, story.WorkspaceID, story.ID, accountID)
	if err != nil {
		return st, nil, err
	}
	members, err := q.WorkspaceMembers(ctx, story.WorkspaceID)
	if err != nil {
		return st, nil, err
	}
	if problem := ferry.CheckPolicy(pol, members); problem != "" {
		return ferry.ApprovalStatus{AccountID: accountID, State: ferry.ApprovalBroken, Fingerprint: fp, Problem: problem}, pol, nil
	}
	sub, err := q.LatestSubmission(ctx, story.ID, accountID, fp)
	if err != nil {
		return st, nil, err
	}
	var decisions []*ferry.ApprovalDecision
	self := map[string]bool{story.CreatedBy: true}
	if sub != nil {
		self[sub.SubmittedBy] = true
		if decisions, err = q.ApprovalDecisions(ctx, story.ID, accountID, fp, sub.SubmittedAt); err != nil {
			return st, nil, err
		}
	}
	roles := make(map[string]ferry.Role, len(members))
	for _, m := range members {
		roles[m.User.ID] = m.Role
	}
	st = ferry.EvaluateApproval(pol, sub, decisions, roles, self)
	st.AccountID, st.Fingerprint = accountID, fp
	if last, err := q.LatestSubmission(ctx, story.ID, accountID, ""); err != nil {
		return st, nil, err
	} else if last != nil && last.Fingerprint != fp {
		st.PreviousFingerprint = last.Fingerprint
	}
	return st, pol, nil
}

// AwaitedNames words who a status waits for, for a reason's "who": the
// step's approvers, members by name, roles as role:<role> (each reader's
// language words them), or who rejected it.
func AwaitedNames(ctx context.Context, q *store.Q, workspaceID string, st ferry.ApprovalStatus) (string, error) {
	if st.State == ferry.ApprovalRejected {
		for i := len(st.Decisions) - 1; i >= 0; i-- {
			if d := st.Decisions[i]; d.Decision == ferry.DecisionReject {
				return d.Name, nil
			}
		}
	}
	members, err := q.WorkspaceMembers(ctx, workspaceID)
	if err != nil {
		return "", err
	}
	var names []string
	for _, a := range st.Awaited {
		kind, value, err := ferry.ParseApprover(a)
		if err != nil {
			continue
		}
		switch kind {
		case ferry.ApproverRole:
			names = append(names, ferry.ApproverRole+":"+value) // worded by each reader's language
		case ferry.ApproverEmail:
			names = append(names, value)
		case ferry.ApproverUser:
			names = append(names, ferry.MemberName(members, value))
		}
	}
	return strings.Join(names, ", "), nil
}

// gate checks that the content to be sent is approved. It returns the
// approved fingerprint ("" when the account needs no approval) and true,
// or false after moving p to awaiting_approval (or missed, past its
// window), with its approvers reminded.
func (e *Engine) gate(ctx context.Context, tx *store.Tx, p *ferry.Publication, story *ferry.Story) (string, bool, error) {
	st, _, err := ApprovalOf(ctx, &tx.Q, story, p.AccountID)
	if err != nil {
		return "", false, err
	}
	switch st.State {
	case ferry.ApprovalNotNeeded:
		return "", true, nil
	case ferry.ApprovalApproved:
		return st.Fingerprint, true, nil
	}
	return "", false, e.awaitApproval(ctx, tx, p, st)
}

// awaitApproval parks an unapproved due publication, reminds its
// approvers and schedules its expiry at the end of its window.
func (e *Engine) awaitApproval(ctx context.Context, tx *store.Tx, p *ferry.Publication, st ferry.ApprovalStatus) error {
	var reason ferry.Reason
	switch st.State {
	case ferry.ApprovalBroken:
		reason = ferry.Because(ferry.ReasonApprovalBroken, "message", st.Problem)
	default:
		who, err := AwaitedNames(ctx, &tx.Q, p.WorkspaceID, st)
		if err != nil {
			return err
		}
		code := ferry.ReasonAwaitingApproval
		if st.State == ferry.ApprovalRejected {
			code = ferry.ReasonApprovalRejected
		}
		reason = ferry.Because(code, "who", who)
	}
	now := e.Now()
	deadline := now
	if p.ScheduledAt != nil {
		deadline = p.ScheduledAt.Add(e.GiveUpAfter)
	}
	if !deadline.After(now) {
		return e.transition(ctx, tx, p, ferry.StateMissed, ferry.Because(ferry.ReasonApprovalMissed, "within", e.GiveUpAfter), p.Error)
	}
	p.NextAt = nil
	if err := e.transition(ctx, tx, p, ferry.StateAwaitingApproval, reason, p.Error); err != nil {
		return err
	}
	if e.Approvals != nil && st.State == ferry.ApprovalPending {
		if err := e.Approvals.AwaitingApproval(ctx, tx, p, st); err != nil {
			return err
		}
	}
	return e.Scheduler.ScheduleExpiry(ctx, tx, p.ID, p.Version, deadline)
}
