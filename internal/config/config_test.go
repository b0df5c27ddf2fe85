package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/config"
)

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	c := config.Defaults()
	require.NoError(t, c.Validate())
	require.Equal(t, "ferry-data/ferry.db", c.SQLitePath())
	require.Equal(t, "sqlite ferry-data/ferry.db", c.Backend())
}

func TestApplyEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"FERRY_DATA": "/srv/ferry", "FERRY_DATABASE_URL": "postgres://u:secret@db:5432/ferry",
		"FERRY_POLL_INTERVAL": "20ms", "FERRY_MAX_UPLOAD_BYTES": "1048576", "FERRY_WEIBO_RIP": "203.0.113.7",
	}
	c := config.Defaults()
	require.NoError(t, c.ApplyEnv(func(k string) string { return env[k] }))
	require.NoError(t, c.Validate())
	require.Equal(t, "/srv/ferry", c.DataDir)
	require.Equal(t, 20*time.Millisecond, c.PollInterval)
	require.EqualValues(t, 1<<20, c.MaxUploadBytes)
	require.Equal(t, "postgres db:5432/ferry", c.Backend(), "the password never appears")

	bad := config.Defaults()
	err := bad.ApplyEnv(func(k string) string {
		return map[string]string{"FERRY_POLL_INTERVAL": "soon", "FERRY_MAX_UPLOAD_BYTES": "big"}[k]
	})
	require.ErrorContains(t, err, "FERRY_POLL_INTERVAL")
	require.ErrorContains(t, err, "FERRY_MAX_UPLOAD_BYTES")
}

func TestValidateSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	c := config.Defaults()
	c.DatabaseURL = "mysql://x"
	c.TelegramAPIURL = "ftp://x"
	c.WeiboRIP = "not-an-ip"
	c.RescueAfter = time.Second
	err := c.Validate()
	for _, want := range []string{"postgres://", "Telegram API URL", "rip", "rescue delay"} {
		require.ErrorContains(t, err, want)
	}
}

func TestBackupConfig(t *testing.T) {
	t.Parallel()
	c := config.Defaults()
	require.NoError(t, c.ApplyEnv(func(k string) string {
		return map[string]string{"FERRY_BACKUP_DIR": "/var/backups/ferry", "FERRY_BACKUP_EVERY": "6h", "FERRY_BACKUP_KEEP": "10"}[k]
	}))
	require.NoError(t, c.Validate())
	require.Equal(t, 6*time.Hour, c.BackupEvery)
	require.Equal(t, 10, c.BackupKeep)
	c.BackupEvery, c.BackupKeep = time.Second, 0
	err := c.Validate()
	require.ErrorContains(t, err, "FERRY_BACKUP_EVERY")
	require.ErrorContains(t, err, "FERRY_BACKUP_KEEP")
	c = config.Defaults()
	c.MediaURL = "ftp://bucket"
	require.ErrorContains(t, c.Validate(), "FERRY_MEDIA_URL")
}
