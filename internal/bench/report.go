package bench

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Markers delimit the delivery section of the results file, so other
// sections (written by other benchmarks) are kept.
const (
	beginMarker = "<!-- bench delivery: begin -->"
	endMarker   = "<!-- bench delivery: end -->"
)

// Report renders the results as Markdown.
func Report(o Options, command string, runs []Run, mems []Memory, when time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n## Delivery\n\nMeasured %s on %s with:\n\n    %s\n\n", beginMarker, when.UTC().Format("2006-01-02 15:04 MST"), Machine(), command)
	fmt.Fprintf(&b, "Workers are real `ferry worker` processes with the default configuration (poll interval 50 ms, 200 publish workers each); the platform is the sandbox's Telegram emulator with zero latency, in the benchmark process, which records when each post arrives. "+
		"**Lateness** is arrival at the platform minus the scheduled time, for %d publications across %d channels all due in the same second, scheduled %v ahead. "+
		"**Throughput** is %d publications due at once divided by the time from the first attempt opened to the last arrival (workers take publish jobs a second ahead of their time); the **ceiling** is River's own no-op jobs, due at once on the same database with the same settings and as many clients as worker processes, divided by the time from their due time to the last completion. CPU and peak RSS are the worker processes' (user+system over both phases; the largest process).\n\n",
		o.Burst, o.Accounts, o.Lead, o.Sustained)
	b.WriteString("| database | workers | lateness p50 | p95 | p99 | max | throughput | River no-op ceiling | share | CPU | peak RSS | published / received |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		share := 0.0
		if r.Ceiling > 0 {
			share = r.Throughput / r.Ceiling
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %.0f/s | %.0f/s | %.0f%% | %.1f s | %.0f MB | %d / %d |\n", r.Backend, r.Workers,
			ms(r.Lateness.P50), ms(r.Lateness.P95), ms(r.Lateness.P99), ms(r.Lateness.Max), r.Throughput, r.Ceiling, 100*share, r.CPU.Seconds(), float64(r.PeakRSS)/1e6, r.Published, r.Received)
	}
	if len(mems) > 0 {
		b.WriteString("\n`ferry serve` with many stored publications (each with its story and variant), after paging through 50 pages of stories:\n\n| database | stored publications | RSS | peak RSS | one stories page |\n|---|---|---|---|---|\n")
		for _, m := range mems {
			fmt.Fprintf(&b, "| %s | %d | %.0f MB | %.0f MB | %.1f ms |\n", m.Backend, m.Publications, float64(m.RSS)/1e6, float64(m.PeakRSS)/1e6, m.StoriesPageMS)
		}
	}
	b.WriteString("\nTargets (issue 3): p99 lateness ≤ 100 ms for 100 publications due at once; throughput ≥ 50% of the River no-op ceiling; serve under 150 MB RSS with 100,000 stored publications.\n")
	b.WriteString(endMarker + "\n")
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

// WriteSection replaces the delivery section of the file at path (creating
// the file if needed) and keeps the rest.
func WriteSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	if i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker); i >= 0 && j > i {
		s = s[:i] + section + s[j+len(endMarker)+1:]
	} else {
		if s == "" {
			s = "# Benchmarks\n\nEvery number here was measured by the command shown with it.\n\n"
		}
		s += "\n" + section
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
