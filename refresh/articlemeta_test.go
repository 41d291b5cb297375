package refresh

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// metaPage is an article page with a headline, a byline and a date where
// a site config's title, author and date lines find them.
const metaPage = `<!doctype html><html><head><title>Seitentitel | Die Zeitung</title>
<meta property="article:published_time" content="%[2]s"></head><body>
<article><h1 class="headline">%[1]s</h1>
<p class="byline"><span class="author">Anna Beispiel</span> und <span class="author">Bo Muster</span></p>
<p>Der erste Absatz des Artikels erzählt, was in Brüssel geschah, und er ist lang genug, um als Artikeltext zu gelten.</p>
<p>Der zweite Absatz ergänzt die Hintergründe zur Nato und zu Nordkorea mit vielen weiteren Einzelheiten aus der Sitzung.</p>
<p>Der dritte Absatz schließt mit einem Zitat der Sprecherin, die sich zur Lage äußerte und weitere Schritte ankündigte.</p>
</article></body></html>`

// bareArticle is an article page in which the site config's title, author
// and date lines find nothing.
const bareArticle = `<!doctype html><html><head><title>Ohne Angaben</title></head><body>
<article><p>Der erste Absatz des Artikels erzählt, was in Brüssel geschah, und er ist lang genug, um als Artikeltext zu gelten.</p>
<p>Der zweite Absatz ergänzt die Hintergründe zur Nato und zu Nordkorea mit vielen weiteren Einzelheiten aus der Sitzung.</p>
</article></body></html>`

// TestFullTextSiteConfigMeta: the title, authors and date that a site
// config's title, author and date lines find in an article's page become
// the item's, from the page and from the cache alike; where they find
// nothing, or a date that is no date, the feed's stay.
func TestFullTextSiteConfigMeta(t *testing.T) {
	var mu sync.Mutex
	fetched := map[string]int{}
	var version atomic.Int32 // of the items' teasers
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>%[1]s/</link><description>d</description>
<item><title>Titel des Feeds</title><link>%[1]s/a</link><author>feed@example.org (Feed Autor)</author><pubDate>Mon, 02 Jun 2025 08:00:00 +0000</pubDate><description>Anreißer a %[2]d</description></item>
<item><title>Ohne Angaben im Feed</title><link>%[1]s/b</link><author>feed@example.org (Feed Autor)</author><pubDate>Tue, 03 Jun 2025 08:00:00 +0000</pubDate><description>Anreißer b %[2]d</description></item>
<item><title>Kaputtes Datum</title><link>%[1]s/c</link><pubDate>Wed, 04 Jun 2025 08:00:00 +0000</pubDate><description>Anreißer c %[2]d</description></item>
</channel></rss>`, srvURL, version.Load())
	})
	mux.HandleFunc("/{page}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/a":
			fmt.Fprintf(w, metaPage, "Nato warnt vor &lt;Eskalation&gt; &amp; ruft zur Ruhe", "2025-06-01T10:30:00+02:00")
		case "/b":
			fmt.Fprint(w, bareArticle)
		case "/c":
			fmt.Fprintf(w, metaPage, "Datum kaputt", "irgendwann im Juni")
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL

	sites := t.TempDir()
	writeFile(t, filepath.Join(sites, "127.0.0.1.txt"), `body: //article
title: //h1[@class='headline']
author: //span[@class='author']
date: //meta[@property='article:published_time']/@content
`)
	r, st, src := setup(t, srv.URL+"/feed")
	r.cfg.Fulltext.SiteConfigs = sites
	src.Fulltext, src.AllowPrivate = true, true
	r.cfg.Sources = []config.Source{src}
	r, err := New(r.cfg, st, r.log)
	if err != nil {
		t.Fatal(err)
	}
	r.fulltext.SetMinInterval(0)

	check := func(when string) {
		t.Helper()
		items, err := st.Feed(ctx, "all", 10)
		if err != nil || len(items) != 3 {
			t.Fatalf("%s: %d items, %v", when, len(items), err)
		}
		by := map[string]item.Item{}
		for _, it := range items {
			by[strings.TrimPrefix(it.Link, srvURL)] = it
		}
		a := by["/a"]
		if a.Title != "Nato warnt vor <Eskalation> & ruft zur Ruhe" {
			t.Errorf("%s: title %q, want the page's headline", when, a.Title)
		}
		if len(a.Authors) != 2 || a.Authors[0].Name != "Anna Beispiel" || a.Authors[1].Name != "Bo Muster" {
			t.Errorf("%s: authors %+v, want the page's", when, a.Authors)
		}
		if want := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC); !a.Published.Equal(want) {
			t.Errorf("%s: published %v, want %v (the page's)", when, a.Published, want)
		}
		if !strings.Contains(a.Content, "Der dritte Absatz") || strings.Contains(a.Content, "Anreißer") {
			t.Errorf("%s: content %q, want the article", when, a.Content)
		}
		b := by["/b"]
		if b.Title != "Ohne Angaben im Feed" || len(b.Authors) != 1 || b.Authors[0].Name != "Feed Autor" ||
			!b.Published.Equal(time.Date(2025, 6, 3, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: b = %q %+v %v, want the feed's title, author and date", when, b.Title, b.Authors, b.Published)
		}
		if !strings.Contains(b.Content, "Der zweite Absatz") {
			t.Errorf("%s: b content %q, want the article", when, b.Content)
		}
		c := by["/c"]
		if c.Title != "Datum kaputt" || !c.Published.Equal(time.Date(2025, 6, 4, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: c = %q %v, want the page's title and the feed's date", when, c.Title, c.Published)
		}
	}
	if out := r.Source(ctx, src, true); out.Err != nil {
		t.Fatal(out.Err)
	}
	check("first refresh")
	if ft, ok, _ := st.FullText(ctx, srvURL+"/a"); !ok || ft.Title == "" || len(ft.Authors) != 2 || ft.Date != "2025-06-01T10:30:00+02:00" {
		t.Errorf("cached: %+v %v", ft, ok)
	}

	// The items change in the feed: the articles come from the cache,
	// with their titles, authors and dates.
	version.Add(1)
	if out := r.Source(ctx, src, true); out.Err != nil {
		t.Fatal(out.Err)
	}
	if items, _ := st.Feed(ctx, "all", 10); len(items) != 3 || strings.Contains(items[0].Summary, "Anreißer a 0") {
		t.Fatalf("items not processed again: %+v", items)
	}
	check("from the cache")
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/a", "/b", "/c"} {
		if fetched[p] != 1 {
			t.Errorf("%s fetched %d times, want once", p, fetched[p])
		}
	}
}

// TestFullTextCacheFollowsSiteConfigs: a cached article is extracted again
// when the site config of its site changes, is added or goes, or another
// site_configs directory gives its site other rules; the articles of other
// sites, and of a directory with the same files, come from the cache.
func TestFullTextCacheFollowsSiteConfigs(t *testing.T) {
	var mu sync.Mutex
	fetched := map[string]int{}
	page := func(host string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			fetched[host]++
			mu.Unlock()
			fmt.Fprintf(w, `<!doctype html><html><head><title>x</title></head><body>
<article><h1>Überschrift %[1]s</h1><p class="teaser">Vorspann %[1]s, der lang genug ist, um zum Artikel zu gehören, und ihn einleitet.</p>
<p>Der erste Absatz des Artikels erzählt, was in Brüssel geschah, und er ist lang genug, um als Artikeltext zu gelten.</p>
<p>Der zweite Absatz ergänzt die Hintergründe zur Nato und zu Nordkorea mit vielen weiteren Einzelheiten aus der Sitzung.</p>
</article></body></html>`, host)
		})
	}
	one := httptest.NewServer(page("one"))
	defer one.Close()
	// A second site on another loopback address: another host name for
	// the site configs.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no second loopback address, and CI is set: %v", err)
		}
		t.Skipf("no second loopback address: %v", err)
	}
	two := httptest.NewUnstartedServer(page("two"))
	two.Listener.Close()
	two.Listener = ln
	two.Start()
	defer two.Close()

	// Every fetch of the feed gets another document (the items are read
	// again, and processed again where their fingerprints changed); the
	// items change with version.
	var fetches, version atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>%[1]s/</link><description>Abruf %[3]d</description>
<item><title>Eins</title><link>%[1]s/artikel</link><description>Anreißer %[4]d</description></item>
<item><title>Zwei</title><link>%[2]s/artikel</link><description>Anreißer %[4]d</description></item>
</channel></rss>`, one.URL, two.URL, fetches.Add(1), version.Load())
	}))
	defer feed.Close()

	strip := "body: //article\nstrip: //p[@class='teaser']\n"
	keep := "body: //article\n"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "127.0.0.1.txt"), strip)
	writeFile(t, filepath.Join(dir, "127.0.0.2.txt"), strip)

	r, st, src := setup(t, feed.URL)
	src.Fulltext, src.AllowPrivate = true, true
	r.cfg.Sources = []config.Source{src}
	contents := func() map[string]string {
		t.Helper()
		items, err := st.Feed(ctx, "all", 10)
		if err != nil || len(items) != 2 {
			t.Fatalf("%d items, %v", len(items), err)
		}
		out := map[string]string{}
		for _, it := range items {
			out[it.Title] = it.Content
		}
		return out
	}
	// run refreshes the source with the site configs of sitesDir ("" for
	// none) as a restarted refeed would, and returns the pages fetched
	// from each site.
	run := func(sitesDir string) (oneFetched, twoFetched int) {
		t.Helper()
		mu.Lock()
		before1, before2 := fetched["one"], fetched["two"]
		mu.Unlock()
		cfg := *r.cfg
		cfg.Fulltext.SiteConfigs = sitesDir
		rr, err := New(&cfg, st, r.log)
		if err != nil {
			t.Fatal(err)
		}
		rr.fulltext.SetMinInterval(0)
		if out := rr.Source(ctx, src, true); out.Err != nil {
			t.Fatal(out.Err)
		}
		mu.Lock()
		defer mu.Unlock()
		return fetched["one"] - before1, fetched["two"] - before2
	}

	if n1, n2 := run(dir); n1 != 1 || n2 != 1 {
		t.Fatalf("first refresh fetched %d and %d pages, want 1 and 1", n1, n2)
	}
	for title, c := range contents() {
		if strings.Contains(c, "Vorspann") || !strings.Contains(c, "Der erste Absatz") {
			t.Errorf("%s: content %q, want the article without its teaser", title, c)
		}
	}
	// Nothing changed: no page is fetched again.
	if n1, n2 := run(dir); n1 != 0 || n2 != 0 {
		t.Errorf("unchanged site configs: %d and %d pages fetched again, want none", n1, n2)
	}
	// The items change in the feed, the site configs do not: the cache
	// serves them.
	version.Add(1)
	if n1, n2 := run(dir); n1 != 0 || n2 != 0 {
		t.Errorf("changed items, same site configs: %d and %d pages fetched again, want none", n1, n2)
	}

	// One site's config changes: its page is extracted again, with the
	// new rules; the other's comes from the cache.
	writeFile(t, filepath.Join(dir, "127.0.0.1.txt"), keep)
	if n1, n2 := run(dir); n1 != 1 || n2 != 0 {
		t.Errorf("127.0.0.1.txt changed: %d and %d pages fetched, want 1 and 0", n1, n2)
	}
	got := contents()
	if !strings.Contains(got["Eins"], "Vorspann one") {
		t.Errorf("changed site config not applied: %q", got["Eins"])
	}
	if strings.Contains(got["Zwei"], "Vorspann") {
		t.Errorf("unchanged site's article changed: %q", got["Zwei"])
	}

	// Another directory with the same files: nothing is stale.
	same := t.TempDir()
	writeFile(t, filepath.Join(same, "127.0.0.1.txt"), keep)
	writeFile(t, filepath.Join(same, "127.0.0.2.txt"), strip)
	if n1, n2 := run(same); n1 != 0 || n2 != 0 {
		t.Errorf("a directory with the same files: %d and %d pages fetched, want none", n1, n2)
	}
	// Another directory giving the second site other rules, and the
	// first none (a global.txt now applies to it): both are extracted
	// again.
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "127.0.0.2.txt"), keep)
	writeFile(t, filepath.Join(other, "global.txt"), "strip: //h1\n")
	if n1, n2 := run(other); n1 != 1 || n2 != 1 {
		t.Errorf("another directory: %d and %d pages fetched, want 1 and 1", n1, n2)
	}
	got = contents()
	if !strings.Contains(got["Zwei"], "Vorspann two") || strings.Contains(got["Zwei"], "Überschrift") {
		t.Errorf("second site's new rules not applied: %q", got["Zwei"])
	}
	// No site configs at all: the articles of both sites were extracted
	// with rules that apply no more.
	if n1, n2 := run(""); n1 != 1 || n2 != 1 {
		t.Errorf("site configs removed: %d and %d pages fetched, want 1 and 1", n1, n2)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
