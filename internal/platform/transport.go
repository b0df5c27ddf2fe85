package platform

import (
	"errors"
	"net"
)

// IsDialError reports whether err happened while connecting, before any
// byte of the request was sent: such a call certainly did not take effect.
func IsDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
