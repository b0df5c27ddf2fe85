package service

import (
	"strings"
	"testing"
	"time"

	"github.com/ferry-social/ferry"
)

// FuzzOpenState: the OAuth callback's state parameter, as a platform (or
// anyone) sends it back. Nothing panics; a state is accepted only when it
// is exactly the one Ferry signed — the same bytes signState writes for
// what it carries — for this platform, unexpired; every refusal is an
// invalid-input error with words.
func FuzzOpenState(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_790_000_000, 0)
	good := signState(key, statePayload{Workspace: "wsp_1", User: "usr_1", Platform: ferry.Weibo, Nonce: "n0nce", Expires: now.Unix() + 600})
	f.Add(good)
	f.Add(signState(key, statePayload{Workspace: "wsp_1", User: "usr_1", Platform: ferry.Facebook, Nonce: "n", Expires: now.Unix() + 600}))
	f.Add(signState(key, statePayload{Workspace: "wsp_1", User: "usr_1", Platform: ferry.Weibo, Nonce: "n", Expires: now.Unix() - 1}))
	f.Add(signState([]byte("another key"), statePayload{Workspace: "w", User: "u", Platform: ferry.Weibo, Nonce: "n", Expires: now.Unix() + 600}))
	// The same signature with its last character's unused low bits set: it
	// decodes to the same bytes unless base64 is read strictly.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, good[len(good)-1])
	loose := good[:len(good)-1] + string(alphabet[last|3])
	for _, s := range []string{"", "v1.", "v1..", "v1.e30.", "v1.%%%.AAAA", good + "=", good[:len(good)-1], loose} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, state string) {
		p, err := openState(key, state, ferry.Weibo, now)
		if err != nil {
			if ferry.ErrorCode(err) != ferry.EINVALID || ferry.ErrorMessage(err) == "" {
				t.Fatalf("%q: %v", state, err)
			}
			return
		}
		if p.Platform != ferry.Weibo || !now.Before(time.Unix(p.Expires, 0)) || p.Nonce == "" {
			t.Fatalf("%q accepted as %+v", state, p)
		}
		if again := signState(key, p); again != state {
			t.Fatalf("%q accepted, but Ferry signs what it carries as %q", state, again)
		}
	})
}
