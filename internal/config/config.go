// Package config holds Ferry's configuration: one typed struct, filled from
// flags and environment variables (flags win), validated once, and passed
// explicitly to whatever needs it.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/netguard"
)

// Config is everything Ferry reads at start-up.
type Config struct {
	// DataDir holds the SQLite database, media files and the key file.
	DataDir string
	// DatabaseURL selects PostgreSQL when it is a postgres:// URL.
	DatabaseURL string
	// Addr is where `serve` listens.
	Addr string
	// PublicURL is Ferry's address as the outside world reaches it (OAuth
	// redirects; media URLs that Instagram fetches).
	PublicURL string
	// SecretKey encrypts credentials; empty means the key file in DataDir.
	SecretKey string `redact:"true"`
	// SecretKeyPrevious are keys that still decrypt while `ferry secrets
	// rotate` moves everything to SecretKey (comma-separated); new values
	// are always sealed with the current key.
	SecretKeyPrevious string `redact:"true"`
	// Demo seeds demo data and wires demo accounts to the sandbox.
	Demo bool
	// DemoHistory, with Demo, also seeds a year of readings and past posts
	// (app.seedDemoHistory); `serve --demo` sets it, tests ask for it.
	DemoHistory bool
	// Sandbox mounts the emulated platforms under /sandbox.
	Sandbox bool
	// SandboxPublic lets Sandbox and Demo listen on an address other than
	// loopback; the sandbox's /sandbox/api then needs a token.
	SandboxPublic bool
	// Migrate lets `serve` migrate an older schema instead of refusing.
	Migrate bool
	// MaxUploadBytes bounds media uploads.
	MaxUploadBytes int64
	// Platform API base URLs.
	TelegramAPIURL string
	WeiboAPIURL    string
	GraphAPIURL    string
	// Weibo app credentials (OAuth) and the IP address sent as rip with
	// every post, as Weibo requires.
	WeiboClientID     string
	WeiboClientSecret string `redact:"true"`
	WeiboRIP          string
	// Facebook app credentials (Facebook Login) and the pinned Graph API
	// version.
	FacebookAppID     string
	FacebookAppSecret string `redact:"true"`
	GraphAPIVersion   string
	// Jobs tuning (see docs/architecture.md, "Jobs").
	PollInterval   time.Duration
	RescueAfter    time.Duration
	GiveUpAfter    time.Duration
	ReauthDeadline time.Duration
	MaxWorkers     int
	AttemptTimeout time.Duration
	// Notifications (Xiaohongshu handoffs): an SMTP server for email
	// (empty: no email), the sender, and a Telegram bot that messages
	// operators.
	SMTPURL                string `redact:"true"`
	MailFrom               string
	NotifyTelegramBotToken string `redact:"true"`
	// HandoffLead and HandoffDeadline are the defaults of Xiaohongshu
	// accounts' lead_time and deadline_after settings.
	HandoffLead     time.Duration
	HandoffDeadline time.Duration
	// OutboundAllow lists addresses and CIDR ranges that requests to
	// people's URLs (webhooks) may reach although netguard refuses them
	// otherwise (loopback, private, link-local…); for tests and closed
	// networks.
	OutboundAllow string
	// TrustedProxies lists the addresses and CIDR ranges of reverse
	// proxies whose X-Forwarded-For names the client (sign-in throttling);
	// empty: the connection's address is the client's.
	TrustedProxies string
	// Scheduled backups: when BackupDir is set, a River periodic job
	// writes a backup there every BackupEvery and keeps the newest
	// BackupKeep (see internal/backup).
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int
	// MediaURL, when set, is where media are stored instead of
	// <data>/media: s3://bucket/prefix?endpoint=…&region=… (blob.OpenURL).
	MediaURL string
}

// Defaults returns the configuration before flags and environment.
func Defaults() Config {
	return Config{
		DataDir:         "./ferry-data",
		Addr:            "127.0.0.1:8080",
		MaxUploadBytes:  20 << 20,
		TelegramAPIURL:  "https://api.telegram.org",
		WeiboAPIURL:     "https://api.weibo.com",
		GraphAPIURL:     "https://graph.facebook.com",
		GraphAPIVersion: "v23.0",
		PollInterval:    50 * time.Millisecond,
		RescueAfter:     5 * time.Minute,
		GiveUpAfter:     24 * time.Hour,
		ReauthDeadline:  24 * time.Hour,
		MaxWorkers:      200,
		AttemptTimeout:  90 * time.Second,
		HandoffDeadline: 2 * time.Hour,
		BackupEvery:     24 * time.Hour,
		BackupKeep:      7,
	}
}

// Env lists the environment variables Config reads, with the field each
// fills, for --help texts and docs.
var Env = []struct{ Name, Help string }{
	{"FERRY_DATA", "data directory (SQLite database, media, key file)"},
	{"FERRY_DATABASE_URL", "postgres:// URL; unset means SQLite in the data directory"},
	{"FERRY_ADDR", "listen address of serve"},
	{"FERRY_PUBLIC_URL", "public base URL (OAuth redirects, media for Instagram)"},
	{"FERRY_SECRET_KEY", "32-byte key (hex or base64) encrypting credentials; default: <data>/secret.key"},
	{"FERRY_SECRET_KEY_PREVIOUS", "during a key rotation: the old key(s), comma-separated, which still decrypt (see `ferry secrets rotate`)"},
	{"FERRY_MAX_UPLOAD_BYTES", "largest media upload in bytes (default 20 MB)"},
	{"FERRY_TELEGRAM_API_URL", "Telegram Bot API base URL"},
	{"FERRY_WEIBO_API_URL", "Weibo API base URL"},
	{"FERRY_GRAPH_API_URL", "Facebook Graph API base URL"},
	{"FERRY_WEIBO_CLIENT_ID", "Weibo app key (OAuth)"},
	{"FERRY_WEIBO_CLIENT_SECRET", "Weibo app secret (OAuth)"},
	{"FERRY_WEIBO_RIP", "public IP address sent to Weibo as rip with every post"},
	{"FERRY_FACEBOOK_APP_ID", "Facebook app id (Facebook Login)"},
	{"FERRY_FACEBOOK_APP_SECRET", "Facebook app secret (Facebook Login, appsecret_proof)"},
	{"FERRY_GRAPH_API_VERSION", "pinned Graph API version (default v23.0)"},
	{"FERRY_ATTEMPT_TIMEOUT", "longest a single platform call may take (default 90s)"},
	{"FERRY_POLL_INTERVAL", "how often workers look for due jobs (default 50ms)"},
	{"FERRY_RESCUE_AFTER", "last resort: how long a job may run before River takes it over (default 5m); a dead worker's jobs are normally taken back within seconds"},
	{"FERRY_GIVE_UP_AFTER", "how long a publication keeps retrying before it fails (default 24h)"},
	{"FERRY_REAUTH_DEADLINE", "how long a publication waits for its account to be reconnected before it is missed (default 24h)"},
	{"FERRY_SMTP_URL", "SMTP server for email notifications and invitations, smtp://user:pass@host:587 or smtps://…:465; unset: no email (invitation links are shown to the admin)"},
	{"FERRY_MAIL_FROM", "sender of email notifications, e.g. \"Ferry <ferry@example.org>\""},
	{"FERRY_NOTIFY_TELEGRAM_BOT_TOKEN", "token of the Telegram bot that messages Xiaohongshu operators; unset: no Telegram notifications"},
	{"FERRY_HANDOFF_LEAD", "how long before its time a Xiaohongshu post is handed to its operators (default 0)"},
	{"FERRY_OUTBOUND_ALLOW", "addresses or CIDR ranges, comma-separated, that webhooks may reach although they are loopback, private or link-local (default: none)"},
	{"FERRY_TRUSTED_PROXIES", "addresses or CIDR ranges, comma-separated, of reverse proxies whose X-Forwarded-For is believed (default: none; the connection's address is the client's)"},
	{"FERRY_HANDOFF_DEADLINE", "how long after its time a Xiaohongshu handoff may be confirmed before it is missed (default 2h)"},
	{"FERRY_MEDIA_URL", "where media are stored: s3://bucket/prefix?endpoint=host:port&region=… (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); unset: <data>/media"},
	{"FERRY_BACKUP_DIR", "directory for scheduled backups; unset: no scheduled backups"},
	{"FERRY_BACKUP_EVERY", "how often a scheduled backup is made (default 24h)"},
	{"FERRY_BACKUP_KEEP", "how many scheduled backups are kept, newest first (default 7)"},
}

// ApplyEnv fills fields from environment variables that are set. getenv
// is os.Getenv outside tests.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("FERRY_DATA", &c.DataDir)
	str("FERRY_DATABASE_URL", &c.DatabaseURL)
	str("FERRY_ADDR", &c.Addr)
	str("FERRY_PUBLIC_URL", &c.PublicURL)
	str("FERRY_SECRET_KEY", &c.SecretKey)
	str("FERRY_SECRET_KEY_PREVIOUS", &c.SecretKeyPrevious)
	str("FERRY_TELEGRAM_API_URL", &c.TelegramAPIURL)
	str("FERRY_WEIBO_API_URL", &c.WeiboAPIURL)
	str("FERRY_GRAPH_API_URL", &c.GraphAPIURL)
	str("FERRY_WEIBO_CLIENT_ID", &c.WeiboClientID)
	str("FERRY_WEIBO_CLIENT_SECRET", &c.WeiboClientSecret)
	str("FERRY_WEIBO_RIP", &c.WeiboRIP)
	str("FERRY_FACEBOOK_APP_ID", &c.FacebookAppID)
	str("FERRY_FACEBOOK_APP_SECRET", &c.FacebookAppSecret)
	str("FERRY_GRAPH_API_VERSION", &c.GraphAPIVersion)
	str("FERRY_SMTP_URL", &c.SMTPURL)
	str("FERRY_MAIL_FROM", &c.MailFrom)
	str("FERRY_NOTIFY_TELEGRAM_BOT_TOKEN", &c.NotifyTelegramBotToken)
	str("FERRY_OUTBOUND_ALLOW", &c.OutboundAllow)
	str("FERRY_TRUSTED_PROXIES", &c.TrustedProxies)
	str("FERRY_BACKUP_DIR", &c.BackupDir)
	str("FERRY_MEDIA_URL", &c.MediaURL)
	var errs []error
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			*dst = d
		}
	}
	dur("FERRY_POLL_INTERVAL", &c.PollInterval)
	dur("FERRY_RESCUE_AFTER", &c.RescueAfter)
	dur("FERRY_GIVE_UP_AFTER", &c.GiveUpAfter)
	dur("FERRY_ATTEMPT_TIMEOUT", &c.AttemptTimeout)
	dur("FERRY_REAUTH_DEADLINE", &c.ReauthDeadline)
	dur("FERRY_HANDOFF_LEAD", &c.HandoffLead)
	dur("FERRY_HANDOFF_DEADLINE", &c.HandoffDeadline)
	dur("FERRY_BACKUP_EVERY", &c.BackupEvery)
	if v := getenv("FERRY_BACKUP_KEEP"); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil {
			errs = append(errs, fmt.Errorf("FERRY_BACKUP_KEEP: %q is not a number", v))
		} else {
			c.BackupKeep = n
		}
	}
	if v := getenv("FERRY_MAX_UPLOAD_BYTES"); v != "" {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			errs = append(errs, fmt.Errorf("FERRY_MAX_UPLOAD_BYTES: %q is not a number", v))
		} else {
			c.MaxUploadBytes = n
		}
	}
	return errors.Join(errs...)
}

// Validate checks the configuration and says what is wrong in words.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("the data directory must not be empty"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("the database URL must start with postgres://"))
	}
	for name, u := range map[string]string{"public URL": c.PublicURL, "Telegram API URL": c.TelegramAPIURL, "Weibo API URL": c.WeiboAPIURL, "Graph API URL": c.GraphAPIURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("the %s %q must be an http(s) URL", name, u))
		}
	}
	if c.MaxUploadBytes < 1024 {
		errs = append(errs, errors.New("the upload limit must be at least 1024 bytes"))
	}
	if c.PollInterval < time.Millisecond || c.PollInterval > time.Minute {
		errs = append(errs, errors.New("the poll interval must be between 1ms and 1m"))
	}
	if c.RescueAfter < 2*c.AttemptTimeout {
		errs = append(errs, fmt.Errorf("the rescue delay (%v) must be at least twice the attempt timeout (%v)", c.RescueAfter, c.AttemptTimeout))
	}
	if !graphVersion.MatchString(c.GraphAPIVersion) {
		errs = append(errs, fmt.Errorf("the Graph API version %q must look like v23.0", c.GraphAPIVersion))
	}
	if c.WeiboRIP != "" && net.ParseIP(c.WeiboRIP) == nil {
		errs = append(errs, fmt.Errorf("the Weibo rip %q must be an IP address", c.WeiboRIP))
	}
	if c.AttemptTimeout < 100*time.Millisecond {
		errs = append(errs, errors.New("the attempt timeout must be at least 100ms"))
	}
	if c.ReauthDeadline < time.Second {
		errs = append(errs, errors.New("the re-authorisation deadline must be at least a second"))
	}
	if c.GiveUpAfter < time.Minute {
		errs = append(errs, errors.New("the give-up window must be at least a minute"))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			errs = append(errs, errors.New("the SMTP URL must look like smtp://user:password@host:587 or smtps://user:password@host:465"))
		}
		if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Address == "" {
			errs = append(errs, fmt.Errorf("the mail sender %q must be an email address (FERRY_MAIL_FROM) when FERRY_SMTP_URL is set", c.MailFrom))
		}
	}
	if c.HandoffLead < 0 || c.HandoffLead > 24*time.Hour {
		errs = append(errs, errors.New("the handoff lead time must be between 0 and 24h"))
	}
	if c.HandoffDeadline < time.Second || c.HandoffDeadline > 7*24*time.Hour {
		errs = append(errs, errors.New("the handoff deadline must be between 1s and 168h"))
	}
	if _, err := netguard.ParseAllow(c.OutboundAllow); err != nil {
		errs = append(errs, fmt.Errorf("the outbound allow-list (FERRY_OUTBOUND_ALLOW): %w", err))
	}
	if _, err := netguard.ParseAllow(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("the trusted proxies (FERRY_TRUSTED_PROXIES): %w", err))
	}
	if c.MediaURL != "" && strings.Contains(c.MediaURL, "://") && !strings.HasPrefix(c.MediaURL, "file://") {
		if u, err := url.Parse(c.MediaURL); err != nil || u.Scheme != "s3" || u.Host == "" {
			errs = append(errs, fmt.Errorf("the media URL (FERRY_MEDIA_URL) must look like s3://bucket/prefix?endpoint=host:port&region=…, or be a directory"))
		}
	}
	if c.BackupDir != "" {
		if c.BackupEvery < time.Minute {
			errs = append(errs, fmt.Errorf("the backup interval (FERRY_BACKUP_EVERY, %v) must be at least 1m", c.BackupEvery))
		}
		if c.BackupKeep < 1 {
			errs = append(errs, fmt.Errorf("the number of backups kept (FERRY_BACKUP_KEEP, %d) must be at least 1", c.BackupKeep))
		}
	}
	return errors.Join(errs...)
}

var graphVersion = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]$`)

// SQLitePath is the database file in the data directory.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "ferry.db") }

// Backend names the database in use, for logs and messages; it never
// contains credentials.
func (c *Config) Backend() string {
	if c.DatabaseURL == "" {
		return "sqlite " + c.SQLitePath()
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "postgres"
	}
	return "postgres " + u.Host + u.Path
}
