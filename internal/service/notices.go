package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// Notices: the emails of approvals and comments (approval requested, a
// reminder when a publication came due unapproved, approved, rejected, a
// mention). Each is a River job inserted in the transaction of what caused
// it (NoticeJobs), sent when email is on (s.Mail). Every such email goes
// through notice, the one place a later general notification system
// replaces.

// NoticeJobs schedules the job that emails one notice (internal/jobs).
type NoticeJobs interface {
	ScheduleNotice(ctx context.Context, tx *store.Tx, to, subject, text string) error
}

// notice emails one person, unless email is off.
func (s *Service) notice(ctx context.Context, tx *store.Tx, to, subject, text string) error {
	if s.Mail == nil || s.Notices == nil || to == "" {
		return nil
	}
	return s.Notices.ScheduleNotice(ctx, tx, to, subject, text)
}

// SendNotice sends one notice, as its job asks.
func (s *Service) SendNotice(ctx context.Context, to, subject, text string) error {
	if s.Mail == nil {
		return errors.New("service: email is off")
	}
	return s.Mail.Mailer.Send(ctx, to, subject, text)
}

// storyLink is the web address of a story's review page, or "" when Ferry
// has no public address.
func (s *Service) storyLink(storyID string) string {
	if s.Mail == nil || s.Mail.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.Mail.PublicURL, "/") + "/stories/" + storyID + "/review"
}

// approverEmails lists the members' emails a list of approvers names
// (external approvers decide through a link made for them, not by email).
func approverEmails(members []ferry.WorkspaceMember, approvers []string, except string) []string {
	var out []string
	for _, m := range members {
		if m.User.ID != except && ferry.ApproverMatches(approvers, m.User.ID, m.Role, "") {
			out = append(out, m.User.Email)
		}
	}
	return out
}

// notifyApprovers asks the approvers of the step a target waits for.
func (s *Service) notifyApprovers(ctx context.Context, tx *store.Tx, story *ferry.Story, st ferry.ApprovalStatus, why string) error {
	if st.State != ferry.ApprovalPending {
		return nil
	}
	members, err := tx.WorkspaceMembers(ctx, story.WorkspaceID)
	if err != nil {
		return err
	}
	acct, err := tx.Account(ctx, story.WorkspaceID, st.AccountID)
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("Approval %s: %s (%s)", why, story.Title, acct.Name)
	text := fmt.Sprintf("%q for %s (%s) waits for your approval.\n\nReview it: %s\n", story.Title, acct.Name, acct.Platform.Name(), s.storyLink(story.ID))
	for _, to := range approverEmails(members, st.Awaited, "") {
		if err := s.notice(ctx, tx, to, subject, text); err != nil {
			return err
		}
	}
	return nil
}

// notifySubmitter tells the person who submitted a target what became of
// it.
func (s *Service) notifySubmitter(ctx context.Context, tx *store.Tx, story *ferry.Story, st ferry.ApprovalStatus, what, by string) error {
	sub, err := tx.LatestSubmission(ctx, story.ID, st.AccountID, st.Fingerprint)
	if err != nil || sub == nil || sub.SubmittedBy == "" {
		return err
	}
	u, err := tx.User(ctx, sub.SubmittedBy)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	comment := ""
	if n := len(st.Decisions); n > 0 {
		by, comment = st.Decisions[n-1].Name, st.Decisions[n-1].Comment
	}
	text := fmt.Sprintf("%q was %s by %s.\n", story.Title, what, by)
	if comment != "" {
		text += "\n" + comment + "\n"
	}
	text += "\n" + s.storyLink(story.ID) + "\n"
	return s.notice(ctx, tx, u.Email, fmt.Sprintf("%s %s: %s", strings.ToUpper(what[:1]), what[1:], story.Title), text)
}

// AwaitingApproval implements delivery.ApprovalReminders: a publication
// came due unapproved; its approvers are reminded.
func (s *Service) AwaitingApproval(ctx context.Context, tx *store.Tx, p *ferry.Publication, st ferry.ApprovalStatus) error {
	story, err := tx.Story(ctx, p.WorkspaceID, p.StoryID)
	if err != nil {
		return err
	}
	return s.notifyApprovers(ctx, tx, story, st, "overdue")
}

var _ delivery.ApprovalReminders = (*Service)(nil)
