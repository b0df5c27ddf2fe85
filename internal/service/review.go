package service

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// Review around approvals: a story's comment thread with @mentions, and
// signed links for external approvers (no account), whose decisions are
// recorded under their email address.

// ApprovalLinkTTL is how long an external approver's link works.
const ApprovalLinkTTL = 7 * 24 * time.Hour

// maxComment bounds a comment, in characters.
const maxComment = 4000

// StoryComments lists a story's thread, oldest first.
func (s *Service) StoryComments(ctx context.Context, p ferry.Principal, storyID string) ([]*ferry.StoryComment, error) {
	if err := require(p, ferry.RoleViewer, "see comments"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	if _, err := q.Story(ctx, p.WorkspaceID, storyID); err != nil {
		return nil, err
	}
	list, err := q.StoryComments(ctx, storyID)
	if list == nil && err == nil {
		list = []*ferry.StoryComment{}
	}
	return list, err
}

// AddComment adds a comment to a story's thread. Members it names as
// @<email> or @<name> are mentioned: stored with it, and emailed.
func (s *Service) AddComment(ctx context.Context, p ferry.Principal, storyID, body string) (*ferry.StoryComment, error) {
	if err := require(p, ferry.RoleReviewer, "comment on stories"); err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "Write a comment.").WithDetails(map[string]string{"body": "required"})
	case utf8.RuneCountInString(body) > maxComment:
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "A comment is at most %d characters.", maxComment).WithDetails(map[string]string{"body": "too_long"})
	}
	var c *ferry.StoryComment
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Story(ctx, p.WorkspaceID, storyID); err != nil {
			return err
		}
		members, err := tx.WorkspaceMembers(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		mentioned := Mentions(body, members)
		c = &ferry.StoryComment{WorkspaceID: p.WorkspaceID, StoryID: storyID, UserID: p.UserID, Body: body, Mentions: mentioned}
		if err := tx.CreateStoryComment(ctx, c); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "story.comment", "story", storyID, map[string]any{"comment_id": c.ID, "mentions": mentioned})); err != nil {
			return err
		}
		e := ferry.Audit{WorkspaceID: p.WorkspaceID, Actor: p.Actor(), Action: "story.mention", TargetType: "story", TargetID: storyID,
			Data: map[string]any{"comment": body}}
		return s.tell(ctx, tx, e, ferry.NoticeMentioned, mentioned)
	})
	return c, err
}

// Mentions returns the ids of the members a text mentions: "@" followed by
// their email address, or by their name, not followed by a letter or digit.
func Mentions(body string, members []ferry.WorkspaceMember) []string {
	out := []string{}
	lower := strings.ToLower(body)
	for _, m := range members {
		for _, handle := range []string{m.User.Email, m.User.Name} {
			if handle != "" && mentionAt(lower, "@"+strings.ToLower(handle)) {
				out = append(out, m.User.ID)
				break
			}
		}
	}
	return out
}

// mentionAt reports whether handle occurs in text and ends there: not
// followed by a letter, a digit, '_' or '-', nor by a '.' that goes on.
func mentionAt(text, handle string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], handle)
		if j < 0 {
			return false
		}
		end := i + j + len(handle)
		next, size := utf8.DecodeRuneInString(text[end:])
		after, _ := utf8.DecodeRuneInString(text[min(end+size, len(text)):])
		switch {
		case end == len(text):
			return true
		case next == '.' && (unicode.IsLetter(after) || unicode.IsDigit(after)):
		case !unicode.IsLetter(next) && !unicode.IsDigit(next) && next != '_' && next != '-':
			return true
		}
		i = end
	}
}

// ApprovalLink is an external approver's link, shown once to whoever made
// it (only its hash is kept).
type ApprovalLink struct {
	Email     string    `json:"email"`
	URL       string    `json:"url"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateApprovalLink makes a link for an external approver that a target's
// policy names (email:<address>) to decide on a story. The link is for the
// person who made it to pass on; it works until it expires.
func (s *Service) CreateApprovalLink(ctx context.Context, p ferry.Principal, storyID, email, publicURL string) (*ApprovalLink, error) {
	if err := require(p, ferry.RoleEditor, "make approval links"); err != nil {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if _, _, err := ferry.ParseApprover("email:" + email); err != nil {
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "%q is not an email address.", email).WithDetails(map[string]string{"email": "invalid"})
	}
	var out *ApprovalLink
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		story, err := tx.Story(ctx, p.WorkspaceID, storyID)
		if err != nil {
			return err
		}
		named := false
		for _, id := range story.Targets {
			pol, _, err := tx.ApprovalPolicy(ctx, p.WorkspaceID, id)
			if err != nil {
				return err
			}
			for _, st := range pol.Steps {
				named = named || slices.Contains(st.Approvers, "email:"+email)
			}
		}
		if !named {
			return ferry.Errorf(ferry.EUNPROCESSABLE, "No approval policy of this story's accounts names %s: add email:%s to a step first.", email, email).WithDetails(map[string]string{"email": "not_an_approver"})
		}
		token, hash, err := auth.NewToken()
		if err != nil {
			return err
		}
		l := &store.ApprovalLink{WorkspaceID: p.WorkspaceID, StoryID: storyID, Email: email, TokenHash: hex.EncodeToString(hash), CreatedBy: p.UserID, ExpiresAt: tx.Now().Add(ApprovalLinkTTL)}
		if err := tx.CreateApprovalLink(ctx, l); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "approval.link", "story", storyID, map[string]any{"email": email, "link_id": l.ID, "expires_at": l.ExpiresAt})); err != nil {
			return err
		}
		out = &ApprovalLink{Email: email, Token: token, URL: strings.TrimRight(publicURL, "/") + "/review/" + token, ExpiresAt: l.ExpiresAt}
		return nil
	})
	return out, err
}

// ExternalReview is what an external approver's link opens: the story, its
// targets' statuses, and the principal their decisions are made as.
type ExternalReview struct {
	Email     string
	Story     *ferry.Story
	Targets   []ferry.ApprovalStatus
	ExpiresAt time.Time
	Principal ferry.Principal
}

// OpenApprovalLink opens an external approver's link: a token that is
// unknown or expired is ENOTFOUND.
func (s *Service) OpenApprovalLink(ctx context.Context, token string) (*ExternalReview, error) {
	q := s.DB.Read()
	l, err := q.ApprovalLinkByHash(ctx, hex.EncodeToString(auth.HashToken(token)))
	if err != nil || !s.DB.Now().Before(l.ExpiresAt) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "This approval link is unknown or has expired: ask for a new one.")
	}
	story, err := q.Story(ctx, l.WorkspaceID, l.StoryID)
	if err != nil {
		return nil, err
	}
	all, err := storyApprovals(ctx, q, story)
	if err != nil {
		return nil, err
	}
	r := &ExternalReview{Email: l.Email, Story: story, ExpiresAt: l.ExpiresAt, Principal: ferry.Principal{WorkspaceID: l.WorkspaceID}}
	for _, st := range all {
		pol, _, err := q.ApprovalPolicy(ctx, l.WorkspaceID, st.AccountID)
		if err != nil {
			return nil, err
		}
		for _, step := range pol.Steps {
			if slices.Contains(step.Approvers, "email:"+l.Email) {
				r.Targets = append(r.Targets, st)
				break
			}
		}
	}
	return r, nil
}

// DecideByLink records an external approver's decision (ferry.DecisionApprove
// or ferry.DecisionReject) under their email address.
func (s *Service) DecideByLink(ctx context.Context, token, decision string, in DecisionInput) (*ExternalReview, error) {
	r, err := s.OpenApprovalLink(ctx, token)
	if err != nil {
		return nil, err
	}
	if decision != ferry.DecisionApprove && decision != ferry.DecisionReject {
		return nil, ferry.Errorf(ferry.EINVALID, "Decide approve or reject.")
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		return s.decideTx(ctx, tx, decider{p: r.Principal, email: r.Email, name: r.Email}, r.Story.ID, decision, in)
	})
	if err != nil {
		return nil, err
	}
	return s.OpenApprovalLink(ctx, token)
}

// ApprovalDiff is the change of a target's text since the content
// approved before (or, when none was, submitted before) the current one;
// nil when there is none: what a reviewer who saw that version needs to
// look at again.
func (s *Service) ApprovalDiff(ctx context.Context, p ferry.Principal, storyID, accountID string) ([]ferry.TextEdit, error) {
	if err := require(p, ferry.RoleViewer, "see approvals"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	story, err := q.Story(ctx, p.WorkspaceID, storyID)
	if err != nil {
		return nil, err
	}
	c, err := s.SentContent(ctx, story, accountID)
	if err != nil {
		return nil, err
	}
	return c.Diff, nil
}

// SentContent is what would be sent to one target, for a review page that
// has no session (an external approver's): the variant's title and text
// as stored (after conversion and the platform's template), and the change
// since the content approved (or submitted) before.
type SentContent struct {
	AccountName string
	Platform    ferry.Platform
	Title, Text string
	// Source is the text before script conversion, when known ("" here).
	Source string
	Script string
	Length ferry.TextLength
	Images int
	Diff   []ferry.TextEdit
}

// SentContent reads what would be sent to one of story's targets. The
// caller has checked access to story.
func (s *Service) SentContent(ctx context.Context, story *ferry.Story, accountID string) (*SentContent, error) {
	q := s.DB.Read()
	acct, err := q.Account(ctx, story.WorkspaceID, accountID)
	if err != nil {
		return nil, err
	}
	v, err := q.Variant(ctx, story.ID, accountID)
	if err != nil {
		return nil, err
	}
	c := &SentContent{AccountName: acct.Name, Platform: acct.Platform, Title: v.Title, Text: v.Text, Script: v.Script, Length: v.Length, Images: len(v.MediaIDs)}
	fp, err := delivery.Fingerprint(ctx, q, story.WorkspaceID, story.ID, accountID)
	if err != nil {
		return nil, err
	}
	subs, err := q.Submissions(ctx, story.ID, accountID)
	if err != nil {
		return nil, err
	}
	// The base is the content approved before (a reviewer who approved it
	// looks at what changed since); failing that, the one submitted before.
	var base *ferry.ApprovalSubmission
	for _, sub := range subs {
		if sub.Fingerprint == fp {
			continue
		}
		ds, err := q.ApprovalDecisions(ctx, story.ID, accountID, sub.Fingerprint, sub.SubmittedAt)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(ds, func(d *ferry.ApprovalDecision) bool { return d.Decision == ferry.DecisionApprove }) {
			base = sub
			break
		}
		if base == nil {
			base = sub
		}
	}
	if base != nil {
		c.Diff = adapt.Diff(base.Title+"\n"+base.Text, v.Title+"\n"+v.Text)
	}
	return c, nil
}
