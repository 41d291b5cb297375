package item_test

// Benchmarks of the digests of items, on the items fetch.Parse makes of the
// taz-like feed (article-sized). Run with
//
//	go test ./item -run '^$' -bench . -benchmem -cpu 1

import (
	"testing"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/item"
)

// BenchmarkFingerprint is item.Fingerprint of every item of a set, as
// refresh and the store compute it for every new item.
func BenchmarkFingerprint(b *testing.B) {
	for _, set := range benchdata.Sets {
		b.Run(set, func(b *testing.B) {
			feeds, size, items := benchdata.Load(b, set)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range feeds {
					for i := range f.Items {
						_ = item.Fingerprint(&f.Items[i], "salt")
					}
				}
			}
			benchdata.ReportItems(b, items)
		})
	}
}
