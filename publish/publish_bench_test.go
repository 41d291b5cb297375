package publish_test

// BenchmarkRender renders an output feed in each format: "corpus" is the
// newest 200 items (the default retention.max_items) of every corpus feed,
// "taz" the 50 items of the taz-like feed, cleaned and tagged as refresh
// does, with the topic names, sources and first-seen times the store gives
// them. MB/s are bytes of the rendered document. all-formats is RenderAll,
// the three at once, as refresh publishes a feed.
//
//	go test ./publish -run '^$' -bench Render -benchmem -cpu 1

import (
	"testing"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/publish"
)

func BenchmarkRender(b *testing.B) {
	for _, set := range benchdata.Sets {
		f, err := benchdata.AllFeed(set)
		if err != nil {
			b.Skipf("benchmark input not available: %v", err)
		}
		for _, format := range publish.Formats {
			b.Run(set+"/"+string(format), func(b *testing.B) {
				out, err := publish.Render(f, format)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := publish.Render(f, format); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(f.Items))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
		// What publishing a feed costs: the three formats at once.
		b.Run(set+"/all-formats", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := publish.RenderAll(f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(f.Items))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
