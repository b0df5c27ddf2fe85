package platform

import (
	"context"
	"errors"
)

// PeerReader is implemented by connectors that can read another public
// account's counts as a connected account: Weibo's users/show, Instagram's
// business_discovery, a Facebook Page's public fields, a public Telegram
// channel through the bot.
type PeerReader interface {
	// Peer looks up a public account by the handle a person entered (or
	// by the remote id found earlier). A handle the platform does not
	// know fails with an *Error wrapping ErrNoSuchPeer whose Message is
	// the platform's own words.
	Peer(ctx context.Context, acct Account, handle string) (PeerInfo, error)
}

// PeerInfo is one reading of a peer. A count the platform does not give
// is nil.
type PeerInfo struct {
	// RemoteID is the platform's stable id of the account.
	RemoteID string
	// Handle is the account's handle as the platform spells it.
	Handle    string
	Name      string
	Followers *int64
	Posts     *int64
}

// ErrNoSuchPeer marks a handle the platform does not know (or will not
// show: a private Telegram channel, an Instagram account that is not a
// professional one).
var ErrNoSuchPeer = errors.New("no such public account")

// NoSuchPeer is the classified failure for a handle the platform does not
// know; message is the platform's words.
func NoSuchPeer(code, message string) *Error {
	return &Error{Class: Permanent, Code: code, Message: message, Err: ErrNoSuchPeer}
}
