package ferry

import "time"

// Peer is a public account a workspace follows for comparison: another
// team's Weibo, Instagram, Facebook Page, Telegram channel or Xiaohongshu
// account. Ferry reads its public counts once a day with a connected
// account of the same platform (Xiaohongshu's are entered by hand).
type Peer struct {
	ID          string   `json:"id"`
	WorkspaceID string   `json:"workspace_id"`
	Platform    Platform `json:"platform"`
	// Handle is what a person entered, tidied (no leading @).
	Handle string `json:"handle"`
	// RemoteID is the platform's id of the account (Weibo uid, Page id,
	// Instagram user id, Telegram chat id); for Xiaohongshu the handle.
	RemoteID  string    `json:"remote_id"`
	Name      string    `json:"name"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// PeerReading is one reading of a peer's public counts. A count the
// platform does not give is nil.
type PeerReading struct {
	PeerID    string    `json:"-"`
	At        time.Time `json:"at"`
	Followers *int64    `json:"followers"`
	Posts     *int64    `json:"posts"`
	// Source is "platform" for a reading of the platform's API, "manual"
	// for one entered by a person.
	Source string `json:"source"`
}

// PeerDue is a peer and when it was last read (the daily job).
type PeerDue struct {
	PeerID   string
	Platform Platform
	TimeZone string
	LastAt   *time.Time
}
