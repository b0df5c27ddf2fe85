package ferry

import (
	"errors"
	"fmt"
)

// Error codes. They are machine-readable, stable, and mapped to HTTP status
// in exactly one place (internal/httpd).
const (
	EINVALID       = "invalid"            // the request is malformed or breaks a rule
	ENOTFOUND      = "not_found"          // the thing does not exist (or is not visible to the caller)
	ECONFLICT      = "conflict"           // the thing's state forbids the change
	EUNAUTHORIZED  = "unauthorized"       // no valid credentials
	EFORBIDDEN     = "forbidden"          // valid credentials, insufficient role
	ESCOPE         = "insufficient_scope" // an API token whose scope does not cover the request
	ETOOLARGE      = "too_large"          // the payload is over a limit
	EUNSUPPORTED   = "unsupported"        // e.g. an unsupported media type
	EUNPROCESSABLE = "unprocessable"      // well-formed but cannot be done as asked (e.g. blocking problems)
	ETOOMANY       = "too_many_requests"  // throttled: Details["retry_after"] says how many seconds to wait
	EINTERNAL      = "internal"           // a bug or an outage; details are logged, not shown
	ESCHEMA        = "schema_outdated"    // the database schema is older than this binary
	EUNAVAILABLE   = "unavailable"        // a tool this request needs is not installed (e.g. Chromium for PDF)
)

// Error is an error with a code meant for the API's caller. Message is a
// human sentence; Details carries machine-readable context (field names,
// problem lists).
type Error struct {
	Code    string
	Message string
	Details any
}

func (e *Error) Error() string { return fmt.Sprintf("ferry %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns a copy of e carrying details.
func (e *Error) WithDetails(d any) *Error {
	c := *e
	c.Details = d
	return &c
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the human message of the first *Error in err's chain,
// or a generic sentence for internal errors, whose text must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
