package ferry

import "time"

// AccountSnapshot is a reading of an account's counts at a time. A count the
// platform does not give is nil.
type AccountSnapshot struct {
	AccountID string    `json:"account_id"`
	At        time.Time `json:"at"`
	Followers *int64    `json:"followers"`
	Following *int64    `json:"following"`
	Posts     *int64    `json:"posts"`
}

// PostSnapshot is a reading of a publication's counts on its platform at a
// time. A count the platform does not give is nil.
type PostSnapshot struct {
	PublicationID string    `json:"publication_id"`
	AccountID     string    `json:"account_id"`
	At            time.Time `json:"at"`
	Views         *int64    `json:"views"`
	Likes         *int64    `json:"likes"`
	Comments      *int64    `json:"comments"`
	Shares        *int64    `json:"shares"`
	Saves         *int64    `json:"saves"`
}

// PostSnapshotFilter selects post readings. AccountID or PublicationID (or
// both) must be set.
type PostSnapshotFilter struct {
	AccountID     string
	PublicationID string
	// From and To keep readings taken in [From, To); a zero bound leaves
	// that side open.
	From, To time.Time
}

// AccountReading is a connected account, its workspace's time zone and
// when its counts were last read.
type AccountReading struct {
	AccountID   string
	WorkspaceID string
	Platform    Platform
	TimeZone    string
	// LastAt is the time of the latest snapshot; nil if there is none.
	LastAt *time.Time
}

// PostReading is a published publication of a connected account and when
// its counts were last read.
type PostReading struct {
	PublicationID string
	AccountID     string
	WorkspaceID   string
	Platform      Platform
	RemoteID      string
	PublishedAt   time.Time
	// LastAt is the time of the latest snapshot; nil if there is none.
	LastAt *time.Time
}
