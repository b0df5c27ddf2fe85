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
}
