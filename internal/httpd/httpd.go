// Package httpd holds what Ferry's HTTP doors share: the REST API, the web
// UI and the handoff pages. It maps error codes to HTTP status (the only
// such mapping), wraps every request with an id, a log line, panic recovery
// and security headers, and renders HTML templates one way.
package httpd

import (
	"net"
	"net/http"

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
	case ferry.ESCHEMA, ferry.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ClientAddr is the address a request came from, without the port. Behind
// a proxy it is the proxy's: Ferry does not trust X-Forwarded-For, which
// any client can send.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
