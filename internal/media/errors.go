package media

import "errors"

// Error codes carried by *Error. They are stable strings meant for API
// responses and for mapping to HTTP status codes in one place.
const (
	// CodeUnsupportedMediaType means the bytes are not a complete JPEG, PNG,
	// GIF or WebP image (including truncated, corrupt and zero-sized ones).
	CodeUnsupportedMediaType = "unsupported_media_type"
	// CodeImageTooLarge means the image has more pixels than allowed.
	CodeImageTooLarge = "image_too_large"
	// CodeMediaTooLarge means the bytes exceed a size limit, either on input
	// or after re-encoding at the lowest acceptable quality.
	CodeMediaTooLarge = "media_too_large"
	// CodeUnfittable means the image cannot be cropped and scaled to satisfy
	// a Spec, for example because it is too small to hold the target ratio.
	CodeUnfittable = "media_unfittable"
	// CodeInvalidSpec means a Spec contradicts itself.
	CodeInvalidSpec = "invalid_spec"
	// CodeMediaCount means a post carries more or fewer images than a
	// platform accepts.
	CodeMediaCount = "media_count_out_of_range"
)

// Sentinel errors, one per code, for use with errors.Is. Every *Error with
// the same Code matches its sentinel, whatever its message.
var (
	ErrUnsupportedMediaType = &Error{Code: CodeUnsupportedMediaType, Message: "unsupported media type"}
	ErrImageTooLarge        = &Error{Code: CodeImageTooLarge, Message: "image has too many pixels"}
	ErrMediaTooLarge        = &Error{Code: CodeMediaTooLarge, Message: "media is too large"}
	ErrUnfittable           = &Error{Code: CodeUnfittable, Message: "image cannot be fitted"}
	ErrInvalidSpec          = &Error{Code: CodeInvalidSpec, Message: "invalid spec"}
	ErrMediaCount           = &Error{Code: CodeMediaCount, Message: "image count out of range"}
)

// Error is a media failure with a machine-readable Code and a human-readable
// Message. Err, when set, is the underlying cause (a decoder error, say).
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return "media: " + e.Message + ": " + e.Err.Error()
	}
	return "media: " + e.Message
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ErrImageTooLarge) works for any message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCode returns the Code of the first *Error in err's chain, or "" when
// there is none (an I/O error from the caller's reader, for instance).
func ErrorCode(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return ""
}

func newError(code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Err: cause}
}
