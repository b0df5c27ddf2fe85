package ferry

import "time"

// ArchiveState is where an account archive stands.
type ArchiveState string

// Archive states.
const (
	ArchiveQueued  ArchiveState = "queued"
	ArchiveWriting ArchiveState = "writing"
	ArchiveReady   ArchiveState = "ready"
	ArchiveFailed  ArchiveState = "failed"
)

// Archive is an account's archive: a ZIP of its whole record with an
// offline viewer (docs/architecture.md, "Account archives"), kept in the
// media store under its SHA-256 once written and verified.
type Archive struct {
	ID          string       `json:"id"`
	WorkspaceID string       `json:"-"`
	AccountID   string       `json:"account_id"`
	State       ArchiveState `json:"state"`
	Error       string       `json:"error,omitempty"`
	SHA256      string       `json:"sha256,omitempty"`
	Bytes       int64        `json:"bytes"`
	Files       int          `json:"files"`
	Posts       int          `json:"posts"`
	CreatedBy   string       `json:"created_by"`
	CreatedAt   time.Time    `json:"created_at"`
	FinishedAt  *time.Time   `json:"finished_at"`
}

// ClosureState is where an account's closure stands.
type ClosureState string

// Closure states.
const (
	ClosureQueued  ClosureState = "queued"
	ClosureRunning ClosureState = "running"
	ClosureDone    ClosureState = "done"
	ClosureFailed  ClosureState = "failed"
)

// ClosureOptions are what a person chose when closing an account.
type ClosureOptions struct {
	// Scheduled is "cancel" (the default) or "move".
	Scheduled string `json:"scheduled"`
	// MoveTo is the account scheduled publications move to.
	MoveTo string `json:"move_to,omitempty"`
	// DeleteRemote deletes the account's posts on its platform where its
	// API allows it (Weibo, Facebook, Telegram).
	DeleteRemote bool `json:"delete_remote"`
}

// ClosureProgress counts what a closure did.
type ClosureProgress struct {
	Canceled int `json:"canceled"`
	Moved    int `json:"moved"`
	// TooLate are publications being sent or of unknown outcome, which
	// neither a cancel nor a move reaches.
	TooLate       int  `json:"too_late"`
	FinalReading  bool `json:"final_reading"`
	RemoteToGo    int  `json:"remote_to_go"`
	RemoteDeleted int  `json:"remote_deleted"`
	RemoteGone    int  `json:"remote_gone"`
	RemoteFailed  int  `json:"remote_failed"`
	// RemoteKept are posts left on the platform because its API cannot
	// delete them (Instagram, Xiaohongshu, Telegram albums).
	RemoteKept int `json:"remote_kept"`
}

// Closure is an account's closure, run by a River job step by step.
type Closure struct {
	AccountID   string          `json:"account_id"`
	WorkspaceID string          `json:"-"`
	State       ClosureState    `json:"state"`
	Step        string          `json:"step"`
	Options     ClosureOptions  `json:"options"`
	Progress    ClosureProgress `json:"progress"`
	ArchiveID   string          `json:"archive_id,omitempty"`
	Error       string          `json:"error,omitempty"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
}
