package e2e

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// storyItem is one item of a feed an origin of the cluster tests serves.
type storyItem struct {
	title, link string
}

// rssOf returns an RSS document titled title with the items, whose guid is
// their link.
func rssOf(title string, items []storyItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title><link>https://origin.example/</link><description>d</description>`, html.EscapeString(title))
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><description>%s</description></item>",
			html.EscapeString(it.title), html.EscapeString(it.link), html.EscapeString(it.link), html.EscapeString(it.title))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// origin is a loopback HTTP server of feeds that records when each path
// was requested. Its handler is given the request and its 1-based number
// among the requests of its path.
type origin struct {
	*httptest.Server
	mu  sync.Mutex
	hit map[string][]time.Time
}

// newOrigin starts an origin answering with serve; it is closed at the end
// of the test.
func newOrigin(t *testing.T, serve func(w http.ResponseWriter, r *http.Request, n int)) *origin {
	o := &origin{hit: map[string][]time.Time{}}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hit[r.URL.Path] = append(o.hit[r.URL.Path], time.Now())
		n := len(o.hit[r.URL.Path])
		o.mu.Unlock()
		serve(w, r, n)
	}))
	t.Cleanup(o.Close)
	return o
}

// newStaticOrigin starts an origin whose every path is a feed of one item
// that never changes, titled by the path and words.
func newStaticOrigin(t *testing.T, words string) *origin {
	return newOrigin(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		writeFeed(w, r, name, rssOf(name, []storyItem{{name + " " + words, "https://origin.example/" + name}}))
	})
}

// count returns how many times path was requested.
func (o *origin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.hit[path])
}

// times returns when path was requested.
func (o *origin) times(path string) []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]time.Time(nil), o.hit[path]...)
}

// total returns how many requests the origin had.
func (o *origin) total() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, ts := range o.hit {
		n += len(ts)
	}
	return n
}

// writeFeed answers with body, an RSS document, with an ETag derived from
// tag, or with 304 when the request carries that ETag already.
func writeFeed(w http.ResponseWriter, r *http.Request, tag, body string) {
	etag := `"` + tag + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, body)
}

// sourcesYAML returns the sources section for the paths of o, named as
// the paths without their slash, on the schedule.
func sourcesYAML(o *origin, schedule string, paths ...string) string {
	var b strings.Builder
	b.WriteString("sources:\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s%s\n    schedule: %q\n", strings.Trim(strings.ReplaceAll(p, "/", "-"), "-"), o.URL, p, schedule)
	}
	return b.String()
}
