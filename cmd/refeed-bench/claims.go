//go:build unix

package main

// The claims mode measures what scheduling costs the PostgreSQL store
// when there are very many sources: it syncs -sources sources (1,000,000
// by default, over -hosts hosts) into a database of its own, then, for
// each count of instances (each a store of its own, with its own pool of
// connections, as an instance has), claims due sources and completes each
// claim with a fenced write of its state, as an instance does for a
// source that answered 304, through the store's own methods (Claim and
// PutSource with a Lease). Fetches take no time here: what it measures is
// the most claims the store completes in a second, the latency of a claim
// and of a completion, the transactions committed per source (from
// pg_stat_database) and the CPU time of the server per source. Each
// completion schedules the source 15 minutes later, so every claim of a
// measurement takes a source no earlier one took.
//
//	go run ./cmd/refeed-bench claims -store postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	go run ./cmd/refeed-bench claims -store ... -instances 1,2,4 -per-host 0,8 -duration 20s

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/refeed/refeed/store"
)

// claimsOptions are the flags of the claims command.
type claimsOptions struct {
	server    string
	sources   int
	hosts     int
	instances []int
	perHost   []int
	slots     int
	duration  time.Duration
	lease     time.Duration
	keep      bool
}

// A claimsRun is what one measurement of the claims mode found.
type claimsRun struct {
	instances, perHost int
	wall               time.Duration
	claimed            int64 // sources claimed and completed
	claimCalls         int64
	emptyCalls         int64         // claims that took no source
	claimTime          time.Duration // summed over the calls
	completeTime       time.Duration // summed over the completions
	commits            int64
	pgCPU, benchCPU    time.Duration
	pgMeasured         bool
}

// cmdClaims is the claims command.
func cmdClaims(args []string) error {
	var o claimsOptions
	var instances, perHost string
	fs := flag.NewFlagSet("refeed-bench claims", flag.ContinueOnError)
	fs.StringVar(&o.server, "store", os.Getenv("REFEED_TEST_POSTGRES"), "URL of the PostgreSQL server, as an administrator who may create databases (default $REFEED_TEST_POSTGRES)")
	fs.IntVar(&o.sources, "sources", 1_000_000, "configured sources")
	fs.IntVar(&o.hosts, "hosts", 20_000, "hosts the sources are spread over")
	fs.StringVar(&instances, "instances", "1,2,4", "comma-separated counts of instances to measure")
	fs.StringVar(&perHost, "per-host", "0,8", "comma-separated fetch.per_host limits to measure (0: none)")
	fs.IntVar(&o.slots, "slots", 8, "refreshes at once an instance (fetch.concurrency): the most one claim takes")
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "how long each measurement claims")
	fs.DurationVar(&o.lease, "lease", time.Minute, "the claims' lease (cluster.lease)")
	fs.BoolVar(&o.keep, "keep", false, "keep the database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.server == "" {
		return errors.New("no PostgreSQL server: give -store postgres://USER@HOST:PORT/DB (an administrator's) or set REFEED_TEST_POSTGRES")
	}
	if o.sources <= 0 || o.hosts <= 0 || o.slots <= 0 || o.duration <= 0 {
		return errors.New("-sources, -hosts, -slots and -duration must be positive")
	}
	var err error
	if o.instances, err = positiveList(instances, 1); err != nil {
		return fmt.Errorf("-instances: %w", err)
	}
	if o.perHost, err = positiveList(perHost, 0); err != nil {
		return fmt.Errorf("-per-host: %w", err)
	}
	ctx := context.Background()
	srv, err := newPGServer(ctx, o.server)
	if err != nil {
		return err
	}
	const db = "refeed_bench_claims"
	dbURL, err := srv.create(ctx, db)
	if err != nil {
		return err
	}
	if !o.keep {
		defer srv.drop(context.WithoutCancel(ctx), db)
	}
	t0 := time.Now()
	if err := syncBenchSources(ctx, dbURL, o.sources, o.hosts); err != nil {
		return err
	}
	fmt.Printf("refeed-bench claims: %d sources over %d hosts, synced in %s; %d slots an instance, lease %s, %s a measurement\n",
		o.sources, o.hosts, time.Since(t0).Round(time.Millisecond), o.slots, o.lease, o.duration)
	var runs []claimsRun
	for _, ph := range o.perHost {
		for _, n := range o.instances {
			run, err := claimsRound(ctx, o, srv, db, dbURL, n, ph)
			if err != nil {
				return fmt.Errorf("%d instances, per_host %d: %w", n, ph, err)
			}
			runs = append(runs, run)
			fmt.Fprintf(os.Stderr, "  %d instances, per_host %d: %d claims\n", n, ph, run.claimed)
		}
	}
	printClaimsRuns(runs)
	return nil
}

// claimsRound measures n instances claiming for o.duration.
func claimsRound(ctx context.Context, o claimsOptions, srv *pgServer, db, dbURL string, n, perHost int) (claimsRun, error) {
	run := claimsRun{instances: n, perHost: perHost}
	stores := make([]*store.Postgres, n)
	for i := range stores {
		st, err := store.OpenPostgres(ctx, dbURL)
		if err != nil {
			return run, err
		}
		stores[i] = st
	}
	commits0, err := srv.commits(ctx, db)
	if err != nil {
		return run, err
	}
	pg0, _ := srv.cpu()
	cpu0 := cpuTime()
	next := func(now time.Time) time.Time { return now.Add(15 * time.Minute) }
	var claimed, calls, empty, claimNs, completeNs atomic.Int64
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	rctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i, st := range stores {
		owner := fmt.Sprint("i", i+1)
		wg.Go(func() {
			for rctx.Err() == nil {
				t := time.Now()
				claims, wait, err := st.Claim(ctx, owner, o.slots, o.lease, perHost)
				claimNs.Add(int64(time.Since(t)))
				calls.Add(1)
				if err != nil {
					fail(err)
					return
				}
				if len(claims) == 0 {
					// Another instance took the same sources meanwhile (a
					// claim with a per-host limit picks its candidates
					// before it locks them), or none is left.
					empty.Add(1)
					if wait != 0 && rctx.Err() == nil {
						fail(errors.New("no due source left to claim: give more -sources or a shorter -duration"))
						return
					}
				}
				// The completions run at once, as the refreshes of an
				// instance's slots do.
				var cw sync.WaitGroup
				for _, c := range claims {
					cw.Go(func() {
						t := time.Now()
						now := time.Now()
						err := st.PutSource(ctx, store.SourceState{Name: c.Name, URL: "http://" + c.Name + ".example/feed", ETag: `"e"`,
							LastAttempt: now, LastSuccess: now, Lease: &store.Lease{Owner: owner, Gen: c.Gen, Next: next}})
						completeNs.Add(int64(time.Since(t)))
						if err != nil {
							fail(err)
							return
						}
						claimed.Add(1)
					})
				}
				cw.Wait()
			}
		})
	}
	wg.Wait()
	run.wall = time.Since(start)
	run.benchCPU = cpuTime() - cpu0
	pg1, ok := srv.cpu()
	run.pgCPU, run.pgMeasured = pg1-pg0, ok
	for _, st := range stores {
		st.Close()
	}
	if firstErr != nil {
		return run, firstErr
	}
	run.claimed, run.claimCalls, run.emptyCalls = claimed.Load(), calls.Load(), empty.Load()
	run.claimTime, run.completeTime = time.Duration(claimNs.Load()), time.Duration(completeNs.Load())
	// The backends report their commits as their connections close.
	time.Sleep(1500 * time.Millisecond)
	commits1, err := srv.commits(ctx, db)
	if err != nil {
		return run, err
	}
	run.commits = commits1 - commits0
	return run, nil
}

// syncBenchSources configures n sources over the given number of hosts in
// the store at dbURL: all due at once.
func syncBenchSources(ctx context.Context, dbURL string, n, hosts int) error {
	st, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	scheds := make([]store.Schedule, n)
	for i := range scheds {
		scheds[i] = store.Schedule{Name: fmt.Sprintf("s%07d", i), Host: fmt.Sprintf("h%05d.example", i%hosts), Digest: "d"}
	}
	return st.SyncSources(ctx, scheds, false)
}

// positiveList parses a comma-separated list of integers of at least least.
func positiveList(s string, least int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			return nil, fmt.Errorf("%q: want integers of at least %d separated by commas", s, least)
		}
		out = append(out, n)
	}
	return out, nil
}

func printClaimsRuns(runs []claimsRun) {
	w := tabwriter.NewWriter(os.Stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "per_host\tinstances\tsources claimed\tclaims/s\tms/claim call\tsources/call\tempty calls\tms/completion\tcommits/source\tPostgreSQL CPU µs/source\tinstances' CPU µs/source\t")
	for _, r := range runs {
		k := float64(max(r.claimed, 1))
		pg := "n/a"
		if r.pgMeasured {
			pg = fmt.Sprintf("%.0f", float64(r.pgCPU.Microseconds())/k)
		}
		fmt.Fprintf(w, "%d\t%d\t%d\t%.0f\t%.2f\t%.1f\t%d\t%.2f\t%.2f\t%s\t%.0f\t\n",
			r.perHost, r.instances, r.claimed, k/r.wall.Seconds(),
			float64(r.claimTime.Microseconds())/1000/float64(max(r.claimCalls, 1)), k/float64(max(r.claimCalls, 1)), r.emptyCalls,
			float64(r.completeTime.Microseconds())/1000/k, float64(r.commits)/k, pg, float64(r.benchCPU.Microseconds())/k)
	}
	w.Flush()
}
