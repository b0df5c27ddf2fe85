// Package bench measures Ferry's delivery engine end to end: real worker
// processes, a real database, and the sandbox as the platform, which
// records when each post arrives. `ferry bench delivery` runs it and
// writes docs/benchmarks.md.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/service"
)

// Options configure a delivery benchmark.
type Options struct {
	// PostgresURL adds PostgreSQL runs (each in a fresh schema); SQLite
	// always runs.
	PostgresURL string
	// Binary is the ferry executable that runs the workers.
	Binary string
	// Burst publications are due in the same second, scheduled Lead ahead.
	Burst int
	Lead  time.Duration
	// Sustained publications are due at once to measure throughput.
	Sustained int
	// Accounts spreads publications over this many sandbox channels.
	Accounts int
	// Stored publications are kept while serve's memory is measured.
	Stored int
	// Log receives progress lines.
	Log io.Writer
}

// Run is one configuration's results.
type Run struct {
	Backend  string
	Workers  int
	Lateness Percentiles // platform arrival − scheduled time, burst phase
	// Throughput is sustained publications per second, and Ceiling River's
	// no-op scheduled jobs per second on the same database and topology.
	Throughput, Ceiling float64
	CPU                 time.Duration // user+system of the worker processes over both phases
	PeakRSS             int64         // bytes, the largest worker process
	Published, Received int
}

// Memory is serve's memory with many stored publications.
type Memory struct {
	Backend       string
	Publications  int
	RSS, PeakRSS  int64
	StoriesPageMS float64
}

// Percentiles of a latency distribution.
type Percentiles struct{ P50, P95, P99, Max time.Duration }

func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ds[len(ds)-1]}
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Delivery runs every configuration.
func Delivery(ctx context.Context, o Options) ([]Run, []Memory, error) {
	type cfg struct {
		backend string
		workers int
	}
	cfgs := []cfg{{"SQLite", 1}}
	if o.PostgresURL != "" {
		cfgs = append(cfgs, cfg{"PostgreSQL", 1}, cfg{"PostgreSQL", 2})
	}
	var runs []Run
	for _, c := range cfgs {
		o.logf("== %s, %d worker process(es)", c.backend, c.workers)
		r, err := o.run(ctx, c.backend, c.workers)
		if err != nil {
			return nil, nil, fmt.Errorf("%s/%d: %w", c.backend, c.workers, err)
		}
		runs = append(runs, r)
	}
	var mems []Memory
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		if backend == "PostgreSQL" && o.PostgresURL == "" {
			continue
		}
		o.logf("== memory of serve with %d stored publications on %s", o.Stored, backend)
		m, err := o.memory(ctx, backend)
		if err != nil {
			return nil, nil, fmt.Errorf("memory %s: %w", backend, err)
		}
		mems = append(mems, m)
	}
	return runs, mems, nil
}

// env is a fresh database, data directory and sandbox.
type env struct {
	dir, dbURL string
	sb         *sandbox.Sandbox
	sbURL      string
	closeAll   func()
	main       *app.Main
	p          ferry.Principal
	accounts   []string
}

const benchKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func (o Options) newEnv(ctx context.Context, backend string) (*env, error) {
	dir, err := os.MkdirTemp("", "ferry-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir}
	cleanups := []func(){func() { os.RemoveAll(dir) }}
	e.closeAll = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	if backend == "PostgreSQL" {
		u, drop, err := freshSchema(o.PostgresURL)
		if err != nil {
			e.closeAll()
			return nil, err
		}
		e.dbURL = u
		cleanups = append(cleanups, drop)
	}
	e.sb = sandbox.New()
	srv := httptest.NewServer(e.sb)
	e.sbURL = srv.URL
	cleanups = append(cleanups, srv.Close)
	c := config.Defaults()
	c.DataDir, c.DatabaseURL, c.SecretKey = dir, e.dbURL, benchKey
	c.TelegramAPIURL = srv.URL + "/telegram"
	e.main = app.New(c, slog.New(slog.DiscardHandler))
	if err := e.main.Open(ctx, true); err != nil {
		e.closeAll()
		return nil, err
	}
	cleanups = append(cleanups, func() { _ = e.main.Close() })
	if err := e.main.Build(); err != nil {
		e.closeAll()
		return nil, err
	}
	u, ws, err := app.CreateUser(ctx, e.main.DB, "bench@ferry.example", "bench-password", "Bench", ferry.RoleOwner)
	if err != nil {
		e.closeAll()
		return nil, err
	}
	e.p = ferry.Principal{UserID: u.ID, WorkspaceID: ws.ID, Role: ferry.RoleOwner}
	for i := range o.Accounts {
		a, err := e.main.Service.CreateAccount(ctx, e.p, service.AccountInput{Platform: ferry.Telegram, ExternalID: fmt.Sprintf("@bench%04d", i),
			Credentials: map[string]string{"bot_token": fmt.Sprintf("%d:bench-token-%012d", 300000000+i, i)}})
		if err != nil {
			e.closeAll()
			return nil, err
		}
		e.accounts = append(e.accounts, a.ID)
	}
	return e, nil
}

// freshSchema creates a schema on the server and returns a URL using it.
func freshSchema(base string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		if db, err := sql.Open("pgx", base); err == nil {
			_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			db.Close()
		}
	}
	return u.String(), drop, nil
}

// schedule creates n stories due at the same instant, one target each.
func (e *env) schedule(ctx context.Context, n int, at time.Time, tag string) error {
	for i := range n {
		_, err := e.main.Service.CreateStory(ctx, e.p, service.StoryInput{Body: fmt.Sprintf("%s %d", tag, i), Targets: []string{e.accounts[i%len(e.accounts)]}, ScheduledAt: &at})
		if err != nil {
			return err
		}
	}
	return nil
}

// workers starts worker processes.
func (o Options) workers(e *env, n int) ([]*exec.Cmd, error) {
	var cmds []*exec.Cmd
	for i := range n {
		cmd := exec.Command(o.Binary, "worker")
		cmd.Env = append(os.Environ(), "FERRY_DATA="+e.dir, "FERRY_DATABASE_URL="+e.dbURL, "FERRY_SECRET_KEY="+benchKey,
			"FERRY_TELEGRAM_API_URL="+e.sbURL+"/telegram")
		logf, err := os.Create(filepath.Join(e.dir, fmt.Sprintf("worker-%d.log", i)))
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		cmds = append(cmds, cmd)
	}
	return cmds, nil
}

// stop ends worker processes and returns their CPU time and largest peak
// RSS. The peak is the process's own high-water mark (VmHWM), read before
// it ends: rusage's ru_maxrss is not, since the kernel carries into it the
// high-water mark of the memory the process had before exec, and Go starts
// a child sharing its parent's memory (vfork), so it reported this
// benchmark's own peak (about 175 MB) as the worker's.
func stop(cmds []*exec.Cmd) (time.Duration, int64) {
	var cpu time.Duration
	var peak int64
	for _, c := range cmds {
		if _, hwm, err := procMemory(c.Process.Pid); err == nil {
			peak = max(peak, hwm)
		}
		_ = c.Process.Signal(syscall.SIGTERM)
		_ = c.Wait()
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return cpu, peak
}

// waitPosts waits until the sandbox has n posts whose text starts with tag.
func waitPosts(sb *sandbox.Sandbox, tag string, n int, deadline time.Time) ([]sandbox.Post, error) {
	for {
		var got []sandbox.Post
		for _, p := range sb.Posts(ferry.Telegram, "") {
			if strings.HasPrefix(p.Text, tag+" ") {
				got = append(got, p)
			}
		}
		if len(got) >= n {
			return got, nil
		}
		if time.Now().After(deadline) {
			return got, fmt.Errorf("only %d of %d %q posts arrived", len(got), n, tag)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (o Options) run(ctx context.Context, backend string, workers int) (Run, error) {
	r := Run{Backend: backend, Workers: workers}
	e, err := o.newEnv(ctx, backend)
	if err != nil {
		return r, err
	}
	defer e.closeAll()

	// Burst: scheduled Lead ahead, all due in the same second.
	due := time.Now().Add(o.Lead).Truncate(time.Second)
	began := time.Now()
	if err := e.schedule(ctx, o.Burst, due, "burst"); err != nil {
		return r, err
	}
	perStory := time.Since(began) / time.Duration(max(o.Burst, 1))
	procs, err := o.workers(e, workers)
	if err != nil {
		return r, err
	}
	o.logf("burst of %d due at %s; waiting", o.Burst, due.Format(time.TimeOnly))
	posts, err := waitPosts(e.sb, "burst", o.Burst, due.Add(2*time.Minute))
	if err != nil {
		stop(procs)
		return r, fmt.Errorf("%w; worker log:\n%s", err, tail(filepath.Join(e.dir, "worker-0.log")))
	}
	var late []time.Duration
	for _, p := range posts {
		late = append(late, p.ReceivedAt.Sub(due))
	}
	r.Lateness = percentiles(late)

	// Sustained: many due at once; created far enough ahead.
	due2 := time.Now().Add(2*time.Duration(o.Sustained)*perStory + 10*time.Second)
	est := time.Now()
	if err := e.schedule(ctx, o.Sustained, due2, "sustained"); err != nil {
		stop(procs)
		return r, err
	}
	if time.Now().After(due2) {
		stop(procs)
		return r, fmt.Errorf("creating %d stories took %v, past their due time", o.Sustained, time.Since(est))
	}
	posts, err = waitPosts(e.sb, "sustained", o.Sustained, due2.Add(5*time.Minute))
	if err != nil {
		stop(procs)
		return r, err
	}
	// Outcomes are recorded just after the posts arrive.
	want := o.Burst + o.Sustained
	for deadline := time.Now().Add(30 * time.Second); r.Published < want && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		pubs, err := e.main.DB.Read().Publications(ctx, ferry.PublicationFilter{WorkspaceID: e.p.WorkspaceID, States: []ferry.PublicationState{ferry.StatePublished}})
		if err != nil {
			stop(procs)
			return r, err
		}
		r.Published = len(pubs)
	}
	r.CPU, r.PeakRSS = stop(procs)
	// Throughput runs from the first attempt of the phase (workers take
	// jobs ahead of their time) to the last arrival.
	var firstMS sql.NullInt64
	q := `SELECT MIN(started_at) FROM attempts WHERE started_at >= ?`
	if backend == "PostgreSQL" {
		q = `SELECT MIN(started_at) FROM attempts WHERE started_at >= $1`
	}
	if err := e.main.DB.WritePool().QueryRowContext(ctx, q, est.UnixMilli()).Scan(&firstMS); err != nil {
		return r, err
	}
	first := time.UnixMilli(firstMS.Int64)
	last := first
	for _, p := range posts {
		if p.ReceivedAt.After(last) {
			last = p.ReceivedAt
		}
	}
	r.Throughput = float64(len(posts)) / last.Sub(first).Seconds()
	r.Received = len(e.sb.Posts(ferry.Telegram, ""))

	r.Ceiling, err = o.ceiling(ctx, e, workers)
	o.logf("lateness p50 %v p99 %v; %.0f/s vs River no-op %.0f/s", r.Lateness.P50, r.Lateness.P99, r.Throughput, r.Ceiling)
	return r, err
}

type noopArgs struct{}

func (noopArgs) Kind() string { return "bench.noop" }

type noopWorker struct{ river.WorkerDefaults[noopArgs] }

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// ceiling runs River's no-op scheduled jobs on the same database with the
// same settings Ferry's workers use, as many clients as worker processes.
func (o Options) ceiling(ctx context.Context, e *env, clients int) (float64, error) {
	cfg := config.Defaults()
	var rcs []*river.Client[*sql.Tx]
	for range clients {
		w := river.NewWorkers()
		river.AddWorker(w, noopWorker{})
		rc, err := river.NewClient(e.main.DB.RiverDriver(), &river.Config{
			Logger: slog.New(slog.DiscardHandler), Workers: w,
			FetchPollInterval: cfg.PollInterval, FetchCooldown: min(cfg.PollInterval, 100*time.Millisecond),
			Queues: map[string]river.QueueConfig{"noop": {MaxWorkers: cfg.MaxWorkers}},
		})
		if err != nil {
			return 0, err
		}
		rcs = append(rcs, rc)
	}
	due := time.Now().Add(6 * time.Second)
	params := make([]river.InsertManyParams, o.Sustained)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{}, InsertOpts: &river.InsertOpts{Queue: "noop", ScheduledAt: due}}
	}
	if _, err := rcs[0].InsertMany(ctx, params); err != nil {
		return 0, err
	}
	for _, rc := range rcs {
		if err := rc.Start(ctx); err != nil {
			return 0, err
		}
	}
	defer func() {
		for _, rc := range rcs {
			_ = rc.Stop(context.Background())
		}
	}()
	deadline := due.Add(5 * time.Minute)
	for {
		var done int
		q := `SELECT count(*) FROM river_job WHERE kind = 'bench.noop' AND state = 'completed'`
		if err := e.main.DB.WritePool().QueryRowContext(ctx, q).Scan(&done); err != nil {
			return 0, err
		}
		if done >= o.Sustained {
			break
		}
		if time.Now().After(deadline) {
			return 0, errors.New("no-op jobs did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	finished := time.Now()
	return float64(o.Sustained) / finished.Sub(due).Seconds(), nil
}

// memory stores many publications, starts serve, and reads its RSS.
func (o Options) memory(ctx context.Context, backend string) (Memory, error) {
	m := Memory{Backend: backend, Publications: o.Stored}
	oo := o
	oo.Accounts = 10
	e, err := oo.newEnv(ctx, backend)
	if err != nil {
		return m, err
	}
	defer e.closeAll()
	if err := storeMany(ctx, e, o.Stored); err != nil {
		return m, err
	}
	tok, err := app.CreateToken(ctx, e.main.DB, "bench@ferry.example", "", service.TokenInput{Name: "bench"})
	if err != nil {
		return m, err
	}
	addr, err := freeAddr()
	if err != nil {
		return m, err
	}
	cmd := exec.Command(o.Binary, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), "FERRY_DATA="+e.dir, "FERRY_DATABASE_URL="+e.dbURL, "FERRY_SECRET_KEY="+benchKey, "FERRY_TELEGRAM_API_URL="+e.sbURL+"/telegram")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return m, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	ms, err := exercise("http://"+addr, tok)
	if err != nil {
		return m, err
	}
	m.StoriesPageMS = ms
	m.RSS, m.PeakRSS, err = procMemory(cmd.Process.Pid)
	return m, err
}

// tail returns the end of a log file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func freeAddr() (string, error) {
	l, err := netListen()
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// procMemory reads VmRSS and VmHWM of a process.
func procMemory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			rss = kb * 1024
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			peak = kb * 1024
		}
	}
	return rss, peak, nil
}
