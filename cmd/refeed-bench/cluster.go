//go:build unix

package main

// The cluster mode measures the real daemon sharing a PostgreSQL store:
// for each count of instances (-instances 1,2), it creates a database of
// its own on the server (-store, an administrator's URL), serves new
// synthetic sources from a child process, starts that many `refeed run`
// processes on the same configuration (but each instance's name and data
// folder) and measures the cold cycle: from the start of the processes
// until every source is stored (its last success set) and the leader
// published every feed the saves changed (no feed change left in the
// store). It reports the wall time of both, the CPU time of the refeed
// processes (at the end of the cycle, from /proc) and of the PostgreSQL
// server's processes, their peak memory, and the transactions committed
// in the database (pg_stat_database's xact_commit, read after the
// instances stopped, this program's own polls not counted).
//
//	go run ./cmd/refeed-bench cluster -store postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	go run ./cmd/refeed-bench cluster -store ... -sources 10000 -items 50 -instances 1,2
//
// The machine's cores are shared by everything: the feed server, the
// instances and the PostgreSQL server. On a 2-core machine the cycle is
// bound by CPU, not by fetches, so a second instance adds slots but no
// cores: compare the CPU per item, and read the throughput of
// fetch-bound sources from e2e's TestClusterThroughput.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

// clusterOptions are the flags of the cluster command.
type clusterOptions struct {
	feedParams
	refeed      string
	server      string
	instances   []int
	concurrency int
	timeout     time.Duration
	keep        bool
}

// A clusterRun is what one cold cycle of n instances measured.
type clusterRun struct {
	instances       int
	stored, done    time.Duration // wall: every source stored; every feed published
	refeedCPU       time.Duration // every instance's, at the end of the cycle
	pgCPU           time.Duration // the server's, during the cycle
	pgMeasured      bool
	commits         int64
	maxRSS          int64 // the largest instance's peak
	items           int64 // items stored at the end (after the leader's retention)
	perInstanceCPU  []time.Duration
	perInstanceSrcs []int // sources each instance refreshed (its log's "refreshed" lines)
}

// cmdCluster is the cluster command.
func cmdCluster(args []string) error {
	var o clusterOptions
	var instances string
	fs := flag.NewFlagSet("refeed-bench cluster", flag.ContinueOnError)
	fs.IntVar(&o.sources, "sources", 2000, "number of synthetic sources (the goal's size is 10000)")
	fs.IntVar(&o.items, "items", 50, "items per source")
	fs.Float64Var(&o.noValidators, "novalidators", 0.2, "fraction of the sources sending no ETag nor Last-Modified")
	fs.BoolVar(&o.article, "article", false, "article-sized items (about 4 KB of content each)")
	fs.IntVar(&o.concurrency, "concurrency", 8, "fetch.concurrency of each instance")
	fs.StringVar(&instances, "instances", "1,2", "comma-separated counts of instances to measure, one cold cycle each")
	fs.StringVar(&o.server, "store", os.Getenv("REFEED_TEST_POSTGRES"), "URL of the PostgreSQL server, as an administrator who may create databases (default $REFEED_TEST_POSTGRES)")
	fs.StringVar(&o.refeed, "refeed", "", "the refeed binary to measure (default: go build github.com/refeed/refeed into a temporary folder)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up on a cycle after this long")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder and the databases")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.sources <= 0 || o.items <= 0 {
		return errors.New("-sources and -items must be positive")
	}
	if o.server == "" {
		return errors.New("no PostgreSQL server: give -store postgres://USER@HOST:PORT/DB (an administrator's) or set REFEED_TEST_POSTGRES")
	}
	for _, f := range strings.Split(instances, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("-instances %q: want positive counts separated by commas", instances)
		}
		o.instances = append(o.instances, n)
	}
	ctx := context.Background()
	srv, err := newPGServer(ctx, o.server)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "refeed-bench-cluster-")
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
	fmt.Printf("refeed-bench cluster: %s; %d sources × %d items, %.0f%% without validators, fetch concurrency %d an instance, %d CPUs, PostgreSQL CPU %s\n",
		bin, o.sources, o.items, 100*o.noValidators, o.concurrency, runtime.NumCPU(), map[bool]string{true: "measured", false: "not measured (server not on this machine)"}[srv.postmaster != 0])
	var runs []clusterRun
	for _, n := range o.instances {
		run, err := clusterCycle(ctx, o, srv, bin, filepath.Join(tmp, fmt.Sprint("n", n)), n)
		if err != nil {
			return fmt.Errorf("%d instances: %w", n, err)
		}
		runs = append(runs, run)
		fmt.Fprintf(os.Stderr, "  %d instances: %s\n", n, run.done.Round(time.Millisecond))
	}
	printClusterRuns(o, runs)
	return nil
}

// clusterCycle measures the cold cycle of n instances in dir.
func clusterCycle(ctx context.Context, o clusterOptions, srv *pgServer, bin, dir string, n int) (clusterRun, error) {
	run := clusterRun{instances: n}
	db := fmt.Sprintf("refeed_bench_cluster_%d", n)
	dbURL, err := srv.create(ctx, db)
	if err != nil {
		return run, err
	}
	if !o.keep {
		defer srv.drop(context.WithoutCancel(ctx), db)
	}
	child, err := startFeedChild(o.feedParams)
	if err != nil {
		return run, err
	}
	defer child.stop()

	commits0, err := srv.commits(ctx, db)
	if err != nil {
		return run, err
	}
	cpu0, _ := srv.cpu()
	procs := make([]*exec.Cmd, n)
	waits := make([]chan error, n) // each process's Wait, once it exits
	logs := make([]string, n)
	defer func() {
		for i, p := range procs {
			if p != nil {
				_ = p.Process.Kill()
				<-waits[i]
			}
		}
	}()
	t0 := time.Now()
	for i := range n {
		idir := filepath.Join(dir, fmt.Sprint("i", i+1))
		if err := os.MkdirAll(idir, 0o755); err != nil {
			return run, err
		}
		cfg := filepath.Join(idir, "config.yaml")
		if err := writeClusterConfig(cfg, idir, dbURL, fmt.Sprint("i", i+1), n, o, child); err != nil {
			return run, err
		}
		logs[i] = filepath.Join(idir, "refeed.log")
		logFile, err := os.Create(logs[i])
		if err != nil {
			return run, err
		}
		cmd := exec.Command(bin, "run", "-config", cfg)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		err = cmd.Start()
		logFile.Close()
		if err != nil {
			return run, err
		}
		procs[i], waits[i] = cmd, make(chan error, 1)
		go func() { waits[i] <- cmd.Wait(); close(waits[i]) }()
	}

	// Poll the store until the cycle is done.
	conn, err := connectRetry(ctx, dbURL, 10*time.Second)
	if err != nil {
		return run, err
	}
	defer conn.Close(ctx)
	polls := int64(0)
	deadline := time.Now().Add(o.timeout)
	for {
		if time.Now().After(deadline) {
			return run, fmt.Errorf("the cycle took longer than -timeout %s (see the logs in %s; -keep keeps them)", o.timeout, dir)
		}
		for i := range procs {
			select {
			case err := <-waits[i]:
				return run, fmt.Errorf("instance %d exited during the cycle: %v (see %s)", i+1, err, logs[i])
			default:
			}
		}
		time.Sleep(200 * time.Millisecond)
		var stored, changes, rendered int64
		polls++
		err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM sources WHERE configured AND last_success > 0),
			(SELECT count(*) FROM feed_changes), (SELECT count(*) FROM rendered)`).Scan(&stored, &changes, &rendered)
		if err != nil {
			if strings.Contains(err.Error(), "does not exist") {
				continue // the instances are still creating the tables
			}
			return run, fmt.Errorf("poll the store: %w", err)
		}
		if stored == int64(o.sources) && run.stored == 0 {
			run.stored = time.Since(t0)
		}
		if run.stored > 0 && changes == 0 && rendered > 0 {
			run.done = time.Since(t0)
			break
		}
	}
	for _, p := range procs {
		c, err := procCPU(p.Process.Pid)
		if err != nil {
			return run, err
		}
		run.perInstanceCPU = append(run.perInstanceCPU, c)
		run.refeedCPU += c
		if rss, err := procPeakRSS(p.Process.Pid); err == nil {
			run.maxRSS = max(run.maxRSS, rss)
		}
	}
	cpu1, ok := srv.cpu()
	run.pgCPU, run.pgMeasured = cpu1-cpu0, ok
	polls++
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&run.items); err != nil {
		return run, fmt.Errorf("count the items: %w", err)
	}
	conn.Close(ctx)

	// Stop the instances; their backends report their commits as they end.
	for i, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-waits[i]:
			if err != nil {
				return run, fmt.Errorf("instance %d: %w (see %s)", i+1, err, logs[i])
			}
		case <-time.After(30 * time.Second):
			return run, fmt.Errorf("instance %d did not stop within 30 s of SIGTERM (see %s)", i+1, logs[i])
		}
		refreshed, err := countLogLines(logs[i], " msg=refreshed ")
		if err != nil {
			return run, err
		}
		run.perInstanceSrcs = append(run.perInstanceSrcs, refreshed)
	}
	time.Sleep(1500 * time.Millisecond)
	commits1, err := srv.commits(ctx, db)
	if err != nil {
		return run, err
	}
	// The polls are one transaction each, and so is the connection's
	// start-up; the instances' shutdown adds a few of their own.
	run.commits = commits1 - commits0 - polls - 1
	return run, nil
}

// writeClusterConfig writes the configuration of the instance name of n:
// no HTTP server, its own data folder, the store at dbURL, and sources
// scheduled once a year, so that the cold cycle is the only one.
func writeClusterConfig(path, dir, dbURL, name string, n int, o clusterOptions, child *feedChild) error {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: \"\"\nbase_url: http://localhost:8080\ndata_dir: %s\nstore: %s\nschedule: \"0 0 1 1 *\"\n",
		strconv.Quote(filepath.Join(dir, "data")), strconv.Quote(dbURL))
	fmt.Fprintf(&b, "cluster:\n  instance: %s\n", name)
	// Every source is on one host: per_host is the cluster's limit, so it
	// leaves each instance its concurrency.
	fmt.Fprintf(&b, "fetch:\n  concurrency: %d\n  per_host: %d\n", o.concurrency, n*o.concurrency)
	b.WriteString("retention:\n  max_items: 200\n  max_age: 720h\nsources:\n")
	for s := range o.sources {
		fmt.Fprintf(&b, "  - name: s%05d\n    url: %s\n", s, child.url(s))
	}
	b.WriteString(onceTopics)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	return nil
}

// connectRetry connects to url, retrying for up to within.
func connectRetry(ctx context.Context, url string, within time.Duration) (*pgx.Conn, error) {
	deadline := time.Now().Add(within)
	for {
		conn, err := pgx.Connect(ctx, url)
		if err == nil || time.Now().After(deadline) {
			return conn, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countLogLines returns the lines of the file at path that contain sub.
func countLogLines(path, sub string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strings.Count(string(b), sub), nil
}

func printClusterRuns(o clusterOptions, runs []clusterRun) {
	fmt.Printf("cold cycle of %d sources × %d items (per item: of the %d the sources sent; %d stored at the end, the rest past retention):\n",
		o.sources, o.items, o.sources*o.items, runs[0].items)
	w := tabwriter.NewWriter(os.Stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "instances\tstored\tpublished\titems/s\trefeed CPU\tµs/item\tPostgreSQL CPU\tµs/item\tcommits\tcommits/s\tpeak RSS\tsources by instance\t")
	for _, r := range runs {
		items := float64(o.sources * o.items)
		pg, pgPer := "n/a", "n/a"
		if r.pgMeasured {
			pg = r.pgCPU.Round(10 * time.Millisecond).String()
			pgPer = fmt.Sprintf("%.0f", float64(r.pgCPU.Microseconds())/items)
		}
		var by []string
		for _, k := range r.perInstanceSrcs {
			by = append(by, strconv.Itoa(k))
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%.0f\t%s\t%.0f\t%s\t%s\t%d\t%.1f\t%.0f MiB\t%s\t\n",
			r.instances, r.stored.Round(10*time.Millisecond), r.done.Round(10*time.Millisecond), items/r.done.Seconds(),
			r.refeedCPU.Round(10*time.Millisecond), float64(r.refeedCPU.Microseconds())/items, pg, pgPer,
			r.commits, float64(r.commits)/r.done.Seconds(), float64(r.maxRSS)/(1<<20), strings.Join(by, "/"))
	}
	w.Flush()
}
