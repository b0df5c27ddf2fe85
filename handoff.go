package ferry

import "time"

// Handoff states.
const (
	HandoffOpen      = "open"      // waiting for an operator
	HandoffConfirmed = "confirmed" // the operator gave the note's URL
	HandoffMissed    = "missed"    // not confirmed by the deadline
	HandoffWithdrawn = "withdrawn" // the publication was edited or canceled
)

// Handoff is the task of publishing one publication, at one version, by
// hand (Xiaohongshu has no publishing API). There is at most one per
// (publication, version).
type Handoff struct {
	ID            string
	WorkspaceID   string
	PublicationID string
	StoryID       string
	AccountID     string
	Version       int
	State         string
	// DueAt is when the note should go out (the scheduled time);
	// DeadlineAt is when an unconfirmed handoff is missed; ExpiresAt is
	// when its signed links stop working.
	DueAt      time.Time
	DeadlineAt time.Time
	ExpiresAt  time.Time
	// URL is the note's address once confirmed.
	URL string
	// ClosedBy is who confirmed it (an audit actor) or "system".
	ClosedBy  string
	ClosedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WorkspaceMember is a workspace member with their role.
type WorkspaceMember struct {
	User User
	Role Role
}

// MemberName names a member of members by user id, as people see them: their
// name, else their email; the id itself when no member has it.
func MemberName(members []WorkspaceMember, userID string) string {
	for _, m := range members {
		if m.User.ID == userID {
			if m.User.Name != "" {
				return m.User.Name
			}
			return m.User.Email
		}
	}
	return userID
}

// NotificationSettings are where a workspace's notifications go besides
// email and Telegram.
type NotificationSettings struct {
	WorkspaceID string
	// WebhookURL receives every notification as signed JSON; empty: none.
	WebhookURL string
	// WebhookSecret signs webhook bodies (HMAC-SHA256). It is sealed at
	// rest and never shown again once set.
	WebhookSecret string
	UpdatedAt     time.Time
}
