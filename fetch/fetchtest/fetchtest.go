// Package fetchtest serves hostile feed sources for tests and harnesses:
// each Case is an HTTP handler that misbehaves in one way (a gzip bomb, an
// endless or dripping body, a redirect loop, error statuses, documents
// that are not feeds, are broken, or are crafted to exhaust a parser).
//
// The cases assume a client with a timeout of a few seconds and a max_body
// between 5 MiB and 50 MB: the documents built to strain the parser fit in
// 5 MiB, the oversized ones exceed 50 MB.
package fetchtest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sizes of the generated documents.
const (
	BombSize      = 4 << 30  // bytes the gzip bomb inflates to (from 4.9 MB)
	HugeItemSize  = 50 << 20 // bytes of content of the huge item
	LargeItemSize = 1 << 20  // bytes of content of the large item
	ManyItems     = 100_000  // items of the many-items feed
	NestedDepth   = 100_000  // nesting of the nested document
	WideElements  = 150_000  // sibling elements of the wide document
	RetryAfterSec = 3600     // Retry-After of the 429 answer
)

// A Case is one hostile source.
type Case struct {
	Name    string
	Handler http.Handler
	// Want is part of the error a fetch of the case reports; empty when
	// the fetch succeeds with a bounded result.
	Want string
	// Items is the number of items a successful fetch gives, within
	// refeed's limits (fetch.MaxItems).
	Items int
}

// Cases returns every hostile case.
func Cases() []Case {
	return []Case{
		{"gzip-bomb", http.HandlerFunc(gzipBomb), "exceeds max_body", 0},
		{"endless", http.HandlerFunc(endless), "exceeds max_body", 0},
		{"drip", http.HandlerFunc(drip), "timeout after", 0},
		{"stall", http.HandlerFunc(stall), "timeout after", 0},
		{"redirect-loop", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}), "redirects", 0},
		{"status-500", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}), "status 500", 0},
		{"status-429", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", fmt.Sprint(RetryAfterSec))
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}), "status 429", 0},
		{"html", static("text/html; charset=utf-8", []byte(`<!DOCTYPE html><html><head><title>Not a feed</title></head><body><h1>Welcome</h1><p>Nothing to see.</p></body></html>`)), "not an RSS, Atom or JSON feed", 0},
		{"truncated", static("application/rss+xml", truncated()), "XML syntax error", 0},
		{"billion-laughs", static("application/rss+xml", billionLaughs()), "entity expansion", 0},
		{"nested", static("application/rss+xml", nested()), "nested deeper than", 0},
		{"namespaces", static("application/rss+xml", namespaces()), "namespace declarations", 0},
		{"wide", static("application/rss+xml", wide()), "elements and attributes", 0},
		{"huge-item", http.HandlerFunc(hugeItem), "exceeds max_body", 0},
		{"large-item", static("application/rss+xml", largeItem()), "", 1},
		{"many-items", static("application/rss+xml", manyItems()), "", 1000},
	}
}

// GoodFeed returns an RSS feed with the items first..last of the named
// source, titled "NAME item I", with GUIDs "https://NAME.example/I".
func GoodFeed(name string, first, last int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link><description>%s</description>
`, name, name, name)
	for i := last; i >= first; i-- {
		fmt.Fprintf(&b, "<item><title>%s item %d</title><link>https://%s.example/%d</link><guid>https://%s.example/%d</guid><description>Item %d of %s.</description></item>\n", name, i, name, i, name, i, i, name)
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// A Server serves a good feed of its case's name until SetHostile, then
// the case's hostile answer.
type Server struct {
	*httptest.Server
	Case    Case
	hostile atomic.Bool
	good    atomic.Pointer[[]byte]
	hits    atomic.Int64
}

// NewServer starts a server for c; close it with Close.
func NewServer(c Case) *Server {
	s := &Server{Case: c}
	s.SetGood(GoodFeed(c.Name, 1, 2))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.hostile.Load() {
			c.Handler.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(*s.good.Load())
	}))
	return s
}

// SetHostile switches the server to its hostile answer, or back.
func (s *Server) SetHostile(on bool) { s.hostile.Store(on) }

// SetGood sets the feed served while the server is not hostile.
func (s *Server) SetGood(feed []byte) { s.good.Store(&feed) }

// Hits returns the number of requests served.
func (s *Server) Hits() int64 { return s.hits.Load() }

func static(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

const feedHead = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:x="https://x.example/ns"><channel><title>hostile</title><link>https://hostile.example/</link><description>d</description>
`

// bombMember is one gzip member inflating to a feed's head and 1 MiB of
// spaces (about 1 KB compressed); the bomb is many of them back to back (a
// valid multi-member gzip stream).
var bombMember = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write([]byte(feedHead))
	zw.Write(bytes.Repeat([]byte(" "), bombMemberSize))
	zw.Close()
	return b.Bytes()
})

const bombMemberSize = 1 << 20

func gzipBomb(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Header().Set("Content-Encoding", "gzip")
	m := bombMember()
	for range BombSize / bombMemberSize {
		if _, err := w.Write(m); err != nil {
			return // the client gave up
		}
	}
}

func endless(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(feedHead))
	chunk := bytes.Repeat([]byte("<item><title>again</title></item>\n"), 1000)
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// drip sends a feed one byte a second.
func drip(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/rss+xml")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	body := GoodFeed("drip", 1, 1)
	for _, c := range body {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(time.Second):
		}
		if _, err := w.Write([]byte{c}); err != nil {
			return
		}
		rc.Flush()
	}
}

// stall never answers.
func stall(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}

func hugeItem(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(feedHead + "<item><title>huge</title><guid>https://hostile.example/huge</guid><description>"))
	para := []byte(strings.Repeat("&lt;p&gt;All work and no play makes Jack a dull boy.&lt;/p&gt;\n", 1000))
	for n := 0; n < HugeItemSize; n += len(para) {
		if _, err := w.Write(para); err != nil {
			return
		}
	}
	w.Write([]byte("</description></item></channel></rss>\n"))
}

// largeItem is a feed of one item with LargeItemSize bytes of HTML
// content: within max_body, so fetched, cleaned and published.
func largeItem() []byte {
	var b bytes.Buffer
	b.WriteString(feedHead + "<item><title>large</title><guid>https://hostile.example/large</guid><description>")
	para := "&lt;p&gt;All work and &lt;b&gt;no&lt;/b&gt; play makes &lt;a href=&quot;https://jack.example/?utm_source=feed&quot;&gt;Jack&lt;/a&gt; a dull boy.&lt;/p&gt;\n"
	for b.Len() < LargeItemSize {
		b.WriteString(para)
	}
	b.WriteString("</description></item></channel></rss>\n")
	return b.Bytes()
}

func truncated() []byte {
	b := GoodFeed("truncated", 1, 20)
	return b[:len(b)/2]
}

func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE rss [` + "\n" + `<!ENTITY lol "lol">` + "\n")
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := fmt.Sprintf("lol%d", i)
		fmt.Fprintf(&b, `<!ENTITY %s "%s">`+"\n", name, strings.Repeat("&"+prev+";", 10))
		prev = name
	}
	b.WriteString(`]>
<rss version="2.0"><channel><title>&lol9;</title><link>https://laughs.example/</link><description>&lol9;</description>
<item><title>&lol9;</title><guid>https://laughs.example/1</guid><description>&lol9;</description></item>
</channel></rss>
`)
	return []byte(b.String())
}

func nested() []byte {
	var b bytes.Buffer
	b.WriteString(feedHead + "<item><title>deep</title><guid>https://hostile.example/deep</guid>")
	for range NestedDepth {
		b.WriteString("<x:a>")
	}
	for range NestedDepth {
		b.WriteString("</x:a>")
	}
	b.WriteString("</item></channel></rss>\n")
	return b.Bytes()
}

// namespaces declares 100 namespaces on the root and nests 10,000
// elements: a parser copying the bindings in scope at every element does a
// million copies.
func namespaces() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n<rss version=\"2.0\"")
	for i := range 100 {
		fmt.Fprintf(&b, ` xmlns:n%d="https://n%d.example/"`, i, i)
	}
	b.WriteString("><channel><title>ns</title>")
	for range 10_000 {
		b.WriteString("<n1:a>")
	}
	for range 10_000 {
		b.WriteString("</n1:a>")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// wide has WideElements extension elements side by side in the channel:
// gofeed builds a tree node with two maps for each.
func wide() []byte {
	var b bytes.Buffer
	b.WriteString(feedHead)
	for range WideElements {
		b.WriteString("<x:a/>")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// manyItems is a feed of ManyItems undated items titled "mI", in 3.4 MB.
func manyItems() []byte {
	var b bytes.Buffer
	b.WriteString(feedHead)
	for i := range ManyItems {
		fmt.Fprintf(&b, "<item><title>m%d</title></item>\n", i)
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}
