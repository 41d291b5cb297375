//go:build unix

package main

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/refeed/refeed/internal/pgtest"
)

// TestClaimsRound runs the claims mode's measurement on a small store of
// a real PostgreSQL server: every claimed source is completed once, each
// completion is a transaction of its own, and the server's CPU is read
// from its processes when it runs on this machine.
func TestClaimsRound(t *testing.T) {
	server := pgtest.Server(t)
	ctx := context.Background()
	srv, err := newPGServer(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	o := claimsOptions{server: server, sources: 2000, hosts: 50, slots: 4, duration: 300 * time.Millisecond, lease: time.Minute}
	db := "refeed_test_bench_claims"
	dbURL, err := srv.create(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.drop(context.Background(), db) })
	if err := syncBenchSources(ctx, dbURL, o.sources, o.hosts); err != nil {
		t.Fatal(err)
	}
	for _, perHost := range []int{0, 2} {
		run, err := claimsRound(ctx, o, srv, db, dbURL, 2, perHost)
		if err != nil {
			t.Fatalf("per_host %d: %v", perHost, err)
		}
		if run.claimed == 0 || run.claimCalls == 0 {
			t.Fatalf("per_host %d: %+v: nothing claimed", perHost, run)
		}
		// A completion is one commit; so is a claim (and the next-due
		// query after it), and the stores' opening makes a few.
		if run.commits < run.claimed || run.commits > run.claimed+2*run.claimCalls+50 {
			t.Errorf("per_host %d: %d commits for %d sources in %d claims", perHost, run.commits, run.claimed, run.claimCalls)
		}
		if srv.postmaster != 0 && (!run.pgMeasured || run.pgCPU <= 0) {
			t.Errorf("per_host %d: the server's CPU was not measured: %+v", perHost, run)
		}
	}
}

// TestProcStat reads this process's own /proc entries.
func TestProcStat(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	st, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.ppid != os.Getppid() {
		t.Errorf("ppid %d, want %d", st.ppid, os.Getppid())
	}
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	if cpu, err := procCPU(os.Getpid()); err != nil || cpu <= 0 {
		t.Errorf("CPU %v, %v", cpu, err)
	}
	if rss, err := procPeakRSS(os.Getpid()); err != nil || rss < 1<<20 {
		t.Errorf("peak RSS %d, %v", rss, err)
	}
}
