//go:build unix

package main

// The once mode measures the real command: it builds refeed, serves
// article-sized synthetic sources and runs `refeed once` as a process, with
// GOMAXPROCS=1, three times on one data folder:
//
//   - cold: the store is empty; every item is new;
//   - warm: every source answers 304 or the same body;
//   - incremental: a fraction of the sources gained one item.
//
// For each run it reports the wall time, the CPU time of the process
// (user+system, from its rusage), the CPU per new item, the peak resident
// memory, and the CPU as a share of the cold run's; and, as a reference,
// the CPU of gofeed parsing the same documents alone, in this process on
// one core. Every measurement is repeated (-runs) on a new data folder and
// a new feed server; the summary gives the range.
//
//	go run ./cmd/refeed-bench once                     # 200 sources × 50 items, 3 times
//	go run ./cmd/refeed-bench once -cpuprofile cpu.pprof
//
// With -cpuprofile, one more sequence runs, not measured, its warm run
// repeated (-profile-warm): this program's profile-once command, which does what `refeed once` does (load the
// configuration, open the store, refresh.Refresher.Once, collect alerts)
// in its own process under the CPU profiler, a profile per run (the run's
// name inserted before the extension).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
)

// Goals of the once mode (CPU): per new item of a cold run, and warm and
// incremental runs as a share of the cold run.
const (
	goalColdPerItem = 150 * time.Microsecond
	goalWarm        = 0.02
	goalIncremental = 0.10
)

// onceOptions are the flags of the once command.
type onceOptions struct {
	feedParams
	refeed      string // the binary; built when empty
	runs        int
	changed     float64
	concurrency int
	cpuProfile  string
	profileWarm int // warm runs of the profiled sequence
	keep        bool
}

// A onceRun is what one `refeed once` process measured.
type onceRun struct {
	name        string
	wall, cpu   time.Duration
	maxRSS      int64 // bytes
	sources     int   // sources the log reported refreshed
	newItems    int
	notModified int
}

// A onceSet is one sequence of runs (cold, warm, incremental) and the
// gofeed reference measured with it.
type onceSet struct {
	runs          []onceRun
	gofeedCPU     time.Duration
	gofeedItems   int
	startup       time.Duration // mean CPU of refeed check; 0: not measured
	documentBytes int
}

// cmdOnce is the once command.
func cmdOnce(args []string) error {
	var o onceOptions
	fs := flag.NewFlagSet("refeed-bench once", flag.ContinueOnError)
	fs.IntVar(&o.sources, "sources", 200, "number of synthetic sources")
	fs.IntVar(&o.items, "items", 50, "items per source")
	fs.Float64Var(&o.noValidators, "novalidators", 0.2, "fraction of the sources sending no ETag nor Last-Modified (same body every time)")
	fs.Float64Var(&o.changed, "changed", 0.1, "fraction of the sources that gain one item before the incremental run")
	fs.IntVar(&o.concurrency, "concurrency", 8, "fetch.concurrency, and fetch.per_host (all sources are on one host)")
	fs.IntVar(&o.runs, "runs", 3, "how many times to measure the sequence cold, warm, incremental")
	fs.StringVar(&o.refeed, "refeed", "", "the refeed binary to measure (default: go build github.com/refeed/refeed into a temporary folder)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "after the measurements, profile an in-process equivalent of each run into this file, the run's name inserted before the extension")
	fs.IntVar(&o.profileWarm, "profile-warm", 5, "warm runs of the profiled sequence (a warm run is about 10 samples: merge their profiles)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (binary, configurations, stores, logs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.sources <= 0 || o.items <= 0 || o.runs <= 0 {
		return errors.New("-sources, -items and -runs must be positive")
	}
	o.article = true

	tmp, err := os.MkdirTemp("", "refeed-bench-once-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("temporary folder:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := o.refeed
	if bin == "" {
		if bin, err = buildRefeed(tmp); err != nil {
			return err
		}
	}
	fmt.Printf("refeed-bench once: %s; %d sources × %d article-sized items, %.0f%% without validators, %.0f%% gaining an item, fetch concurrency %d, GOMAXPROCS=1 for refeed, %d CPUs\n",
		bin, o.sources, o.items, 100*o.noValidators, 100*o.changed, o.concurrency, runtime.NumCPU())

	var sets []onceSet
	for i := range o.runs {
		dir := filepath.Join(tmp, fmt.Sprint("run", i+1))
		set, err := onceSequence(o, dir, 1, func(cfg string, _ string) []string { return []string{bin, "once", "-config", cfg} })
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		if set.startup, err = startupCPU(bin, filepath.Join(dir, "config.yaml"), filepath.Join(dir, "check.log")); err != nil {
			return fmt.Errorf("run %d: refeed check: %w", i+1, err)
		}
		sets = append(sets, set)
		printOnceSet(os.Stdout, i+1, set)
	}
	printOnceSummary(os.Stdout, o, sets)

	if o.cpuProfile != "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		profile := func(cfg, run string) []string {
			return []string{self, "profile-once", "-cpuprofile", profileName(o.cpuProfile, run), "-config", cfg}
		}
		set, err := onceSequence(o, filepath.Join(tmp, "profile"), o.profileWarm, profile)
		if err != nil {
			return fmt.Errorf("profiled run: %w", err)
		}
		fmt.Println("profiled in-process equivalent (not refeed's binary; for the profiles only):")
		printOnceSet(os.Stdout, 0, set)
	}
	return nil
}

// buildRefeed builds refeed's command into dir and returns its path.
func buildRefeed(dir string) (string, error) {
	bin := filepath.Join(dir, "refeed")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/refeed/refeed")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// onceSequence serves new synthetic sources, writes a configuration for
// them into dir and runs the command that command returns for each run:
// cold, warm (warms times: warm, warm2, ...), incremental.
func onceSequence(o onceOptions, dir string, warms int, command func(cfg, run string) []string) (onceSet, error) {
	var set onceSet
	child, err := startFeedChild(o.feedParams)
	if err != nil {
		return set, err
	}
	defer child.stop()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return set, err
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := writeOnceConfig(cfg, dir, o, child); err != nil {
		return set, err
	}
	bodies, err := child.bodies(o.sources)
	if err != nil {
		return set, err
	}
	set.gofeedCPU, set.gofeedItems, err = gofeedCPU(bodies)
	if err != nil {
		return set, err
	}
	for _, b := range bodies {
		set.documentBytes += len(b)
	}
	names := []string{"cold", "warm"}
	for i := 2; i <= warms; i++ {
		names = append(names, fmt.Sprint("warm", i))
	}
	for _, name := range append(names, "incremental") {
		if name == "incremental" {
			if every := changedEvery(o.changed); every > 0 {
				if _, err := child.bump(every); err != nil {
					return set, err
				}
			}
		}
		run, err := runRefeed(name, command(cfg, name), filepath.Join(dir, name+".log"))
		if err != nil {
			return set, fmt.Errorf("%s run: %w", name, err)
		}
		if run.sources != o.sources {
			return set, fmt.Errorf("%s run: %d sources refreshed, want %d (see %s.log)", name, run.sources, o.sources, name)
		}
		set.runs = append(set.runs, run)
	}
	return set, nil
}

// onceTopics are the topics of the example configuration (config.yaml).
const onceTopics = `topics:
  - name: NATO/Korea
    slug: nato-korea
    match:
      any: [nato, nordatlantik*, "atlantic alliance", "*korea*", pjöngjang, pyongyang, kim jong un]
  - name: Klima
    slug: klima
    match:
      any: [klima*, climate, erderwärmung, "global warming", emission*, "cop 30", cop30]
      none: [betriebsklima, "klimaanlage*"]
  - name: KI
    slug: ki
    match:
      any: [ki, "künstliche intelligenz", "artificial intelligence", "machine learning", chatgpt, openai, "large language model*", llm*]
    in: [title, summary, categories]
`

// writeOnceConfig writes a configuration of the synthetic sources, with
// its data under dir/data and no HTTP server.
func writeOnceConfig(path, dir string, o onceOptions, child *feedChild) error {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: \"\"\nbase_url: http://localhost:8080\ndata_dir: %s\nschedule: \"*/15 * * * *\"\n",
		strconv.Quote(filepath.Join(dir, "data")))
	fmt.Fprintf(&b, "fetch:\n  concurrency: %d\n  per_host: %d\n", o.concurrency, o.concurrency)
	b.WriteString("retention:\n  max_items: 200\n  max_age: 720h\nsources:\n")
	for s := range o.sources {
		fmt.Fprintf(&b, "  - name: s%05d\n    url: %s\n", s, child.url(s))
	}
	b.WriteString(onceTopics)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	return nil
}

// runRefeed runs args as a process with GOMAXPROCS=1, its standard error
// (refeed's log) into logPath, and reads what it did from the log.
func runRefeed(name string, args []string, logPath string) (onceRun, error) {
	run, err := runProcess(name, args, logPath)
	if err != nil {
		return run, err
	}
	logFile, err := os.Open(logPath)
	if err != nil {
		return run, err
	}
	defer logFile.Close()
	return run, readRefeedLog(logFile, &run)
}

// runProcess runs args as a process with GOMAXPROCS=1, its output into
// logPath, and returns its wall time, CPU time and peak memory.
func runProcess(name string, args []string, logPath string) (onceRun, error) {
	run := onceRun{name: name}
	logFile, err := os.Create(logPath)
	if err != nil {
		return run, err
	}
	defer logFile.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	t0 := time.Now()
	err = cmd.Run()
	run.wall = time.Since(t0)
	if err != nil {
		return run, fmt.Errorf("%s: %w (see %s)", strings.Join(args, " "), err, logPath)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.maxRSS = rusageBytes(ru.Maxrss)
	}
	run.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return run, nil
}

// startupRuns is how many times the start-up cost is measured (it is a few
// milliseconds, near the resolution of the CPU times).
const startupRuns = 5

// startupCPU returns the mean CPU time of `refeed check` on cfg: the
// floor of any run of refeed (starting the process, loading the
// configuration).
func startupCPU(bin, cfg, logPath string) (time.Duration, error) {
	var total time.Duration
	for range startupRuns {
		run, err := runProcess("check", []string{bin, "check", "-config", cfg}, logPath)
		if err != nil {
			return 0, err
		}
		total += run.cpu
	}
	return total / startupRuns, nil
}

// rusageBytes converts rusage's Maxrss to bytes.
func rusageBytes(maxrss int64) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return maxrss
	}
	return maxrss * 1024
}

// readRefeedLog reads from refeed's log the sources refreshed (its "refresh
// done" line), the new items of those that changed (their "refreshed"
// lines; sources that did not change log none) and so the sources that did
// not.
func readRefeedLog(r io.Reader, run *onceRun) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	changed, done := 0, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, " msg=refreshed "):
			changed++
			n, err := logInt(line, "new")
			if err != nil {
				return err
			}
			run.newItems += n
		case strings.Contains(line, ` msg="refresh done" `):
			failed, err := logInt(line, "failed")
			if err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d sources failed", failed)
			}
			if run.sources, err = logInt(line, "sources"); err != nil {
				return err
			}
			done = true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if !done {
		return errors.New(`no "refresh done" in the log`)
	}
	run.notModified = run.sources - changed
	return nil
}

// logInt returns the integer value of key in a log line.
func logInt(line, key string) (int, error) {
	_, v, ok := strings.Cut(line, " "+key+"=")
	if !ok {
		return 0, fmt.Errorf("no %s in the log line %q", key, line)
	}
	v, _, _ = strings.Cut(v, " ")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("log line %q: %w", line, err)
	}
	return n, nil
}

// bodies returns the current documents of the first n sources.
func (c *feedChild) bodies(n int) ([][]byte, error) {
	out := make([][]byte, n)
	for s := range out {
		resp, err := http.Get(c.url(s))
		if err != nil {
			return nil, err
		}
		out[s], err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("source %d: %w", s, err)
		}
	}
	return out, nil
}

// gofeedCPU parses every body with gofeed alone, on one core, and returns
// the CPU time this process spent and the items parsed.
func gofeedCPU(bodies [][]byte) (time.Duration, int, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	items := 0
	cpu0 := cpuTime()
	for s, b := range bodies {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil {
			return 0, 0, fmt.Errorf("gofeed, source %d: %w", s, err)
		}
		items += len(f.Items)
	}
	return cpuTime() - cpu0, items, nil
}

// perItem returns d per item, or 0 without items.
func perItem(d time.Duration, items int) time.Duration {
	if items == 0 {
		return 0
	}
	return d / time.Duration(items)
}

func printOnceSet(w io.Writer, n int, set onceSet) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\trun\twall\tCPU\tnew items\tunchanged sources\tCPU/new item\tCPU/cold\tpeak RSS MiB\t")
	cold := set.runs[0].cpu
	for _, r := range set.runs {
		each := "-"
		if r.newItems > 0 {
			each = perItem(r.cpu, r.newItems).Round(time.Microsecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%.2fs\t%.3fs\t%d\t%d\t%s\t%.1f%%\t%.0f\t\n", n, r.name, r.wall.Seconds(), r.cpu.Seconds(),
			r.newItems, r.notModified, each, 100*r.cpu.Seconds()/cold.Seconds(), float64(r.maxRSS)/(1<<20))
	}
	fmt.Fprintf(tw, "%d\tgofeed alone\t\t%.3fs\t%d\t\t%s\t%.1f%%\t\t\n", n, set.gofeedCPU.Seconds(), set.gofeedItems,
		perItem(set.gofeedCPU, set.gofeedItems).Round(time.Microsecond), 100*set.gofeedCPU.Seconds()/cold.Seconds())
	if set.startup > 0 {
		fmt.Fprintf(tw, "%d\trefeed check (start-up)\t\t%.3fs\t\t\t\t%.1f%%\t\t\n", n, set.startup.Seconds(), 100*set.startup.Seconds()/cold.Seconds())
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// micros returns d in microseconds.
func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// span is the range of a measurement over the sets.
type span struct{ lo, hi float64 }

func (s *span) add(v float64, first bool) {
	if first || v < s.lo {
		s.lo = v
	}
	if first || v > s.hi {
		s.hi = v
	}
}

// printOnceSummary prints the range of each figure over the sets, against
// the goals.
func printOnceSummary(w io.Writer, o onceOptions, sets []onceSet) {
	var coldItem, warm, incr, incrItem, gofeedItem, rss, startup span
	var wall [3]span // cold, warm, incremental
	for i, s := range sets {
		first := i == 0
		cold := s.runs[0].cpu.Seconds()
		coldItem.add(micros(perItem(s.runs[0].cpu, s.runs[0].newItems)), first)
		warm.add(100*s.runs[1].cpu.Seconds()/cold, first)
		last := s.runs[len(s.runs)-1]
		incr.add(100*last.cpu.Seconds()/cold, first)
		incrItem.add(micros(perItem(last.cpu, last.newItems)), first)
		gofeedItem.add(micros(perItem(s.gofeedCPU, s.gofeedItems)), first)
		startup.add(100*s.startup.Seconds()/cold, first)
		wall[0].add(s.runs[0].wall.Seconds(), first)
		wall[1].add(s.runs[1].wall.Seconds(), first)
		wall[2].add(last.wall.Seconds(), first)
		for j, r := range s.runs {
			rss.add(float64(r.maxRSS)/(1<<20), first && j == 0)
		}
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintf(w, "summary of %d sets (%d sources × %d items, %.1f KB a document, %.1f KB an item):\n", len(sets), o.sources, o.items,
		float64(sets[0].documentBytes)/float64(o.sources)/1e3, float64(sets[0].documentBytes)/float64(sets[0].gofeedItems)/1e3)
	fmt.Fprintf(w, "  cold:        %.1f–%.1f µs CPU per new item (goal ≤ %d: %s), wall %.2f–%.2f s\n", coldItem.lo, coldItem.hi,
		goalColdPerItem.Microseconds(), verdict(coldItem.hi <= micros(goalColdPerItem)), wall[0].lo, wall[0].hi)
	fmt.Fprintf(w, "  warm:        %.1f–%.1f %% of cold CPU (goal ≤ %.0f %%: %s), wall %.2f–%.2f s\n", warm.lo, warm.hi,
		100*goalWarm, verdict(warm.hi <= 100*goalWarm), wall[1].lo, wall[1].hi)
	fmt.Fprintf(w, "  incremental: %.1f–%.1f %% of cold CPU (goal ≤ %.0f %%: %s), %.0f–%.0f µs per new item, wall %.2f–%.2f s\n", incr.lo, incr.hi,
		100*goalIncremental, verdict(incr.hi <= 100*goalIncremental), incrItem.lo, incrItem.hi, wall[2].lo, wall[2].hi)
	fmt.Fprintf(w, "  gofeed alone: %.0f–%.0f µs CPU per item\n", gofeedItem.lo, gofeedItem.hi)
	fmt.Fprintf(w, "  start-up:    %.1f–%.1f %% of cold CPU (refeed check: process and configuration)\n", startup.lo, startup.hi)
	fmt.Fprintf(w, "  peak RSS:    %.0f–%.0f MiB\n", rss.lo, rss.hi)
}

// cmdProfileOnce is the profile-once command: what `refeed once` does (see
// refeed's main.go, cmdOnce), in this process under the CPU profiler.
func cmdProfileOnce(args []string) error {
	fs := flag.NewFlagSet("refeed-bench profile-once", flag.ContinueOnError)
	path := fs.String("config", "config.yaml", "configuration file")
	cpuProfile := fs.String("cpuprofile", "cpu.pprof", "write the CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Create(*cpuProfile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return profiledOnce(*path)
}

// profiledOnce loads the configuration, opens the store, refreshes every
// source and publishes every feed, and collects alerts, as `refeed once`
// does.
func profiledOnce(path string) error {
	cfg, err := config.Load(path, config.Options{KnownRules: clean.PackNames()})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx := context.Background()
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		return fmt.Errorf("open the store: %w", err)
	}
	defer st.Close()
	r, err := refresh.New(cfg, st, log)
	if err != nil {
		return err
	}
	rep, err := r.Once(ctx)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if failed := rep.Failed(); len(failed) > 0 {
		return fmt.Errorf("%d sources failed, first %s: %w", len(failed), failed[0].Source, failed[0].Err)
	}
	if err := alert.New(cfg, st, nil, log).Collect(ctx); err != nil {
		return fmt.Errorf("collect alerts: %w", err)
	}
	log.Info("refresh done", "sources", len(rep.Outcomes), "failed", 0, "feeds", len(r.Feeds()))
	return nil
}
