package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/refeed/refeed/publish"
)

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZip"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"deflate, gzip"}, true},
		{[]string{"deflate", "gzip"}, true},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;q=1"}, true},
		{[]string{"gzip ; q=0.5"}, true},
		{[]string{"gzip;Q=0.5"}, true},
		{[]string{"gzip;level=1;q=0.5"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0."}, false},
		{[]string{"gzip;q=0.0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"*;q=0, gzip"}, true},
		{[]string{"identity"}, false},
		{[]string{"br, zstd"}, false},
		{[]string{"gzipx"}, false},
		{[]string{",,, gzip ,"}, true},
	} {
		if got := acceptsGzip(tc.values); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.values, got, tc.want)
		}
	}
}

func TestMatchETag(t *testing.T) {
	const tag = "0123abcd"
	for _, tc := range []struct {
		list string
		want bool
	}{
		{`"0123abcd"`, true},
		{`W/"0123abcd"`, true},
		{`"0123abcd-gz"`, true},
		{`W/"0123abcd-gz"`, true},
		{`*`, true},
		{` "x", "y" , "0123abcd"`, true},
		{`"x",W/"0123abcd"`, true},
		{`"a,b", "0123abcd"`, true},
		{``, false},
		{`"0123abc"`, false},
		{`"0123abcd-g"`, false},
		{`"0123abcdx-gz"`, false},
		{`"0123abcd-gzip"`, false},
		{`0123abcd`, false},
		{`"0123abcd`, false},
		{`"x" garbage "0123abcd"`, false},
	} {
		if got := matchETag(tc.list, tag); got != tc.want {
			t.Errorf("matchETag(%q) = %v, want %v", tc.list, got, tc.want)
		}
	}
}

// TestUnchangedDocumentKept checks that handing the server the same
// documents again keeps their Last-Modified date (when the feed has no
// date of its own) and their ETag, and that a changed one gets a new date.
func TestUnchangedDocumentKept(t *testing.T) {
	s := New(Options{})
	clock := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	body := []byte("<rss version=\"2.0\"><channel><title>x</title></channel></rss>\n")
	f := Feed{Slug: "x", Docs: map[publish.Format][]byte{publish.RSS: body}}
	s.SetFeeds([]Feed{f})
	first := s.cur.Load().docs["x.rss"]

	clock = clock.Add(time.Hour)
	s.SetFeeds([]Feed{{Slug: "x", Docs: map[publish.Format][]byte{publish.RSS: append([]byte(nil), body...)}}})
	if d := s.cur.Load().docs["x.rss"]; d != first {
		t.Errorf("unchanged document prepared again: %v -> %v", first.modTime, d.modTime)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/x.rss", nil))
	if got := rec.Header().Get("Last-Modified"); got != "Wed, 01 May 2024 08:00:00 GMT" {
		t.Errorf("Last-Modified %s", got)
	}

	s.UpdateFeed(Feed{Slug: "x", Docs: map[publish.Format][]byte{publish.RSS: append(body, ' ')}})
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/x.rss", nil))
	if got := rec.Header().Get("Last-Modified"); got != "Wed, 01 May 2024 09:00:00 GMT" {
		t.Errorf("changed document: Last-Modified %s", got)
	}
	if rec.Header().Get("ETag") == first.etag[0] {
		t.Error("changed document kept its ETag")
	}
}

// discardWriter is a reusable ResponseWriter that keeps nothing, so that
// allocation counts and benchmarks measure the handler alone.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *discardWriter) reset()                      { clear(w.h); w.code, w.n = 0, 0 }

// TestServeFeedAllocations guards the cost of the hot path: serving a
// cached feed, compressed or not, or a 304, allocates nothing.
func TestServeFeedAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	s := New(Options{})
	body := make([]byte, 64<<10)
	for i := range body {
		body[i] = "<item>refeed</item>\n"[i%20]
	}
	s.SetFeeds([]Feed{{Slug: "all", Updated: time.Now(), Docs: map[publish.Format][]byte{publish.Atom: body}}})
	w := &discardWriter{h: http.Header{}}
	plain := httptest.NewRequest("GET", "/all.atom", nil)
	gz := httptest.NewRequest("GET", "/all.atom", nil)
	gz.Header.Set("Accept-Encoding", "gzip, deflate, br")
	cond := httptest.NewRequest("GET", "/all.atom", nil)
	s.ServeHTTP(w, plain)
	cond.Header.Set("If-None-Match", w.h.Get("Etag"))
	for name, r := range map[string]*http.Request{"plain": plain, "gzip": gz, "304": cond} {
		allocs := testing.AllocsPerRun(200, func() {
			w.reset()
			s.ServeHTTP(w, r)
		})
		if want := map[bool]int{true: 304, false: 200}[name == "304"]; w.code != want {
			t.Errorf("%s: status %d, want %d", name, w.code, want)
		}
		if allocs > 0 {
			t.Errorf("%s: %v allocations per request", name, allocs)
		}
	}
}

// TestFutureDateClamped: an item dated in the future (a wrong time zone in
// a source, say) does not make Last-Modified later than the response.
func TestFutureDateClamped(t *testing.T) {
	s := New(Options{})
	clock := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	s.SetFeeds([]Feed{{Slug: "x", Updated: clock.Add(3 * time.Hour), Docs: map[publish.Format][]byte{publish.JSON: []byte("{}\n")}}})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/x.json", nil))
	if got := rec.Header().Get("Last-Modified"); got != "Wed, 01 May 2024 08:00:00 GMT" {
		t.Errorf("Last-Modified %s", got)
	}
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "{}\n" {
		t.Errorf("tiny document: %v %q", rec.Header(), rec.Body)
	}
}
