package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/net/html"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/server"
)

// newest is the date of the newest item of version 0 of a test feed.
var newest = time.Date(2024, 3, 15, 12, 30, 0, 0, time.UTC)

// makeFeed renders a feed of n items with publish.Render. Versions differ
// in their items and dates.
func makeFeed(tb testing.TB, base, slug, title string, n, version int) server.Feed {
	tb.Helper()
	top := newest.Add(time.Duration(version) * time.Hour)
	pf := &publish.Feed{Slug: slug, Title: title, BaseURL: base}
	for i := range n {
		when := top.Add(-time.Duration(i) * time.Hour)
		pf.Items = append(pf.Items, item.Item{
			ID:        fmt.Sprintf("urn:refeed:%s-%d-%d", slug, version, i),
			Source:    "test",
			Link:      fmt.Sprintf("https://news.example.org/%s/%d/%d", slug, version, i),
			Title:     fmt.Sprintf("Story %d of %s, version %d", i, slug, version),
			Content:   strings.Repeat("<p>Der Bundestag hat am Freitag den Haushalt beschlossen; größere Änderungen gibt es bei Förderprogrammen.</p>\n", 3),
			Published: when,
			FirstSeen: when,
			Topics:    []string{slug},
		})
	}
	f := server.Feed{Slug: slug, Title: title, Items: n, Updated: top, Docs: map[publish.Format][]byte{}}
	for _, format := range publish.Formats {
		b, err := publish.Render(pf, format)
		if err != nil {
			tb.Fatal(err)
		}
		f.Docs[format] = b
	}
	return f
}

// env is a server listening on loopback.
type env struct {
	srv  *server.Server
	ts   *httptest.Server
	base string
	reg  *prometheus.Registry
	// health is what Options.Health returns.
	health atomic.Pointer[[]server.SourceHealth]
	// client does not ask for gzip by itself.
	client *http.Client
}

func newEnv(t testing.TB, maxAge time.Duration) *env {
	t.Helper()
	e := &env{reg: prometheus.NewRegistry()}
	e.ts = httptest.NewUnstartedServer(nil)
	e.base = "http://" + e.ts.Listener.Addr().String()
	e.srv = server.New(server.Options{
		BaseURL:  e.base + "/",
		Metrics:  metrics.New(e.reg),
		Registry: e.reg,
		Health: func() []server.SourceHealth {
			if p := e.health.Load(); p != nil {
				return *p
			}
			return nil
		},
		MaxAge: maxAge,
	})
	e.ts.Config = e.srv.HTTPServer("")
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	e.client = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	t.Cleanup(e.client.CloseIdleConnections)
	return e
}

// do sends a request with the given header fields ("Name", "value", ...) and
// returns the response with its whole body.
func (e *env) do(t testing.TB, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, body
}

func wantHeader(t *testing.T, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Get(name); got != want {
		t.Errorf("%s %s: %s = %q, want %q", resp.Request.Method, resp.Request.URL.Path, name, got, want)
	}
}

func TestFeedResponse(t *testing.T) {
	e := newEnv(t, 10*time.Minute)
	f := makeFeed(t, e.base, "politik", "Politik", 5, 0)
	e.srv.SetFeeds([]server.Feed{f})
	for _, format := range publish.Formats {
		resp, body := e.do(t, "GET", "/politik"+format.Ext())
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", format, resp.StatusCode)
		}
		if !bytes.Equal(body, f.Docs[format]) {
			t.Errorf("%s: body differs from the rendered document", format)
		}
		wantHeader(t, resp, "Content-Type", format.ContentType())
		if !strings.HasSuffix(resp.Header.Get("Content-Type"), "; charset=utf-8") {
			t.Errorf("%s: Content-Type %q has no charset", format, resp.Header.Get("Content-Type"))
		}
		wantHeader(t, resp, "Content-Length", strconv.Itoa(len(f.Docs[format])))
		wantHeader(t, resp, "Last-Modified", "Fri, 15 Mar 2024 12:30:00 GMT")
		wantHeader(t, resp, "Cache-Control", "public, max-age=600")
		wantHeader(t, resp, "Vary", "Accept-Encoding")
		wantHeader(t, resp, "Content-Encoding", "")
		if et := resp.Header.Get("ETag"); len(et) < 3 || et[0] != '"' || et[len(et)-1] != '"' || strings.HasPrefix(et, "W/") {
			t.Errorf("%s: ETag %q is not a strong entity tag", format, et)
		}
	}
	// Every format has its own tag.
	tags := map[string]bool{}
	for _, format := range publish.Formats {
		resp, _ := e.do(t, "GET", "/politik"+format.Ext())
		tags[resp.Header.Get("ETag")] = true
	}
	if len(tags) != len(publish.Formats) {
		t.Errorf("ETags not distinct per format: %v", tags)
	}

	e.srv.SetMaxAge(time.Hour)
	resp, _ := e.do(t, "GET", "/politik.rss")
	wantHeader(t, resp, "Cache-Control", "public, max-age=3600")
	e.srv.SetMaxAge(0)
	resp, _ = e.do(t, "GET", "/politik.rss")
	wantHeader(t, resp, "Cache-Control", "public, max-age=300")
}

func TestConditionalRequests(t *testing.T) {
	e := newEnv(t, 0)
	f := makeFeed(t, e.base, "all", "Alles", 3, 0)
	e.srv.SetFeeds([]server.Feed{f})
	first, _ := e.do(t, "GET", "/all.atom")
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	opaque := strings.Trim(etag, `"`)

	for _, tc := range []struct {
		name   string
		header []string
		want   int
	}{
		{"same etag", []string{"If-None-Match", etag}, 304},
		{"weak etag", []string{"If-None-Match", "W/" + etag}, 304},
		{"etag in a list", []string{"If-None-Match", `"abc", W/"def",` + etag}, 304},
		{"etag on a second line", []string{"If-None-Match", `"abc"`, "If-None-Match", etag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"gzip variant tag", []string{"If-None-Match", `"` + opaque + `-gz"`}, 304},
		{"other etag", []string{"If-None-Match", `"0123"`}, 200},
		{"unquoted etag", []string{"If-None-Match", opaque}, 200},
		{"prefix of etag", []string{"If-None-Match", `"` + opaque[:10] + `"`}, 200},
		{"same date", []string{"If-Modified-Since", lastMod}, 304},
		{"later date", []string{"If-Modified-Since", newest.Add(time.Minute).Format(http.TimeFormat)}, 304},
		{"earlier date", []string{"If-Modified-Since", newest.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"date in RFC 850", []string{"If-Modified-Since", newest.Format(time.RFC850)}, 304},
		{"invalid date", []string{"If-Modified-Since", "yesterday"}, 200},
		// RFC 9110 13.1.3: If-Modified-Since is ignored with If-None-Match.
		{"other etag, same date", []string{"If-None-Match", `"0123"`, "If-Modified-Since", lastMod}, 200},
		{"same etag, earlier date", []string{"If-None-Match", etag, "If-Modified-Since", newest.Add(-time.Hour).Format(http.TimeFormat)}, 304},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				resp, body := e.do(t, method, "/all.atom", tc.header...)
				if resp.StatusCode != tc.want {
					t.Fatalf("%s: status %d, want %d", method, resp.StatusCode, tc.want)
				}
				wantHeader(t, resp, "ETag", etag)
				wantHeader(t, resp, "Cache-Control", "public, max-age=300")
				wantHeader(t, resp, "Vary", "Accept-Encoding")
				if tc.want == 304 {
					if len(body) != 0 {
						t.Errorf("%s: 304 with a body of %d bytes", method, len(body))
					}
					wantHeader(t, resp, "Content-Type", "")
				}
			}
		})
	}

	// A new version of the feed gets a new tag, and the old one no longer
	// matches.
	e.srv.UpdateFeed(makeFeed(t, e.base, "all", "Alles", 3, 1))
	resp, body := e.do(t, "GET", "/all.atom", "If-None-Match", etag, "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("changed feed: status %d, %d bytes", resp.StatusCode, len(body))
	}
	newTag := resp.Header.Get("ETag")
	if newTag == etag || newTag == `"`+opaque+`-gz"` {
		t.Errorf("ETag unchanged after the feed changed: %s", newTag)
	}
	wantHeader(t, resp, "Last-Modified", "Fri, 15 Mar 2024 13:30:00 GMT")
	// The tag of the gzip response works too.
	resp, _ = e.do(t, "GET", "/all.atom", "If-None-Match", newTag, "Accept-Encoding", "gzip")
	if resp.StatusCode != 304 {
		t.Errorf("gzip ETag %s: status %d, want 304", newTag, resp.StatusCode)
	}
	resp, _ = e.do(t, "GET", "/all.atom", "If-None-Match", newTag)
	if resp.StatusCode != 304 {
		t.Errorf("gzip ETag %s without gzip: status %d, want 304", newTag, resp.StatusCode)
	}
}

func TestLastModifiedWithoutItemDate(t *testing.T) {
	e := newEnv(t, 0)
	f := makeFeed(t, e.base, "leer", "Leer", 0, 0)
	f.Updated = time.Time{}
	before := time.Now().Truncate(time.Second)
	e.srv.SetFeeds([]server.Feed{f})
	after := time.Now()
	resp, _ := e.do(t, "GET", "/leer.rss")
	lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if err != nil {
		t.Fatalf("Last-Modified: %v", err)
	}
	if lm.Before(before) || lm.After(after) {
		t.Errorf("Last-Modified %v not the time the feed was set (%v to %v)", lm, before, after)
	}
}

func TestGzip(t *testing.T) {
	e := newEnv(t, 0)
	f := makeFeed(t, e.base, "wirtschaft", "Wirtschaft", 20, 0)
	e.srv.SetFeeds([]server.Feed{f})
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip", true},
		{"gzip, deflate, br, zstd", true},
		{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"*", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000, *", false},
		{"*;q=0, identity", false},
		{"identity", false},
		{"br", false},
		{"", false},
	} {
		for _, format := range publish.Formats {
			path := "/wirtschaft" + format.Ext()
			var header []string
			if tc.accept != "" {
				header = []string{"Accept-Encoding", tc.accept}
			}
			resp, body := e.do(t, "GET", path, header...)
			if resp.StatusCode != 200 {
				t.Fatalf("%q %s: status %d", tc.accept, path, resp.StatusCode)
			}
			wantHeader(t, resp, "Vary", "Accept-Encoding")
			wantHeader(t, resp, "Content-Type", format.ContentType())
			wantHeader(t, resp, "Content-Length", strconv.Itoa(len(body)))
			if !tc.gzip {
				wantHeader(t, resp, "Content-Encoding", "")
				if !bytes.Equal(body, f.Docs[format]) {
					t.Errorf("%q %s: identity body differs", tc.accept, path)
				}
				continue
			}
			wantHeader(t, resp, "Content-Encoding", "gzip")
			if len(body) >= len(f.Docs[format]) {
				t.Errorf("%q %s: gzip body of %d bytes, document of %d", tc.accept, path, len(body), len(f.Docs[format]))
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%q %s: %v", tc.accept, path, err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%q %s: %v", tc.accept, path, err)
			}
			if !bytes.Equal(plain, f.Docs[format]) {
				t.Errorf("%q %s: gzip body does not decode to the document", tc.accept, path)
			}
		}
	}

	// Go's default transport asks for gzip and decodes it transparently.
	resp, err := http.Get(e.base + "/wirtschaft.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Uncompressed || !bytes.Equal(body, f.Docs[publish.JSON]) {
		t.Errorf("default client: uncompressed=%v, body equal=%v", resp.Uncompressed, bytes.Equal(body, f.Docs[publish.JSON]))
	}
}

func TestHead(t *testing.T) {
	e := newEnv(t, 0)
	f := makeFeed(t, e.base, "politik", "Politik", 4, 0)
	e.srv.SetFeeds([]server.Feed{f})
	for _, path := range []string{"/politik.rss", "/politik.atom", "/politik.json", "/", "/opml", "/healthz", "/metrics"} {
		get, getBody := e.do(t, "GET", path)
		head, headBody := e.do(t, "HEAD", path)
		if head.StatusCode != get.StatusCode {
			t.Errorf("HEAD %s: status %d, GET %d", path, head.StatusCode, get.StatusCode)
		}
		if len(headBody) != 0 {
			t.Errorf("HEAD %s: %d bytes of body", path, len(headBody))
		}
		for _, name := range []string{"Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary"} {
			if head.Header.Get(name) != get.Header.Get(name) {
				t.Errorf("HEAD %s: %s = %q, GET has %q", path, name, head.Header.Get(name), get.Header.Get(name))
			}
		}
		if strings.HasPrefix(path, "/politik") {
			if head.ContentLength != int64(len(getBody)) {
				t.Errorf("HEAD %s: Content-Length %d, want %d", path, head.ContentLength, len(getBody))
			}
		}
	}
	// HEAD with gzip gives the gzip length.
	get, getBody := e.do(t, "GET", "/politik.atom", "Accept-Encoding", "gzip")
	head, _ := e.do(t, "HEAD", "/politik.atom", "Accept-Encoding", "gzip")
	if head.ContentLength != int64(len(getBody)) || head.Header.Get("Content-Encoding") != "gzip" || head.Header.Get("ETag") != get.Header.Get("ETag") {
		t.Errorf("HEAD gzip: length %d (want %d), encoding %q, ETag %q (GET %q)", head.ContentLength, len(getBody), head.Header.Get("Content-Encoding"), head.Header.Get("ETag"), get.Header.Get("ETag"))
	}
}

// linkAttrs returns the attributes of every <link> in the <head> of a page.
func linkAttrs(t *testing.T, page []byte) []map[string]string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var links []map[string]string
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode && n.Data == "head" {
			inHead = true
		}
		if inHead && n.Type == html.ElementNode && n.Data == "link" {
			m := map[string]string{}
			for _, a := range n.Attr {
				m[a.Key] = a.Val
			}
			links = append(links, m)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(doc, false)
	return links
}

func TestIndexPage(t *testing.T) {
	e := newEnv(t, 0)
	hostile := `<script>alert("x")</script> & Co`
	feeds := []server.Feed{
		makeFeed(t, e.base, "all", "Alle Nachrichten", 7, 0),
		makeFeed(t, e.base, "politik", hostile, 2, 0),
		makeFeed(t, e.base, "sport", "Sport", 1, 0),
	}
	e.srv.SetFeeds(feeds)
	resp, page := e.do(t, "GET", "/")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantHeader(t, resp, "Content-Type", "text/html; charset=utf-8")
	if resp.Header.Get("ETag") == "" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("index without ETag or CSP: %v", resp.Header)
	}
	if bytes.Contains(page, []byte("<script")) {
		t.Errorf("hostile title not escaped:\n%s", page)
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co")) {
		t.Errorf("escaped hostile title not found:\n%s", page)
	}

	// Feed readers that search the raw page for the media type find it.
	for _, mt := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json"} {
		if !bytes.Contains(page, []byte(`<link rel="alternate" type="`+mt+`"`)) {
			t.Errorf("no literal %s link in the page", mt)
		}
	}
	links := linkAttrs(t, page)
	for _, f := range feeds {
		for _, format := range publish.Formats {
			href := e.base + "/" + f.Slug + format.Ext()
			mt, _, _ := strings.Cut(format.ContentType(), ";")
			found := slices.ContainsFunc(links, func(l map[string]string) bool {
				return l["rel"] == "alternate" && l["type"] == mt && l["href"] == href && strings.HasPrefix(l["title"], f.Title)
			})
			if !found {
				t.Errorf("no autodiscovery link %s %s for %q in %v", mt, href, f.Title, links)
			}
			if !bytes.Contains(page, []byte(`<a href="`+href+`"`)) {
				t.Errorf("no link to %s in the page", href)
			}
			// And the link works.
			if r, _ := e.do(t, "HEAD", strings.TrimPrefix(href, e.base)); r.StatusCode != 200 {
				t.Errorf("HEAD %s: status %d", href, r.StatusCode)
			}
		}
	}
	for _, want := range []string{`<td class="num">7</td>`, `<td class="num">2</td>`, "2024-03-15 12:30 UTC", `datetime="2024-03-15T12:30:00Z"`, `href="` + e.base + `/opml"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index page lacks %s:\n%s", want, page)
		}
	}

	// The index is revalidated with its ETag.
	again, body := e.do(t, "GET", "/", "If-None-Match", resp.Header.Get("ETag"))
	if again.StatusCode != 304 || len(body) != 0 {
		t.Errorf("index revalidation: status %d", again.StatusCode)
	}
	wantHeader(t, again, "Cache-Control", "no-cache")
}

func TestEmptyIndex(t *testing.T) {
	e := newEnv(t, 0)
	resp, page := e.do(t, "GET", "/")
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("No feeds yet.")) {
		t.Errorf("status %d:\n%s", resp.StatusCode, page)
	}
	if r, _ := e.do(t, "GET", "/all.rss"); r.StatusCode != 404 {
		t.Errorf("/all.rss before any feed: status %d", r.StatusCode)
	}
}

type testOPML struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    struct {
		Title       string `xml:"title"`
		DateCreated string `xml:"dateCreated"`
	} `xml:"head"`
	Body struct {
		Outlines []struct {
			Type    string `xml:"type,attr"`
			Text    string `xml:"text,attr"`
			Title   string `xml:"title,attr"`
			XMLURL  string `xml:"xmlUrl,attr"`
			HTMLURL string `xml:"htmlUrl,attr"`
		} `xml:"outline"`
	} `xml:"body"`
}

func TestOPML(t *testing.T) {
	e := newEnv(t, 0)
	feeds := []server.Feed{
		makeFeed(t, e.base, "all", "Alle Nachrichten", 3, 0),
		makeFeed(t, e.base, "politik", `Politik & "Gesellschaft" <mehr>`, 2, 0),
		makeFeed(t, e.base, "wirtschaft", "Wirtschaft", 1, 0),
	}
	e.srv.SetFeeds(feeds)
	resp, body := e.do(t, "GET", "/opml")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantHeader(t, resp, "Content-Type", "text/x-opml; charset=utf-8")
	var doc testOPML
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("OPML does not parse: %v\n%s", err, body)
	}
	if doc.Version != "2.0" || doc.Head.Title == "" {
		t.Errorf("version %q, title %q", doc.Version, doc.Head.Title)
	}
	if _, err := http.ParseTime(doc.Head.DateCreated); err != nil {
		t.Errorf("dateCreated %q: %v", doc.Head.DateCreated, err)
	}
	if len(doc.Body.Outlines) != len(feeds) {
		t.Fatalf("%d outlines, want %d:\n%s", len(doc.Body.Outlines), len(feeds), body)
	}
	for i, f := range feeds {
		o := doc.Body.Outlines[i]
		if o.Type != "rss" || o.Text != f.Title || o.Title != f.Title || o.XMLURL != e.base+"/"+f.Slug+".rss" || o.HTMLURL != e.base+"/" {
			t.Errorf("outline %d: %+v", i, o)
		}
		r, b := e.do(t, "GET", strings.TrimPrefix(o.XMLURL, e.base))
		if r.StatusCode != 200 || !bytes.Equal(b, f.Docs[publish.RSS]) {
			t.Errorf("%s: status %d", o.XMLURL, r.StatusCode)
		}
	}

	// Unchanged list: same document, same tag, even when feeds change.
	e.srv.UpdateFeed(makeFeed(t, e.base, "all", "Alle Nachrichten", 4, 1))
	resp2, body2 := e.do(t, "GET", "/opml")
	if resp2.Header.Get("ETag") != resp.Header.Get("ETag") || !bytes.Equal(body, body2) {
		t.Errorf("OPML changed although the list did not")
	}
	// A feed removed from the set disappears from the list.
	e.srv.SetFeeds(feeds[:2])
	_, body3 := e.do(t, "GET", "/opml")
	if bytes.Contains(body3, []byte("wirtschaft")) {
		t.Errorf("removed feed still listed:\n%s", body3)
	}
}

type testHealth struct {
	Status  string `json:"status"`
	Sources []struct {
		Name        string `json:"name"`
		URL         string `json:"url"`
		LastSuccess string `json:"last_success"`
		LastAttempt string `json:"last_attempt"`
		LastError   string `json:"last_error"`
		Failures    int    `json:"failures"`
		NextRun     string `json:"next_run"`
	} `json:"sources"`
}

func (e *env) getHealth(t *testing.T) (*http.Response, testHealth, map[string]any) {
	t.Helper()
	resp, body := e.do(t, "GET", "/healthz")
	var h testHealth
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("healthz: %v\n%s", err, body)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	wantHeader(t, resp, "Content-Type", "application/json; charset=utf-8")
	wantHeader(t, resp, "Cache-Control", "no-store")
	return resp, h, raw
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, 0)
	attempt := time.Date(2024, 3, 15, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	next := attempt.Add(10 * time.Minute)

	// No sources: nothing to wait for.
	resp, h, raw := e.getHealth(t)
	if resp.StatusCode != 200 || h.Status != "ok" {
		t.Errorf("no sources: status %d %q", resp.StatusCode, h.Status)
	}
	if src, ok := raw["sources"].([]any); !ok || len(src) != 0 {
		t.Errorf("no sources: sources = %#v, want []", raw["sources"])
	}

	// Sources, none ever succeeded.
	failing := []server.SourceHealth{
		{Name: "broken", URL: "https://broken.example/feed", LastAttempt: attempt, NextRun: next, LastError: "fetch: 500 Internal Server Error", Failures: 3},
		{Name: "new", URL: "https://new.example/feed"},
	}
	e.health.Store(&failing)
	resp, h, raw = e.getHealth(t)
	if resp.StatusCode != 503 || h.Status != "unavailable" {
		t.Errorf("no success yet: status %d %q", resp.StatusCode, h.Status)
	}
	if len(h.Sources) != 2 {
		t.Fatalf("sources: %+v", h.Sources)
	}
	b := h.Sources[0]
	if b.Name != "broken" || b.URL != "https://broken.example/feed" || b.LastError != "fetch: 500 Internal Server Error" ||
		b.Failures != 3 || b.LastAttempt != "2024-03-15T09:00:00Z" || b.NextRun != "2024-03-15T09:10:00Z" || b.LastSuccess != "" {
		t.Errorf("failing source: %+v", b)
	}
	s1 := raw["sources"].([]any)[1].(map[string]any)
	for _, k := range []string{"last_success", "last_attempt", "next_run", "last_error"} {
		if _, ok := s1[k]; ok {
			t.Errorf("never tried source has %s: %v", k, s1)
		}
	}
	for _, k := range []string{"name", "url", "failures"} {
		if _, ok := s1[k]; !ok {
			t.Errorf("never tried source lacks %s: %v", k, s1)
		}
	}

	// One source succeeded once; another fails.
	mixed := []server.SourceHealth{
		failing[0],
		{Name: "good", URL: "https://good.example/feed", LastSuccess: attempt, LastAttempt: attempt, NextRun: next},
	}
	e.health.Store(&mixed)
	resp, h, _ = e.getHealth(t)
	if resp.StatusCode != 200 || h.Status != "ok" {
		t.Errorf("one success: status %d %q", resp.StatusCode, h.Status)
	}
	if h.Sources[0].LastError == "" || h.Sources[1].LastSuccess != "2024-03-15T09:00:00Z" {
		t.Errorf("sources: %+v", h.Sources)
	}
}

// scrape parses /metrics as Prometheus text.
func (e *env) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := e.do(t, "GET", "/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/metrics: Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not valid Prometheus text: %v\n%s", err, body)
	}
	return fams
}

// counter returns the value of the series of fam with the given labels.
func counter(fam *dto.MetricFamily, labels map[string]string) float64 {
	for _, m := range fam.GetMetric() {
		match := 0
		for _, lp := range m.GetLabel() {
			if labels[lp.GetName()] == lp.GetValue() {
				match++
			}
		}
		if match == len(labels) {
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, 0)
	e.srv.SetFeeds([]server.Feed{makeFeed(t, e.base, "all", "Alles", 2, 0)})
	for range 3 {
		e.do(t, "GET", "/all.rss")
	}
	resp, _ := e.do(t, "GET", "/all.rss")
	e.do(t, "GET", "/all.rss", "If-None-Match", resp.Header.Get("ETag"))
	e.do(t, "GET", "/nope")
	e.do(t, "POST", "/all.rss")
	e.do(t, "GET", "/")

	fams := e.scrape(t)
	req := fams["refeed_http_requests_total"]
	if req == nil {
		t.Fatal("no refeed_http_requests_total")
	}
	for _, tc := range []struct {
		handler, code string
		want          float64
	}{
		{"feed", "200", 4}, {"feed", "304", 1}, {"feed", "405", 1}, {"other", "404", 1}, {"index", "200", 1},
	} {
		if got := counter(req, map[string]string{"handler": tc.handler, "code": tc.code}); got != tc.want {
			t.Errorf("requests{handler=%s,code=%s} = %v, want %v", tc.handler, tc.code, got, tc.want)
		}
	}
	for _, name := range []string{"refeed_http_request_duration_seconds", "go_goroutines", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	// The scrape itself is counted.
	fams = e.scrape(t)
	if got := counter(fams["refeed_http_requests_total"], map[string]string{"handler": "metrics", "code": "200"}); got < 1 {
		t.Errorf("metrics requests = %v", got)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, 0)
	e.srv.SetFeeds([]server.Feed{makeFeed(t, e.base, "all", "Alles", 1, 0)})
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, path := range []string{"/all.rss", "/", "/opml", "/healthz", "/metrics"} {
			resp, _ := e.do(t, method, path)
			if resp.StatusCode != 405 {
				t.Errorf("%s %s: status %d, want 405", method, path, resp.StatusCode)
			}
			wantHeader(t, resp, "Allow", "GET, HEAD")
		}
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, 0)
	f := makeFeed(t, e.base, "all", "Alles", 1, 0)
	delete(f.Docs, publish.JSON)
	e.srv.SetFeeds([]server.Feed{f})
	for _, path := range []string{"/nope", "/nope.rss", "/all", "/all.xml", "/all.json", "/all.rss/", "/.rss", "/index.html", "/opml/", "/metrics/x", "//all.rss"} {
		resp, body := e.do(t, "GET", path)
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
		wantHeader(t, resp, "Content-Type", "text/plain; charset=utf-8")
		if len(body) == 0 {
			t.Errorf("GET %s: empty 404 body", path)
		}
	}
	if r, _ := e.do(t, "POST", "/nope"); r.StatusCode != 404 {
		t.Errorf("POST /nope: status %d, want 404", r.StatusCode)
	}
}

func TestSetAndUpdateFeeds(t *testing.T) {
	e := newEnv(t, 0)
	a, b := makeFeed(t, e.base, "a", "A", 1, 0), makeFeed(t, e.base, "b", "B", 1, 0)
	e.srv.SetFeeds([]server.Feed{a, b})
	if r, _ := e.do(t, "GET", "/b.atom"); r.StatusCode != 200 {
		t.Fatalf("/b.atom: %d", r.StatusCode)
	}
	// b removed from the configuration.
	e.srv.SetFeeds([]server.Feed{a})
	if r, _ := e.do(t, "GET", "/b.atom"); r.StatusCode != 404 {
		t.Errorf("/b.atom after removal: %d", r.StatusCode)
	}
	if _, page := e.do(t, "GET", "/"); bytes.Contains(page, []byte("/b.rss")) {
		t.Errorf("removed feed on the index page")
	}
	// UpdateFeed adds c and replaces a.
	c := makeFeed(t, e.base, "c", "C", 2, 0)
	e.srv.UpdateFeed(c)
	a2 := makeFeed(t, e.base, "a", "A2", 3, 1)
	e.srv.UpdateFeed(a2)
	for _, f := range []server.Feed{a2, c} {
		r, body := e.do(t, "GET", "/"+f.Slug+".json")
		if r.StatusCode != 200 || !bytes.Equal(body, f.Docs[publish.JSON]) {
			t.Errorf("/%s.json: status %d, current=%v", f.Slug, r.StatusCode, bytes.Equal(body, f.Docs[publish.JSON]))
		}
	}
	_, page := e.do(t, "GET", "/")
	if i, j := bytes.Index(page, []byte(">A2<")), bytes.Index(page, []byte(">C<")); i < 0 || j < 0 || i > j {
		t.Errorf("index order: A2 at %d, C at %d", i, j)
	}
	// Invalid slugs are left out.
	e.srv.UpdateFeed(server.Feed{Slug: "x/y", Docs: a.Docs})
	e.srv.UpdateFeed(server.Feed{Slug: "", Docs: a.Docs})
	if r, _ := e.do(t, "GET", "/x/y.rss"); r.StatusCode != 404 {
		t.Errorf("/x/y.rss: %d", r.StatusCode)
	}
}

// TestSetFeedsWhileServing swaps feed sets while clients read them; run it
// with -race. Every response must be one consistent version: a known body
// with that body's ETag.
func TestSetFeedsWhileServing(t *testing.T) {
	e := newEnv(t, 0)
	const versions = 4
	sets := make([][]server.Feed, versions)
	for v := range versions {
		sets[v] = []server.Feed{makeFeed(t, e.base, "a", "A", 3+v, v), makeFeed(t, e.base, "b", "B", 2, v)}
	}
	// Learn the ETag of every version.
	tags := map[string]string{} // body -> ETag
	for _, set := range sets {
		e.srv.SetFeeds(set)
		for _, f := range set {
			for _, format := range publish.Formats {
				r, body := e.do(t, "GET", "/"+f.Slug+format.Ext())
				tags[string(body)] = r.Header.Get("ETag")
			}
		}
	}

	stop := make(chan struct{})
	var writers sync.WaitGroup
	writers.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			set := sets[i%versions]
			if i%3 == 0 {
				e.srv.UpdateFeed(set[0])
			} else {
				e.srv.SetFeeds(set)
			}
			if i%5 == 0 {
				e.srv.SetMaxAge(time.Duration(i%7+1) * time.Minute)
			}
		}
	})

	var readers sync.WaitGroup
	var served atomic.Int64
	for g := range 8 {
		readers.Go(func() {
			for i := range 60 {
				format := publish.Formats[(g+i)%len(publish.Formats)]
				path := []string{"/a", "/b"}[i%2] + format.Ext()
				if i%10 == 9 {
					path = []string{"/", "/opml"}[g%2]
				}
				resp, body := e.do(t, "GET", path)
				if resp.StatusCode != 200 {
					t.Errorf("GET %s: status %d", path, resp.StatusCode)
					return
				}
				served.Add(1)
				if path == "/" || path == "/opml" {
					continue
				}
				want, known := tags[string(body)]
				if !known {
					t.Errorf("GET %s: unknown body", path)
				} else if got := resp.Header.Get("ETag"); got != want {
					t.Errorf("GET %s: ETag %s does not belong to the body (%s)", path, got, want)
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
	t.Logf("%d responses", served.Load())

	// A set without b: b disappears.
	e.srv.SetFeeds(sets[0][:1])
	if r, _ := e.do(t, "GET", "/b.rss"); r.StatusCode != 404 {
		t.Errorf("/b.rss after removal: %d", r.StatusCode)
	}
}

func TestHTTPServer(t *testing.T) {
	s := server.New(server.Options{})
	hs := s.HTTPServer(":0")
	if hs.Addr != ":0" || hs.Handler != s || hs.ReadHeaderTimeout != 5*time.Second || hs.ReadTimeout != 10*time.Second ||
		hs.WriteTimeout != 30*time.Second || hs.IdleTimeout != 120*time.Second || hs.MaxHeaderBytes != 64<<10 || hs.ErrorLog == nil {
		t.Errorf("HTTPServer: %+v", hs)
	}
	// Without options, /metrics serves a registry of the server's own.
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "refeed_http_requests_total") {
		t.Errorf("/metrics without a registry: %d\n%s", rec.Code, rec.Body)
	}
}

func TestHealthzAlerts(t *testing.T) {
	s := server.New(server.Options{
		BaseURL: "http://x",
		Health:  func() []server.SourceHealth { return nil },
		Alerts: func() any {
			return []map[string]any{{"topic": "nato", "pending": 2, "last_error": "status 500"}}
		},
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Status string `json:"status"`
		Alerts []struct {
			Topic     string `json:"topic"`
			Pending   int    `json:"pending"`
			LastError string `json:"last_error"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(h.Alerts) != 1 || h.Alerts[0].Pending != 2 || h.Alerts[0].LastError != "status 500" {
		t.Errorf("status %d, alerts %+v", resp.StatusCode, h.Alerts)
	}
}

// TestHealthzStoreError: while the store is unavailable, /healthz answers
// 503 with the reason, however healthy the sources; then 200 again.
func TestHealthzStoreError(t *testing.T) {
	var mu sync.Mutex
	storeErr := errors.New("store /d/refeed.db is damaged: database disk image is malformed (11)")
	s := server.New(server.Options{
		Health: func() []server.SourceHealth {
			return []server.SourceHealth{{Name: "a", LastSuccess: time.Now()}}
		},
		StoreError: func() error { mu.Lock(); defer mu.Unlock(); return storeErr },
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	check := func(wantCode int, wantStatus, wantErr string) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h struct {
			Status string `json:"status"`
			Error  string `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != wantCode || h.Status != wantStatus || h.Error != wantErr {
			t.Errorf("status %d %q, error %q", resp.StatusCode, h.Status, h.Error)
		}
	}
	check(503, "unavailable", storeErr.Error())
	mu.Lock()
	storeErr = nil
	mu.Unlock()
	check(200, "ok", "")
}
