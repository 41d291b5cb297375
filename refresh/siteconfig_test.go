package refresh

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/refeed/refeed/config"
)

// TestFullTextSiteConfig: with fulltext.site_configs, a fulltext source's
// articles are extracted by the site config of their host, across its
// pages, and a site's strip rules clean the feed content of the items
// linking to it.
func TestFullTextSiteConfig(t *testing.T) {
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>%[1]s/</link><description>d</description>
<item><title>Nato warnt</title><link>%[1]s/artikel/1</link><description>&lt;p&gt;Ein Anreißer, der lang genug ist, um mehr als die Hälfte des Inhalts zu sein.&lt;/p&gt;&lt;div class="appeal"&gt;Jetzt unterstützen&lt;/div&gt;</description></item>
</channel></rss>`, srvURL)
	})
	mux.HandleFunc("/artikel/1", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			fmt.Fprint(w, `<html><body><article><p>Der vierte Absatz steht auf der zweiten Seite des Artikels und schließt den Bericht ab.</p></article></body></html>`)
			return
		}
		page := fmt.Sprintf(articlePage, r.URL.Path, "Nato warnt")
		page = strings.Replace(page, "</article>", `</article><a rel="next" href="/artikel/1?page=2">Weiter</a>`, 1)
		fmt.Fprint(w, page)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL

	sites := t.TempDir()
	if err := os.WriteFile(filepath.Join(sites, "127.0.0.1.txt"), []byte(`body: //article
strip: //div[@class='appeal']
title: //h1
next_page_link: //a[@rel='next']
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, st, src := setup(t, srv.URL+"/feed")
	r.cfg.Fulltext.SiteConfigs = sites

	// Feed content (here the summary): the appeal goes by the site
	// config.
	r, err := New(r.cfg, st, r.log)
	if err != nil {
		t.Fatal(err)
	}
	if out := r.Source(ctx, src, true); out.Err != nil {
		t.Fatal(out.Err)
	}
	items, _ := st.Feed(ctx, "all", 10)
	if len(items) != 1 || !strings.Contains(items[0].Summary, "Ein Anreißer") || strings.Contains(items[0].Summary, "Jetzt unterstützen") {
		t.Fatalf("feed content not cleaned by the site config: %+v", items)
	}

	// Full text: the article of both pages, without the appeal and the
	// title.
	src.Fulltext, src.AllowPrivate = true, true
	r.cfg.Sources = []config.Source{src}
	if r, err = New(r.cfg, st, r.log); err != nil {
		t.Fatal(err)
	}
	r.fulltext.SetMinInterval(0)
	state, _ := st.Source(ctx, "s")
	state.Hash = ""
	st.PutSource(ctx, state)
	if out := r.Source(ctx, src, true); out.Err != nil {
		t.Fatal(out.Err)
	}
	items, _ = st.Feed(ctx, "all", 10)
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	got := items[0].Content
	for _, want := range []string{"Der erste Absatz", "Der dritte Absatz", "Der vierte Absatz steht auf der zweiten Seite"} {
		if !strings.Contains(got, want) {
			t.Errorf("article text %q missing: %s", want, got)
		}
	}
	for _, bad := range []string{"Eine Koalition", "Jetzt unterstützen", "Impressum", "<h1>", "Anreißer", "Weiter"} {
		if strings.Contains(got, bad) {
			t.Errorf("content keeps %q: %s", bad, got)
		}
	}
}

// TestSiteConfigsUnreadable: a directory that went away since the
// configuration was checked fails New.
func TestSiteConfigsUnreadable(t *testing.T) {
	r, st, _ := setup(t, "http://127.0.0.1:1/feed")
	r.cfg.Fulltext.SiteConfigs = filepath.Join(t.TempDir(), "gone")
	if _, err := New(r.cfg, st, r.log); err == nil || !strings.Contains(err.Error(), "fulltext.site_configs") {
		t.Errorf("err = %v", err)
	}
}

// TestSiteTests runs the test_url lines of a site config against a
// loopback server.
func TestSiteTests(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, articlePage, "a", "A")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sites := t.TempDir()
	if err := os.WriteFile(filepath.Join(sites, "127.0.0.1.txt"), []byte(`body: //article
test_url: `+srv.URL+`/a
test_contains: Der  zweite Absatz ERGÄNZT
test_url: `+srv.URL+`/a
test_contains: Der erste Absatz
test_contains: Eine Zeile, die fehlt
test_url: `+srv.URL+`/missing
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, st, src := setup(t, srv.URL+"/feed")
	if err := r.SiteTests(ctx, nil, true, func(SiteTest) {}); !errors.Is(err, ErrNoSiteConfigs) {
		t.Errorf("without site configs: %v", err)
	}
	r.cfg.Fulltext.SiteConfigs = sites
	src.Fulltext = true // for a fetcher without pauses
	r.cfg.Sources = []config.Source{src}
	r, err := New(r.cfg, st, r.log)
	if err != nil {
		t.Fatal(err)
	}
	r.fulltext.SetMinInterval(0)
	var got []SiteTest
	if err := r.SiteTests(ctx, []string{"other.example"}, true, func(st SiteTest) { got = append(got, st) }); err == nil {
		t.Error("no error for a host without a site config")
	}
	if err := r.SiteTests(ctx, []string{"127.0.0.1"}, true, func(st SiteTest) { got = append(got, st) }); err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Line < got[j].Line })
	if len(got) != 3 {
		t.Fatalf("%d outcomes: %+v", len(got), got)
	}
	if !got[0].OK() || got[0].Site != "127.0.0.1.txt" || got[0].File != "127.0.0.1.txt" || got[0].Line != 2 {
		t.Errorf("first test: %+v", got[0])
	}
	if got[1].OK() || len(got[1].Missing) != 1 || got[1].Missing[0] != "Eine Zeile, die fehlt" {
		t.Errorf("second test: %+v", got[1])
	}
	if got[2].OK() || got[2].Err == nil {
		t.Errorf("third test: %+v", got[2])
	}
	// Private addresses need allowPrivate.
	got = nil
	r.SiteTests(ctx, nil, false, func(st SiteTest) { got = append(got, st) })
	for _, g := range got {
		if g.Err == nil {
			t.Errorf("fetched %s without allowPrivate", g.URL)
		}
	}
}
