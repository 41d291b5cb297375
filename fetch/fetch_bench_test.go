package fetch_test

// Benchmarks of parsing: plain gofeed (the baseline every other figure is
// compared with), fetch.Parse, and fetching over loopback. Run with
//
//	go test ./fetch -run '^$' -bench . -benchmem -cpu 1
//
// MB/s are bytes of feed documents, in every benchmark of every package, so
// that the stages can be compared with gofeed's own throughput.

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
)

// BenchmarkGofeedParse is the baseline: gofeed alone, with the settings
// fetch.Parse gives it (a new parser per document, no image scan of RSS
// content), on the raw bytes of the documents fetch.Parse accepts. (gofeed
// rejects five small ones of them, 15 KB in all, which fetch repairs.)
func BenchmarkGofeedParse(b *testing.B) {
	for _, set := range benchdata.Sets {
		b.Run(set, func(b *testing.B) {
			docs, size, items := benchdata.Load(b, set)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range docs {
					p := gofeed.NewParser()
					p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
					_, _ = p.Parse(bytes.NewReader(d.Body))
				}
			}
			benchdata.ReportItems(b, items)
		})
	}
}

// BenchmarkParse is fetch.Parse: charset repair, gofeed, conversion to
// items.
func BenchmarkParse(b *testing.B) {
	for _, set := range benchdata.Sets {
		b.Run(set, func(b *testing.B) {
			docs, size, items := benchdata.Load(b, set)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range docs {
					if _, err := fetch.Parse(d.Body, "", d.Name, d.URL); err != nil {
						b.Fatal(err)
					}
				}
			}
			benchdata.ReportItems(b, items)
		})
	}
}

// BenchmarkClientSource fetches and parses the taz-like feed over a
// loopback connection with Client.Source: a changed document (200, parsed;
// MB/s of the document), a 304 answer to the ETag, and an unchanged body
// from a server without validators (200, recognized by its hash, not
// parsed).
func BenchmarkClientSource(b *testing.B) {
	docs, size, _ := benchdata.Load(b, "taz")
	body := docs[0].Body
	const etag = `"v1"`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		if r.URL.Path == "/etag" {
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		_, _ = w.Write(body)
	}))
	defer ts.Close()
	c := fetch.NewClient(config.Fetch{Timeout: 0, MaxBody: 20 << 20, PerHost: 2, UserAgent: "refeed-bench"})
	ctx := context.Background()
	first, err := c.Source(ctx, "taz", ts.URL+"/plain", fetch.State{})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		url  string
		prev fetch.State
		want bool // NotModified
	}{
		{"changed", ts.URL + "/plain", fetch.State{}, false},
		{"304", ts.URL + "/etag", fetch.State{ETag: etag}, true},
		{"same-body", ts.URL + "/plain", first.State, true},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if !tc.want {
				b.SetBytes(int64(size))
			}
			b.ReportAllocs()
			for b.Loop() {
				res, err := c.Source(ctx, "taz", tc.url, tc.prev)
				if err != nil {
					b.Fatal(err)
				}
				if res.NotModified != tc.want {
					b.Fatalf("NotModified = %v, want %v", res.NotModified, tc.want)
				}
			}
		})
	}
}
