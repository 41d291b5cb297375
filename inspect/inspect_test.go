package inspect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
)

// testFeed is the RSS document of the source "news": an item with an
// appeal the configured rule removes, a tracking pixel and a Korea topic;
// one that a none term keeps out of Klima; one with a hostile title.
const testFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Test News</title><link>https://news.example/</link>
<item><title>Seoul und Washington warnen Nordkorea</title><link>https://news.example/korea?utm_source=rss</link>
<guid>korea</guid><pubDate>Sat, 01 Mar 2025 10:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>Die Regierungen warnen Nordkorea scharf vor weiteren Raketentests.</p><p>Jetzt unterstützen: Zahl ich, damit unabhängiger Journalismus bleibt.</p><p>Pjöngjang schweigt bisher.</p><img src="https://stats.example/pixel.gif" width="1" height="1">]]></content:encoded></item>
<item><title>Konsumklima sinkt im März</title><link>https://news.example/klima</link>
<guid>klima</guid><pubDate>Sat, 01 Mar 2025 09:00:00 GMT</pubDate>
<description>Das Klima im Handel bleibt rau. Mehr lesen</description></item>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt; Wetter</title><link>https://news.example/wetter</link>
<guid>wetter</guid><pubDate>Sat, 01 Mar 2025 08:00:00 GMT</pubDate>
<description>Sonne und &lt;b onmouseover=alert(2)&gt;Wolken&lt;/b&gt;</description></item>
</channel></rss>
`

const secret = "S3CRETtoken0123456789"

// testEnv is an inspector over a configuration with three sources (one
// failing, one with a token in its URL), public and private topics and a
// rule, and a real SQLite store refreshed once.
type testEnv struct {
	h       *Handler
	ts      *httptest.Server
	feedURL string
	cfg     *config.Config
	st      *store.SQLite
	fetches atomic.Int32
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{}
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			e.fetches.Add(1)
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, testFeed)
		default:
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(feeds.Close)
	e.feedURL = feeds.URL + "/feed"
	dir := t.TempDir()
	yaml := fmt.Sprintf(`listen: 127.0.0.1:8080
inspector: true
data_dir: %s
sources:
  - name: news
    url: %s
    rules: [appeals]
  - name: broken
    url: %s/broken
  - name: secretive
    url: %s?token=%s
topics:
  - name: Korea
    match:
      any: ["nordkorea*", pjöngjang]
  - name: Klima
    match:
      any: ["*klima*"]
      none: ["konsumklima*"]
  - name: Geheimsache
    slug: geheimsache
    match:
      any: [raketentests]
    private:
      token: %s
rules:
  - name: appeals
    remove:
      - text: "/^Jetzt unterstützen/"
`, filepath.Join(dir, "data"), e.feedURL, feeds.URL, e.feedURL, secret, secret)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, config.Options{KnownRules: clean.PackNames()})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	e.st, err = store.OpenSQLite(filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	ref, err := refresh.New(cfg, e.st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ref.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.fetches.Store(0)
	e.h = New(Options{Config: func() *config.Config { return e.cfg }, Store: func() store.Store { return e.st }})
	e.ts = httptest.NewServer(e.h)
	t.Cleanup(e.ts.Close)
	return e
}

// get returns the status and body of a GET of path.
func (e *testEnv) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(e.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// try posts the try form, as a browser on the page does.
func (e *testEnv) try(t *testing.T, form url.Values, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.ts.URL+"/inspect/try", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// wantIn fails for each of wants that page lacks.
func wantIn(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %s\n%s", what, w, page)
			return
		}
	}
}

// nothingHidden fails when page tells of the private topic or the secret.
func nothingHidden(t *testing.T, what, page string) {
	t.Helper()
	for _, bad := range []string{secret, "Geheimsache", "geheimsache", "<script", "onmouseover=alert"} {
		if strings.Contains(page, bad) {
			t.Errorf("%s shows %q", what, bad)
		}
	}
}

func TestOverview(t *testing.T) {
	e := newTestEnv(t)
	code, page := e.get(t, "/inspect/")
	if code != 200 {
		t.Fatalf("status %d\n%s", code, page)
	}
	wantIn(t, "overview", page,
		`<a href="source/news">news</a>`, `<a href="source/broken">broken</a>`, `<a href="source/secretive">secretive</a>`,
		`<span class="status failing">failing</span>`, `status 500 Internal Server Error`, `1 of 3 sources is failing.`,
		`<span class="status ok">ok</span>`, `<td class="num">3</td>`,
		`<a href="topic/korea">Korea</a>`, `any: <q class="term">nordkorea*</q>, <q class="term">pjöngjang</q>`,
		`none: <q class="term">konsumklima*</q>`, `rules: appeals`,
	)
	nothingHidden(t, "overview", page)
	if e.fetches.Load() != 0 {
		t.Errorf("the overview fetched %d times", e.fetches.Load())
	}
	if code, _ := e.get(t, "/inspect"); code != 200 { // redirected
		t.Errorf("/inspect: %d", code)
	}
}

func TestSourcePage(t *testing.T) {
	e := newTestEnv(t)
	code, page := e.get(t, "/inspect/source/news")
	if code != 200 {
		t.Fatalf("status %d\n%s", code, page)
	}
	wantIn(t, "source page", page,
		// The removal in place, with its rule, and in the list with why.
		`<del title="removed by appeals">Jetzt unterstützen: Zahl ich, damit unabhängiger Journalismus bleibt.`,
		`<a class="rule" href="#rm-1-3">appeals</a>`,
		`<li id="rm-1-3"><span class="rule">appeals</span> in content: Jetzt unterstützen`,
		`<span class="note">— because: text &#34;/^Jetzt unterstützen/&#34;</span>`,
		`<span class="rule">tracker</span> in content: &lt;img src=&#34;https://stats.example/pixel.gif&#34;&gt;`,
		`<span class="rule">tracking-params</span> in link: utm_source=rss`,
		// The topics, with the terms that matched.
		`topic <a href="../topic/korea">Korea</a>: <q class="term">nordkorea*</q> in title: “Seoul und Washington warnen <mark>Nordkorea</mark>”`,
		`<q class="term">pjöngjang</q> in content:`,
		`not in <a href="../topic/klima">Klima</a>: none term <q class="term">konsumklima*</q> in title: “<mark>Konsumklima</mark> sinkt im März”`,
		`>Wetter</a></h3>`, `<span class="rule">sanitize</span> in summary: &lt;b onmouseover=&#34;alert(2)&#34;&gt;`,
	)
	nothingHidden(t, "source page", page)
	// Within LiveTTL the document is fetched once.
	e.get(t, "/inspect/source/news")
	if n := e.fetches.Load(); n != 1 {
		t.Errorf("%d fetches for two views", n)
	}
	// After LiveTTL, the next view fetches again.
	e.h.now = func() time.Time { return time.Now().Add(LiveTTL + time.Second) }
	e.get(t, "/inspect/source/news")
	if n := e.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after LiveTTL, want 2", n)
	}
	e.h.now = time.Now
	// The secret stays out of a source's own page.
	_, page = e.get(t, "/inspect/source/secretive")
	wantIn(t, "secretive page", page, "Seoul und Washington")
	nothingHidden(t, "secretive page", page)
	// A failing source: why, and its stored items (none).
	_, page = e.get(t, "/inspect/source/broken")
	wantIn(t, "broken page", page, "The source could not be fetched now: fetch", "status 500")
	if code, _ := e.get(t, "/inspect/source/nope"); code != 404 {
		t.Errorf("unknown source: %d", code)
	}
}

func TestTopicPage(t *testing.T) {
	e := newTestEnv(t)
	code, page := e.get(t, "/inspect/topic/korea")
	if code != 200 {
		t.Fatalf("status %d\n%s", code, page)
	}
	// The sources news and secretive carry the same story: one item.
	wantIn(t, "topic page", page, "1 stored item;", "Seoul und Washington warnen Nordkorea", `<mark>Nordkorea</mark>`,
		"Stored as cleaned when fetched")
	nothingHidden(t, "topic page", page)
	for _, slug := range []string{"geheimsache", "all", "nope"} {
		if code, page := e.get(t, "/inspect/topic/"+slug); code != 404 || strings.Contains(page, "Geheimsache") {
			t.Errorf("topic %s: %d", slug, code)
		}
	}
}

func TestTry(t *testing.T) {
	e := newTestEnv(t)
	before, err := e.st.Fingerprints(context.Background(), "news")
	if err != nil {
		t.Fatal(err)
	}
	code, page := e.get(t, "/inspect/try?source=news")
	if code != 200 || !strings.Contains(page, `<option selected>news</option>`) {
		t.Fatalf("try form: %d\n%s", code, page)
	}
	draft := `rules:
  - name: more
    remove:
      - text: "/Mehr lesen$/"
topics:
  - name: Nordkorea
    match:
      any: [pjöngjang, "*korea*"]
`
	code, page = e.try(t, url.Values{"source": {"news"}, "draft": {draft}})
	if code != 200 {
		t.Fatalf("status %d\n%s", code, page)
	}
	wantIn(t, "try result", page,
		`The draft's rules (more) removed 1 thing`, `1 of 3 items join Nordkorea.`,
		`<del class="draft" title="removed by more">`, `<li id="rm-2-1" class="draft"><span class="rule">more</span>`,
		`topic Nordkorea: <q class="term">*korea*</q> in title`,
	)
	nothingHidden(t, "try result", page)
	// The configured rule still applies; the configured topics do not.
	wantIn(t, "try result", page, `removed by appeals`)
	if strings.Contains(page, "topic <a") {
		t.Errorf("a draft topic links to a page, or a configured topic was kept")
	}
	// Nothing was written.
	after, err := e.st.Fingerprints(context.Background(), "news")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("trying changed the store")
	}
	// A rule alone keeps the configured public topics.
	_, page = e.try(t, url.Values{"source": {"news"}, "draft": {"rules:\n  - name: more\n    remove: [{text: Mehr lesen}]\n"}})
	wantIn(t, "rule alone", page, `topic <a href="./topic/korea">Korea</a>`)
	nothingHidden(t, "rule alone", page)
}

func TestTryProblems(t *testing.T) {
	e := newTestEnv(t)
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no items", url.Values{"draft": {"topics: []"}}, "Choose a source or give a feed URL."},
		{"empty", url.Values{"source": {"news"}}, "The draft is empty"},
		{"syntax", url.Values{"source": {"news"}, "draft": {"topics:\n  - name: [x\n"}}, "draft: yaml: line"},
		{"other keys", url.Values{"source": {"news"}, "draft": {"sources_opml: /etc/passwd\ntopics: []"}}, "draft:1:1: only rules and topics can be tried, not &#34;sources_opml&#34;"},
		{"substitution", url.Values{"source": {"news"}, "draft": {"topics:\n  - name: ${file:/etc/passwd}\n"}}, "may not hold substitutions"},
		{"private", url.Values{"source": {"news"}, "draft": {"topics:\n  - name: x\n    private: {token: abcdefghijklmnopqrstu}\n"}}, "draft:3:5: a draft topic cannot be private"},
		{"invalid term", url.Values{"source": {"news"}, "draft": {"topics:\n  - name: x\n    match: {any: [\"nord*korea\"]}\n"}}, "The draft could not be applied: topic &#34;x&#34;: any term &#34;nord*korea&#34;"},
		{"unknown source", url.Values{"source": {"news"}, "draft": {"topics:\n  - name: x\n    sources: [nope]\n"}}, "draft:3:15: topics[0].sources[0]: unknown source &#34;nope&#34;"},
		{"two documents", url.Values{"source": {"news"}, "draft": {"topics: []\n---\nrules: []\n"}}, "one YAML document"},
		{"too long", url.Values{"source": {"news"}, "draft": {"topics: []\n#" + strings.Repeat("x", MaxDraft)}}, "at most 16384 are tried"},
	} {
		_, page := e.try(t, tt.form)
		if !strings.Contains(page, tt.want) {
			t.Errorf("%s: page lacks %q\n%s", tt.name, tt.want, page)
		}
		if strings.Contains(page, "root:") {
			t.Errorf("%s: a file was read", tt.name)
		}
	}
	// The feed URL's fetch is guarded: the loopback server is refused.
	e.fetches.Store(0)
	_, page := e.try(t, url.Values{"url": {e.feedURL}, "draft": {"topics:\n  - name: x\n"}})
	wantIn(t, "loopback URL", page, "The feed could not be read:", "address is not public")
	if e.fetches.Load() != 0 {
		t.Errorf("the loopback server was reached")
	}
	// Where private addresses are allowed (this test's loopback), the
	// feed URL is tried as a source.
	e.h.allowPrivate = true
	_, page = e.try(t, url.Values{"url": {e.feedURL}, "draft": {"topics:\n  - name: Wetter\n    match: {any: [wetter]}\n"}})
	wantIn(t, "feed URL", page, "1 of 3 items join Wetter.", "<mark>Wetter</mark>")
	nothingHidden(t, "feed URL", page)
}

func TestGuards(t *testing.T) {
	e := newTestEnv(t)
	// A cross-site form post is refused before anything is fetched.
	code, _ := e.try(t, url.Values{"source": {"news"}, "draft": {"topics:\n  - name: x\n"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if code != 403 || e.fetches.Load() != 0 {
		t.Errorf("cross-site post: %d, %d fetches", code, e.fetches.Load())
	}
	// A rebound name is refused.
	req, _ := http.NewRequest("GET", e.ts.URL+"/inspect/", nil)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("Host evil.example: %d", resp.StatusCode)
	}
	// Headers of every page.
	resp, err = http.Get(e.ts.URL + "/inspect/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k, want := range map[string]string{"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	// Off: nothing.
	cfg := *e.cfg
	cfg.Inspector = false
	e.cfg = &cfg
	if code, _ := e.get(t, "/inspect/"); code != 404 {
		t.Errorf("inspector off: %d", code)
	}
}

func TestAllowedHost(t *testing.T) {
	cfg := &config.Config{BaseURL: "https://feeds.example.org/refeed", Listen: "0.0.0.0:8080", AdminListen: "admin.internal:9090"}
	for host, want := range map[string]bool{
		"localhost:8080": true, "127.0.0.1:8080": true, "[::1]:8080": true, "192.168.1.5": true, "feeds.example.org": true,
		"FEEDS.example.org:443": true, "admin.internal:9090": true, "app.localhost": true,
		"evil.example": false, "feeds.example.org.evil.example": false, "": false,
	} {
		if got := allowedHost(host, cfg); got != want {
			t.Errorf("allowedHost(%q) = %v, want %v", host, got, want)
		}
	}
}
