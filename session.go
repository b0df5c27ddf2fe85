package ferry

import "time"

// Session is a browser signed in to the web UI as one user in one
// workspace. Only its token's hash is stored; the token is the cookie.
type Session struct {
	ID          string
	TokenHash   []byte
	UserID      string
	WorkspaceID string
	// Role is the user's current role in the workspace, read with the
	// session so that a changed role applies at once.
	Role       Role
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute end; an idle timeout may end it sooner.
	ExpiresAt time.Time
}

// Principal returns who acts through the session.
func (s *Session) Principal() Principal {
	return Principal{UserID: s.UserID, WorkspaceID: s.WorkspaceID, Role: s.Role}
}
