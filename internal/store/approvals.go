package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

// Approvals (approval.go): policies, submissions, decisions, external
// approvers' links and a story's comments.

// ApprovalPolicy returns the policy that applies to an account: its own,
// else the workspace's default, else none (no steps). own says whether it
// is the account's own. accountID "" asks for the workspace's default.
func (q *Q) ApprovalPolicy(ctx context.Context, workspaceID, accountID string) (pol *ferry.ApprovalPolicy, own bool, err error) {
	if g := q.grouped(); g != nil {
		if list, ok := g.policies[workspaceID]; ok {
			return policyOf(list, workspaceID, accountID)
		}
	}
	rows, err := q.query(ctx, `SELECT account_id, steps, allow_self, updated_by, updated_at FROM approval_policies
		WHERE workspace_id = ? AND account_id IN ('', ?) ORDER BY account_id DESC`, workspaceID, accountID)
	if err != nil {
		return nil, false, fmt.Errorf("store: approval policy: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			steps string
			self  int
			at    int64
		)
		p := &ferry.ApprovalPolicy{WorkspaceID: workspaceID}
		if err := rows.Scan(&p.AccountID, &steps, &self, &p.UpdatedBy, &at); err != nil {
			return nil, false, fmt.Errorf("store: approval policy: %w", err)
		}
		if p.Steps, err = fromJSON[[]ferry.ApprovalStep](steps); err != nil {
			return nil, false, fmt.Errorf("store: approval policy steps: %w", err)
		}
		p.AllowSelf, p.UpdatedAt = self != 0, fromMS(at)
		return p, p.AccountID == accountID, nil // the account's own sorts first
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return &ferry.ApprovalPolicy{WorkspaceID: workspaceID, Steps: []ferry.ApprovalStep{}}, false, nil
}

// policyOf picks an account's policy from its workspace's list as
// ApprovalPolicy does: its own, else the default, else none.
func policyOf(list []*ferry.ApprovalPolicy, workspaceID, accountID string) (*ferry.ApprovalPolicy, bool, error) {
	var def *ferry.ApprovalPolicy
	for _, p := range list {
		switch p.AccountID {
		case accountID:
			cp := *p
			return &cp, true, nil
		case "":
			def = p
		}
	}
	if def != nil {
		cp := *def
		return &cp, false, nil
	}
	return &ferry.ApprovalPolicy{WorkspaceID: workspaceID, Steps: []ferry.ApprovalStep{}}, false, nil
}

// ApprovalPolicies lists a workspace's policies, the default (”) first.
func (q *Q) ApprovalPolicies(ctx context.Context, workspaceID string) ([]*ferry.ApprovalPolicy, error) {
	rows, err := q.query(ctx, `SELECT account_id, steps, allow_self, updated_by, updated_at FROM approval_policies WHERE workspace_id = ? ORDER BY account_id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: approval policies: %w", err)
	}
	defer rows.Close()
	var out []*ferry.ApprovalPolicy
	for rows.Next() {
		var (
			steps string
			self  int
			at    int64
		)
		p := &ferry.ApprovalPolicy{WorkspaceID: workspaceID}
		if err := rows.Scan(&p.AccountID, &steps, &self, &p.UpdatedBy, &at); err != nil {
			return nil, fmt.Errorf("store: approval policies: %w", err)
		}
		if p.Steps, err = fromJSON[[]ferry.ApprovalStep](steps); err != nil {
			return nil, fmt.Errorf("store: approval policy steps: %w", err)
		}
		p.AllowSelf, p.UpdatedAt = self != 0, fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutApprovalPolicy sets an account's policy (AccountID ” the workspace's
// default), filling its time.
func (q *Q) PutApprovalPolicy(ctx context.Context, p *ferry.ApprovalPolicy) error {
	p.UpdatedAt = q.Now()
	self := 0
	if p.AllowSelf {
		self = 1
	}
	if p.Steps == nil {
		p.Steps = []ferry.ApprovalStep{}
	}
	_, err := q.exec(ctx, `INSERT INTO approval_policies (workspace_id, account_id, steps, allow_self, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, account_id) DO UPDATE SET steps = excluded.steps, allow_self = excluded.allow_self, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		p.WorkspaceID, p.AccountID, toJSON(p.Steps), self, p.UpdatedBy, ms(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put approval policy: %w", err)
	}
	return nil
}

// DeleteApprovalPolicy removes an account's own policy (it then follows
// the workspace's default).
func (q *Q) DeleteApprovalPolicy(ctx context.Context, workspaceID, accountID string) error {
	if _, err := q.exec(ctx, `DELETE FROM approval_policies WHERE workspace_id = ? AND account_id = ?`, workspaceID, accountID); err != nil {
		return fmt.Errorf("store: delete approval policy: %w", err)
	}
	return nil
}

// CreateApprovalSubmission records a request for approval.
func (q *Q) CreateApprovalSubmission(ctx context.Context, workspaceID string, s *ferry.ApprovalSubmission) error {
	s.SubmittedAt = q.Now()
	_, err := q.exec(ctx, `INSERT INTO approval_submissions (id, workspace_id, story_id, account_id, fingerprint, title, body, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		NewID("asub", q.now()), workspaceID, s.StoryID, s.AccountID, s.Fingerprint, s.Title, s.Text, s.SubmittedBy, ms(s.SubmittedAt))
	if err != nil {
		return fmt.Errorf("store: create approval submission: %w", err)
	}
	return nil
}

const submissionColumns = `story_id, account_id, fingerprint, title, body, submitted_by, submitted_at`

func scanSubmission(sc scanner) (*ferry.ApprovalSubmission, error) {
	s := &ferry.ApprovalSubmission{}
	var at int64
	if err := sc.Scan(&s.StoryID, &s.AccountID, &s.Fingerprint, &s.Title, &s.Text, &s.SubmittedBy, &at); err != nil {
		return nil, err
	}
	s.SubmittedAt = fromMS(at)
	return s, nil
}

// LatestSubmission returns the latest submission for a target, of one
// content (fingerprint) or, with fingerprint "", of any; nil when none.
func (q *Q) LatestSubmission(ctx context.Context, storyID, accountID, fingerprint string) (*ferry.ApprovalSubmission, error) {
	where, args := `story_id = ? AND account_id = ?`, []any{storyID, accountID}
	if fingerprint != "" {
		where += ` AND fingerprint = ?`
		args = append(args, fingerprint)
	}
	s, err := scanSubmission(q.queryRow(ctx, `SELECT `+submissionColumns+` FROM approval_submissions WHERE `+where+` ORDER BY submitted_at DESC, id DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: latest submission: %w", err)
	}
	return s, nil
}

// Submissions lists a target's submissions, newest first.
func (q *Q) Submissions(ctx context.Context, storyID, accountID string) ([]*ferry.ApprovalSubmission, error) {
	rows, err := q.query(ctx, `SELECT `+submissionColumns+` FROM approval_submissions WHERE story_id = ? AND account_id = ? ORDER BY submitted_at DESC, id DESC`, storyID, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: submissions: %w", err)
	}
	defer rows.Close()
	var out []*ferry.ApprovalSubmission
	for rows.Next() {
		s, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("store: submissions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SubmittedTargets lists the (story, account) pairs of a workspace with a
// submission, for the approvals inbox: each pair's latest submission,
// newest first.
func (q *Q) SubmittedTargets(ctx context.Context, workspaceID string, limit int) ([]*ferry.ApprovalSubmission, error) {
	rows, err := q.query(ctx, `SELECT `+submissionColumns+` FROM approval_submissions s WHERE workspace_id = ?
		AND NOT EXISTS (SELECT 1 FROM approval_submissions n WHERE n.story_id = s.story_id AND n.account_id = s.account_id AND (n.submitted_at > s.submitted_at OR (n.submitted_at = s.submitted_at AND n.id > s.id)))
		ORDER BY submitted_at DESC, id DESC LIMIT ?`, workspaceID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: submitted targets: %w", err)
	}
	defer rows.Close()
	var out []*ferry.ApprovalSubmission
	for rows.Next() {
		s, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("store: submitted targets: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CreateApprovalDecision records a decision, filling its id and time.
func (q *Q) CreateApprovalDecision(ctx context.Context, d *ferry.ApprovalDecision) error {
	d.ID, d.CreatedAt = NewID("adec", q.now()), q.Now()
	_, err := q.exec(ctx, `INSERT INTO approval_decisions (id, workspace_id, story_id, account_id, fingerprint, user_id, email, decision, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.WorkspaceID, d.StoryID, d.AccountID, d.Fingerprint, d.UserID, d.Email, d.Decision, d.Comment, ms(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create approval decision: %w", err)
	}
	return nil
}

// ApprovalDecisions lists the decisions on a target's content made at or
// after since, oldest first, with each member's name.
func (q *Q) ApprovalDecisions(ctx context.Context, storyID, accountID, fingerprint string, since time.Time) ([]*ferry.ApprovalDecision, error) {
	rows, err := q.query(ctx, `SELECT d.id, d.workspace_id, d.story_id, d.account_id, d.fingerprint, d.user_id, d.email, COALESCE(NULLIF(u.name, ''), u.email, d.email), d.decision, d.comment, d.created_at
		FROM approval_decisions d LEFT JOIN users u ON u.id = d.user_id AND d.user_id <> ''
		WHERE d.story_id = ? AND d.account_id = ? AND d.fingerprint = ? AND d.created_at >= ? ORDER BY d.created_at, d.id`, storyID, accountID, fingerprint, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: approval decisions: %w", err)
	}
	defer rows.Close()
	var out []*ferry.ApprovalDecision
	for rows.Next() {
		d := &ferry.ApprovalDecision{}
		var at int64
		if err := rows.Scan(&d.ID, &d.WorkspaceID, &d.StoryID, &d.AccountID, &d.Fingerprint, &d.UserID, &d.Email, &d.Name, &d.Decision, &d.Comment, &at); err != nil {
			return nil, fmt.Errorf("store: approval decisions: %w", err)
		}
		d.CreatedAt = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ApprovalLink is an external approver's link to one story: only its
// token's hash is stored.
type ApprovalLink struct {
	ID          string
	WorkspaceID string
	StoryID     string
	Email       string
	TokenHash   string
	CreatedBy   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// CreateApprovalLink stores a link, filling its id and time.
func (q *Q) CreateApprovalLink(ctx context.Context, l *ApprovalLink) error {
	l.ID, l.CreatedAt = NewID("alink", q.now()), q.Now()
	_, err := q.exec(ctx, `INSERT INTO approval_links (id, workspace_id, story_id, email, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.WorkspaceID, l.StoryID, l.Email, l.TokenHash, l.CreatedBy, ms(l.CreatedAt), ms(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create approval link: %w", err)
	}
	return nil
}

// ApprovalLinkByHash returns the link whose token hashes to hash.
func (q *Q) ApprovalLinkByHash(ctx context.Context, hash string) (*ApprovalLink, error) {
	l := &ApprovalLink{}
	var created, expires int64
	err := q.queryRow(ctx, `SELECT id, workspace_id, story_id, email, token_hash, created_by, created_at, expires_at FROM approval_links WHERE token_hash = ?`, hash).
		Scan(&l.ID, &l.WorkspaceID, &l.StoryID, &l.Email, &l.TokenHash, &l.CreatedBy, &created, &expires)
	if err != nil {
		return nil, notFound(err, "approval link", "")
	}
	l.CreatedAt, l.ExpiresAt = fromMS(created), fromMS(expires)
	return l, nil
}

// CreateStoryComment stores a comment, filling its id and time.
func (q *Q) CreateStoryComment(ctx context.Context, c *ferry.StoryComment) error {
	c.ID, c.CreatedAt = NewID("cmt", q.now()), q.Now()
	if c.Mentions == nil {
		c.Mentions = []string{}
	}
	_, err := q.exec(ctx, `INSERT INTO story_comments (id, workspace_id, story_id, user_id, email, body, mentions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, c.StoryID, c.UserID, c.Email, c.Body, toJSON(c.Mentions), ms(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create comment: %w", err)
	}
	return nil
}

// StoryComments lists a story's thread, oldest first.
func (q *Q) StoryComments(ctx context.Context, storyID string) ([]*ferry.StoryComment, error) {
	rows, err := q.query(ctx, `SELECT c.id, c.workspace_id, c.story_id, c.user_id, c.email, COALESCE(NULLIF(u.name, ''), u.email, c.email), c.body, c.mentions, c.created_at
		FROM story_comments c LEFT JOIN users u ON u.id = c.user_id AND c.user_id <> '' WHERE c.story_id = ? ORDER BY c.created_at, c.id`, storyID)
	if err != nil {
		return nil, fmt.Errorf("store: comments: %w", err)
	}
	defer rows.Close()
	var out []*ferry.StoryComment
	for rows.Next() {
		c := &ferry.StoryComment{}
		var mentions string
		var at int64
		if err := rows.Scan(&c.ID, &c.WorkspaceID, &c.StoryID, &c.UserID, &c.Email, &c.Name, &c.Body, &mentions, &at); err != nil {
			return nil, fmt.Errorf("store: comments: %w", err)
		}
		if c.Mentions, err = fromJSON[[]string](mentions); err != nil {
			return nil, fmt.Errorf("store: comment mentions: %w", err)
		}
		c.CreatedAt = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
