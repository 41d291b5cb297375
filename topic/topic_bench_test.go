package topic_test

// BenchmarkMatch/corpus and /taz match cleaned items (as refresh does: clean,
// then match) against the example configuration's three topics. MB/s are
// bytes of feed documents, as in the other stages' benchmarks. (Package
// topic's own BenchmarkMatch/Nterms varies the number of terms on one item.)
//
//	go test ./topic -run '^$' -bench 'Match/(corpus|taz)' -benchmem -cpu 1

import (
	"testing"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
)

func BenchmarkMatch(b *testing.B) {
	c, m, err := benchdata.Stages()
	if err != nil {
		b.Fatal(err)
	}
	for _, set := range benchdata.Sets {
		b.Run(set, func(b *testing.B) {
			feeds, size, items := benchdata.Load(b, set)
			feeds = benchdata.Process(feeds, c, m)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range feeds {
					for i := range f.Items {
						m.Match(&f.Items[i])
					}
				}
			}
			benchdata.ReportItems(b, items)
		})
	}
}
