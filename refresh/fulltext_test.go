package refresh

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/refeed/refeed/config"
)

const articlePage = `<!doctype html><html><head><title>%s</title>
<script src="https://www.googletagmanager.com/gtm.js"></script></head><body>
<header><nav><a href="/">Start</a> <a href="/politik">Politik</a></nav></header>
<article><h1>%s</h1>
<p>Der erste Absatz des Artikels erzählt, was in Brüssel geschah, und er ist lang genug, um als Artikeltext zu gelten.</p>
<p>Der zweite Absatz ergänzt die Hintergründe zur Nato und zu Nordkorea mit vielen weiteren Einzelheiten aus der Sitzung.</p>
<img src="/stats/piwik.php?idsite=1&amp;rec=1" width="1" height="1" alt="">
<p>Der dritte Absatz schließt mit einem Zitat der Sprecherin, die sich zur Lage äußerte und weitere Schritte ankündigte.</p>
<div class="appeal"><h2>Eine Koalition, die was bewegt: taz.de und ihre Leser:innen</h2>
<p>Unsere Community ermöglicht den freien Zugang für alle.</p><p><a href="/zahlich">Jetzt unterstützen</a></p></div>
</article><footer>Impressum</footer></body></html>`

// TestFullText: a fulltext source gets each item's article in place of its
// teaser, without the appeal (by the configured rule) and the trackers;
// each page is fetched once; private addresses need allow_private.
func TestFullText(t *testing.T) {
	var pages atomic.Int32
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>%[1]s/</link><description>d</description>
<item><title>Nato warnt</title><link>%[1]s/artikel/1</link><description>Nur ein Anreißer.</description></item>
<item><title>Zweiter</title><link>%[1]s/artikel/2</link><description>Noch ein Anreißer.</description></item>
</channel></rss>`, srvURL)
	})
	mux.HandleFunc("/artikel/", func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		fmt.Fprintf(w, articlePage, r.URL.Path, r.URL.Path)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL

	r, st, src := setup(t, srv.URL+"/feed")
	r.cfg.Rules = []config.Rule{{Name: "appeal", Remove: []config.Remove{{From: "Eine Koalition, die was bewegt", To: "Jetzt unterstützen"}}}}
	src.Fulltext, src.AllowPrivate, src.Rules = true, true, []string{"appeal"}
	r.cfg.Sources = []config.Source{src}
	r, err := New(r.cfg, st, r.log)
	if err != nil {
		t.Fatal(err)
	}
	r.fulltext.SetMinInterval(0)
	if out := r.Source(ctx, src, true); out.Err != nil {
		t.Fatal(out.Err)
	}
	items, _ := st.Feed(ctx, "all", 10)
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		for _, want := range []string{"Der erste Absatz", "Der zweite Absatz", "Der dritte Absatz"} {
			if !strings.Contains(it.Content, want) {
				t.Errorf("%s: article paragraph %q missing: %s", it.Title, want, it.Content)
			}
		}
		for _, bad := range []string{"Eine Koalition", "Jetzt unterstützen", "piwik", "Impressum", "Politik", "Anreißer"} {
			if strings.Contains(it.Content, bad) {
				t.Errorf("%s: content keeps %q", it.Title, bad)
			}
		}
	}
	if pages.Load() != 2 {
		t.Errorf("%d page fetches, want 2", pages.Load())
	}
	// The source changes (a new ETag-less body): cached pages are not
	// fetched again.
	state, _ := st.Source(ctx, "s")
	state.Hash = ""
	st.PutSource(ctx, state)
	r.Source(ctx, src, true)
	if pages.Load() != 2 {
		t.Errorf("%d page fetches after a second refresh, want 2 (cached)", pages.Load())
	}

	// Without allow_private, the loopback link is refused and the feed's
	// own content stays.
	src2 := config.Source{Name: "p", URL: srv.URL + "/feed", Fulltext: true, Schedule: src.Schedule}
	cfg := *r.cfg
	cfg.Sources = []config.Source{src2}
	r2, _ := New(&cfg, nil, r.log) // no store: no cached articles
	r2.fulltext.SetMinInterval(0)
	_, previews, err := r2.PreviewSource(ctx, src2)
	if err != nil {
		t.Fatal(err)
	}
	for _, pv := range previews {
		if text := pv.Item.Summary + pv.Item.Content; !strings.Contains(text, "Anreißer") || strings.Contains(text, "Der erste Absatz") {
			t.Errorf("private link: %q, want the feed's own content", text)
		}
	}
	if pages.Load() != 2 {
		t.Errorf("a private address was fetched without allow_private")
	}
}
