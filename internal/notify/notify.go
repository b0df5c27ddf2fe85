// Package notify sends Ferry's notifications to people and systems: email
// over SMTP, signed JSON webhooks, and Telegram messages from a
// notification bot. Each call is one attempt; retrying is the caller's job
// (every notification is a River job), so transports only say whether a
// failure is worth retrying.
package notify

import (
	"errors"
	"fmt"
	"time"
)

// Error is a failed send.
type Error struct {
	// Permanent failures fail the same way again (an unknown chat, a
	// mailbox that does not exist, a webhook that is gone).
	Permanent bool
	// RetryAfter is the receiver's own request to wait, when it made one.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("notify: %s failure: %v", kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a failure that retrying will not cure.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// RetryAfter returns the wait a receiver asked for, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

func permanent(format string, args ...any) error {
	return &Error{Permanent: true, Err: fmt.Errorf(format, args...)}
}

func temporary(format string, args ...any) error {
	return &Error{Err: fmt.Errorf(format, args...)}
}
