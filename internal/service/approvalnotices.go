package service

import (
	"context"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// The notices of approvals and comments (notices.go tells them): an
// approval asked of the approvers of the step a target waits for (and a
// reminder when a publication came due unapproved), a decision told to the
// person who submitted, a mention told to the members mentioned. External
// approvers decide through a link made for them and get no notices.

// approverIDs lists the members a step's approvers name.
func approverIDs(members []ferry.WorkspaceMember, approvers []string) []string {
	var out []string
	for _, m := range members {
		if ferry.ApproverMatches(approvers, m.User.ID, m.Role, "") {
			out = append(out, m.User.ID)
		}
	}
	return out
}

// notifyApprovers asks the approvers of the step a target waits for;
// actor is who caused it (the submitter, the previous step's approver, or
// the system for a reminder).
func (s *Service) notifyApprovers(ctx context.Context, tx *store.Tx, story *ferry.Story, st ferry.ApprovalStatus, actor string) error {
	if st.State != ferry.ApprovalPending {
		return nil
	}
	members, err := tx.WorkspaceMembers(ctx, story.WorkspaceID)
	if err != nil {
		return err
	}
	e := ferry.Audit{WorkspaceID: story.WorkspaceID, Actor: actor, Action: "approval.requested", TargetType: "story", TargetID: story.ID,
		Data: map[string]any{"account_id": st.AccountID}}
	return s.tell(ctx, tx, e, ferry.NoticeApprovalRequested, approverIDs(members, st.Awaited))
}

// notifySubmitter tells the person who submitted a target its decision.
func (s *Service) notifySubmitter(ctx context.Context, tx *store.Tx, story *ferry.Story, st ferry.ApprovalStatus, kind ferry.NoticeKind, actor string) error {
	sub, err := tx.LatestSubmission(ctx, story.ID, st.AccountID, st.Fingerprint)
	if err != nil || sub == nil || sub.SubmittedBy == "" {
		return err
	}
	data := map[string]any{"account_id": st.AccountID}
	if n := len(st.Decisions); n > 0 {
		data["comment"] = st.Decisions[n-1].Comment
	}
	action := "approval.approved"
	if kind == ferry.NoticeRejected {
		action = "approval.rejected"
	}
	e := ferry.Audit{WorkspaceID: story.WorkspaceID, Actor: actor, Action: action, TargetType: "story", TargetID: story.ID, Data: data}
	return s.tell(ctx, tx, e, kind, []string{sub.SubmittedBy})
}

// AwaitingApproval implements delivery.ApprovalReminders: a publication
// came due unapproved; its approvers are reminded.
func (s *Service) AwaitingApproval(ctx context.Context, tx *store.Tx, p *ferry.Publication, st ferry.ApprovalStatus) error {
	story, err := tx.Story(ctx, p.WorkspaceID, p.StoryID)
	if err != nil {
		return err
	}
	return s.notifyApprovers(ctx, tx, story, st, "system")
}

var _ delivery.ApprovalReminders = (*Service)(nil)
