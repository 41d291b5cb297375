package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
)

func testClient() *Client {
	return NewClient(config.Fetch{Timeout: 2 * time.Second, MaxBody: 1 << 20, Concurrency: 4, PerHost: 2, UserAgent: "refeed-test/1"})
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSourceParsesItems(t *testing.T) {
	body := readFile(t, "simple.rss")
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.UserAgent()
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	defer srv.Close()
	res, err := testClient().Source(context.Background(), "ex", srv.URL, State{})
	if err != nil {
		t.Fatal(err)
	}
	if ua != "refeed-test/1" {
		t.Errorf("User-Agent = %q", ua)
	}
	if res.NotModified || res.Feed == nil || len(res.Feed.Items) != 2 {
		t.Fatalf("result = %+v", res)
	}
	it := res.Feed.Items[0]
	if it.Link != "https://example.org/artikel/1?utm_source=rss" {
		t.Errorf("FeedBurner origLink not used: link = %q", it.Link)
	}
	if it.Source != "ex" || it.SourceURL != srv.URL || it.SourceTitle != "Beispiel" {
		t.Errorf("source fields = %q %q %q", it.Source, it.SourceURL, it.SourceTitle)
	}
	if it.Title != "Erster Artikel über Pjöngjang" || it.GUID != "example-1" {
		t.Errorf("title/guid = %q %q", it.Title, it.GUID)
	}
	if len(it.Categories) != 2 || len(it.Enclosures) != 1 || it.Enclosures[0].Length != 1234 {
		t.Errorf("categories %v enclosures %v", it.Categories, it.Enclosures)
	}
	if it.Published.IsZero() || !it.Published.Equal(time.Date(2024, 10, 30, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("published = %v", it.Published)
	}
}

func TestConditionalGet(t *testing.T) {
	body := readFile(t, "simple.rss")
	const etag = `"v1"`
	const lastMod = "Wed, 30 Oct 2024 10:00:00 GMT"
	var gotINM, gotIMS string
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		gotINM, gotIMS = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if gotINM == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write(body)
	}))
	defer srv.Close()
	c := testClient()
	first, err := c.Source(context.Background(), "ex", srv.URL, State{})
	if err != nil {
		t.Fatal(err)
	}
	if first.State.ETag != etag || first.State.LastModified != lastMod {
		t.Fatalf("state = %+v", first.State)
	}
	second, err := c.Source(context.Background(), "ex", srv.URL, first.State)
	if err != nil {
		t.Fatal(err)
	}
	if gotINM != etag || gotIMS != lastMod {
		t.Errorf("second fetch sent If-None-Match %q, If-Modified-Since %q", gotINM, gotIMS)
	}
	if !second.NotModified || second.Feed != nil {
		t.Errorf("second fetch: NotModified = %v", second.NotModified)
	}
	if second.State != first.State {
		t.Errorf("state after 304 = %+v, want %+v", second.State, first.State)
	}
}

func TestUnchangedBodyWithoutValidators(t *testing.T) {
	body := readFile(t, "simple.rss")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	c := testClient()
	first, err := c.Source(context.Background(), "ex", srv.URL, State{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Source(context.Background(), "ex", srv.URL, first.State)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified {
		t.Error("same body again was not recognized as unchanged")
	}
}

// TestBodyHash: the hash that recognizes an unchanged body is stable (a
// state stored today must match the same body tomorrow), tells a one-byte
// change, and a state of an earlier version (a SHA-256 digest) does not
// match, so the body is parsed again.
func TestBodyHash(t *testing.T) {
	body := readFile(t, "simple.rss")
	for in, want := range map[string]string{"": "xxh64:ef46db3751d8e999", "a": "xxh64:d24ec4f1a98c6e5b"} { // XXH64's reference values
		if got := hash([]byte(in)); got != want {
			t.Errorf("hash(%q) = %s, want %s", in, got, want)
		}
	}
	changed := bytes.Clone(body)
	changed[len(changed)/2]++
	if hash(body) == hash(changed) {
		t.Error("a one-byte change kept the hash")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	c := testClient()
	old := State{Hash: "2f3c4bd0e6e4d5c6b3e0a9f8a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e"} // as earlier versions stored
	res, err := c.Source(context.Background(), "ex", srv.URL, old)
	if err != nil {
		t.Fatal(err)
	}
	if res.NotModified || res.Feed == nil || !strings.HasPrefix(res.State.Hash, hashPrefix) {
		t.Errorf("after a state of an earlier version: NotModified = %v, hash %q", res.NotModified, res.State.Hash)
	}
}

func TestErrors(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 2<<20)
	mux := http.NewServeMux()
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(big)
		zw.Close()
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, "/loop?n="+strconv.Itoa(n+1), http.StatusFound)
	})
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><html><head><title>x</title></head><body>hi</body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(config.Fetch{Timeout: 300 * time.Millisecond, MaxBody: 1 << 20, UserAgent: "t"})

	for _, tc := range []struct {
		path string
		want string
		is   error
	}{
		{"/404", "status 404", nil},
		{"/slow", "timeout after 300ms", nil},
		{"/big", "exceeds max_body", ErrTooLarge},
		{"/bomb", "exceeds max_body", ErrTooLarge},
		{"/loop", "redirects", nil},
		{"/429", "status 429", nil},
		{"/html", "not an RSS", ErrNotAFeed},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, err := c.Source(context.Background(), "x", srv.URL+tc.path, State{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), srv.URL+tc.path) {
				t.Errorf("error does not name the URL: %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
	_, err := c.Source(context.Background(), "x", srv.URL+"/429", State{})
	var he *HTTPError
	if !errors.As(err, &he) || he.RetryAfter != 2*time.Minute {
		t.Errorf("429: err = %v, Retry-After not read", err)
	}
}

func TestGzipResponse(t *testing.T) {
	body := readFile(t, "simple.rss")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(body)
		zw.Close()
	}))
	defer srv.Close()
	res, err := testClient().Source(context.Background(), "ex", srv.URL, State{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Feed.Items) != 2 {
		t.Errorf("items = %d", len(res.Feed.Items))
	}
}

func TestRedirectsFollowedUpToFive(t *testing.T) {
	body := readFile(t, "simple.rss")
	mux := http.NewServeMux()
	mux.HandleFunc("/r/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if n == 0 {
			w.Write(body)
			return
		}
		http.Redirect(w, r, "/r/"+strconv.Itoa(n-1), http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if _, err := testClient().Source(context.Background(), "x", srv.URL+"/r/5", State{}); err != nil {
		t.Errorf("5 redirects: %v", err)
	}
	if _, err := testClient().Source(context.Background(), "x", srv.URL+"/r/6", State{}); err == nil {
		t.Error("6 redirects were followed")
	}
}

func TestFileSources(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "simple.rss"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{abs, "file://" + abs, filepath.Join("testdata", "simple.rss")} {
		res, err := testClient().Source(context.Background(), "f", u, State{})
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if len(res.Feed.Items) != 2 {
			t.Errorf("%s: %d items", u, len(res.Feed.Items))
		}
		again, err := testClient().Source(context.Background(), "f", u, res.State)
		if err != nil || !again.NotModified {
			t.Errorf("%s: unchanged file not recognized: %v", u, err)
		}
	}
	if _, err := testClient().Source(context.Background(), "f", "/nonexistent/feed.xml", State{}); err == nil || !strings.Contains(err.Error(), "/nonexistent/feed.xml") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(3, 1)
	ctx := context.Background()
	var running, peak, hostPeak atomic.Int32
	hosts := map[string]*atomic.Int32{"a": {}, "b": {}, "c": {}, "d": {}}
	done := make(chan struct{})
	for i := 0; i < 16; i++ {
		h := []string{"a", "b", "c", "d"}[i%4]
		go func() {
			defer func() { done <- struct{}{} }()
			release, err := l.Acquire(ctx, "http://"+h+"/feed")
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			hn := hosts[h].Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			for {
				p := hostPeak.Load()
				if hn <= p || hostPeak.CompareAndSwap(p, hn) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
			hosts[h].Add(-1)
			running.Add(-1)
			release()
		}()
	}
	for i := 0; i < 16; i++ {
		<-done
	}
	if peak.Load() > 3 || hostPeak.Load() > 1 {
		t.Errorf("peak %d at once (max 3), %d per host (max 1)", peak.Load(), hostPeak.Load())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	r1, _ := l.Acquire(ctx, "http://a/")
	if _, err := l.Acquire(cctx, "http://a/"); err == nil {
		t.Error("Acquire with a cancelled context succeeded while the host was busy")
	}
	r1()
}

// TestFeedTitleIsPlainText: a feed's title is published as its items'
// source; markup in it, even escaped, is not carried along.
func TestFeedTitleIsPlainText(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;News&lt;/b&gt; &amp;amp; more</title>
<item><title>x</title><link>https://ex.org/1</link></item></channel></rss>`
	f, err := Parse([]byte(doc), "", "src", "https://ex.org/feed")
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "News & more" || f.Items[0].SourceTitle != f.Title {
		t.Errorf("title %q, source title %q", f.Title, f.Items[0].SourceTitle)
	}
}
