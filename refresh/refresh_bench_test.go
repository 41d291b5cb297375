package refresh_test

// BenchmarkPipeline is one refresh through the real path: Refresher.Sources
// (fetch from files, parse, clean, match, store, retention) and Publish of
// the feeds that changed (read from the store, render in three formats,
// write the files that changed), with a new store each time. MB/s are
// bytes of the feed documents, so they compare with BenchmarkGofeedParse
// (gofeed alone on the same documents), which is repeated here so that one
// run gives both:
//
//	go test ./refresh -run '^$' -bench 'Gofeed|Pipeline' -benchmem -cpu 1
//
// BenchmarkPipeline also reports x-gofeed, its throughput divided by
// gofeed's measured in the same process (the goal: ≥ 0.75 on the corpus
// at -cpu 1), cpu-ns/op, the process's CPU time per op (the rest of ns/op
// is waiting, mostly for fsync), and x-gofeed-cpu, the same ratio with the
// pipeline's CPU time, which a busy disk does not change; commits/op
// counts the save transactions (an fsync each).

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
)

func parseGofeed(feeds []benchdata.Feed) {
	for _, f := range feeds {
		p := gofeed.NewParser()
		p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
		_, _ = p.Parse(bytes.NewReader(f.Body))
	}
}

// BenchmarkGofeedParse is gofeed alone on the documents (see the same
// benchmark in package fetch).
func BenchmarkGofeedParse(b *testing.B) {
	for _, set := range benchdata.Sets {
		b.Run(set, func(b *testing.B) {
			feeds, size, items := benchdata.Load(b, set)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				parseGofeed(feeds)
			}
			benchdata.ReportItems(b, items)
		})
	}
}

// gofeedNs caches gofeed's time per pass over a set, by set and
// GOMAXPROCS.
var gofeedNs sync.Map // "set/procs" -> float64

// A pipeline is the feed files of a set (rewritten by touch, so that a
// run can change their bytes without changing their items) and a
// configuration with one source per file.
type pipeline struct {
	cfg   *config.Config
	feeds []benchdata.Feed
	dir   string
}

// newPipeline writes the set's documents to files under dir and returns a
// configuration with one source per file.
func newPipeline(b *testing.B, set string) (*pipeline, int, int) {
	feeds, size, items := benchdata.Load(b, set)
	dir := b.TempDir()
	p := &pipeline{feeds: feeds, dir: dir}
	var srcs []config.Source
	for _, f := range feeds {
		path := filepath.Join(dir, "feeds", f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, f.Body, 0o644); err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, config.Source{Name: f.Name, URL: path})
	}
	p.cfg = p.config(b, srcs)
	return p, size, items
}

func (p *pipeline) config(b *testing.B, srcs []config.Source) *config.Config {
	cfg, err := benchdata.Config(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := range srcs {
		srcs[i].Schedule = cfg.Schedule
	}
	cfg.Sources = srcs
	return cfg
}

// touch rewrites every feed file with a different trailing comment: new
// bytes (so not recognized by hash), the same items.
func (p *pipeline) touch(b *testing.B, n int) {
	for _, f := range p.feeds {
		body := append(bytes.Clone(f.Body), fmt.Sprintf("\n<!-- %d -->\n", n)...)
		if bytes.HasPrefix(bytes.TrimSpace(f.Body), []byte("{")) {
			body = append(bytes.Clone(f.Body), bytes.Repeat([]byte(" "), n%64+1)...) // JSON: trailing space
		}
		if err := os.WriteFile(filepath.Join(p.dir, "feeds", f.Name), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// refresher opens a new store under a new data directory.
func (p *pipeline) refresher(b *testing.B) (*refresh.Refresher, *store.SQLite) {
	cfg := *p.cfg
	cfg.DataDir = b.TempDir()
	st, err := store.OpenSQLite(filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	r, err := refresh.New(&cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	return r, st
}

// cycle runs one refresh of every source and publishes what changed.
func cycle(b *testing.B, r *refresh.Refresher) *refresh.Report {
	ctx := context.Background()
	rep := r.Sources(ctx, r.Config().Sources, true)
	if f := rep.Failed(); len(f) > 0 {
		b.Fatalf("%d sources failed, first %s: %v", len(f), f[0].Source, f[0].Err)
	}
	if _, err := r.Publish(ctx, rep.Changed); err != nil {
		b.Fatal(err)
	}
	return rep
}

// BenchmarkPipeline refreshes every source of a set and publishes:
// "cold" into a new store (every item new: the goal's case), "same-body"
// again with every document unchanged (recognized by its hash), and
// "same-items" again with every document's bytes changed but not its items
// (what a feed that only updates its lastBuildDate costs).
func BenchmarkPipeline(b *testing.B) {
	for _, set := range benchdata.Sets {
		p, size, items := newPipeline(b, set)
		b.Run(set+"/cold", func(b *testing.B) {
			base := gofeedTime(set, p.feeds)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var cpu, commits int64
			for b.Loop() {
				b.StopTimer()
				r, st := p.refresher(b)
				c0 := cpuTime()
				b.StartTimer()
				rep := cycle(b, r)
				b.StopTimer()
				cpu += cpuTime() - c0
				commits += st.Commits()
				st.Close()
				if n := newItems(rep); n == 0 {
					b.Fatal("no item stored")
				}
				b.StartTimer()
			}
			report(b, items, cpu)
			b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
			b.ReportMetric(base/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-gofeed")
			if cpu > 0 {
				b.ReportMetric(base/(float64(cpu)/float64(b.N)), "x-gofeed-cpu")
			}
		})
		for _, warm := range []string{"same-body", "same-items"} {
			b.Run(set+"/"+warm, func(b *testing.B) {
				r, st := p.refresher(b)
				defer st.Close()
				cycle(b, r)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				var cpu int64
				for i := 0; b.Loop(); i++ {
					if warm == "same-items" {
						b.StopTimer()
						p.touch(b, i)
						b.StartTimer()
					}
					c0 := cpuTime()
					rep := cycle(b, r)
					cpu += cpuTime() - c0
					if n := newItems(rep); n != 0 {
						b.Fatalf("%d items new", n)
					}
				}
				report(b, items, cpu)
			})
		}
	}
}

func newItems(rep *refresh.Report) (n int) {
	for _, o := range rep.Outcomes {
		if o.Save != nil {
			n += o.Save.New
		}
	}
	return n
}

func report(b *testing.B, items int, cpu int64) {
	benchdata.ReportItems(b, items)
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}

// gofeedTime returns gofeed's time in nanoseconds for one pass over the
// documents, measured once per set and GOMAXPROCS in this process.
func gofeedTime(set string, feeds []benchdata.Feed) float64 {
	key := fmt.Sprint(set, "/", runtime.GOMAXPROCS(0))
	if v, ok := gofeedNs.Load(key); ok {
		return v.(float64)
	}
	// testing.Benchmark cannot run within a benchmark: time passes for
	// at least a second (after one to warm up) and take the mean.
	parseGofeed(feeds)
	runtime.GC()
	n, start := 0, time.Now()
	for time.Since(start) < time.Second {
		parseGofeed(feeds)
		n++
	}
	ns := float64(time.Since(start).Nanoseconds()) / float64(n)
	gofeedNs.Store(key, ns)
	return ns
}
