// Command benchcmp compares package script with the reference C++ OpenCC
// command on the same multi-megabyte corpus, in the same run: throughput of
// each, and the share of output lines on which they agree.
//
// The corpus is built from the Chinese gettext catalogs installed on the
// machine (see corpusLines): zh_CN for Simplified input, zh_TW and zh_HK for
// Traditional input, and the Simplified corpus converted by the C++ tool with
// s2hk for Hong Kong input. Lines are shuffled and repeated up to -mb
// megabytes with a fixed seed.
//
// Two agreements are reported. "product" is package script as shipped (its
// current OpenCC dictionaries) against the C++ tool with the dictionaries it
// was installed with, so differences are dictionary updates. "engine" runs
// this package's engine over the C++ tool's own dictionaries (dumped to text
// with opencc_dict) and configurations, so differences would be differences
// of algorithm.
//
// Usage (needs the opencc and opencc_dict commands: apt-get install opencc):
//
//	go run ./internal/adapt/script/internal/benchcmp -out /tmp/bench-script.md  (then copy the table into docs/benchmarks.md)
package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/adapt/script/internal/opencc"
)

func main() {
	var (
		localeDir  = flag.String("locale", "/usr/share/locale", "directory of the gettext catalogs the corpus is built from")
		megabytes  = flag.Int("mb", 6, "corpus size per script, in MB")
		openccCmd  = flag.String("opencc", "opencc", "the C++ OpenCC command line tool")
		openccData = flag.String("opencc-data", "/usr/share/opencc", "the C++ tool's data directory (configurations and .ocd2 dictionaries)")
		configList = flag.String("configs", "s2t,t2s,s2hk,hk2s,s2tw,tw2s,s2twp,tw2sp,t2hk,hk2t,t2tw,tw2t", "configurations to compare")
		runs       = flag.Int("runs", 5, "timed runs per measurement; the fastest is kept")
		out        = flag.String("out", "", "write the Markdown report to this file instead of standard output")
		workDir    = flag.String("work", "", "keep corpora and outputs in this directory instead of a temporary one")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchcmp: ")

	work := *workDir
	if work == "" {
		dir, err := os.MkdirTemp("", "benchcmp")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		work = dir
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		log.Fatal(err)
	}
	b := &bench{
		work:       work,
		openccCmd:  *openccCmd,
		openccData: *openccData,
		runs:       max(*runs, 1),
		report:     &strings.Builder{},
	}
	if err := b.run(*localeDir, *megabytes<<20, strings.Split(*configList, ",")); err != nil {
		log.Fatal(err)
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	if _, err := io.WriteString(w, b.report.String()); err != nil {
		log.Fatal(err)
	}
}

type bench struct {
	work       string
	openccCmd  string
	openccData string
	runs       int
	report     *strings.Builder
}

// timing is the fastest wall time and CPU time (user and system) seen for a
// measurement, in seconds.
type timing struct {
	wall, cpu float64
}

func (t *timing) keepFastest(o timing) {
	if t.wall == 0 || o.wall < t.wall {
		t.wall = o.wall
	}
	if t.cpu == 0 || o.cpu < t.cpu {
		t.cpu = o.cpu
	}
}

// result is one configuration's measurements.
type result struct {
	config        string
	inputBytes    int
	cpp           timing // C++ command, whole run
	cppStartup    timing // C++ command on empty input: process start and dictionary load
	goConvert     timing // package script, conversion only
	lines         int
	productSame   int // package script (current dictionaries) == C++
	engineSame    int // engine over the C++ dictionaries == C++
	productSample []string
	engineSample  []string
}

func (b *bench) run(localeDir string, size int, configs []string) error {
	loadBefore := loadAverage()
	memBefore, memAfter, loadTime := measureLoad()

	simpLines, err := corpusLines(localeDir, "zh_CN")
	if err != nil {
		return err
	}
	tradLines, err := corpusLines(localeDir, "zh_TW", "zh_HK")
	if err != nil {
		return err
	}
	corpora := map[string]string{
		"s": filepath.Join(b.work, "corpus.s.txt"),
		"t": filepath.Join(b.work, "corpus.t.txt"),
	}
	if err := os.WriteFile(corpora["s"], repeatShuffled(simpLines, size), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(corpora["t"], repeatShuffled(tradLines, size), 0o644); err != nil {
		return err
	}
	corpora["tw"] = corpora["t"]
	corpora["hk"] = filepath.Join(b.work, "corpus.hk.txt")
	if _, err := b.cpp("s2hk", corpora["s"], corpora["hk"]); err != nil {
		return err
	}

	engine, err := b.loadCppDictionaries()
	if err != nil {
		return err
	}
	version, err := exec.Command(b.openccCmd, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %w", b.openccCmd, err)
	}

	var results []result
	for _, cfg := range configs {
		from, _, _ := strings.Cut(cfg, "2")
		r, err := b.compare(cfg, corpora[from], engine)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg, err)
		}
		log.Printf("%s: C++ %.2f MB/s, Go %.2f MB/s (wall), %d/%d identical lines", cfg,
			mbps(r.inputBytes, r.cpp.wall-r.cppStartup.wall), mbps(r.inputBytes, r.goConvert.wall), r.productSame, r.lines)
		results = append(results, r)
	}
	load := fmt.Sprintf("load average (1, 5, 15 min) %s before, %s after", loadBefore, loadAverage())
	b.write(results, simpLines, tradLines, corpora, strings.TrimSpace(string(version)), load, memBefore, memAfter, loadTime)
	return nil
}

// loadAverage returns the machine's load averages: other work on a shared
// machine slows both tools, wall time more than CPU time.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// measureLoad loads the shipped dictionaries and returns the live heap
// before and after, and the loading time.
func measureLoad() (before, after uint64, took time.Duration) {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	before = m.HeapAlloc
	start := time.Now()
	if err := script.NewConverter().Preload(); err != nil {
		log.Fatal(err)
	}
	took = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m)
	return before, m.HeapAlloc, took
}

// loadCppDictionaries dumps the C++ tool's binary dictionaries to text with
// opencc_dict and loads them, with its configurations, into this package's
// engine.
func (b *bench) loadCppDictionaries() (*opencc.Library, error) {
	dir := filepath.Join(b.work, "opencc-cpp-data")
	for _, sub := range []string{"config", "dictionary"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	configs, err := filepath.Glob(filepath.Join(b.openccData, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, c := range configs {
		data, err := os.ReadFile(c)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "config", filepath.Base(c)), data, 0o644); err != nil {
			return nil, err
		}
	}
	dicts, err := filepath.Glob(filepath.Join(b.openccData, "*.ocd2"))
	if err != nil {
		return nil, err
	}
	for _, d := range dicts {
		txt := filepath.Join(dir, "dictionary", strings.TrimSuffix(filepath.Base(d), ".ocd2")+".txt")
		cmd := exec.Command("opencc_dict", "-i", d, "-o", txt, "-f", "ocd2", "-t", "text")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("opencc_dict %s: %w: %s", d, err, out)
		}
	}
	return opencc.Load(os.DirFS(dir))
}

// compare converts the corpus with the C++ tool, package script and the
// engine over the C++ dictionaries.
func (b *bench) compare(cfg, corpus string, engine *opencc.Library) (result, error) {
	input, err := os.ReadFile(corpus)
	if err != nil {
		return result{}, err
	}
	r := result{config: cfg, inputBytes: len(input)}

	empty := filepath.Join(b.work, "empty.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		return r, err
	}
	cppOut := filepath.Join(b.work, "out."+cfg+".cpp.txt")
	conv := script.NewConverter()
	text := string(input)
	var product string
	// The tools take turns so that both see the same load on the machine.
	for range b.runs {
		startup, err := b.cpp(cfg, empty, os.DevNull)
		if err != nil {
			return r, err
		}
		r.cppStartup.keepFastest(startup)
		whole, err := b.cpp(cfg, corpus, cppOut)
		if err != nil {
			return r, err
		}
		r.cpp.keepFastest(whole)

		runtime.GC()
		cpu0, start := processCPU(), time.Now()
		product, err = conv.Convert(script.Config(cfg), text)
		if err != nil {
			return r, err
		}
		r.goConvert.keepFastest(timing{wall: time.Since(start).Seconds(), cpu: processCPU() - cpu0})
	}
	cppBytes, err := os.ReadFile(cppOut)
	if err != nil {
		return r, err
	}

	c, ok := engine.Converter(cfg, opencc.Options{})
	if !ok {
		return r, fmt.Errorf("configuration missing from %s", b.openccData)
	}
	engineOut := c.Convert(text)
	for name, out := range map[string]string{"go": product, "engine": engineOut} {
		if err := os.WriteFile(filepath.Join(b.work, "out."+cfg+"."+name+".txt"), []byte(out), 0o644); err != nil {
			return r, err
		}
	}

	cppLines := strings.Split(string(cppBytes), "\n")
	r.lines = len(strings.Split(text, "\n"))
	r.productSame, r.productSample = sameLines(cppLines, strings.Split(product, "\n"))
	r.engineSame, r.engineSample = sameLines(cppLines, strings.Split(engineOut, "\n"))
	return r, nil
}

// cpp runs the C++ tool and returns its wall and CPU time.
func (b *bench) cpp(cfg, in, out string) (timing, error) {
	cmd := exec.Command(b.openccCmd, "-c", filepath.Join(b.openccData, cfg+".json"), "-i", in, "-o", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return timing{}, fmt.Errorf("%s: %w: %s", cmd, err, stderr.String())
	}
	wall := time.Since(start).Seconds()
	return timing{wall: wall, cpu: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()}, nil
}

// processCPU returns the CPU time this process has used, garbage collection
// included, in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// sameLines counts the lines on which want and got agree, and samples a few
// that differ.
func sameLines(want, got []string) (int, []string) {
	same := 0
	var sample []string
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w == g {
			same++
		} else if d := fmt.Sprintf("%s ≠ C++ %s", clip(g), clip(w)); len(sample) < 3 && !slices.Contains(sample, d) {
			sample = append(sample, d)
		}
	}
	return same, sample
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func mbps(n int, seconds float64) float64 {
	return float64(n) / (1 << 20) / seconds
}

func (b *bench) write(results []result, simp, trad []string, corpora map[string]string, version, loadAvg string, before, after uint64, load time.Duration) {
	w := b.report
	fmt.Fprintf(w, "Machine: %s/%s, %d CPUs, %s, %s. C++: %s.\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(),
		loadAvg, strings.Join(strings.Fields(version), " "))
	fmt.Fprintf(w, "Corpus: %d distinct Simplified lines (zh_CN catalogs) and %d distinct Traditional lines (zh_TW, zh_HK catalogs), shuffled and repeated; Hong Kong input is the Simplified corpus through the C++ s2hk.\n\n",
		len(simp), len(trad))
	for _, s := range []string{"s", "t", "hk"} {
		if fi, err := os.Stat(corpora[s]); err == nil {
			fmt.Fprintf(w, "- %s corpus: %.2f MB\n", s, float64(fi.Size())/(1<<20))
		}
	}
	fmt.Fprintf(w, "\nDictionaries held by package script after loading: %.1f MiB of live heap (HeapAlloc %.1f → %.1f MiB after GC), loaded in %v.\n\n",
		float64(after-before)/(1<<20), float64(before)/(1<<20), float64(after)/(1<<20), load.Round(time.Millisecond))

	var startup timing
	for _, r := range results {
		startup.keepFastest(r.cppStartup)
	}
	fmt.Fprintf(w, "C++ figures exclude the tool's start-up and dictionary loading, measured per configuration on empty input (fastest: %.0f ms wall, %.0f ms CPU). Go figures are the conversion alone (loading is above). Fastest of %d alternating runs; MB = 2^20 bytes.\n\n",
		1000*startup.wall, 1000*startup.cpu, b.runs)
	fmt.Fprintln(w, "| config | input MB | C++ MB/s wall | C++ MB/s CPU | Go MB/s wall | Go MB/s CPU | Go ÷ C++ (CPU) | identical lines, product | identical lines, engine on C++ dictionaries |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		cppWall, cppCPU := r.cpp.wall-r.cppStartup.wall, r.cpp.cpu-r.cppStartup.cpu
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f× | %.3f%% (%d/%d) | %.3f%% (%d/%d) |\n",
			r.config, float64(r.inputBytes)/(1<<20),
			mbps(r.inputBytes, cppWall), mbps(r.inputBytes, cppCPU),
			mbps(r.inputBytes, r.goConvert.wall), mbps(r.inputBytes, r.goConvert.cpu),
			cppCPU/r.goConvert.cpu,
			percent(r.productSame, r.lines), r.productSame, r.lines,
			percent(r.engineSame, r.lines), r.engineSame, r.lines)
	}
	fmt.Fprintln(w)
	slices.SortFunc(results, func(a, b result) int { return cmp.Compare(a.config, b.config) })
	for _, r := range results {
		if len(r.productSample) == 0 && len(r.engineSample) == 0 {
			continue
		}
		fmt.Fprintf(w, "- %s differences", r.config)
		if len(r.productSample) > 0 {
			fmt.Fprintf(w, ", product: %s", strings.Join(r.productSample, "; "))
		}
		if len(r.engineSample) > 0 {
			fmt.Fprintf(w, ", engine: %s", strings.Join(r.engineSample, "; "))
		}
		fmt.Fprintln(w)
	}
}

func percent(n, of int) float64 { return 100 * float64(n) / float64(max(of, 1)) }
