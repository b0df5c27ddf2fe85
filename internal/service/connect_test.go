package service

import (
	"bytes"
	"strings"
	"testing"
	"time"

	must "github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func TestOAuthState_OpensOnlyUnchangedUnexpiredAndForItsPlatform(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Unix(1_800_000_000, 0)
	want := statePayload{Workspace: "ws_1", User: "usr_1", Platform: ferry.Weibo, Nonce: "n0nce", Expires: now.Add(10 * time.Minute).Unix()}
	state := signState(key, want)
	must.True(t, strings.HasPrefix(state, "v1."))

	got, err := openState(key, state, ferry.Weibo, now)
	must.NoError(t, err)
	must.Equal(t, want, got)

	_, err = openState(key, state, ferry.Weibo, now.Add(10*time.Minute))
	must.Equal(t, errExpiredState, err, "expired at its expiry")
	_, err = openState(key, state, ferry.Facebook, now)
	must.ErrorContains(t, err, "made for Weibo, not Facebook")
	_, err = openState(bytes.Repeat([]byte{8}, 32), state, ferry.Weibo, now)
	must.Equal(t, errBadState, err, "another key")

	// A state signed for another workspace or user does not verify with
	// this one's signature.
	other := want
	other.Workspace = "ws_2"
	forged := signState(key, other)
	payload := strings.Split(forged, ".")[1]
	sig := strings.Split(state, ".")[2]
	_, err = openState(key, "v1."+payload+"."+sig, ferry.Weibo, now)
	must.Equal(t, errBadState, err)

	for _, bad := range []string{"", "v1.", "v1..", "v2" + state[2:], state + "x", "v1.e30." + sig, strings.Repeat("a", maxStateLen+1)} {
		_, err = openState(key, bad, ferry.Weibo, now)
		must.Equal(t, errBadState, err, "%q", bad)
	}
}
