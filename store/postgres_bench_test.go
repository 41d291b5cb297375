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
