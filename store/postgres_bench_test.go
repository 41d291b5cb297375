package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
)

// BenchmarkBackendSave compares the backends on the save of one source's
// 50 new synthetic items (~3 KB of content each) into a store that grows
// with every op ("new"), the same 50 items saved again ("unchanged"), and
// 8 sources of 50 new items saved at once ("new-8-at-once", ns/op for all
// 8). cpu-µs/item is this process's CPU time only: PostgreSQL's own work
// is in its server processes, so compare ns/op across backends. The
// PostgreSQL runs need REFEED_TEST_POSTGRES (a server with fsync off, as
// .ci/run starts it, is an upper bound).
//
//	go test ./store -run '^$' -bench BackendSave -benchtime 200x
func BenchmarkBackendSave(b *testing.B) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	backends := []struct {
		name string
		open func(b *testing.B, name string) store.Store
	}{
		{"sqlite", func(b *testing.B, name string) store.Store {
			s, err := store.OpenSQLite(filepath.Join(b.TempDir(), name, store.FileName))
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
		{"postgres", func(b *testing.B, name string) store.Store {
			u := pgDatabase(b, pgServer(b), "refeed_bench_"+name)
			s, err := store.OpenPostgres(context.Background(), u)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	// source returns the 50 new items of source k.
	source := func(k int) (store.SourceState, []item.Item) {
		name := fmt.Sprintf("bench%05d", k)
		var items []item.Item
		for _, f := range syntheticFrom(50*k, 50) {
			for _, it := range f.Items {
				it.Source = name
				it.ID = item.NewID(name, &it)
				items = append(items, it)
			}
		}
		return store.SourceState{Name: name, LastSuccess: now}, items
	}
	ctx := context.Background()
	for _, be := range backends {
		b.Run(be.name+"/new", func(b *testing.B) {
			s := be.open(b, "new")
			defer s.Close()
			var cpu time.Duration
			k := 0
			for b.Loop() {
				b.StopTimer()
				st, items := source(k)
				k++
				b.StartTimer()
				c := cpuTime(b)
				if res, err := s.SaveSource(ctx, st, items, now); err != nil || res.New != 50 {
					b.Fatalf("save: %+v, %v", res, err)
				}
				cpu += cpuTime(b) - c
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(50*b.N), "cpu-µs/item")
		})
		b.Run(be.name+"/unchanged", func(b *testing.B) {
			s := be.open(b, "unchanged")
			defer s.Close()
			st, items := source(0)
			if _, err := s.SaveSource(ctx, st, append([]item.Item(nil), items...), now); err != nil {
				b.Fatal(err)
			}
			c := cpuTime(b)
			for b.Loop() {
				if res, err := s.SaveSource(ctx, st, append([]item.Item(nil), items...), now); err != nil || res.New+res.Updated != 0 {
					b.Fatalf("save: %+v, %v", res, err)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-c).Microseconds())/float64(50*b.N), "cpu-µs/item")
		})
		b.Run(be.name+"/new-8-at-once", func(b *testing.B) {
			s := be.open(b, "at_once")
			defer s.Close()
			k := 0
			for b.Loop() {
				b.StopTimer()
				type save struct {
					st    store.SourceState
					items []item.Item
				}
				saves := make([]save, 8)
				for i := range saves {
					saves[i].st, saves[i].items = source(k)
					k++
				}
				b.StartTimer()
				var wg sync.WaitGroup
				for _, sv := range saves {
					wg.Go(func() {
						if _, err := s.SaveSource(ctx, sv.st, sv.items, now); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}

// BenchmarkBackendClaim measures claiming on both backends: an op claims
// 32 of 20,000 due sources and ends the claims (one PutSources, fenced,
// the sources due again at once), without a per-host limit ("any") and
// with one of 4 a host over 200 hosts ("per-host"). claims/s counts the
// sources claimed and ended.
//
//	go test ./store -run '^$' -bench BackendClaim -benchtime 200x
func BenchmarkBackendClaim(b *testing.B) {
	const sources, n = 20_000, 32
	ctx := context.Background()
	var scheds []store.Schedule
	for i := range sources {
		scheds = append(scheds, store.Schedule{Name: fmt.Sprintf("s%05d", i), Host: fmt.Sprintf("h%03d.example", i%200), Digest: "1"})
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, limit := range []struct {
			name    string
			perHost int
		}{{"any", 0}, {"per-host", 4}} {
			b.Run(backend+"/"+limit.name, func(b *testing.B) {
				var s store.Store
				var err error
				if backend == "sqlite" {
					s, err = store.OpenSQLite(filepath.Join(b.TempDir(), store.FileName))
				} else {
					s, err = store.OpenPostgres(ctx, pgDatabase(b, pgServer(b), "refeed_bench_claim"))
				}
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				if err := s.SyncSources(ctx, scheds, false); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					cs, _, err := s.Claim(ctx, "bench", n, time.Minute, limit.perHost)
					if err != nil || len(cs) != n {
						b.Fatalf("%d claims, %v", len(cs), err)
					}
					states := make([]store.SourceState, len(cs))
					for i, c := range cs {
						states[i] = store.SourceState{Name: c.Name, Lease: &store.Lease{Owner: "bench", Gen: c.Gen}}
					}
					if err := s.PutSources(ctx, states); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "claims/s")
			})
		}
	}
}
