package clean_test

// Benchmarks of cleaning, on the items fetch.Parse makes of the corpus and
// of the taz-like feed. MB/s are bytes of feed documents (as for gofeed in
// package fetch), so the stages' throughputs compare directly.
//
//	go test ./clean -run '^$' -bench Clean -benchmem -cpu 1

import (
	"testing"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
)

func BenchmarkClean(b *testing.B) {
	c, err := clean.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, set := range benchdata.Sets {
		b.Run(set, func(b *testing.B) {
			feeds, size, items := benchdata.Load(b, set)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range feeds {
					its := benchdata.CloneItems(f.Items)
					for i := range its {
						c.Item(&its[i], nil)
					}
				}
			}
			benchdata.ReportItems(b, items)
		})
	}
}
