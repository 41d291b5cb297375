package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/pgtest"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
	"github.com/refeed/refeed/store/storetest"
)

// pgServer returns the URL of the PostgreSQL server the tests use (see
// pgtest.Server).
func pgServer(t testing.TB) string { return pgtest.Server(t) }

// pgReachable fails the test, once and clearly, when the server at server
// cannot be reached.
func pgReachable(t *testing.T, server string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to the PostgreSQL server of REFEED_TEST_POSTGRES: %v", err)
	}
	conn.Close(ctx)
}

// pgDatabase creates the database name on the server at server, empty, and
// returns its URL (see pgtest.Create).
func pgDatabase(t testing.TB, server, name string) string { return pgtest.Create(t, server, name) }

// TestPostgres runs the conformance suite against the PostgreSQL backend,
// each store a database of its own.
func TestPostgres(t *testing.T) {
	server := pgServer(t)
	pgReachable(t, server)
	var mu sync.Mutex
	created := map[string]string{}
	dbURL := func(t *testing.T, name string) string {
		mu.Lock()
		defer mu.Unlock() // also when pgDatabase fails the test
		u, ok := created[name]
		if !ok {
			u = pgDatabase(t, server, "refeed_test_"+strings.ReplaceAll(name, "-", "_"))
			created[name] = u
		}
		return u
	}
	storetest.Run(t, func(t *testing.T, name string) store.Store {
		s, err := store.OpenPostgres(context.Background(), dbURL(t, name))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestPostgresMigratesOnce: instances opening a new database at once
// migrate it once (the others wait for the migration lock and find the
// schema current), and one opening it again changes nothing.
func TestPostgresMigratesOnce(t *testing.T) {
	u := pgDatabase(t, pgServer(t), "refeed_test_migrate")
	ctx := context.Background()
	const n = 4
	stores := make([]*store.Postgres, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = store.OpenPostgres(ctx, u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var rows int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT count(*) FROM refeed_schema`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	v, err := stores[0].Version(ctx)
	if err != nil || v < 1 || rows != v {
		t.Errorf("version %d (%v), %d migrations recorded", v, err, rows)
	}
	// A schema newer than this refeed knows is refused.
	if _, err := stores[0].Pool().Exec(ctx, `INSERT INTO refeed_schema (version) VALUES (1000)`); err != nil {
		t.Fatal(err)
	}
	if s, err := store.OpenPostgres(ctx, u); err == nil {
		s.Close()
		t.Error("a schema of version 1000 was opened")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %v does not say the schema is newer", err)
	}
}

// TestPostgresErrorsHideThePassword: an error opening a store names the
// database without its password.
func TestPostgresErrorsHideThePassword(t *testing.T) {
	_, err := store.OpenPostgres(context.Background(), "postgres://refeed:s3cret@127.0.0.1:1/refeed?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("opened a store on port 1")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
	_, err = store.OpenPostgres(context.Background(), "postgres://refeed:s3cret@127.0.0.1:5432/refeed?sslmode=nonsense")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("invalid URL: %v", err)
	}
}

// TestPostgresTwoInstancesSameStory: two stores on one database (as two
// refeed instances), each saving a source that carries the same stories,
// at the same moment, store every story once, with both sources.
func TestPostgresTwoInstancesSameStory(t *testing.T) {
	u := pgDatabase(t, pgServer(t), "refeed_test_two_instances")
	ctx := context.Background()
	var stores [2]*store.Postgres
	for i := range stores {
		s, err := store.OpenPostgres(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	const rounds, stories = 20, 5
	for r := range rounds {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, src := range []string{"a", "b"} {
			var items []item.Item
			for k := range stories {
				it := item.Item{Source: src, Link: fmt.Sprintf("https://news.example/%d/%d", r, k),
					Title: fmt.Sprintf("%s's title of story %d of round %d", src, k, r), Content: "<p>x</p>"}
				it.ID = item.NewID(src, &it)
				items = append(items, it)
			}
			wg.Go(func() {
				<-start
				if _, err := stores[i].SaveSource(ctx, store.SourceState{Name: src, LastSuccess: t0}, items, t0); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
	}
	all, err := stores[0].Feed(ctx, config.AllFeed, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != rounds*stories {
		t.Errorf("%d items, want %d", len(all), rounds*stories)
	}
	for _, it := range all {
		if len(it.Sources) != 2 {
			t.Errorf("%s: sources %v", it.Link, it.Sources)
		}
	}
}

// TestPostgresLargeSaves: saves of thousands of items at once, more keys
// than a save locks one by one, succeed on a server of default settings
// (20,000 advisory locks in one transaction exhaust its lock table), and a
// small save of a story one of them carries, at the same moment, merges
// into it.
func TestPostgresLargeSaves(t *testing.T) {
	u := pgDatabase(t, pgServer(t), "refeed_test_large_saves")
	ctx := context.Background()
	s, err := store.OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	const sources, items = 4, 2000
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range sources {
		name := fmt.Sprintf("big%d", w)
		var its []item.Item
		for _, f := range syntheticFrom(items*w, items) {
			for _, it := range f.Items {
				it.Source = name
				it.ID = item.NewID(name, &it)
				its = append(its, it)
			}
		}
		wg.Go(func() {
			<-start
			if res, err := s.SaveSource(ctx, store.SourceState{Name: name, LastSuccess: t0}, its, t0); err != nil || res.New+res.Merged != items {
				t.Errorf("save %s: %+v, %v", name, res, err)
			}
		})
	}
	// The small save carries the link of big0's first item.
	small := item.Item{Source: "small", Link: syntheticFrom(0, 1)[0].Items[0].Link, Title: "The small source's title of the story", Content: "<p>x</p>"}
	small.ID = item.NewID("small", &small)
	wg.Go(func() {
		<-start
		if _, err := s.SaveSource(ctx, store.SourceState{Name: "small", LastSuccess: t0}, []item.Item{small}, t0); err != nil {
			t.Error(err)
		}
	})
	close(start)
	wg.Wait()
	if n, err := s.Count(ctx, config.AllFeed); err != nil || n != sources*items {
		t.Errorf("%d items (%v), want %d", n, err, sources*items)
	}
}
