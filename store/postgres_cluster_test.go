package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/refeed/refeed/store"
)

// openPostgres opens n stores on one new database, as n instances would.
func openPostgres(t *testing.T, name string, n int) []*store.Postgres {
	t.Helper()
	u := pgDatabase(t, pgServer(t), name)
	out := make([]*store.Postgres, n)
	for i := range out {
		s, err := store.OpenPostgres(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// TestPostgresInstancesClaimOnce: three instances (stores of their own,
// with pools of their own), each claiming with several workers at once,
// with a per-host limit, claim every due source once and never exceed the
// limit; the fenced save of each refresh ends its claim.
func TestPostgresInstancesClaimOnce(t *testing.T) {
	stores := openPostgres(t, "refeed_test_instances_claim", 3)
	ctx := context.Background()
	const sources, hosts, perHost = 90, 5, 3
	var scheds []store.Schedule
	for i := range sources {
		scheds = append(scheds, store.Schedule{Name: fmt.Sprintf("s%03d", i), Host: fmt.Sprintf("h%d", i%hosts), Digest: "1"})
	}
	if err := stores[0].SyncSources(ctx, scheds, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	leased := map[string]int{}
	most := 0
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, s := range stores {
		for w := range 3 {
			owner := fmt.Sprintf("instance%d", i)
			wg.Go(func() {
				<-start
				for range 1000 {
					cs, next, err := s.Claim(ctx, owner, 2, time.Minute, perHost)
					if err != nil {
						t.Error(err)
						return
					}
					if len(cs) == 0 {
						if next < 0 || next > time.Minute {
							return // every source refreshed
						}
						time.Sleep(5 * time.Millisecond)
						continue
					}
					mu.Lock()
					for _, c := range cs {
						claimed[c.Name]++
						h := scheds[indexOf(c.Name)].Host
						leased[h]++
						most = max(most, leased[h])
					}
					mu.Unlock()
					for _, c := range cs {
						mu.Lock()
						leased[scheds[indexOf(c.Name)].Host]--
						mu.Unlock()
						st := store.SourceState{Name: c.Name, ETag: fmt.Sprint(w), Lease: &store.Lease{Owner: owner, Gen: c.Gen,
							Next: func(now time.Time) time.Time { return now.Add(time.Hour) }}}
						if _, err := s.SaveSource(ctx, st, nil, time.Now()); err != nil {
							t.Error(err)
						}
					}
				}
				t.Errorf("%s: still claiming after 1000 claims", owner)
			})
		}
	}
	close(start)
	wg.Wait()
	if len(claimed) != sources {
		t.Errorf("%d sources claimed, want %d", len(claimed), sources)
	}
	for name, n := range claimed {
		if n != 1 {
			t.Errorf("%s claimed %d times", name, n)
		}
	}
	if most > perHost {
		t.Errorf("%d sources of a host leased at once, limit %d", most, perHost)
	}
}

// indexOf returns the number of a source named by TestPostgresInstancesClaimOnce.
func indexOf(name string) int {
	var i int
	fmt.Sscanf(name, "s%d", &i)
	return i
}

// TestPostgresTakeoverFencesTheOldLeader: of two instances, the second
// takes the lead once the first's expired; the first's changes with its
// term then fail, and a change under way with its term keeps the second
// from taking over until it ends.
func TestPostgresTakeoverFencesTheOldLeader(t *testing.T) {
	stores := openPostgres(t, "refeed_test_takeover", 2)
	a, b := stores[0], stores[1]
	ctx := context.Background()
	la, err := a.Lead(ctx, store.Candidate{Owner: "a", TTL: 300 * time.Millisecond, Candidate: true})
	if err != nil || !la.Self {
		t.Fatalf("a: %+v, %v", la, err)
	}
	actx := store.WithTerm(ctx, "a", la.Term)
	// A fenced change under way (its transaction held open by a lock the
	// test holds) keeps b from leading, even past a's lead.
	conn, err := pgx.Connect(ctx, a.Pool().Config().ConnConfig.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE meta IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	setDone := make(chan error, 1)
	go func() { setDone <- a.SetMeta(actx, "k", "a") }()
	time.Sleep(500 * time.Millisecond) // a's lead has expired
	leadDone := make(chan store.Leader, 1)
	go func() {
		l, err := b.Lead(ctx, store.Candidate{Owner: "b", TTL: time.Minute, Candidate: true})
		if err != nil {
			t.Error(err)
		}
		leadDone <- l
	}()
	select {
	case l := <-leadDone:
		t.Fatalf("b led while a's fenced change was under way: %+v", l)
	case <-time.After(300 * time.Millisecond):
	}
	tx.Rollback(ctx)
	if err := <-setDone; err != nil {
		t.Errorf("a's change, begun while it led: %v", err)
	}
	var lb store.Leader
	select {
	case lb = <-leadDone:
	case <-time.After(5 * time.Second):
		t.Fatal("b did not lead within 5 s of a's change")
	}
	if !lb.Self || lb.Term <= la.Term {
		t.Fatalf("b: %+v (a %+v)", lb, la)
	}
	if err := a.SetMeta(actx, "k", "late"); !errors.Is(err, store.ErrNotLeader) {
		t.Errorf("a's change after b took over: %v", err)
	}
	if v, _ := b.Meta(ctx, "k"); v != "a" {
		t.Errorf("meta %q", v)
	}
}

// TestPostgresRenderedChangedAcrossInstances: an instance hears of feeds
// another rendered; its listening connection killed, it connects again,
// says so, and hears of the next.
func TestPostgresRenderedChangedAcrossInstances(t *testing.T) {
	stores := openPostgres(t, "refeed_test_rendered_changed", 2)
	a, b := stores[0], stores[1]
	ctx := context.Background()
	l, err := a.Lead(ctx, store.Candidate{Owner: "a", TTL: time.Minute, Candidate: true})
	if err != nil {
		t.Fatal(err)
	}
	actx := store.WithTerm(ctx, "a", l.Term)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := b.RenderedChanged(lctx)
	wait := func(what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not notified within 5 s", what)
		}
	}
	if err := a.PutRendered(actx, []store.RenderedFeed{{Slug: "nato", Title: "1"}}); err != nil {
		t.Fatal(err)
	}
	wait("a rendering")
	var killed int
	if err := a.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN refeed_rendered'`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("%d listeners killed, %v", killed, err)
	}
	wait("the listener connecting again")
	if err := a.PutRendered(actx, []store.RenderedFeed{{Slug: "nato", Title: "2"}}); err != nil {
		t.Fatal(err)
	}
	wait("a rendering after the listener connected again")
	fs, _, err := b.Rendered(ctx, 0)
	if err != nil || len(fs) != 1 || fs[0].Title != "2" {
		t.Errorf("b reads %+v, %v", fs, err)
	}
	// Close ends the listener, whose context has not ended.
	done := make(chan struct{})
	go func() { b.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5 s of a listener")
	}
}

// TestPostgresMigratesSources: a database of schema version 1 with
// sources keeps them, never scheduled nor configured, until SyncSources.
func TestPostgresMigratesSources(t *testing.T) {
	u := pgDatabase(t, pgServer(t), "refeed_test_migrate_sources")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`CREATE TABLE refeed_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`,
		store.PGMigrations()[0],
		`INSERT INTO refeed_schema (version) VALUES (1)`,
		`INSERT INTO sources VALUES ('a', 'https://a.example/feed', '', '', '"e"', '', '', 0, 1, '', 0, 0)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s, err := store.OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Version(ctx); err != nil || v != len(store.PGMigrations()) {
		t.Fatalf("version %d, %v", v, err)
	}
	st, err := s.Source(ctx, "a")
	if err != nil || st.ETag != `"e"` || !st.NextDue.IsZero() {
		t.Errorf("a after migrating: %+v, %v", st, err)
	}
	if cs, next, err := s.Claim(ctx, "i", 5, time.Minute, 0); err != nil || len(cs) != 0 || next != -1 {
		t.Errorf("claims before SyncSources: %v, %v, %v", cs, next, err)
	}
	if err := s.SyncSources(ctx, []store.Schedule{{Name: "a", Host: "a.example", Digest: "1"}}, false); err != nil {
		t.Fatal(err)
	}
	cs, _, err := s.Claim(ctx, "i", 5, time.Minute, 0)
	if err != nil || len(cs) != 1 || cs[0].Name != "a" {
		t.Errorf("claims after SyncSources: %v, %v", cs, err)
	}
	if st, _ := s.Source(ctx, "a"); st.ETag != `"e"` {
		t.Errorf("a's state after SyncSources: %+v", st)
	}
}

// TestPostgresSyncAnalyzes: after a sync that configured many sources,
// the planner reads the leased sources of a claim with a per-host limit
// from their partial index, not by a scan of the whole table (it would
// until autovacuum analyzed the new rows: a claim at 1,000,000 sources
// took 150 ms instead of 2).
func TestPostgresSyncAnalyzes(t *testing.T) {
	u := pgDatabase(t, pgServer(t), "refeed_test_sync_analyzes")
	ctx := context.Background()
	s, err := store.OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scheds := make([]store.Schedule, 20000)
	for i := range scheds {
		scheds[i] = store.Schedule{Name: fmt.Sprintf("s%05d", i), Host: fmt.Sprintf("h%03d.example", i%500), Digest: "d"}
	}
	if err := s.SyncSources(ctx, scheds, false); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `EXPLAIN SELECT host FROM sources WHERE lease_owner <> '' AND next_due > now() GROUP BY host HAVING count(*) >= 8`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if all := fmt.Sprint(lines); !strings.Contains(all, "sources_leased") {
		t.Errorf("the leased sources are not read from their index after a sync of %d sources:\n%s", len(scheds), strings.Join(lines, "\n"))
	}
}
