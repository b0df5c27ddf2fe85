package backup

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/config"
)

func TestPGCommand_PasswordInTheEnvironmentAndSettingsInOptions(t *testing.T) {
	conn, env, schema, err := pgCommand("postgres://ferry:s3cret@db:5432/ferry?sslmode=require&search_path=t_1&pool_max_conns=4")
	require.NoError(t, err)
	require.NotContains(t, conn, "s3cret", "the password never shows in the process list")
	require.True(t, slices.Contains(env, "PGPASSWORD=s3cret"))
	require.Equal(t, "t_1", schema)
	u, err := url.Parse(conn)
	require.NoError(t, err)
	q := u.Query()
	require.Equal(t, "require", q.Get("sslmode"))
	require.Empty(t, q.Get("search_path"), "libpq does not know it")
	require.Contains(t, q.Get("options"), "-c search_path=t_1")
	require.NotContains(t, u.RawQuery, "+", "libpq reads %20, not +, as a space")
}

func TestBackup_PostgresWithoutPGDumpNamesThePackage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cfg := config.Defaults()
	cfg.DatabaseURL = "postgres://postgres@127.0.0.1:1/none"
	_, err := Create(context.Background(), Source{Config: cfg}, nil)
	require.ErrorContains(t, err, "pg_dump is not on PATH")
	require.ErrorContains(t, err, "postgresql-client")
}

func TestBackup_NoDatabase(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	_, err := Create(context.Background(), Source{Config: cfg}, nil)
	require.ErrorContains(t, err, "there is no Ferry database at")
}

func TestPGError_VersionMismatchSaysWhatToInstall(t *testing.T) {
	err := pgError("pg_dump", "/bin/true", "17.2", errors.New("exit status 1"),
		"pg_dump: error: aborting because of server version mismatch\npg_dump: detail: server version: 17.2; pg_dump version: 15.20")
	require.ErrorContains(t, err, "cannot work with this server (PostgreSQL 17.2)")
	require.ErrorContains(t, err, "postgresql-client-<major>")
}
