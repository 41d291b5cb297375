package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/cluster"
	"github.com/refeed/refeed/internal/pgtest"
	"github.com/refeed/refeed/store"
)

var discard = slog.New(slog.DiscardHandler)

// backends opens, for each backend, a way to open stores on one shared
// state: for SQLite one store (one process holds the file), for
// PostgreSQL a new connection pool to the same database per call, as each
// instance has.
func backends(t *testing.T) map[string]func() store.Store {
	t.Helper()
	out := map[string]func() store.Store{}
	path := filepath.Join(t.TempDir(), store.FileName)
	var once sync.Once
	var lite store.Store
	out["sqlite"] = func() store.Store {
		once.Do(func() {
			st, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			lite = st
		})
		return lite
	}
	url := pgtest.Database(t, "")
	out["postgres"] = func() store.Store {
		st, err := store.OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return out
}

// sources returns n schedules on hosts of their own.
func sources(n int) []store.Schedule {
	out := make([]store.Schedule, n)
	for i := range out {
		out[i] = store.Schedule{Name: fmt.Sprintf("s%03d", i), Host: fmt.Sprintf("h%d.example", i), Digest: "1"}
	}
	return out
}

// refresher counts refreshes per source and completes each claim, fenced,
// with the next due time an hour away.
type refresher struct {
	st    store.Store
	owner string
	mu    *sync.Mutex
	seen  map[string][]string // source: owners
}

func (r *refresher) refresh(ctx context.Context, c store.Claim) bool {
	next := func(now time.Time) time.Time { return now.Add(time.Hour) }
	// A fetch takes time: without it, one instance can claim and finish
	// every source before another has started.
	time.Sleep(20 * time.Millisecond)
	err := r.st.PutSource(ctx, store.SourceState{Name: c.Name, Lease: &store.Lease{Owner: r.owner, Gen: c.Gen, Next: next}})
	if err != nil {
		return false
	}
	r.mu.Lock()
	r.seen[c.Name] = append(r.seen[c.Name], r.owner)
	r.mu.Unlock()
	return true
}

// TestClaimersRefreshEachSourceOnce: instances sharing a store (two on
// PostgreSQL; one on SQLite, as only one process opens its file) refresh
// every due source exactly once, and on PostgreSQL both take part.
func TestClaimersRefreshEachSourceOnce(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			instances := 2
			if name == "sqlite" {
				instances = 1
			}
			const n = 60
			if err := open().SyncSources(context.Background(), sources(n), false); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string][]string{}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for i := range instances {
				st := open()
				r := &refresher{st: st, owner: fmt.Sprint("i", i), mu: &mu, seen: seen}
				c := &cluster.Claimer{Store: st, Owner: r.owner, Slots: 4, Lease: 5 * time.Second, Poll: 20 * time.Millisecond, Refresh: r.refresh, Log: discard}
				wg.Go(func() { c.Run(ctx) })
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				mu.Lock()
				done := len(seen)
				mu.Unlock()
				if done == n || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Longer than a poll: a second refresh would show.
			time.Sleep(100 * time.Millisecond)
			cancel()
			wg.Wait()
			owners := map[string]int{}
			for src, by := range seen {
				if len(by) != 1 {
					t.Errorf("%s refreshed %d times (by %v)", src, len(by), by)
				}
				owners[by[0]]++
			}
			if len(seen) != n {
				t.Errorf("%d of %d sources refreshed", len(seen), n)
			}
			if len(owners) != instances {
				t.Errorf("refreshes by instance: %v; want every one of %d to take part", owners, instances)
			}
		})
	}
}

// TestLostLeaseEndsTheRefresh: a refresh whose claim is lost (here: the
// source was dropped from the configuration, as by a reload elsewhere)
// sees its context end, and what it writes afterwards is refused.
func TestLostLeaseEndsTheRefresh(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := st.SyncSources(ctx, sources(1), false); err != nil {
				t.Fatal(err)
			}
			result := make(chan error, 1)
			started := make(chan struct{})
			c := &cluster.Claimer{Store: st, Owner: "a", Slots: 1, Lease: 300 * time.Millisecond, Poll: 20 * time.Millisecond, Log: discard,
				Refresh: func(rctx context.Context, cl store.Claim) bool {
					close(started)
					select {
					case <-rctx.Done():
					case <-time.After(10 * time.Second):
					}
					next := func(now time.Time) time.Time { return now.Add(time.Hour) }
					result <- st.PutSource(context.Background(), store.SourceState{Name: cl.Name, Lease: &store.Lease{Owner: "a", Gen: cl.Gen, Next: next}})
					return false
				}}
			var wg sync.WaitGroup
			wg.Go(func() { c.Run(ctx) })
			defer wg.Wait()
			defer cancel()
			<-started
			if err := st.SyncSources(ctx, nil, false); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-result:
				if err == nil {
					t.Error("a write after the lease was lost was accepted")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the refresh went on after its lease was lost")
			}
		})
	}
}

// TestLeaderFailover: of two instances, one leads and runs rounds; when it
// stops (resigning), the other leads within the TTL, in a greater term.
func TestLeaderFailover(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			rounds := map[string][]int64{} // owner: terms of its rounds
			leaders := make([]*cluster.Leader, 2)
			cancels := make([]context.CancelFunc, 2)
			var wg sync.WaitGroup
			for i := range leaders {
				st := open()
				owner := fmt.Sprint("i", i)
				l := &cluster.Leader{Store: st, Owner: owner, TTL: 600 * time.Millisecond, Candidate: true, Poll: 20 * time.Millisecond,
					Hash: func() string { return "h" }, Log: discard,
					Round: func(ctx context.Context, first bool) {
						mu.Lock()
						rounds[owner] = append(rounds[owner], 0)
						mu.Unlock()
					}}
				leaders[i] = l
				ctx, cancel := context.WithCancel(context.Background())
				cancels[i] = cancel
				wg.Go(func() { l.Run(ctx) })
			}
			defer func() {
				for _, c := range cancels {
					c()
				}
				wg.Wait()
			}()
			first := waitLeader(t, leaders, -1)
			term := leaders[first].Current().Term
			cancels[first]()
			second := waitLeader(t, leaders, first)
			if got := leaders[second].Current().Term; got <= term {
				t.Errorf("new leader's term %d, want more than %d", got, term)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(rounds[fmt.Sprint("i", second)]) == 0 {
				t.Error("the new leader ran no round")
			}
		})
	}
}

// waitLeader returns the index of the leader that leads, other than not.
func waitLeader(t *testing.T, leaders []*cluster.Leader, not int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for i, l := range leaders {
			if i != not && l.Current().Self {
				return i
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no instance leads")
	return -1
}

// TestSkew: an instance whose configuration hash differs from the
// leader's reports it.
func TestSkew(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			lead := &cluster.Leader{Store: open(), Owner: "a", TTL: 2 * time.Second, Candidate: true, Poll: 20 * time.Millisecond,
				Hash: func() string { return "one" }, Round: func(context.Context, bool) {}, Log: discard}
			wg.Go(func() { lead.Run(ctx) })
			waitLeader(t, []*cluster.Leader{lead}, -1)
			other := &cluster.Leader{Store: open(), Owner: "b", TTL: 2 * time.Second, Candidate: true, Poll: 20 * time.Millisecond,
				Hash: func() string { return "two" }, Round: func(context.Context, bool) { t.Error("a skewed instance led") }, Log: discard}
			wg.Go(func() { other.Run(ctx) })
			deadline := time.Now().Add(5 * time.Second)
			for !other.Skewed() {
				if time.Now().After(deadline) {
					t.Fatal("the skewed instance does not know it")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if lead.Skewed() {
				t.Error("the leader reports skew")
			}
		})
	}
}
