package auth_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/auth"
)

func TestPassword_HashAndCheck(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse battery")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$"), h)
	require.NoError(t, auth.CheckPassword(h, "correct horse battery"))
	require.ErrorIs(t, auth.CheckPassword(h, "correct horse batterY"), auth.ErrMismatch)
	h2, _ := auth.HashPassword("correct horse battery")
	require.NotEqual(t, h, h2, "salted")
	_, err = auth.HashPassword("short")
	require.Error(t, err)
	require.Error(t, auth.CheckPassword("$2a$10$bcrypt", "x"))
}

// A hash carries its cost: one made at another cost is still checked.
// (Not parallel: the cost is the process's.)
func TestPassword_HashesOfAnotherCostAreChecked(t *testing.T) {
	auth.UseCost(auth.TestCost)
	cheap, err := auth.HashPassword("correct horse battery")
	auth.UseCost(auth.DefaultCost)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(cheap, "$argon2id$v=19$m=64,t=1,p=1$"), cheap)
	require.NoError(t, auth.CheckPassword(cheap, "correct horse battery"))
	require.ErrorIs(t, auth.CheckPassword(cheap, "correct horse batterY"), auth.ErrMismatch)
}

func TestToken_IsRandomAndStoredHashed(t *testing.T) {
	t.Parallel()
	tok, hash, err := auth.NewToken()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(tok, auth.TokenPrefix))
	require.Equal(t, hash, auth.HashToken(tok))
	require.NotContains(t, string(hash), tok)
	tok2, _, _ := auth.NewToken()
	require.NotEqual(t, tok, tok2)
}

func TestPasswordProblem(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"":                      "required",
		"elevenchars":           "too_short",
		"密碼密碼密碼密碼密碼密":           "too_short", // 11 characters, 33 bytes
		"密碼密碼密碼密碼密碼密碼":          "",
		"qwerty123456":          "common",
		"QWERTY123456":          "common", // compared without regard to case
		"1Qaz2Wsx3Edc":          "common",
		"correct horse battery": "",
		"twelve chars":          "",
	} {
		require.Equal(t, want, auth.PasswordProblem(pw), "%q", pw)
	}
	_, err := auth.HashPassword("Qwerty123456")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "Qwerty123456", "never echoed")
	require.NotContains(t, strings.ToLower(err.Error()), "qwerty123456")
}
