package handoff

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// Signer makes and checks the signed links of handoff pages: an HMAC-SHA256
// over the handoff's id and the link's expiry, under a key derived from
// Ferry's secret key (FERRY_SECRET_KEY or <data>/secret.key), so every
// process of one installation makes the same links and nothing new needs
// to be kept safe. During a key rotation links are signed with the current
// key and checked against every key, so links already sent keep working
// until the previous key is removed.
type Signer struct{ keys [][]byte }

// NewSigner derives the link keys from Ferry's secret keys, current first.
func NewSigner(secretKeys ...[]byte) *Signer {
	s := &Signer{}
	for _, k := range secretKeys {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte("ferry/handoff-links/v1"))
		s.keys = append(s.keys, mac.Sum(nil))
	}
	return s
}

// Errors of Check.
var (
	ErrBadSignature = errors.New("handoff: the link is not valid")
	ErrExpired      = errors.New("handoff: the link has expired")
)

func (s *Signer) sign(id string, exp int64) string {
	return signWith(s.keys[0], id, exp)
}

func signWith(key []byte, id string, exp int64) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "\x00" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Query returns the query parameters that sign a link to handoff id until
// exp: e (the expiry, Unix seconds) and s (the signature).
func (s *Signer) Query(id string, exp time.Time) url.Values {
	e := exp.Unix()
	return url.Values{"e": {strconv.FormatInt(e, 10)}, "s": {s.sign(id, e)}}
}

// Check verifies a link's query for handoff id: ErrBadSignature when it was
// not made by this installation for this handoff (or was altered),
// ErrExpired when it was but its time is past.
func (s *Signer) Check(id string, q url.Values, now time.Time) error {
	e, err := strconv.ParseInt(q.Get("e"), 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	// Compared as written, not decoded: another spelling of the same
	// bytes (a line break, which Go's base64 decoder skips; unused low
	// bits set) is not a link this installation made.
	got := []byte(q.Get("s"))
	valid := false
	for _, k := range s.keys {
		valid = hmac.Equal(got, []byte(signWith(k, id, e))) || valid
	}
	if !valid {
		return ErrBadSignature
	}
	if !now.Before(time.Unix(e, 0)) {
		return ErrExpired
	}
	return nil
}
