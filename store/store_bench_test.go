package store_test

// Benchmarks of the store: saving the cleaned and tagged items of every
// source (one SaveSource, one transaction, per source) into a real SQLite
// file, new and unchanged, and reading a feed back. MB/s are bytes of the
// feed documents the items came from, as in the other stages' benchmarks.
//
//	go test ./store -run '^$' -bench . -benchmem -cpu 1

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"refeed/cmd/refeed-bench/benchdata"
	"refeed/item"
	"refeed/store"
)

// processed returns a set's feeds, cleaned and tagged.
func processed(b *testing.B, set string) (feeds []benchdata.Feed, size, items int) {
	b.Helper()
	feeds, size, items = benchdata.Load(b, set)
	c, m, err := benchdata.Stages()
	if err != nil {
		b.Fatal(err)
	}
	return benchdata.Process(feeds, c, m), size, items
}

func openStore(b *testing.B, dir string) *store.Store {
	b.Helper()
	st, err := store.Open(filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// saveAll saves every feed's items as a successful fetch of its source.
func saveAll(b *testing.B, st *store.Store, feeds []benchdata.Feed, now time.Time) (saved int) {
	ctx := context.Background()
	for _, f := range feeds {
		state := store.SourceState{Name: f.Name, URL: f.URL, LastAttempt: now, LastSuccess: now}
		// SaveSource may replace ids (merged stories): give it a copy.
		res, err := st.SaveSource(ctx, state, append([]item.Item(nil), f.Items...), now)
		if err != nil {
			b.Fatal(err)
		}
		saved += res.New + res.Updated + res.Merged
	}
	return saved
}

// BenchmarkStoreSave saves the items of every source: "new" into an empty
// database (each op opens a new file, untimed), "unchanged" again into a
// database that already holds them (what a source whose body changed but
// whose items did not costs the store).
func BenchmarkStoreSave(b *testing.B) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, set := range benchdata.Sets {
		feeds, size, items := processed(b, set)
		b.Run(set+"/new", func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				st := openStore(b, b.TempDir())
				b.StartTimer()
				if saveAll(b, st, feeds, now) == 0 {
					b.Fatal("nothing saved")
				}
				b.StopTimer()
				st.Close()
				b.StartTimer()
			}
			benchdata.ReportItems(b, items)
		})
		b.Run(set+"/unchanged", func(b *testing.B) {
			st := openStore(b, b.TempDir())
			defer st.Close()
			saveAll(b, st, feeds, now)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if n := saveAll(b, st, feeds, now); n != 0 {
					b.Fatalf("%d items changed", n)
				}
			}
			benchdata.ReportItems(b, items)
		})
	}
}

// BenchmarkStoreFeed reads the newest 200 items of the corpus, of all
// sources and of a topic, as refresh does for each feed it publishes.
func BenchmarkStoreFeed(b *testing.B) {
	feeds, _, _ := processed(b, "corpus")
	st := openStore(b, b.TempDir())
	defer st.Close()
	saveAll(b, st, feeds, time.Now())
	ctx := context.Background()
	for _, slug := range []string{store.AllFeed, "nato-korea"} {
		b.Run(slug, func(b *testing.B) {
			items, err := st.Feed(ctx, slug, 200)
			if err != nil || len(items) == 0 {
				b.Fatalf("Feed: %d items, %v", len(items), err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Feed(ctx, slug, 200); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(items)), "items")
		})
	}
}
