// Package cli implements the ferry command: serve, worker, migrate, user,
// token, secrets, audit, backup, restore, media, bench and version.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/service"
)

// Version is set at build time with -ldflags "-X .../cli.Version=…".
var Version = "dev"

const usage = `ferry carries one story to every platform.

Usage:
  ferry serve   [flags]   run the web UI, REST API and workers
  ferry worker  [flags]   run workers only (several may share one PostgreSQL)
  ferry migrate [flags]   bring the database schema up to date
  ferry user create --email E --password P [--workspace W] [--role R]
  ferry token create --email E [--workspace W] [--name N] [--scope read|write|admin] [--expires 90d]
  ferry secrets rotate [--batch N]   re-encrypt every stored credential under the current key
  ferry audit verify [--workspace ID]   check the audit log's hash chains
  ferry backup  [--out FILE] [--include-key]   back up the database and media (while serve runs)
  ferry restore [--force] FILE                 restore a backup into an empty data directory or database
  ferry media migrate --to URL                 copy media to another store (S3-compatible or a directory)
  ferry bench delivery [flags]   measure delivery lateness, throughput and memory
  ferry version

Run 'ferry <command> --help' for a command's flags.
`

type env struct {
	ctx    context.Context // cancelled by the first signal
	force  context.Context // cancelled by the second
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// Run runs the command line args and returns the process exit code. The
// first value received on signals stops the command: serve and worker let
// the publications in flight finish first. The second forces the stop.
func Run(signals <-chan os.Signal, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	force, forceStop := context.WithCancel(context.Background())
	defer forceStop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for _, cancel := range []context.CancelFunc{stop, forceStop} {
			select {
			case <-signals:
				cancel()
			case <-done:
				return
			}
		}
	}()
	e := &env{ctx: ctx, force: force, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = e.serve(rest)
	case "worker":
		err = e.worker(rest)
	case "migrate":
		err = e.migrate(rest)
	case "user":
		err = e.user(rest)
	case "token":
		err = e.token(rest)
	case "backup":
		err = e.backup(rest)
	case "restore":
		err = e.restore(rest)
	case "media":
		err = e.media(rest)
	case "secrets":
		err = e.secrets(rest)
	case "bench":
		err = e.bench(rest)
	case "audit":
		err = e.audit(rest)
	case "version":
		fmt.Fprintln(stdout, "ferry", version())
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "ferry: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "ferry:", describe(err))
	return 1
}

var errUsage = errors.New("usage")

func describe(err error) string {
	var fe *ferry.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

// flagSet returns a flag set that prints its usage, with the environment
// variables, to stdout on --help.
func (e *env) flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "Usage: ferry %s\n\n", synopsis)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// storeFlags are the flags every command that opens the database takes.
func (e *env) storeFlags(fs *flag.FlagSet, cfg *config.Config) {
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory: SQLite database, media, key file (env FERRY_DATA)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "postgres:// URL; empty means SQLite in the data directory (env FERRY_DATABASE_URL)")
}

// processHelp ends serve's and worker's --help with the settings that
// have no flag.
func (e *env) processHelp(fs *flag.FlagSet) {
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(e.stdout, `
Media: FERRY_MEDIA_URL=s3://bucket/prefix?endpoint=host:port&region=… stores media in an
S3-compatible store (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); unset: <data>/media.
Scheduled backups: FERRY_BACKUP_DIR (unset: none), FERRY_BACKUP_EVERY (default 24h),
FERRY_BACKUP_KEEP (default 7). Every variable is in the README.
`)
	}
}

// config returns the defaults overridden by the environment; flags are
// registered with these values as defaults, so flags override both.
func (e *env) config() (config.Config, error) {
	cfg := config.Defaults()
	return cfg, cfg.ApplyEnv(e.getenv)
}

// parse parses the flags.
func (e *env) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "ferry: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}

func (e *env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (e *env) serve(args []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	fs := e.flagSet("serve", "serve [--addr 127.0.0.1:8080] [--data DIR] [--database-url URL] [--demo] [--sandbox] [--sandbox-public] [--migrate]")
	e.storeFlags(fs, &cfg)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env FERRY_ADDR)")
	fs.BoolVar(&cfg.Demo, "demo", false, "seed demo data wired to the built-in sandbox (implies --sandbox)")
	fs.BoolVar(&cfg.Sandbox, "sandbox", false, "mount emulated platform APIs under /sandbox and point unset platform URLs at them (loopback addresses only)")
	fs.BoolVar(&cfg.SandboxPublic, "sandbox-public", false, "let --sandbox/--demo listen on a non-loopback address; /sandbox/api then needs the token printed at start")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "migrate an older database schema instead of refusing to start")
	e.processHelp(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	cfg.DemoHistory = cfg.Demo // the demo comes with a year of history
	log := e.logger()
	m := app.New(cfg, log)
	m.Version = version()
	defer closeMain(m)
	if err := m.Open(e.ctx, cfg.Migrate); err != nil {
		return err
	}
	if err := m.Listen(); err != nil {
		return err
	}
	if err := m.Build(); err != nil {
		return err
	}
	return e.run(m, func() { e.banner(m) })
}

// run runs m until the first signal, calling ready once it serves; the
// second signal forces the stop.
func (e *env) run(m *app.Main, ready func()) error {
	defer context.AfterFunc(e.force, m.Force)()
	errc := make(chan error, 1)
	go func() { errc <- m.Run(e.ctx) }()
	select {
	case <-m.Ready():
		ready()
	case err := <-errc:
		return err
	}
	return <-errc
}

func (e *env) banner(m *app.Main) {
	w := e.stdout
	fmt.Fprintf(w, "Ferry %s is running at %s (%s)\n", version(), m.URL(), m.Config.Backend())
	fmt.Fprintf(w, "Web UI:     %s/\n", m.URL())
	if m.Sandbox != nil {
		fmt.Fprintf(w, "Sandbox platforms: %s/sandbox/  (posts: %s/sandbox/api/posts)\n", m.URL(), m.URL())
		if m.SandboxToken != "" {
			fmt.Fprintf(w, "Sandbox API token (it listens beyond loopback): curl -H \"Authorization: Bearer %s\" %s/sandbox/api/posts\n", m.SandboxToken, m.URL())
		}
	}
	if m.Config.Demo {
		data := ""
		if m.Config.DatabaseURL == "" {
			data = " --data " + m.Config.DataDir
		}
		fmt.Fprintf(w, "Demo login: %s / %s (owner of workspace %q): sign in at %s/login\n", app.DemoEmail, app.DemoPassword, app.DemoWorkspace, m.URL())
		fmt.Fprintf(w, "API token:  go run ./cmd/ferry token create%s --email %s\n", data, app.DemoEmail)
		fmt.Fprintf(w, "Then:       curl -H \"Authorization: Bearer <token>\" %s/api/v1/accounts\n", m.URL())
	}
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}

func closeMain(m *app.Main) {
	if err := m.Close(); err != nil {
		m.Log.Error("shutdown", "error", err)
	}
}

func (e *env) worker(args []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	fs := e.flagSet("worker", "worker [--data DIR] [--database-url URL]")
	e.storeFlags(fs, &cfg)
	e.processHelp(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	log := e.logger()
	m := app.New(cfg, log)
	m.Version = version()
	defer closeMain(m)
	if err := m.Open(e.ctx, false); err != nil {
		return err
	}
	if err := m.Build(); err != nil {
		return err
	}
	return e.run(m, func() { log.Info("worker running", "backend", cfg.Backend()) })
}

func (e *env) migrate(args []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	fs := e.flagSet("migrate", "migrate [--data DIR] [--database-url URL]")
	e.storeFlags(fs, &cfg)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	m := app.New(cfg, e.logger())
	defer closeMain(m)
	if err := m.Open(e.ctx, true); err != nil {
		return err
	}
	st, err := m.DB.Status(e.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Schema is at version %d (%s).\n", st.Current, cfg.Backend())
	return nil
}

// secrets rotate re-encrypts every sealed value under the current key
// (FERRY_SECRET_KEY, or the key file's first line) while the previous keys
// (FERRY_SECRET_KEY_PREVIOUS, or the key file's later lines) still open
// them. SECURITY.md gives the whole procedure.
func (e *env) secrets(args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(e.stderr, "Usage: ferry secrets rotate [--batch N]")
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	batch := 100
	fs := e.flagSet("secrets rotate", "secrets rotate [--batch N]   (safe to interrupt and run again; see SECURITY.md)")
	e.storeFlags(fs, &cfg)
	fs.IntVar(&batch, "batch", batch, "rows re-encrypted per transaction")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	m := app.New(cfg, e.logger())
	defer closeMain(m)
	if err := m.Open(e.ctx, false); err != nil {
		return err
	}
	counts, err := app.RotateSecrets(e.ctx, m.DB, batch)
	for _, c := range counts {
		fmt.Fprintf(e.stdout, "%s.%s: %d re-encrypted, %d already under the current key, %d unreadable\n", c.Table, c.Column, c.Rotated, c.Current, c.Unreadable)
		if len(c.Failed) > 0 {
			fmt.Fprintf(e.stdout, "  unreadable with every key given: %s\n", strings.Join(c.Failed, ", "))
		}
	}
	if err != nil {
		return fmt.Errorf("rotation stopped (run it again to resume): %w", err)
	}
	for _, c := range counts {
		if c.Unreadable > 0 {
			return errors.New("some values open with none of the keys: keep the previous key until they are fixed (reconnect the account, or set the webhook secret again)")
		}
	}
	fmt.Fprintln(e.stdout, "Done: everything is under the current key. Remove the previous key from FERRY_SECRET_KEY_PREVIOUS (or the key file) on every process, and restart them.")
	return nil
}

func (e *env) user(args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "Usage: ferry user create --email E --password P [--workspace W] [--role R]")
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var email, password, workspace, role string
	fs := e.flagSet("user create", "user create --email E --password P [--workspace W] [--role R]")
	e.storeFlags(fs, &cfg)
	fs.StringVar(&email, "email", "", "the user's email (required)")
	fs.StringVar(&password, "password", "", "the user's password: at least 12 characters, not one of the most common (required)")
	fs.StringVar(&workspace, "workspace", app.DefaultWorkspace, "workspace to join; created if it does not exist")
	fs.StringVar(&role, "role", string(ferry.RoleOwner), "role: owner, admin, editor, reviewer or viewer")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	if email == "" || password == "" {
		fmt.Fprintln(e.stderr, "ferry: --email and --password are required")
		return errUsage
	}
	m := app.New(cfg, e.logger())
	defer closeMain(m)
	if err := m.Open(e.ctx, false); err != nil {
		return err
	}
	u, ws, err := app.CreateUser(e.ctx, m.DB, email, password, workspace, ferry.Role(strings.ToLower(role)))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created %s (%s) as %s of workspace %q.\n", u.Email, u.ID, role, ws.Name)
	return nil
}

func (e *env) token(args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "Usage: ferry token create --email E [--workspace W] [--name N] [--scope read|write|admin] [--expires 90d]")
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var email, workspace, name, scope, expires string
	fs := e.flagSet("token create", "token create --email E [--workspace W] [--name N] [--scope S] [--expires D]   (prints only the token)")
	e.storeFlags(fs, &cfg)
	fs.StringVar(&email, "email", "", "the user the token acts as (required)")
	fs.StringVar(&workspace, "workspace", "", "workspace the token acts in; default: the user's first")
	fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
	fs.StringVar(&scope, "scope", "admin", "what the token may do: read (GET only), write (an editor's changes) or admin (everything the user's role allows, as tokens did before scopes)")
	fs.StringVar(&expires, "expires", "", "how long the token lasts, e.g. 90d or 12h; default: until revoked")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	if email == "" {
		fmt.Fprintln(e.stderr, "ferry: --email is required")
		return errUsage
	}
	m := app.New(cfg, slog.New(slog.DiscardHandler))
	defer closeMain(m)
	if err := m.Open(e.ctx, false); err != nil {
		return err
	}
	tok, err := app.CreateToken(e.ctx, m.DB, email, workspace, service.TokenInput{Name: name, Scope: ferry.TokenScope(scope), Expires: expires})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	return nil
}
