package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
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
