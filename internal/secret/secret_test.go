package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/secret"
)

func TestBox_SealOpensOnlyWithSameKeyAndRecord(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, secret.KeySize)
	box, err := secret.New(key)
	require.NoError(t, err)
	sealed, err := box.Seal([]byte(`{"bot_token":"123:abc"}`), []byte("acc_1"))
	require.NoError(t, err)
	require.NotContains(t, string(sealed), "123:abc")

	plain, err := box.Open(sealed, []byte("acc_1"))
	require.NoError(t, err)
	require.Equal(t, `{"bot_token":"123:abc"}`, string(plain))

	_, err = box.Open(sealed, []byte("acc_2"))
	require.ErrorIs(t, err, secret.ErrCorrupt, "a sealed value cannot be moved to another record")
	other, _ := secret.New(bytes.Repeat([]byte{8}, secret.KeySize))
	_, err = other.Open(sealed, []byte("acc_1"))
	require.ErrorIs(t, err, secret.ErrCorrupt)
	sealed[len(sealed)-1] ^= 1
	_, err = box.Open(sealed, []byte("acc_1"))
	require.ErrorIs(t, err, secret.ErrCorrupt)

	again, _ := box.Seal([]byte(`{"bot_token":"123:abc"}`), []byte("acc_1"))
	require.NotEqual(t, sealed, again, "nonces are random")
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	hexKey := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	k, err := secret.ParseKey(hexKey)
	require.NoError(t, err)
	require.Len(t, k, 32)
	k2, err := secret.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	require.NoError(t, err)
	require.Equal(t, k, k2)
	for _, bad := range []string{"", "short", hexKey[:62], "zz" + hexKey[2:]} {
		_, err := secret.ParseKey(bad)
		require.Error(t, err, bad)
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret.key")
	k1, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	k2, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.Equal(t, k1, k2, "the key is kept")

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = secret.LoadOrCreateKeyFile(path)
	require.ErrorContains(t, err, "readable by other users")
}

func TestKeyring_SealsWithTheCurrentKeyAndOpensWithAny(t *testing.T) {
	t.Parallel()
	oldKey, newKey := bytes.Repeat([]byte{1}, secret.KeySize), bytes.Repeat([]byte{2}, secret.KeySize)
	old, err := secret.NewKeyring(oldKey)
	require.NoError(t, err)
	sealedOld, err := old.Seal([]byte("token"), []byte("acc_1"))
	require.NoError(t, err)

	ring, err := secret.NewKeyring(newKey, oldKey)
	require.NoError(t, err)
	plain, err := ring.Open(sealedOld, []byte("acc_1"))
	require.NoError(t, err, "the previous key still opens")
	require.Equal(t, "token", string(plain))
	require.False(t, ring.Current(sealedOld, []byte("acc_1")))
	_, err = ring.Open(sealedOld, []byte("acc_2"))
	require.ErrorIs(t, err, secret.ErrCorrupt, "bound to its record")

	sealedNew, err := ring.Seal([]byte("token"), []byte("acc_1"))
	require.NoError(t, err)
	require.True(t, ring.Current(sealedNew, []byte("acc_1")))
	newOnly, err := secret.NewKeyring(newKey)
	require.NoError(t, err)
	_, err = newOnly.Open(sealedNew, []byte("acc_1"))
	require.NoError(t, err, "new writes use the new key")
	_, err = old.Open(sealedNew, []byte("acc_1"))
	require.ErrorIs(t, err, secret.ErrCorrupt)
}

func TestLoadOrCreateKeyFile_LaterLinesArePreviousKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret.key")
	cur, prev := strings.Repeat("ab", secret.KeySize), strings.Repeat("cd", secret.KeySize)
	require.NoError(t, os.WriteFile(path, []byte(cur+"\n"+prev+"\n"), 0o600))
	keys, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.Equal(t, bytes.Repeat([]byte{0xab}, secret.KeySize), keys[0])
	require.Equal(t, bytes.Repeat([]byte{0xcd}, secret.KeySize), keys[1])
}
