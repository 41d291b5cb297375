//go:build unix

// Command refeed-bench is refeed's load harness. It serves synthetic
// sources on loopback (from a child process, so that what it measures is
// refeed's alone), runs refresh cycles through the real code path
// (refresh.New, Sources and Publish with a real store in a temporary
// folder, the rendered feeds handed to a server.Server as the daemon does)
// and prints, for a cold cycle, a warm cycle where nothing changed and an
// incremental cycle where a fraction of the sources gained one item: the
// wall time, the items parsed per second, the CPU time of the process
// (user+system), the allocations and the peak resident memory.
//
//	go run ./cmd/refeed-bench                       # the default size
//	go run ./cmd/refeed-bench -sources 10000 -items 50
//	go run ./cmd/refeed-bench -serve-bench          # and load-test serving
//	go run ./cmd/refeed-bench once                  # the real command as a process (see once.go)
//	go run ./cmd/refeed-bench cluster               # instances of `refeed run` on PostgreSQL (see cluster.go)
//	go run ./cmd/refeed-bench claims                # the store's claims on 1,000,000 sources (see claims.go)
//
// The default size (150 sources of 50 items) keeps the default run under
// two minutes on a 2-core machine with the store as it is: its cold cycle
// grows with the square of the number of stored items (the story
// lookups of store.findStory scan the items table).
//
// The sources are generated from the items of the corpus (../shared/corpus):
// every source has its own titles, links and GUIDs, so no two carry the same
// story. Most answer with an ETag and Last-Modified (and 304 to a matching
// If-None-Match); a fraction (-novalidators) send no validators and the
// same body every time, which refeed recognizes by its hash.
//
// With -cpuprofile FILE and -memprofile FILE, each cycle writes its own
// profile, the cycle's name inserted before the extension (cpu.cold.pprof,
// mem.warm.pprof, ...). Memory profiles are written after each cycle; the
// allocations of one cycle are the difference to the previous one's:
//
//	go tool pprof -sample_index=alloc_space -base mem.cold.pprof mem.warm.pprof
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/server"
	"github.com/refeed/refeed/store"
)

type options struct {
	feedParams
	changed     float64
	increments  int
	concurrency int
	cpuProfile  string
	memProfile  string
	serveBench  bool
	clients     int
	duration    time.Duration
	keep        bool
	verbose     bool
}

func main() {
	commands := map[string]func([]string) error{
		"once": cmdOnce, "profile-once": cmdProfileOnce, "cluster": cmdCluster, "claims": cmdClaims,
	}
	if len(os.Args) > 1 && commands[os.Args[1]] != nil {
		if err := commands[os.Args[1]](os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "refeed-bench "+os.Args[1]+":", err)
			os.Exit(1)
		}
		return
	}
	var o options
	var feedServer bool
	flag.IntVar(&o.sources, "sources", 150, "number of synthetic sources (the goal's size is 10000)")
	flag.IntVar(&o.items, "items", 50, "items per source")
	flag.Float64Var(&o.changed, "changed", 0.1, "fraction of the sources that gain one item in the incremental cycle")
	flag.IntVar(&o.increments, "incremental", 2, "number of incremental cycles (the first after the cold cycle's retention differs from the next ones)")
	flag.Float64Var(&o.noValidators, "novalidators", 0.2, "fraction of the sources sending no ETag nor Last-Modified (same body every time)")
	flag.IntVar(&o.concurrency, "concurrency", 8, "fetch.concurrency, and fetch.per_host (all sources are on one host)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of each cycle to this file, the cycle's name inserted before the extension")
	flag.StringVar(&o.memProfile, "memprofile", "", "write a heap profile after each cycle to this file, the cycle's name inserted before the extension")
	flag.BoolVar(&o.serveBench, "serve-bench", false, "after the cycles, load-test serving the 'all' feed over loopback (and with wrk, when installed)")
	flag.IntVar(&o.clients, "clients", 64, "concurrent keep-alive connections of -serve-bench")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "duration of each -serve-bench test")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary data folder (store and published files)")
	flag.BoolVar(&o.verbose, "v", false, "log refeed's messages (warnings and errors)")
	flag.BoolVar(&o.article, "article", false, "article-sized items: the seed article's HTML (about 4 KB) as every item's content")
	flag.BoolVar(&feedServer, "feed-server", false, "(internal) serve the synthetic sources until standard input closes")
	flag.Parse()
	if o.sources <= 0 || o.items <= 0 {
		fmt.Fprintln(os.Stderr, "refeed-bench: -sources and -items must be positive")
		os.Exit(2)
	}
	var err error
	if feedServer {
		err = runFeedServer(o.feedParams)
	} else {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "refeed-bench:", err)
		os.Exit(1)
	}
}

// A cycleResult is what one refresh cycle measured.
type cycleResult struct {
	name            string
	wall            time.Duration
	cpu             time.Duration // user+system of this process
	commits         int64         // save transactions
	parsedItems     int           // items in the documents parsed
	fetched         int           // 200 answers the feed server sent
	notModified     int           // sources reported unchanged (304 or same body)
	answers304      int64         // of which 304 answers
	newItems        int
	updated         int
	failed          int
	feeds           int // feeds published (rendered)
	mallocs         uint64
	allocBytes      uint64
	heapInuse       uint64 // after the cycle
	peakHeap        uint64 // heap objects, sampled every 50 ms during the cycle
	unchangedItems  int    // items of changed documents skipped as unchanged
	maxRSS          int64  // bytes, peak of the process so far
	publishDuration time.Duration
}

func run(o options) error {
	ctx := context.Background()
	start := time.Now()
	child, err := startFeedChild(o.feedParams)
	if err != nil {
		return err
	}
	defer child.stop()

	dir, err := os.MkdirTemp("", "refeed-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("data folder:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	cfg, err := benchdata.Config(dir)
	if err != nil {
		return err
	}
	cfg.Fetch.Concurrency, cfg.Fetch.PerHost = o.concurrency, o.concurrency
	for s := range o.sources {
		cfg.Sources = append(cfg.Sources, config.Source{Name: fmt.Sprintf("s%05d", s), URL: child.url(s), Schedule: cfg.Schedule})
	}
	level := slog.LevelWarn
	if !o.verbose {
		level = slog.LevelError + 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	st, err := store.OpenSQLite(filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := refresh.New(cfg, st, log)
	if err != nil {
		return err
	}
	srv := server.New(server.Options{BaseURL: cfg.BaseURL, Log: log})

	fmt.Printf("refeed-bench: %d sources × %d items (%d corpus items in the pool), %.0f%% without validators, fetch concurrency %d, GOMAXPROCS %d, %d CPUs\n",
		o.sources, o.items, child.pool, 100*o.noValidators, o.concurrency, runtime.GOMAXPROCS(0), runtime.NumCPU())
	if _, _, err := child.stats(ctx); err != nil {
		return err
	}

	var results []cycleResult
	cycle := func(name string) error {
		res, err := runCycle(ctx, o, name, r, st, srv, child)
		if err != nil {
			return fmt.Errorf("%s cycle: %w", name, err)
		}
		results = append(results, res)
		fmt.Fprintf(os.Stderr, "  %s cycle: %s\n", name, res.wall.Round(time.Millisecond))
		return nil
	}
	if err := cycle("cold"); err != nil {
		return err
	}
	if err := cycle("warm"); err != nil {
		return err
	}
	if every := changedEvery(o.changed); every > 0 {
		for i := range o.increments {
			if _, err := child.bump(every); err != nil {
				return err
			}
			name := "incremental"
			if i > 0 {
				name = fmt.Sprint("incremental", i+1)
			}
			if err := cycle(name); err != nil {
				return err
			}
		}
	}
	printResults(os.Stdout, results)

	if o.serveBench {
		// Serve every feed, as the daemon does at start (publishAll).
		rendered, err := r.Publish(ctx, r.Feeds())
		if err != nil {
			return err
		}
		var feeds []server.Feed
		for _, f := range rendered {
			feeds = append(feeds, server.Feed{Slug: f.Slug, Title: f.Title, Items: f.Items, Updated: f.Updated, Docs: f.Docs})
		}
		srv.SetFeeds(feeds)
		if err := serveBench(ctx, srv, o); err != nil {
			return err
		}
	}
	fmt.Printf("total run time %s\n", time.Since(start).Round(time.Second))
	return nil
}

// runCycle refreshes every source once and publishes the feeds that
// changed, as the daemon does (Sources, Publish, UpdateFeed).
func runCycle(ctx context.Context, o options, name string, r *refresh.Refresher, st *store.SQLite, srv *server.Server, child *feedChild) (cycleResult, error) {
	res := cycleResult{name: name}
	runtime.GC()
	if o.cpuProfile != "" {
		f, err := os.Create(profileName(o.cpuProfile, name))
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	stopSampling := sampleHeap(&res.peakHeap)
	cpu0 := cpuTime()
	commits0 := st.Commits()
	t0 := time.Now()

	rep := r.Sources(ctx, r.Config().Sources, true)
	t1 := time.Now()
	rendered, perr := r.Publish(ctx, rep.Changed)
	for _, f := range rendered {
		srv.UpdateFeed(server.Feed{Slug: f.Slug, Title: f.Title, Items: f.Items, Updated: f.Updated, Docs: f.Docs})
	}

	res.wall = time.Since(t0)
	res.publishDuration = time.Since(t1)
	res.cpu = cpuTime() - cpu0
	res.commits = st.Commits() - commits0
	stopSampling()
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	runtime.ReadMemStats(&m1)
	res.mallocs = m1.Mallocs - m0.Mallocs
	res.allocBytes = m1.TotalAlloc - m0.TotalAlloc
	res.heapInuse = m1.HeapInuse
	res.maxRSS = maxRSS()
	if o.memProfile != "" {
		if err := writeHeapProfile(profileName(o.memProfile, name)); err != nil {
			return res, err
		}
	}
	res.feeds = len(rendered)
	var errs []error
	for _, out := range rep.Outcomes {
		switch {
		case out.Err != nil:
			res.failed++
			if len(errs) < 3 {
				errs = append(errs, fmt.Errorf("%s: %w", out.Source, out.Err))
			}
		case out.NotModified:
			res.notModified++
		}
		res.parsedItems += out.Items
		res.unchangedItems += out.Unchanged
		if out.Save != nil {
			res.newItems += out.Save.New
			res.updated += out.Save.Updated
		}
	}
	ok, nm, err := child.stats(ctx)
	if err != nil {
		return res, err
	}
	res.fetched, res.answers304 = int(ok), nm
	if perr != nil {
		errs = append(errs, perr)
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("%d sources failed: %w", res.failed, errors.Join(errs...))
	}
	return res, nil
}

func profileName(file, cycle string) string {
	ext := filepath.Ext(file)
	return strings.TrimSuffix(file, ext) + "." + cycle + ext
}

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

func printResults(w io.Writer, results []cycleResult) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "cycle\twall\tpublish\titems parsed\titems/s\tunchanged items\t200s\tunchanged (304)\tnew\tupdated\tfeeds\tCPU\tCPU/cold\tallocs\talloc MB\tpeak heap MB\theap after MB\tpeak RSS MiB\t")
	var cold time.Duration
	for _, r := range results {
		if r.name == "cold" {
			cold = r.cpu
		}
		ratio := "-"
		if cold > 0 {
			ratio = fmt.Sprintf("%.1f%%", 100*float64(r.cpu)/float64(cold))
		}
		fmt.Fprintf(tw, "%s\t%.2fs\t%.2fs\t%d\t%.0f\t%d\t%d\t%d (%d)\t%d\t%d\t%d\t%d\t%.2fs\t%s\t%.1fM\t%.0f\t%.0f\t%.0f\t%.0f\t\n",
			r.name, r.wall.Seconds(), r.publishDuration.Seconds(), r.parsedItems, float64(r.parsedItems)/r.wall.Seconds(), r.unchangedItems,
			r.fetched, r.notModified, r.answers304, r.newItems, r.updated, r.commits, r.feeds,
			r.cpu.Seconds(), ratio, float64(r.mallocs)/1e6, float64(r.allocBytes)/1e6, float64(r.peakHeap)/(1<<20), float64(r.heapInuse)/(1<<20), float64(r.maxRSS)/(1<<20))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// sampleHeap records the peak of the live heap (objects, in bytes) into
// peak every 50 ms until the returned function is called.
func sampleHeap(peak *uint64) (stop func()) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value; v.Kind() == metrics.KindUint64 && v.Uint64() > *peak {
			*peak = v.Uint64()
		}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		read()
	}
}

// cpuTime returns the CPU time (user and system) of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS returns the peak resident set size of this process, in bytes.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes
	}
	return int64(ru.Maxrss) * 1024 // kilobytes
}
