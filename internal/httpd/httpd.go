// Package httpd holds what Ferry's HTTP doors share: the REST API, the web
// UI and the handoff pages. It maps error codes to HTTP status (the only
// such mapping), wraps every request with an id, a log line, panic recovery
// and security headers, and renders HTML templates one way.
package httpd

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/ferry-social/ferry"
)

// Status maps a ferry error code to its HTTP status: the only such mapping.
// Unknown codes, EINTERNAL among them, are 500.
func Status(code string) int {
	switch code {
	case ferry.EINVALID:
		return http.StatusBadRequest
	case ferry.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case ferry.EFORBIDDEN, ferry.ESCOPE:
		return http.StatusForbidden
	case ferry.ENOTFOUND:
		return http.StatusNotFound
	case ferry.ECONFLICT:
		return http.StatusConflict
	case ferry.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ferry.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case ferry.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case ferry.ETOOMANY:
		return http.StatusTooManyRequests
	case ferry.ESCHEMA, ferry.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// RetryAfter returns the whole seconds a throttled error (ETOOMANY) asks
// the client to wait, at least 1, and sets them as the Retry-After header
// of h; 0 for any other error.
func RetryAfter(h http.Header, err error) int {
	var fe *ferry.Error
	if !errors.As(err, &fe) || fe.Code != ferry.ETOOMANY {
		return 0
	}
	d, _ := fe.Details.(map[string]any)
	n, _ := d["retry_after"].(int)
	n = max(n, 1)
	h.Set("Retry-After", strconv.Itoa(n))
	return n
}
