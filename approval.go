package ferry

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Approvals. An account's policy (or its workspace's default) names the
// steps a publication's content must pass before it is sent; each step
// names its approvers and how many of them must approve. An approval is
// bound to the fingerprint of what is sent to one account
// (delivery.Fingerprint): a change of that content leaves the approval
// behind, and the new content is asked for again. docs/architecture.md
// ("Approval") says where it is checked.

// ApprovalStep is one step of a policy: Required of the Approvers must
// approve. An approver is "role:<role>" (any member with that role),
// "user:<user id>" (one member) or "email:<address>" (an external approver,
// who decides through a signed link).
type ApprovalStep struct {
	Approvers []string `json:"approvers"`
	Required  int      `json:"required"`
}

// ApprovalPolicy is what an account's publications need before they are
// sent. No steps: no approval. AccountID "" is the workspace's default.
type ApprovalPolicy struct {
	WorkspaceID string         `json:"-"`
	AccountID   string         `json:"account_id,omitempty"`
	Steps       []ApprovalStep `json:"steps"`
	// AllowSelf lets a person approve a story they submitted or wrote.
	AllowSelf bool      `json:"allow_self_approval"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Needed reports whether the policy asks for any approval.
func (p *ApprovalPolicy) Needed() bool { return p != nil && len(p.Steps) > 0 }

// Approver kinds.
const (
	ApproverRole  = "role"
	ApproverUser  = "user"
	ApproverEmail = "email"
)

// ParseApprover splits an approver into its kind and value, or says why it
// is not one.
func ParseApprover(s string) (kind, value string, err error) {
	kind, value, ok := strings.Cut(strings.TrimSpace(s), ":")
	value = strings.TrimSpace(value)
	if !ok || value == "" {
		return "", "", fmt.Errorf("approver %q is not role:<role>, user:<user id> or email:<address>", s)
	}
	switch kind {
	case ApproverRole:
		if !Role(value).Valid() {
			return "", "", fmt.Errorf("approver %q names no role (owner, admin, editor, reviewer, viewer)", s)
		}
	case ApproverUser:
	case ApproverEmail:
		a, err := mail.ParseAddress(value)
		if err != nil || a.Address != value {
			return "", "", fmt.Errorf("approver %q is not an email address", s)
		}
		value = strings.ToLower(value)
	default:
		return "", "", fmt.Errorf("approver %q is not role:<role>, user:<user id> or email:<address>", s)
	}
	return kind, value, nil
}

// ApproverWords writes a reason's list of approvers ("role:reviewer, Rita")
// with each role worded by role (e.g. "any reviewer").
func ApproverWords(list string, role func(string) string) string {
	parts := strings.Split(list, ", ")
	for i, p := range parts {
		if r, ok := strings.CutPrefix(p, ApproverRole+":"); ok {
			parts[i] = role(r)
		}
	}
	return strings.Join(parts, ", ")
}

// Approval decisions.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// ApprovalDecision is one person's decision on the content (Fingerprint)
// to be sent to one account. A member decides as UserID; an external
// approver as Email.
type ApprovalDecision struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	StoryID     string    `json:"story_id"`
	AccountID   string    `json:"account_id"`
	Fingerprint string    `json:"fingerprint"`
	UserID      string    `json:"user_id,omitempty"`
	Email       string    `json:"email,omitempty"`
	Name        string    `json:"name"`
	Decision    string    `json:"decision"`
	Comment     string    `json:"comment"`
	CreatedAt   time.Time `json:"created_at"`
}

// Who is the decider: "user:<id>" or "email:<address>".
func (d *ApprovalDecision) Who() string {
	if d.UserID != "" {
		return ApproverUser + ":" + d.UserID
	}
	return ApproverEmail + ":" + d.Email
}

// ApprovalSubmission is a request for approval of the content
// (Fingerprint) to be sent to one account. Decisions count from the
// latest submission of that content on.
type ApprovalSubmission struct {
	StoryID     string `json:"story_id"`
	AccountID   string `json:"account_id"`
	Fingerprint string `json:"fingerprint"`
	// Title and Text are the variant's as submitted.
	Title       string    `json:"title"`
	Text        string    `json:"text"`
	SubmittedBy string    `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Approval states of one target.
const (
	ApprovalNotNeeded = "not_needed" // the account's policy has no steps
	ApprovalDraft     = "not_submitted"
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalRejected  = "rejected"
	ApprovalBroken    = "policy_broken" // a step cannot be satisfied: fix the policy
)

// ApprovalStatus is where one target's current content stands.
type ApprovalStatus struct {
	AccountID   string `json:"account_id"`
	State       string `json:"state"`
	Fingerprint string `json:"fingerprint"`
	// Step is the step waited for (0-based), when pending.
	Step int `json:"step"`
	// Awaited are the approvers of that step, as the policy names them.
	Awaited []string `json:"awaited,omitempty"`
	// Problem says why a broken policy cannot be satisfied.
	Problem string `json:"problem,omitempty"`
	// Decisions on this content since it was submitted, oldest first.
	Decisions []*ApprovalDecision `json:"decisions"`
	// PreviousFingerprint is the content last approved for this target, when
	// it differs from the current one ("" otherwise).
	PreviousFingerprint string `json:"previous_fingerprint,omitempty"`
}

// ApproverMatches reports whether a decider (a member with a role, or an
// external email with role "") is one of the approvers.
func ApproverMatches(approvers []string, userID string, role Role, email string) bool {
	for _, a := range approvers {
		kind, value, err := ParseApprover(a)
		if err != nil {
			continue
		}
		switch {
		case kind == ApproverRole && userID != "" && Role(value) == role:
			return true
		case kind == ApproverUser && userID != "" && value == userID:
			return true
		case kind == ApproverEmail && userID == "" && email != "" && value == strings.ToLower(email):
			return true
		}
	}
	return false
}

// CheckPolicy says why a policy cannot be satisfied by the workspace's
// members as they are (a step with fewer possible approvers than it
// requires), or "" when it can. Self-approval aside, every approver could
// approve.
func CheckPolicy(pol *ApprovalPolicy, members []WorkspaceMember) string {
	for i, st := range pol.Steps {
		possible := 0
		for _, a := range st.Approvers {
			kind, value, err := ParseApprover(a)
			if err != nil {
				return err.Error()
			}
			switch kind {
			case ApproverEmail:
				possible++
			case ApproverUser:
				for _, m := range members {
					if m.User.ID == value {
						possible++
					}
				}
			case ApproverRole:
				for _, m := range members {
					if m.Role == Role(value) {
						possible++
					}
				}
			}
		}
		if possible < st.Required {
			return fmt.Sprintf("Step %d requires %d approvals but only %d of its approvers are in the workspace: change the step's approvers or its count.", i+1, st.Required, possible)
		}
	}
	return ""
}

// EvaluateApproval says where content stands under a policy: sub is its
// latest submission (nil: never submitted), decisions those on it since,
// oldest first; roles are the members' roles now (a removed member's
// decision no longer counts), and self the people who may not approve it
// unless the policy allows (its author and submitter, as user ids).
// Each person's latest decision counts once, for the first step still
// waiting that names them; a rejection by an approver rejects it.
func EvaluateApproval(pol *ApprovalPolicy, sub *ApprovalSubmission, decisions []*ApprovalDecision, roles map[string]Role, self map[string]bool) ApprovalStatus {
	st := ApprovalStatus{State: ApprovalNotNeeded, Decisions: decisions}
	if sub != nil {
		st.Fingerprint = sub.Fingerprint
	}
	if !pol.Needed() {
		return st
	}
	if sub == nil {
		st.State, st.Awaited = ApprovalDraft, pol.Steps[0].Approvers
		return st
	}
	latest := map[string]*ApprovalDecision{}
	var order []string
	for _, d := range decisions {
		if _, ok := latest[d.Who()]; !ok {
			order = append(order, d.Who())
		}
		latest[d.Who()] = d
	}
	eligible := func(d *ApprovalDecision, approvers []string) bool {
		if d.UserID != "" {
			role, member := roles[d.UserID]
			if !member || (self[d.UserID] && !pol.AllowSelf) {
				return false
			}
			return ApproverMatches(approvers, d.UserID, role, "")
		}
		return ApproverMatches(approvers, "", "", d.Email)
	}
	for i, step := range pol.Steps {
		for _, who := range order {
			d := latest[who]
			if d.Decision == DecisionReject && eligible(d, step.Approvers) {
				st.State, st.Step, st.Awaited = ApprovalRejected, i, step.Approvers
				return st
			}
		}
	}
	used := map[string]bool{}
	for i, step := range pol.Steps {
		got := 0
		for _, who := range order {
			d := latest[who]
			if got < step.Required && !used[who] && d.Decision == DecisionApprove && eligible(d, step.Approvers) {
				used[who] = true
				got++
			}
		}
		if got < step.Required {
			st.State, st.Step, st.Awaited = ApprovalPending, i, step.Approvers
			return st
		}
	}
	st.State = ApprovalApproved
	return st
}

// StoryComment is one message of a story's thread; Mentions are the
// user ids of the members it mentions.
type StoryComment struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	StoryID     string    `json:"story_id"`
	UserID      string    `json:"user_id,omitempty"`
	Email       string    `json:"email,omitempty"`
	Name        string    `json:"name"`
	Body        string    `json:"body"`
	Mentions    []string  `json:"mentions"`
	CreatedAt   time.Time `json:"created_at"`
}
