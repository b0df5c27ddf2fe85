package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/platform"
)

// APIError is the Graph API's error envelope:
// {"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}.
type APIError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	IsTransient bool   `json:"is_transient"`
	UserTitle   string `json:"error_user_title"`
	UserMessage string `json:"error_user_msg"`
	FBTraceID   string `json:"fbtrace_id"`
	// HTTPStatus is the status the envelope came with.
	HTTPStatus int `json:"-"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("graph error %d", e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf("/%d", e.Subcode)
	}
	s += " (" + e.Type + "): " + e.Message
	if e.FBTraceID != "" {
		s += " [fbtrace_id " + e.FBTraceID + "]"
	}
	return s
}

// ParseError returns the error envelope in body, if body is one.
func ParseError(body []byte) (*APIError, bool) {
	var env struct {
		Error *APIError `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return nil, false
	}
	if env.Error.Code == 0 && env.Error.Message == "" {
		return nil, false
	}
	return env.Error, true
}

// AsAPIError returns the Graph error envelope in err's chain.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err says an object does not exist (or is not
// visible): code 100 with subcode 33, or an ?ids= batch naming a missing
// alias.
func IsNotFound(err error) bool {
	e, ok := AsAPIError(err)
	if !ok || e.Code != 100 {
		return false
	}
	return e.Subcode == 33 || strings.Contains(e.Message, "do not exist") || strings.Contains(e.Message, "does not exist")
}

// Graph error codes that drive classification
// (https://developers.facebook.com/docs/graph-api/guides/error-handling,
// the Instagram content publishing error table, and PLATFORMS.md).
const (
	CodeUnknown          = 1
	CodeService          = 2
	CodeAppRateLimit     = 4
	CodeIGQuota          = 9 // with SubcodeQuotaReached
	CodePermission       = 10
	CodeUserRateLimit    = 17
	CodeMediaBuilder     = 24
	CodePageRateLimit    = 32
	CodeInvalidParameter = 100
	CodeSession          = 102
	CodeNoToken          = 104
	CodeTokenInvalid     = 190
	CodeAppLimit         = 341
	CodePolicyBlock      = 368
	CodeDuplicate        = 506
	CodeRateLimitCalls   = 613
	CodeIGFetchFailed    = 9004
	CodeIGNotReady       = 9007
	CodeLinkError        = 1609005
)

// Instagram content publishing subcodes.
const (
	SubcodeIGServer         = 2207001
	SubcodeDownloadTimeout  = 2207003
	SubcodeImageTooLarge    = 2207004
	SubcodeImageFormat      = 2207005
	SubcodeMediaNotFound    = 2207006
	SubcodeBuilderExpired   = 2207008
	SubcodeAspectRatio      = 2207009
	SubcodeCaption          = 2207010
	SubcodeContainerExpired = 2207020
	SubcodeMediaType        = 2207023
	SubcodeNotReady         = 2207027
	SubcodeCarousel         = 2207028
	SubcodeRecreate         = 2207032
	SubcodeQuotaReached     = 2207042
	SubcodeRestrictedUser   = 2207050
	SubcodeSpam             = 2207051
	SubcodeFetchFailed      = 2207052
	SubcodeUnknownUpload    = 2207053
)

// Subcodes of code 190 (access token errors).
const (
	subcodeAppRemoved   = 458
	subcodeCheckpoint   = 459
	subcodePassword     = 460
	subcodeExpired      = 463
	subcodeUnconfirmed  = 464
	subcodeInvalidToken = 467
	subcodeInvalidSess  = 492
)

// IsContainerExpired reports whether err says an Instagram container can no
// longer be published and a new one is needed.
func IsContainerExpired(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Subcode == SubcodeContainerExpired || e.Subcode == SubcodeBuilderExpired)
}

// IsQuotaReached reports whether err is Instagram's publishing quota
// (code 9, subcode 2207042).
func IsQuotaReached(err error) bool {
	e, ok := AsAPIError(err)
	return ok && e.Subcode == SubcodeQuotaReached
}

// IsNotReady reports whether err says a container is still being processed.
func IsNotReady(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Subcode == SubcodeNotReady || e.Code == CodeIGNotReady)
}

// Classify maps a Graph error envelope to what the engine should do. name
// prefixes the error code ("facebook:190/463"); header supplies the usage
// headers whose estimated_time_to_regain_access becomes RetryAfter.
func Classify(name string, e *APIError, header http.Header) *platform.Error {
	code := name + ":" + strconv.Itoa(e.Code)
	if e.Subcode != 0 {
		code += "/" + strconv.Itoa(e.Subcode)
	}
	says := e.Message
	if e.UserMessage != "" {
		says = e.UserMessage
	}
	mk := func(c platform.Class, msg string) *platform.Error {
		pe := &platform.Error{Class: c, Code: code, Message: msg, Err: e}
		if c == platform.Retry {
			pe.RetryAfter = ParseUsage(header).RetryAfter()
		}
		return pe
	}

	// Instagram publishing subcodes first: they refine codes that alone
	// would mean something else (9, 24, 100, -1, -2).
	switch e.Subcode {
	case SubcodeQuotaReached:
		return mk(platform.Retry, "The Instagram account reached its publishing quota (posts per 24 hours); waiting until the window frees a slot.")
	case SubcodeContainerExpired, SubcodeBuilderExpired, SubcodeMediaNotFound:
		return mk(platform.Retry, "The Instagram media container expired or no longer exists; a new one will be created: "+says)
	case SubcodeNotReady:
		return mk(platform.Retry, "Instagram has not finished processing the media yet.")
	case SubcodeIGServer, SubcodeDownloadTimeout, SubcodeRecreate, SubcodeUnknownUpload:
		return mk(platform.Retry, "Instagram had a temporary problem with the media: "+says)
	case SubcodeFetchFailed:
		return mk(platform.Permanent, "Instagram could not fetch the image from its public URL; check that FERRY_PUBLIC_URL is reachable from the internet: "+says)
	case SubcodeImageTooLarge, SubcodeImageFormat, SubcodeAspectRatio, SubcodeCaption, SubcodeMediaType, SubcodeCarousel:
		return mk(platform.Permanent, "Instagram refused the media or caption: "+says)
	case SubcodeSpam, SubcodeRestrictedUser:
		return mk(platform.Permanent, "Instagram restricted this activity on the account: "+says)
	}

	switch {
	case e.Code == CodeTokenInvalid || e.Code == CodeSession || e.Code == CodeNoToken:
		return mk(platform.Reauth, tokenMessage(e.Subcode)+" Reconnect the account.")
	case e.Code == CodeDuplicate:
		return mk(platform.Duplicate, "Facebook says this is a duplicate of a recent post: "+says)
	case e.IsTransient:
		return mk(platform.Retry, "The Graph API had a temporary problem: "+says)
	case isRateLimit(e.Code):
		return mk(platform.Retry, "Meta's rate limit was reached ("+says+"); waiting before the next call.")
	case e.Code == CodeUnknown || e.Code == CodeService || e.Code == CodeIGNotReady || e.Code < 0:
		return mk(platform.Retry, "The Graph API had a temporary problem: "+says)
	case e.Code == CodePermission || (e.Code >= 200 && e.Code <= 299):
		return mk(platform.Permanent, "The account lacks a permission Ferry needs ("+says+"); reconnect it granting every requested permission.")
	case e.Code == CodePolicyBlock:
		return mk(platform.Permanent, "Meta temporarily blocked this action for policy reasons: "+says)
	case e.Code == CodeLinkError:
		return mk(platform.Permanent, "Facebook could not post the link: "+says)
	case e.Code == CodeInvalidParameter:
		return mk(platform.Permanent, "The Graph API refused a parameter: "+says)
	case e.HTTPStatus >= 500:
		return mk(platform.Retry, "The Graph API had a server error: "+says)
	}
	return mk(platform.Permanent, "The Graph API refused the call: "+says)
}

func isRateLimit(code int) bool {
	switch code {
	case CodeAppRateLimit, CodeIGQuota, CodeUserRateLimit, CodePageRateLimit, CodeAppLimit, CodeRateLimitCalls:
		return true
	}
	// 80000–80014: business use case rate limits (80001 Pages, 80002
	// Instagram, …).
	return code >= 80000 && code <= 80014
}

func tokenMessage(subcode int) string {
	switch subcode {
	case subcodeAppRemoved:
		return "The person removed Ferry's app from their account."
	case subcodeCheckpoint:
		return "Facebook wants the person to log in at facebook.com to pass a security checkpoint."
	case subcodePassword:
		return "The access token was invalidated by a password change."
	case subcodeExpired:
		return "The access token expired."
	case subcodeUnconfirmed:
		return "The Facebook user is not confirmed."
	case subcodeInvalidToken, subcodeInvalidSess:
		return "The access token is no longer valid."
	}
	return "Meta rejected the access token."
}

// Usage is what Meta's usage headers say about rate limits: X-App-Usage,
// X-Page-Usage, X-Ad-Account-Usage and X-Business-Use-Case-Usage, plus the
// standard Retry-After.
type Usage struct {
	// Percent is the highest usage percentage any header reports.
	Percent int
	// RegainAccess is the longest estimated_time_to_regain_access (sent in
	// minutes) of any header.
	RegainAccess time.Duration
	// RetryAfterHeader is the Retry-After header, when present.
	RetryAfterHeader time.Duration
}

// RetryAfter is the longest wait the headers ask for, zero when none.
func (u Usage) RetryAfter() time.Duration { return max(u.RegainAccess, u.RetryAfterHeader) }

// usageEntry is one usage object; every header shares these fields.
type usageEntry struct {
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
	AccIDUtilPct float64 `json:"acc_id_util_pct"`
	Regain       float64 `json:"estimated_time_to_regain_access"`
}

func (u *Usage) add(e usageEntry) {
	pct := math.Max(math.Max(e.CallCount, e.TotalCPUTime), math.Max(e.TotalTime, e.AccIDUtilPct))
	u.Percent = max(u.Percent, int(math.Ceil(pct)))
	if e.Regain > 0 {
		u.RegainAccess = max(u.RegainAccess, time.Duration(e.Regain*float64(time.Minute)))
	}
}

// ParseUsage reads the usage headers of a Graph answer. Malformed headers
// are ignored: they are hints, never a reason to fail a call.
func ParseUsage(h http.Header) Usage {
	var u Usage
	if h == nil {
		return u
	}
	for _, name := range []string{"X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage"} {
		var e usageEntry
		if v := h.Get(name); v != "" && json.Unmarshal([]byte(v), &e) == nil {
			u.add(e)
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]usageEntry
		if json.Unmarshal([]byte(v), &m) == nil {
			for _, es := range m {
				for _, e := range es {
					u.add(e)
				}
			}
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			u.RetryAfterHeader = time.Duration(n) * time.Second
		}
	}
	return u
}

// classifyHTTP handles answers without a Graph envelope (proxies, outages).
// A read never takes effect, so it is retried; a write is retried only when
// the status says it was not processed.
func classifyHTTP(name, method string, status int, h http.Header) *platform.Error {
	code := name + ":http_" + strconv.Itoa(status)
	msg := fmt.Sprintf("The Graph API answered HTTP %d without an error description.", status)
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return &platform.Error{Class: platform.Retry, Code: code, Message: msg, RetryAfter: ParseUsage(h).RetryAfter()}
	case method == http.MethodGet && status >= 500:
		return &platform.Error{Class: platform.Retry, Code: code, Message: msg}
	case status >= 500:
		return &platform.Error{Class: platform.Unknown, Code: code, Message: msg + " The call may have taken effect."}
	}
	return &platform.Error{Class: platform.Permanent, Code: code, Message: msg}
}

// transportError classifies a failed round trip. A failure to connect means
// nothing was sent, and a read has no effect either way; a write that broke
// later may have reached Meta.
func transportError(name, method string, err error, secrets []string) *platform.Error {
	var to interface{ Timeout() bool }
	redacted := redact(err, secrets)
	switch {
	case platform.IsDialError(err):
		return &platform.Error{Class: platform.Retry, Code: name + ":connect", Message: "The Graph API could not be reached.", Err: redacted}
	case method == http.MethodGet:
		return &platform.Error{Class: platform.Retry, Code: name + ":transport", Message: "The Graph API did not answer a read.", Err: redacted}
	case errors.As(err, &to) && to.Timeout():
		return &platform.Error{Class: platform.Unknown, Code: name + ":timeout", Message: "The Graph API did not answer in time; the call may or may not have taken effect.", Err: redacted}
	}
	return &platform.Error{Class: platform.Unknown, Code: name + ":transport", Message: "The connection to the Graph API broke before it answered; the call may or may not have taken effect.", Err: redacted}
}
