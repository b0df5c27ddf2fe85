package ferry

import "time"

// Invitation asks a person to join a workspace with a role. Only the
// token's hash is stored; the link carries the token. It is used once,
// before ExpiresAt.
type Invitation struct {
	ID          string
	WorkspaceID string
	Email       string
	Role        Role
	TokenHash   []byte
	InvitedBy   string // the user who invited
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AcceptedAt  *time.Time
	// Language is the invitation email's: "en", "zh-Hant" or "zh-Hans".
	Language string
	// EmailState is what became of the invitation email (EmailSending, …);
	// EmailNone when it was not emailed.
	EmailState InvitationEmailState
	EmailError string     // the last failure's reason
	EmailAt    *time.Time // when the email was sent or last failed
}

// InvitationEmailState is where an invitation's email stands.
type InvitationEmailState string

// Invitation email states.
const (
	EmailNone    InvitationEmailState = ""        // not emailed: the admin passes the link on
	EmailSending InvitationEmailState = "sending" // a job is sending it, or will retry
	EmailSent    InvitationEmailState = "sent"
	EmailFailed  InvitationEmailState = "failed" // for good, with EmailError
)
