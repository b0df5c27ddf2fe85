// Package ferry holds Ferry's domain: the types every other package speaks
// (workspaces, accounts, stories, publications, …) and the coded errors that
// travel from the store up to the HTTP API. It imports nothing of Ferry's own.
package ferry

import (
	"slices"
	"time"
)

// Platform names a social platform Ferry publishes to.
type Platform string

// The platforms Ferry knows.
const (
	Weibo       Platform = "weibo"
	Xiaohongshu Platform = "xiaohongshu"
	Facebook    Platform = "facebook"
	Instagram   Platform = "instagram"
	Telegram    Platform = "telegram"
)

// Platforms lists every known platform in display order.
var Platforms = []Platform{Weibo, Xiaohongshu, Facebook, Instagram, Telegram}

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}

// Name is the platform's name as people write it in English.
func (p Platform) Name() string {
	switch p {
	case Weibo:
		return "Weibo"
	case Xiaohongshu:
		return "Xiaohongshu"
	case Facebook:
		return "Facebook"
	case Instagram:
		return "Instagram"
	case Telegram:
		return "Telegram"
	}
	return string(p)
}

// NameZH is the platform's name as people write it in Chinese, in
// Simplified or Traditional script; names without a Chinese form stay in
// Latin letters.
func (p Platform) NameZH(simplified bool) string {
	switch {
	case p == Weibo:
		return "微博"
	case p == Xiaohongshu && simplified:
		return "小红书"
	case p == Xiaohongshu:
		return "小紅書"
	}
	return p.Name()
}

// Role is a member's role in a workspace. Roles are ordered: each one may do
// everything the ones below it may.
type Role string

// The roles, from most to least privileged.
const (
	RoleOwner    Role = "owner"
	RoleAdmin    Role = "admin"
	RoleEditor   Role = "editor"
	RoleReviewer Role = "reviewer"
	RoleViewer   Role = "viewer"
)

var roleRank = map[Role]int{RoleOwner: 5, RoleAdmin: 4, RoleEditor: 3, RoleReviewer: 2, RoleViewer: 1}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r is as privileged as min.
func (r Role) AtLeast(min Role) bool { return roleRank[r] >= roleRank[min] && roleRank[r] > 0 }

// Workspace is one organisation or unit.
type Workspace struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
	Region    string    `json:"region"` // whose festivals and holidays it plans around: HK, CN, TW or MO
	// RequireAltText makes an image with neither alt text nor the
	// decorative mark an error that blocks scheduling, not a warning.
	RequireAltText bool `json:"require_alt_text"`
	// RequireTwoFactor sends an admin or owner without two-factor sign-in
	// to enrol before anything else in the web UI.
	RequireTwoFactor bool `json:"require_two_factor"`
	// ThinPostReadingsAfterDays, when above 0, thins post readings older
	// than this many days to one a day; 0 keeps every reading. Account
	// readings are never thinned.
	ThinPostReadingsAfterDays int `json:"thin_post_readings_after_days"`
}

// DefaultTimeZone is the time zone of a new workspace.
const DefaultTimeZone = "Asia/Hong_Kong"

// DefaultRegion is the calendar region of a new workspace.
const DefaultRegion = "HK"

// User is a person who signs in.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	Language     string    `json:"language"` // the web UI's: "en", "zh-Hant", "zh-Hans"; empty: the browser's
}

// Membership gives a user a role in a workspace.
type Membership struct {
	WorkspaceID string    `json:"workspace_id"`
	UserID      string    `json:"user_id"`
	Role        Role      `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
}

// IdempotentResponse is a stored answer to a request sent with an
// Idempotency-Key. Status 0 means the first request is still being handled.
type IdempotentResponse struct {
	RequestHash string
	Status      int
	Body        []byte
}

// APIToken is a bearer token acting as one user in one workspace. Only its
// hash is stored; the token itself is shown once, at creation.
type APIToken struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	WorkspaceID string `json:"workspace_id"`
	Name        string `json:"name"`
	Hash        []byte `json:"-"`
	// Scope caps what the token may do, below its user's role.
	Scope     TokenScope `json:"scope"`
	CreatedAt time.Time  `json:"created_at"`
	// ExpiresAt is when the token stops working; nil: never.
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// LastUsedAddr is the client address of the last recorded use.
	LastUsedAddr string `json:"last_used_addr"`
}

// TokenScope is what an API token may do: read (GET routes), write
// (changes an editor makes), admin (everything the user's role allows:
// accounts, members, workspace settings). Each scope includes the ones
// before it; the user's role still applies on top.
type TokenScope string

// Token scopes, from least to most.
const (
	ScopeRead  TokenScope = "read"
	ScopeWrite TokenScope = "write"
	ScopeAdmin TokenScope = "admin"
)

// TokenScopes lists the scopes, least first.
var TokenScopes = []TokenScope{ScopeRead, ScopeWrite, ScopeAdmin}

var scopeRank = map[TokenScope]int{ScopeRead: 1, ScopeWrite: 2, ScopeAdmin: 3}

// Valid reports whether s is a known scope.
func (s TokenScope) Valid() bool { return scopeRank[s] > 0 }

// Covers reports whether a token of scope s may do what needs scope need.
func (s TokenScope) Covers(need TokenScope) bool {
	return scopeRank[s] > 0 && scopeRank[s] >= scopeRank[need]
}

// Principal is who is acting: a user in a workspace with a role, or the
// system itself (jobs, the CLI).
type Principal struct {
	UserID      string
	WorkspaceID string
	Role        Role
	// Scope is the API token's scope when the principal acts through one;
	// empty for a session and for the system.
	Scope TokenScope
}

// Actor returns the audit log's name for the principal.
func (p Principal) Actor() string {
	if p.UserID == "" {
		return "system"
	}
	return "user:" + p.UserID
}

// AccountHealth tells whether Ferry can publish through an account.
type AccountHealth string

// Account health values.
const (
	HealthConnected   AccountHealth = "connected"
	HealthNeedsReauth AccountHealth = "needs_reauth"
	HealthClosed      AccountHealth = "closed"
)

// Account is a connected platform account. Credentials are decrypted only
// where a connector needs them and never serialised.
type Account struct {
	ID           string            `json:"id"`
	WorkspaceID  string            `json:"workspace_id"`
	Platform     Platform          `json:"platform"`
	ExternalID   string            `json:"external_id"`
	Name         string            `json:"name"`
	Credentials  map[string]string `json:"-"`
	Settings     map[string]any    `json:"settings"`
	Health       AccountHealth     `json:"health"`
	HealthReason string            `json:"health_reason,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Media is an uploaded image, stored once by content hash.
type Media struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	SHA256      string `json:"sha256"`
	Mime        string `json:"mime"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Bytes       int64  `json:"bytes"`
	// Focal is the point crops keep in view; nil means the centre.
	Focal *Focal `json:"focal"`
	// ParentID is the original a fitted copy was made from; empty for
	// uploads. Originals are never changed: platforms get fitted copies.
	ParentID string `json:"parent_id,omitempty"`
	// AltText says what the image shows, for people who cannot see it;
	// Decorative marks an image that needs none.
	AltText    string    `json:"alt_text"`
	Decorative bool      `json:"decorative"`
	CreatedAt  time.Time `json:"created_at"`
	// Tags are the workspace's words for finding it in the library; filled
	// by the library's listing only.
	Tags []string `json:"tags,omitempty"`
}

// Story is the thing told once, to be published to its target accounts.
type Story struct {
	ID          string   `json:"id"`
	WorkspaceID string   `json:"workspace_id"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	MediaIDs    []string `json:"media_ids"`
	// Tags are written without '#'; each platform renders them its way.
	Tags  []string `json:"tags"`
	Links []string `json:"links"`
	// SourceScript is the Chinese script the story is written in: "hk",
	// "tw", "s" or "t".
	SourceScript string     `json:"source_script"`
	Targets      []string   `json:"targets"`
	ScheduledAt  *time.Time `json:"scheduled_at"`
	Version      int        `json:"version"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DeletedAt    *time.Time `json:"deleted_at,omitempty"`
}

// Audit is one append-only record of who did what to what.
type Audit struct {
	ID          int64          `json:"id"`
	WorkspaceID string         `json:"workspace_id"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"`
	TargetType  string         `json:"target_type"`
	TargetID    string         `json:"target_id"`
	Data        map[string]any `json:"data,omitempty"`
	At          time.Time      `json:"at"`
	// Seq numbers the workspace's events 1, 2, 3… with no gap.
	Seq int64 `json:"seq"`
	// PrevHash is the Hash of the workspace's event Seq-1 ("" for the
	// first); Hash is the SHA-256 of this event's canonical encoding,
	// PrevHash included. See store.AuditHash.
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Page selects a window of a list. Zero values mean the first page of the
// default size.
type Page struct {
	Limit  int
	Cursor string
}

// ContentVersion is one saved version of a story (AccountID "") or of its
// variant for one account: what it said, who saved it and when. Versions
// are numbered 1, 2, 3… per story and account; a save that changes
// nothing of the content (only the time, say) makes no version.
type ContentVersion struct {
	ID        int64  `json:"id"`
	StoryID   string `json:"story_id"`
	AccountID string `json:"account_id"`
	N         int    `json:"n"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	// Tags are the story's tags or the variant's hashtags; MediaIDs its
	// images; Links (a story's) and Edited (a variant's: a person's words
	// rather than generated ones).
	Tags     []string  `json:"tags"`
	Links    []string  `json:"links,omitempty"`
	MediaIDs []string  `json:"media_ids"`
	Edited   bool      `json:"edited,omitempty"`
	Author   string    `json:"author"`
	At       time.Time `json:"at"`
}

// SameContent reports whether two versions say the same.
func (v ContentVersion) SameContent(o ContentVersion) bool {
	return v.Title == o.Title && v.Text == o.Text && v.Edited == o.Edited && slices.Equal(v.Tags, o.Tags) &&
		slices.Equal(v.Links, o.Links) && slices.Equal(v.MediaIDs, o.MediaIDs)
}
