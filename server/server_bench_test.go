package server_test

// Benchmarks of serving from memory, with the feed "all" of the corpus (its
// newest 200 items, cleaned, tagged and rendered): handing the rendered
// documents to the server (ETag, gzip at the best compression, headers:
// what each publication of a changed feed costs), and answering requests
// for it in parallel at the handler, without the network (the refeed-bench
// harness measures loopback with -serve-bench).
//
//	go test ./server -run '^$' -bench 'UpdateFeed|ServeCorpus' -benchmem

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/server"
)

// renderedCorpus returns the corpus's feed "all" rendered in every format.
func renderedCorpus(b *testing.B) (server.Feed, int) {
	b.Helper()
	pf, err := benchdata.AllFeed("corpus")
	if err != nil {
		b.Skipf("benchmark input not available: %v", err)
	}
	f := server.Feed{Slug: pf.Slug, Title: pf.Title, Items: len(pf.Items), Docs: map[publish.Format][]byte{}}
	size := 0
	for _, format := range publish.Formats {
		body, err := publish.Render(pf, format)
		if err != nil {
			b.Fatal(err)
		}
		f.Docs[format] = body
		size += len(body)
	}
	return f, size
}

// BenchmarkUpdateFeed hands a changed feed (three formats) to the server.
// MB/s are bytes of the three documents.
func BenchmarkUpdateFeed(b *testing.B) {
	f, size := renderedCorpus(b)
	s := server.New(server.Options{})
	// Each op gets documents of different bytes, as after a change.
	versions := make([]server.Feed, 2)
	for i := range versions {
		versions[i] = server.Feed{Slug: f.Slug, Title: f.Title, Items: f.Items, Docs: map[publish.Format][]byte{}}
		for format, body := range f.Docs {
			versions[i].Docs[format] = append(append([]byte(nil), body...), byte('0'+i))
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.UpdateFeed(versions[i%2])
	}
}

// nullWriter is a ResponseWriter that discards the body.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkServeCorpus answers GET /all.rss in parallel: in full, gzipped,
// and 304 to a revalidation with the ETag.
func BenchmarkServeCorpus(b *testing.B) {
	f, _ := renderedCorpus(b)
	s := server.New(server.Options{})
	s.SetFeeds([]server.Feed{f})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/all.rss", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	s.ServeHTTP(rec, req)
	etag := rec.Header().Get("ETag")
	cases := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"200", nil, 200},
		{"200-gzip", map[string]string{"Accept-Encoding": "gzip"}, 200},
		{"304", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}, 304},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, "/all.rss", nil)
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				w := &nullWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					s.ServeHTTP(w, req)
					if w.code != tc.want && !(w.code == 0 && tc.want == 200) {
						b.Errorf("status %d, want %d", w.code, tc.want)
						return
					}
				}
			})
		})
	}
}
