package cli_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/secret"
	"github.com/ferry-social/ferry/internal/store"
)

// TestSecretsRotate_MovesCredentialsToTheNewKeyAndSaysWhatItDid runs the
// operator's procedure: credentials sealed under the old key; `ferry
// secrets rotate` with the new key current and the old one previous; then
// the new key alone opens them, and a second run has nothing to do.
func TestSecretsRotate_MovesCredentialsToTheNewKeyAndSaysWhatItDid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, newKey := bytes.Repeat([]byte{3}, secret.KeySize), bytes.Repeat([]byte{4}, secret.KeySize)
	env := map[string]string{"FERRY_DATA": dir, "FERRY_SECRET_KEY": hex.EncodeToString(oldKey)}
	r := run(nil, env, "migrate")
	require.Equal(t, 0, r.code, r.stderr)

	open := func(keys ...[]byte) *store.DB {
		db, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "ferry.db")})
		require.NoError(t, err)
		ring, err := secret.NewKeyring(keys[0], keys[1:]...)
		require.NoError(t, err)
		db.SetSealer(ring)
		return db
	}
	db := open(oldKey)
	ws := &ferry.Workspace{Name: "W"}
	require.NoError(t, db.Write().CreateWorkspace(ctx, ws))
	a := &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Telegram, ExternalID: "@x", Name: "X", Credentials: map[string]string{"bot_token": "1:secret"}}
	require.NoError(t, db.Write().CreateAccount(ctx, a))
	require.NoError(t, db.Close())

	rotating := map[string]string{"FERRY_DATA": dir, "FERRY_SECRET_KEY": hex.EncodeToString(newKey), "FERRY_SECRET_KEY_PREVIOUS": hex.EncodeToString(oldKey)}
	r = run(nil, rotating, "secrets", "rotate", "--batch", "10")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "accounts.credentials: 1 re-encrypted, 0 already under the current key, 0 unreadable")
	require.Contains(t, r.stdout, "Remove the previous key")
	r = run(nil, rotating, "secrets", "rotate")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "accounts.credentials: 0 re-encrypted, 1 already under the current key", "resumable: nothing left")

	db = open(newKey)
	defer db.Close()
	got, err := db.Read().Account(ctx, ws.ID, a.ID)
	require.NoError(t, err, "the new key alone opens it")
	require.Equal(t, "1:secret", got.Credentials["bot_token"])

	// The old key alone no longer does.
	r = run(nil, env, "secrets", "rotate")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stdout, "1 unreadable")
}

// TestTokenCreate_ScopeAndExpiry: `ferry token create` makes a scoped,
// expiring token, admin by default, and refuses an unknown scope.
func TestTokenCreate_ScopeAndExpiry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"FERRY_DATA": dir}
	require.Equal(t, 0, run(nil, env, "migrate").code)
	r := run(nil, env, "user", "create", "--email", "a@ferry.example", "--password", "long-enough-password")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(nil, env, "token", "create", "--email", "a@ferry.example", "--scope", "read", "--expires", "90d")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(nil, env, "token", "create", "--email", "a@ferry.example")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(nil, env, "token", "create", "--email", "a@ferry.example", "--scope", "root")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `scope "root" is not one of read, write, admin`)
	r = run(nil, env, "token", "create", "--email", "a@ferry.example", "--expires", "soon")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "not a lifetime")

	db, err := store.Open(context.Background(), store.Options{Path: filepath.Join(dir, "ferry.db")})
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.WritePool().Query(`SELECT scope, expires_at IS NOT NULL FROM api_tokens ORDER BY created_at, id`)
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var scope string
		var expires bool
		require.NoError(t, rows.Scan(&scope, &expires))
		got = append(got, scope+map[bool]string{true: "+expiry", false: ""}[expires])
	}
	require.Equal(t, []string{"read+expiry", "admin"}, got)
}
