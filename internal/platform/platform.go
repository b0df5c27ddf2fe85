// Package platform defines what Ferry asks of a social platform: the
// Connector interface each platform package implements, the classification of
// every failure into what the delivery engine should do next, and a registry
// that maps a platform name to its connector.
package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ferry-social/ferry"
)

// Account is what a connector needs to act as a connected account.
type Account struct {
	ID          string
	ExternalID  string
	Credentials map[string]string
	Settings    map[string]any
}

// Media is one image of a post, in the order it should appear.
type Media struct {
	ID     string
	Mime   string
	Width  int
	Height int
	Bytes  int64
	// Open returns the image's bytes.
	Open func() (io.ReadCloser, error)
	// URL is a public URL of the image, for platforms that fetch media
	// themselves (Instagram). Empty when none is configured.
	URL string
	// AltText says what the image shows, for people who cannot see it;
	// connectors send it where the platform's API takes it (Facebook's
	// alt_text_custom, Instagram's alt_text). Empty for a decorative
	// image, or one nobody described: no platform's API tells "decorative"
	// from "not described", so nothing is sent for either.
	AltText string
}

// Post is exactly what will be sent: text already adapted to the platform.
type Post struct {
	PublicationID string
	Title         string
	Text          string
	Media         []Media
	// Fingerprint identifies the content; reconciliation matches it.
	Fingerprint string
}

// Result is a post as the platform knows it.
type Result struct {
	RemoteID string
	// RemoteIDs are every id of a post made of several messages (a
	// Telegram album), RemoteID first; nil for a post of one.
	RemoteIDs   []string
	URL         string
	PublishedAt time.Time
}

// Connector publishes to one platform. Implementations must be safe for
// concurrent use and must return *Error (or wrap one) for every failure the
// platform reports, so the engine can tell what to do.
type Connector interface {
	Platform() ferry.Platform
	Publish(ctx context.Context, acct Account, post Post) (Result, error)
}

// Reconciler is implemented by connectors that can look for a post on the
// platform, to settle an attempt whose outcome is unknown. Lookup returns
// found=false only when the platform positively shows no such post since
// since.
type Reconciler interface {
	Lookup(ctx context.Context, acct Account, post Post, since time.Time) (res Result, found bool, err error)
}

// Verifier is implemented by connectors that can check an account's
// credentials when it is connected.
type Verifier interface {
	Verify(ctx context.Context, acct Account) (Identity, error)
}

// Identity is what a platform says about a connected account.
type Identity struct {
	ExternalID string
	Name       string
	// ExpiresAt is when the credentials stop working, when the platform
	// says (Weibo tokens last 1 to 7 days); nil when they do not expire.
	ExpiresAt *time.Time
}

// Limiter is implemented by connectors whose platform limits how often an
// account or an app may post. The engine enforces these limits across all
// workers through the database.
type Limiter interface {
	Limits(acct Account) []Limit
}

// Limit allows Max posts per Window for everything sharing Key.
type Limit struct {
	Key    string // e.g. "telegram:chat:@ferry" or "telegram:bot:<hash>"
	Max    int
	Window time.Duration
}

// Class says what the engine should do after a failure.
type Class int

// Failure classes (PLATFORMS.md, "Common rules").
const (
	// Retry later, honouring RetryAfter when the platform gave a hint.
	Retry Class = iota + 1
	// Reauth: the account's credentials no longer work.
	Reauth
	// Permanent: the post is wrong for the platform; retrying will not help.
	Permanent
	// Unknown: the call may have taken effect; reconcile before any retry.
	Unknown
	// Duplicate: the platform says it already has this content; reconcile.
	Duplicate
)

func (c Class) String() string {
	switch c {
	case Retry:
		return "retry"
	case Reauth:
		return "reauth"
	case Permanent:
		return "permanent"
	case Unknown:
		return "unknown"
	case Duplicate:
		return "duplicate"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Error is a classified platform failure.
type Error struct {
	Class Class
	// Code is the platform's own error code, e.g. "weibo:20019" or "telegram:429".
	Code string
	// Message explains the failure in plain words for people.
	Message string
	// RetryAfter is the platform's own hint, zero when it gave none.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("platform %s %s: %s", e.Class, e.Code, e.Message)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns the *Error in err's chain. Errors a connector did not
// classify are treated as Unknown: the safe assumption is that the call may
// have reached the platform.
func Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Class: Unknown, Code: "unclassified", Message: "The platform call failed in an unexpected way.", Err: err}
}

// Registry maps platforms to connectors.
type Registry struct {
	byPlatform map[ferry.Platform]Connector
}

// NewRegistry returns a registry of the given connectors.
func NewRegistry(cs ...Connector) *Registry {
	r := &Registry{byPlatform: map[ferry.Platform]Connector{}}
	for _, c := range cs {
		r.byPlatform[c.Platform()] = c
	}
	return r
}

// Get returns the connector of p.
func (r *Registry) Get(p ferry.Platform) (Connector, bool) {
	c, ok := r.byPlatform[p]
	return c, ok
}

// Deleter is implemented by connectors whose platform lets Ferry delete a
// post it published. Deleting a post already gone returns ErrGone, so
// that a repeat is harmless and the caller can tell "deleted" from "was
// not there any more".
type Deleter interface {
	Delete(ctx context.Context, acct Account, remoteID string) error
}

// GroupDeleter is implemented by connectors whose posts may be several
// messages (Result.RemoteIDs: a Telegram album): it takes down every
// message of one post at once.
type GroupDeleter interface {
	DeleteGroup(ctx context.Context, acct Account, remoteIDs []string) error
}

// MetricsReader is implemented by connectors that can read an account's and
// its posts' public counts. A nil field means the platform does not report it.
type MetricsReader interface {
	AccountMetrics(ctx context.Context, acct Account) (AccountMetrics, error)
	// PostMetrics reads the counts of several posts at once; posts the
	// platform no longer has are absent from the result.
	PostMetrics(ctx context.Context, acct Account, remoteIDs []string) (map[string]PostMetrics, error)
}

// AccountMetrics is one reading of an account's counts.
type AccountMetrics struct {
	Followers *int64
	Following *int64
	Posts     *int64
}

// PostMetrics is one reading of a post's counts.
type PostMetrics struct {
	Views    *int64
	Likes    *int64
	Comments *int64
	Shares   *int64
	Saves    *int64
}

// ErrGone is what a Deleter returns for a post already gone from its
// platform: as good as deleted.
var ErrGone = errors.New("platform: the post is already gone")
