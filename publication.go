package ferry

import "time"

// PublicationState is where a publication stands. See docs/architecture.md
// for the state machine.
type PublicationState string

// Publication states.
const (
	StateDraft       PublicationState = "draft"        // not scheduled
	StateScheduled   PublicationState = "scheduled"    // waiting for its time
	StateWaiting     PublicationState = "waiting"      // due, held by a rate limit or quota (reason, next slot)
	StatePublishing  PublicationState = "publishing"   // an attempt is open
	StatePublished   PublicationState = "published"    // on the platform; remote id known
	StateFailed      PublicationState = "failed"       // permanently refused; reason given
	StateNeedsReauth PublicationState = "needs_reauth" // waiting for the account to be reconnected
	StateUnknown     PublicationState = "unknown"      // the outcome could not be established; a person decides
	StateCanceled    PublicationState = "canceled"     // withdrawn before it was sent
	StateMissed      PublicationState = "missed"       // could not go out within its window
	StateHandoff     PublicationState = "handoff"      // waiting for an operator to publish by hand
	// StateAwaitingApproval: due, but its content is not approved (the
	// reason names who is waited for); approving it sends it at once.
	StateAwaitingApproval PublicationState = "awaiting_approval"
)

// PublicationStates lists every state: first those that need a person,
// then those on their way, then the rest — the order a summary names them.
var PublicationStates = []PublicationState{
	StateFailed, StateMissed, StateUnknown, StateNeedsReauth, StateAwaitingApproval, StateHandoff,
	StateWaiting, StatePublishing, StateScheduled, StateDraft,
	StatePublished, StateCanceled,
}

// Valid reports whether s is a known state.
func (s PublicationState) Valid() bool {
	for _, t := range PublicationStates {
		if s == t {
			return true
		}
	}
	return false
}

// Final reports whether no further transition will happen on its own.
func (s PublicationState) Final() bool {
	switch s {
	case StatePublished, StateFailed, StateCanceled, StateMissed:
		return true
	}
	return false
}

// Sent reports whether the post is, or may be, on the platform: published,
// being sent, or sent with an outcome nobody knows yet.
func (s PublicationState) Sent() bool {
	switch s {
	case StatePublished, StatePublishing, StateUnknown:
		return true
	}
	return false
}

// Cancelable reports whether the publication can still be withdrawn: it
// has not been sent, is not being sent, and has not ended.
func (s PublicationState) Cancelable() bool {
	switch s {
	case StateDraft, StateScheduled, StateWaiting, StateNeedsReauth, StateHandoff, StateAwaitingApproval:
		return true
	}
	return false
}

// Publication is the delivery of one story's variant to one account: the
// unit of reliability.
type Publication struct {
	ID          string           `json:"id"`
	WorkspaceID string           `json:"-"`
	StoryID     string           `json:"story_id"`
	AccountID   string           `json:"account_id"`
	Platform    Platform         `json:"platform"`
	State       PublicationState `json:"state"`
	// Reason explains the state in plain English words ("Waiting for the
	// Weibo limit of 30 posts per 1h0m0s; next slot …"): ReasonCode and
	// ReasonArgs rendered (see reason.go), or, for a publication last moved
	// before reasons had codes, the words stored then (and no code).
	// SetReason sets the three.
	Reason      string     `json:"reason,omitempty"`
	ReasonCode  ReasonCode `json:"reason_code"`
	ReasonArgs  ReasonArgs `json:"reason_args"`
	Version     int        `json:"version"`
	ScheduledAt *time.Time `json:"scheduled_at"`
	NextAt      *time.Time `json:"next_attempt_at,omitempty"`
	PublishedAt *time.Time `json:"published_at"`
	RemoteID    string     `json:"remote_id"`
	// RemoteIDs are every message id of a post made of several messages
	// (a Telegram album: one per image), RemoteID first; nil for one.
	RemoteIDs []string  `json:"remote_ids,omitempty"`
	RemoteURL string    `json:"remote_url"`
	Error     *PubError `json:"error"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PubError is the last error a publication met, in the platform's words
// (Code) and in plain words (Message).
type PubError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Attempt is one try at a publication, journaled before the platform is
// called so that a crash can never hide that a call may have happened.
type Attempt struct {
	ID            string     `json:"id"`
	PublicationID string     `json:"publication_id"`
	Number        int        `json:"number"`
	Version       int        `json:"version"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	Outcome       string     `json:"outcome"`
	ErrorCode     string     `json:"error_code,omitempty"`
	ErrorMessage  string     `json:"error_message,omitempty"`
	RemoteID      string     `json:"remote_id,omitempty"`
	Fingerprint   string     `json:"fingerprint"`
}

// Attempt outcomes.
const (
	OutcomePublished  = "published"
	OutcomeRetry      = "retry"
	OutcomeFailed     = "failed"
	OutcomeReauth     = "reauth"
	OutcomeUnknown    = "unknown"
	OutcomeReconciled = "reconciled" // found on the platform after the fact
	OutcomeAbandoned  = "abandoned"  // found open, and the platform has no trace of it
)
