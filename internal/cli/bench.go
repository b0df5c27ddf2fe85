package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/bench"
)

func (e *env) bench(args []string) error {
	if len(args) == 0 || args[0] != "delivery" {
		fmt.Fprintln(e.stderr, "Usage: ferry bench delivery [--postgres-url URL] [--out docs/benchmarks.md] ...")
		return errUsage
	}
	o := bench.Options{Burst: 100, Lead: time.Minute, Sustained: 2000, Accounts: 250, Stored: 100_000, Log: e.stderr}
	var out string
	fs := e.flagSet("bench delivery", "bench delivery [flags]   (takes several minutes; needs no network)")
	fs.StringVar(&o.PostgresURL, "postgres-url", e.getenv("FERRY_TEST_DATABASE_URL"), "PostgreSQL server for the PostgreSQL runs (each in a fresh schema); empty: SQLite only")
	fs.StringVar(&out, "out", "docs/benchmarks.md", "results file; its delivery section is replaced")
	fs.IntVar(&o.Burst, "burst", o.Burst, "publications due in the same second (lateness)")
	fs.DurationVar(&o.Lead, "lead", o.Lead, "how far ahead the burst is scheduled")
	fs.IntVar(&o.Sustained, "sustained", o.Sustained, "publications due at once (throughput)")
	fs.IntVar(&o.Accounts, "accounts", o.Accounts, "sandbox channels the publications are spread over")
	fs.IntVar(&o.Stored, "stored", o.Stored, "stored publications while serve's memory is measured")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	o.Binary = bin
	runs, mems, err := bench.Delivery(e.ctx, o)
	if err != nil {
		return err
	}
	command := "ferry bench delivery " + strings.Join(args[1:], " ")
	report := bench.Report(o, strings.TrimSpace(command), runs, mems, time.Now())
	fmt.Fprint(e.stdout, report)
	if out == "" {
		return nil
	}
	return bench.WriteSection(out, report)
}
