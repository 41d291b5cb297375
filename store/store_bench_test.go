package store_test

// Benchmarks of the store: saving the cleaned and tagged items of every
// source (one SaveSource, one transaction, per source) into a real SQLite
// file, new and unchanged, and reading a feed back. MB/s are bytes of the
// feed documents the items came from, as in the other stages' benchmarks.
//
//	go test ./store -run '^$' -bench . -benchmem -cpu 1

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
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

func openStore(b *testing.B, dir string) store.Store {
	b.Helper()
	st, err := store.Open(filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// saveAll saves every feed's items as a successful fetch of its source.
func saveAll(b *testing.B, st store.Store, feeds []benchdata.Feed, now time.Time) (saved int) {
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

// cpuTime returns the CPU time the process has used (user and system,
// every thread): on a machine shared with other benchmarks it varies less
// than the wall time, and it leaves out waiting for fsync.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// synthetic returns n items of sources of 25 items each, with ~3 KB of
// content, a global GUID, a link, a title and a topic for one in four.
func synthetic(n int) (feeds []benchdata.Feed) {
	return syntheticFrom(0, n)
}

// syntheticFrom returns the synthetic items first to first+n (first a
// multiple of 25).
func syntheticFrom(first, n int) (feeds []benchdata.Feed) {
	para := strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. </p>", 28)
	pub := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	for i := first; i < first+n; i++ {
		if i%25 == 0 {
			name := fmt.Sprintf("syn%03d", i/25)
			feeds = append(feeds, benchdata.Feed{Name: name, URL: "https://syn.example/" + name})
		}
		f := &feeds[len(feeds)-1]
		it := item.Item{
			Source:      f.Name,
			SourceTitle: "Synthetic " + f.Name,
			SourceURL:   f.URL,
			GUID:        fmt.Sprintf("https://syn.example/%s/%d", f.Name, i),
			Link:        fmt.Sprintf("https://syn.example/%s/articles/%d", f.Name, i),
			Title:       fmt.Sprintf("Synthetic story number %d of the benchmark", i),
			Summary:     "<p>A summary of the story.</p>",
			Content:     fmt.Sprintf("<h1>Story %d</h1>", i) + para,
			Published:   pub.Add(time.Duration(i) * time.Minute),
			Authors:     []item.Author{{Name: "A. Writer"}},
			Fingerprint: fmt.Sprintf("%032x", i),
		}
		if i%4 == 0 {
			it.Topics = []string{"synthetic"}
		}
		it.ID = item.NewID(f.Name, &it)
		f.Items = append(f.Items, it)
	}
	return feeds
}

// articles returns n sources of the 50 items of the taz-like feed, each
// item of its own GUID, link and title (so that no two sources carry the
// same story), cleaned and tagged, as refeed-bench once serves them: the
// seed article's HTML on a site of its own (no site pack removes its
// appeal), ~4.3 KB of cleaned content an item.
func articles(n int) ([]benchdata.Feed, error) {
	taz, _, _, err := benchdata.Feeds("taz")
	if err != nil {
		return nil, err
	}
	c, m, err := benchdata.Stages()
	if err != nil {
		return nil, err
	}
	feeds := make([]benchdata.Feed, n)
	for s := range feeds {
		name := fmt.Sprintf("art%03d", s)
		f := benchdata.Feed{Name: name, URL: "https://" + name + ".example/feed", Items: benchdata.CloneItems(taz[0].Items)}
		for i := range f.Items {
			it := &f.Items[i]
			it.Source, it.SourceURL = name, f.URL
			it.Link = fmt.Sprintf("https://%s.example/%d/", name, i)
			it.GUID = it.Link
			it.Title = fmt.Sprintf("%s (%d.%d)", it.Title, s, i)
			it.Fingerprint = item.Fingerprint(it, "bench")
		}
		feeds[s] = f
	}
	return benchdata.Process(feeds, c, m), nil
}

// BenchmarkStoreSaveCPU saves 1,500 synthetic items of ~3 KB of content
// (60 sources), 2,000 article-sized items (40 sources, see articles) and
// the corpus's items into a fresh store ("new", cold: a
// new file for each op, untimed) and again unchanged, and reports the CPU
// time per item (cpu-µs/item), which the shared machine disturbs less
// than ns/op.
func BenchmarkStoreSaveCPU(b *testing.B) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	sets := map[string][]benchdata.Feed{"synthetic": synthetic(1500)}
	if feeds, err := articles(40); err == nil {
		sets["article"] = feeds
	}
	if feeds, _, _, err := benchdata.Feeds("corpus"); err == nil {
		c, m, err := benchdata.Stages()
		if err != nil {
			b.Fatal(err)
		}
		sets["corpus"] = benchdata.Process(feeds, c, m)
	}
	for _, set := range []string{"synthetic", "article", "corpus"} {
		feeds, ok := sets[set]
		if !ok {
			continue
		}
		n := 0
		for _, f := range feeds {
			n += len(f.Items)
		}
		b.Run(set+"/new", func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				st := openStore(b, b.TempDir())
				b.StartTimer()
				c := cpuTime(b)
				if saveAll(b, st, feeds, now) == 0 {
					b.Fatal("nothing saved")
				}
				cpu += cpuTime(b) - c
				b.StopTimer()
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*n), "cpu-µs/item")
		})
		// As the refresh pool saves: sources at once, sharing transactions.
		b.Run(set+"/new-concurrent", func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				st := openStore(b, b.TempDir())
				b.StartTimer()
				c := cpuTime(b)
				var wg sync.WaitGroup
				for _, f := range feeds {
					wg.Go(func() {
						state := store.SourceState{Name: f.Name, URL: f.URL, LastAttempt: now, LastSuccess: now}
						if _, err := st.SaveSource(context.Background(), state, append([]item.Item(nil), f.Items...), now); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				cpu += cpuTime(b) - c
				b.StopTimer()
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*n), "cpu-µs/item")
		})
		b.Run(set+"/unchanged", func(b *testing.B) {
			st := openStore(b, b.TempDir())
			defer st.Close()
			saveAll(b, st, feeds, now)
			b.ReportAllocs()
			c := cpuTime(b)
			for b.Loop() {
				if k := saveAll(b, st, feeds, now); k != 0 {
					b.Fatalf("%d items changed", k)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-c).Microseconds())/float64(b.N*n), "cpu-µs/item")
		})
	}
}

// BenchmarkStoreSaveLarge saves 1,500 new synthetic items into a store
// that already holds 100,000 (more with each op), as in a cold cycle of
// many sources: its indexes no longer fit in SQLite's page cache.
func BenchmarkStoreSaveLarge(b *testing.B) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	st := openStore(b, b.TempDir())
	defer st.Close()
	const base = 100_000
	ctx := context.Background()
	for i := 0; i < base; i += 2500 {
		feeds := syntheticFrom(i, 2500)
		// Many sources in one transaction, as concurrent refreshes do.
		var wg sync.WaitGroup
		for _, f := range feeds {
			wg.Go(func() {
				state := store.SourceState{Name: f.Name, URL: f.URL, LastAttempt: now, LastSuccess: now}
				if _, err := st.SaveSource(ctx, state, f.Items, now); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	next := base
	var cpu time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		feeds := syntheticFrom(next, 1500)
		next += 1500
		b.StartTimer()
		c := cpuTime(b)
		if saveAll(b, st, feeds, now) != 1500 {
			b.Fatal("not all saved")
		}
		cpu += cpuTime(b) - c
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*1500), "cpu-µs/item")
}

// BenchmarkStoreFeed reads the newest 200 items of the corpus, of all
// sources and of a topic, as refresh does for each feed it publishes.
func BenchmarkStoreFeed(b *testing.B) {
	feeds, _, _ := processed(b, "corpus")
	st := openStore(b, b.TempDir())
	defer st.Close()
	saveAll(b, st, feeds, time.Now())
	ctx := context.Background()
	for _, slug := range []string{config.AllFeed, "nato-korea"} {
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

// BenchmarkStorePrune fills a store with 100,000 synthetic items (one in
// four in a topic) and prunes it to the newest 200 of each feed, as the
// first cycle of many sources does with the default retention: a surplus
// of nearly every item. It reports the CPU time per removed item.
func BenchmarkStorePrune(b *testing.B) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	const n = 100_000
	ctx := context.Background()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		st := openStore(b, b.TempDir())
		for i := 0; i < n; i += 2500 {
			var wg sync.WaitGroup
			for _, f := range syntheticFrom(i, 2500) {
				wg.Go(func() {
					state := store.SourceState{Name: f.Name, URL: f.URL, LastAttempt: now, LastSuccess: now}
					if _, err := st.SaveSource(ctx, state, f.Items, now); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
		}
		b.StartTimer()
		c := cpuTime(b)
		if _, err := st.Prune(ctx, 200, 720*time.Hour, now); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c
		b.StopTimer()
		if k, err := st.Count(ctx, config.AllFeed); err != nil || k < 200 || k > 400 {
			b.Fatalf("%d items after pruning, %v", k, err)
		}
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*(n-400)), "cpu-µs/item")
}
