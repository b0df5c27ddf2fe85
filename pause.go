package ferry

import "time"

// Pause is an emergency stop of a workspace's sending, or of one account's:
// while it stands, nothing not yet being sent goes out (a publication
// already "publishing" is not stopped). The engine reads the pauses in the
// transaction that would open an attempt, so every worker holds at once.
// Ended pauses are kept: they are the history the audit trail refers to.
type Pause struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	// AccountID is the paused account; empty for the whole workspace.
	AccountID string `json:"account_id,omitempty"`
	// AccountName is the paused account's name, for display.
	AccountName string `json:"account_name,omitempty"`
	// Reason is one of PauseReasons; Note is free text beside it.
	Reason   PauseReason `json:"reason"`
	Note     string      `json:"note,omitempty"`
	PausedBy string      `json:"paused_by"` // user id
	// PausedByName is the person's name (or email), for display.
	PausedByName string     `json:"paused_by_name"`
	PausedAt     time.Time  `json:"paused_at"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
	EndedBy      string     `json:"ended_by,omitempty"`
	// Due is what was done, at the end, with what came due meanwhile:
	// PauseDueSend, PauseDueCancel or PauseDueKeep.
	Due string `json:"due,omitempty"`
}

// PauseReason is why sending was paused, as a code: the UI words it in the
// reader's language ("pause.reason.<code>").
type PauseReason string

// Pause reasons.
const (
	PauseBreakingNews PauseReason = "breaking_news" // news that makes scheduled posts inappropriate
	PauseMourning     PauseReason = "mourning"      // a day of mourning or a disaster
	PauseSecurity     PauseReason = "security"      // an account may be compromised
	PauseContentError PauseReason = "content_error" // a mistake found in scheduled content
	PauseLegal        PauseReason = "legal"         // a legal or regulatory request
	PauseOther        PauseReason = "other"         // see the note
)

// PauseReasons lists every pause reason, in the order a form offers them.
var PauseReasons = []PauseReason{PauseBreakingNews, PauseMourning, PauseSecurity, PauseContentError, PauseLegal, PauseOther}

// Valid reports whether r is a known pause reason.
func (r PauseReason) Valid() bool {
	for _, x := range PauseReasons {
		if r == x {
			return true
		}
	}
	return false
}

// English is the reason in English words.
func (r PauseReason) English() string {
	switch r {
	case PauseBreakingNews:
		return "breaking news"
	case PauseMourning:
		return "mourning or disaster"
	case PauseSecurity:
		return "account security"
	case PauseContentError:
		return "error in scheduled content"
	case PauseLegal:
		return "legal or regulatory request"
	}
	return "other"
}

// What a resume does with the publications that came due during a pause.
const (
	PauseDueSend   = "send"   // send them now
	PauseDueCancel = "cancel" // cancel them
	PauseDueKeep   = "keep"   // keep them held for a person to decide one by one (send now, reschedule, cancel)
)

// Held reports whether the publication is held by a pause or a blackout
// period: waiting, with no next time, until a person decides.
func (p *Publication) Held() bool {
	if p.State != StateWaiting {
		return false
	}
	switch p.ReasonCode {
	case ReasonPaused, ReasonHeldAfterPause, ReasonBlackoutHold:
		return true
	}
	return false
}

// HeldReasonCodes are the reason codes of held publications.
var HeldReasonCodes = []ReasonCode{ReasonPaused, ReasonHeldAfterPause, ReasonBlackoutHold}
