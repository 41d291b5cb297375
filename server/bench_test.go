package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/publish"
)

// benchServer serves the three formats of a rendered feed of 50 items.
func benchServer(b *testing.B) *Server {
	b.Helper()
	pf := &publish.Feed{Slug: "all", Title: "Alles", BaseURL: "http://localhost:8080"}
	when := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	for i := range 50 {
		pf.Items = append(pf.Items, item.Item{
			ID:        fmt.Sprintf("urn:refeed:%032x", i),
			Source:    "bench",
			Link:      fmt.Sprintf("https://news.example.org/%d", i),
			Title:     fmt.Sprintf("Meldung %d: Bundestag beschließt Haushalt", i),
			Content:   strings.Repeat("<p>Größere Änderungen gibt es bei Förderprogrammen für Wärmepumpen.</p>\n", 8),
			Published: when.Add(-time.Duration(i) * time.Hour),
			FirstSeen: when,
		})
	}
	f := Feed{Slug: "all", Title: "Alles", Items: 50, Updated: when, Docs: map[publish.Format][]byte{}}
	for _, format := range publish.Formats {
		body, err := publish.Render(pf, format)
		if err != nil {
			b.Fatal(err)
		}
		f.Docs[format] = body
	}
	s := New(Options{})
	s.SetFeeds([]Feed{f})
	return s
}

func benchServe(b *testing.B, header ...string) {
	s := benchServer(b)
	r := httptest.NewRequest("GET", "/all.rss", nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := &discardWriter{h: http.Header{}}
	s.ServeHTTP(w, r)
	if r.Header.Get("If-None-Match") == "-" {
		r.Header.Set("If-None-Match", w.h.Get("Etag"))
	}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		s.ServeHTTP(w, r)
	}
}

// BenchmarkServeFeed serves a cached feed uncompressed.
func BenchmarkServeFeed(b *testing.B) { benchServe(b) }

// BenchmarkServeFeedGzip serves a cached feed to a client accepting gzip.
func BenchmarkServeFeedGzip(b *testing.B) {
	benchServe(b, "Accept-Encoding", "gzip, deflate, br, zstd")
}

// BenchmarkServeFeed304 answers a revalidation with the current ETag.
func BenchmarkServeFeed304(b *testing.B) {
	benchServe(b, "Accept-Encoding", "gzip", "If-None-Match", "-")
}

// BenchmarkServeFeedLoopback fetches a feed over a real loopback
// connection, with keep-alive and gzip, as a feed reader would.
func BenchmarkServeFeedLoopback(b *testing.B) {
	s := benchServer(b)
	ts := httptest.NewServer(s)
	defer ts.Close()
	client := ts.Client()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(ts.URL + "/all.rss")
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
