package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/store"
)

// BenchmarkStoreQuickCheck measures PRAGMA quick_check (and, for
// comparison, integrity_check) on a store of REFEED_BENCH_STORE_MB
// megabytes (64 unless set; the report in issue 13 used 1024), built with
// SaveSource from synthetic items. REFEED_BENCH_STORE names a directory
// to build the store in, or reuse it from, across runs (a 1 GB store
// takes minutes to build); otherwise a temporary one is used.
//
//	REFEED_BENCH_STORE_MB=1024 REFEED_BENCH_STORE=/tmp/big go test ./store -run '^$' -bench QuickCheck -benchtime 1x
func BenchmarkStoreQuickCheck(b *testing.B) {
	mb := 64
	if v := os.Getenv("REFEED_BENCH_STORE_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("REFEED_BENCH_STORE_MB: %v", err)
		}
		mb = n
	}
	dir := os.Getenv("REFEED_BENCH_STORE")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, store.FileName)
	buildStore(b, path, int64(mb)<<20)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, check := range []string{"quick_check", "integrity_check"} {
		b.Run(check, func(b *testing.B) {
			for b.Loop() {
				var res string
				if err := db.QueryRow(`PRAGMA ` + check).Scan(&res); err != nil || res != "ok" {
					b.Fatalf("%s: %q %v", check, res, err)
				}
			}
			b.ReportMetric(float64(fi.Size())/(1<<20), "MB")
		})
	}
}

// buildStore saves synthetic items into the store at path until its
// file holds size bytes.
func buildStore(b *testing.B, path string, size int64) {
	b.Helper()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	st, err := store.OpenSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	n, err := st.Count(ctx, "all")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for next := n - n%25; ; next += 2500 {
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		if fi.Size() >= size {
			break
		}
		var wg sync.WaitGroup
		for _, f := range syntheticFrom(next, 2500) {
			wg.Go(func() {
				state := store.SourceState{Name: f.Name, URL: f.URL, LastAttempt: now, LastSuccess: now}
				if _, err := st.SaveSource(ctx, state, f.Items, now); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		if b.Failed() {
			b.FailNow()
		}
	}
	if n, err = st.Count(ctx, "all"); err == nil {
		b.Logf("store of %d items built in %v", n, time.Since(start).Round(time.Second))
	}
}
