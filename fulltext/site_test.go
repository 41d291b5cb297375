package fulltext

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/refeed/refeed/siteconfig"
)

const articleURL = "https://news.example/2024/05/harbour-bridge"

func siteArticle(t *testing.T) []byte {
	t.Helper()
	page, err := os.ReadFile("testdata/site-article.html")
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func siteConfig(t *testing.T, lines string) *siteconfig.Config {
	t.Helper()
	c, warnings := siteconfig.Parse("news.example.txt", []byte(lines))
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	return c
}

// The article's paragraphs, as the page has them.
var paragraphs = []string{
	"The harbour bridge will close for six weeks",
	"Traffic will be diverted over the river crossing",
	"Engineers found the bearings worn",
	"Cyclists and pedestrians will still be able to cross",
	"Local businesses near the bridge said",
}

func hasAll(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func hasNone(t *testing.T, what, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("%s has %q", what, w)
		}
	}
}

func TestExtractSiteBody(t *testing.T) {
	c := siteConfig(t, `title: //h1[@class='story-title']
author: //a[@rel='author']
date: //time[@class='published']/@datetime
body: //div[@itemprop='articleBody']
strip_id_or_class: ad-slot
strip_id_or_class: newsletter
strip_image_src: ads.example
`)
	art, err := ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := textOf(t, art.Content)
	hasAll(t, "article", text, paragraphs...)
	// Stripped, pruned (the related box is an aside, mostly links), and
	// never selected.
	hasNone(t, "article", text, "Advertisement", "Sign up", "Related", "Ferry timetable", "Most read", "Comments", "Accept all", "Share on Social")
	if art.Title != "Harbour bridge to close for repairs" || !reflect.DeepEqual(art.Authors, []string{"Jane Reporter", "Tom Writer"}) || art.Date != "2024-05-02T08:30:00Z" {
		t.Errorf("title %q, authors %q, date %q", art.Title, art.Authors, art.Date)
	}
	if art.Site != "news.example.txt" || art.Fallback != "" {
		t.Errorf("site %q, fallback %q: the site config's body was not taken", art.Site, art.Fallback)
	}
	var rules []string
	for _, s := range art.Stripped {
		rules = append(rules, s.Directive+" "+s.Rule)
	}
	if want := []string{"strip_id_or_class ad-slot", "strip_id_or_class newsletter"}; !reflect.DeepEqual(rules[:2], want) {
		t.Errorf("stripped %q, want %q first", rules, want)
	}

	// prune: no keeps the related box.
	c = siteConfig(t, "body: //div[@itemprop='articleBody']\nprune: no\n")
	art, err = ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hasAll(t, "unpruned article", textOf(t, art.Content), "Ferry timetable")
}

func TestExtractSiteTitleRemoved(t *testing.T) {
	// The title's element is removed from the page, here from the body.
	c := siteConfig(t, "title: //h1\nbody: //article\n")
	art, err := ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hasNone(t, "article", textOf(t, art.Content), "Harbour bridge to close for repairs")
	hasAll(t, "article", textOf(t, art.Content), paragraphs...)
	// Not when it holds the article.
	c = siteConfig(t, "title: //article\nbody: //div[@itemprop='articleBody']\n")
	if art, err = ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	hasAll(t, "article", textOf(t, art.Content), paragraphs...)
}

func TestExtractSiteUnion(t *testing.T) {
	// Several elements make one article, in page order.
	c := siteConfig(t, "body: //p[contains(@class, 'byline')] | //p[not(@class)] | //p[@class='lede']\nprune: no\n")
	art, err := ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := textOf(t, art.Content)
	hasAll(t, "article", text, paragraphs...)
	if !strings.HasPrefix(art.Content, "<div><p class=\"byline\">") || strings.Index(text, paragraphs[0]) > strings.Index(text, paragraphs[4]) {
		t.Errorf("not in page order: %.200s", art.Content)
	}
}

func TestExtractSiteDisagreement(t *testing.T) {
	// A body rule that selects another block than the article (written
	// for another layout): generic extraction's article is kept.
	c := siteConfig(t, "body: //aside[@class='sidebar']\n")
	art, err := ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hasAll(t, "article", textOf(t, art.Content), paragraphs...)
	if art.Site != "" || !strings.HasPrefix(art.Fallback, "site config news.example.txt:1: ") {
		t.Errorf("site %q, fallback %q", art.Site, art.Fallback)
	}
	// Strips that take the article: the same.
	c = siteConfig(t, "strip_id_or_class: story\n")
	if art, err = ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	hasAll(t, "article", textOf(t, art.Content), paragraphs...)
	if art.Fallback == "" {
		t.Error("no fallback")
	}
	// Unless the site says not to fall back.
	c = siteConfig(t, "body: //aside[@class='sidebar']\nautodetect_on_failure: no\n")
	if art, err = ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	hasAll(t, "article", textOf(t, art.Content), "Most read")
	hasNone(t, "article", textOf(t, art.Content), paragraphs[0])
}

func TestExtractSiteNoBody(t *testing.T) {
	// No body rule matches: generic extraction of the stripped page.
	c := siteConfig(t, "body: //div[@id='gone']\nstrip: //p[@class='lede']\n")
	art, err := ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hasAll(t, "article", textOf(t, art.Content), paragraphs[1:]...)
	hasNone(t, "article", textOf(t, art.Content), paragraphs[0])
	if art.Site != "" || art.Fallback != "" {
		t.Errorf("site %q, fallback %q", art.Site, art.Fallback)
	}
	// autodetect_on_failure: no makes it a failure.
	c = siteConfig(t, "body: //div[@id='gone']\nautodetect_on_failure: no\n")
	if _, err = ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{}); !errors.Is(err, ErrNoArticle) {
		t.Errorf("err = %v, want ErrNoArticle", err)
	}
}

func TestExtractSiteReplaceAndClean(t *testing.T) {
	c := siteConfig(t, "find_string: The harbour bridge will close\nreplace_string: The harbour bridge shuts\nbody: //div[@itemprop='articleBody']\n")
	var cleaned string
	art, err := ExtractSite(siteArticle(t), articleURL, c, ExtractOptions{
		Clean: func(page, pageURL string) string {
			cleaned = page
			return strings.ReplaceAll(page, "Local businesses", "Local shops")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cleaned, "The harbour bridge shuts") {
		t.Error("Clean got the page before the replacements")
	}
	hasAll(t, "article", textOf(t, art.Content), "The harbour bridge shuts for six weeks", "Local shops near")
}

func TestExtractSiteNil(t *testing.T) {
	want, err := Extract(siteArticle(t), articleURL)
	if err != nil {
		t.Fatal(err)
	}
	art, err := ExtractSite(siteArticle(t), articleURL, nil, ExtractOptions{})
	if err != nil || art.Content != want {
		t.Errorf("without a site config: %v, and not Extract's article", err)
	}
}

// pagedSite serves an article of n pages at /story?p=1..n, each page
// linking to the next (to next(i) when set).
type pagedSite struct {
	mu       sync.Mutex
	requests []string
	headers  []http.Header
}

func (s *pagedSite) server(t *testing.T, n int, next func(i int, base string) string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.RequestURI())
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		var i int
		switch {
		case r.URL.Path == "/story/print":
			fmt.Fprint(w, `<html><body><div class="text"><p>The whole story in one page, as printed.</p></div></body></html>`)
			return
		case r.URL.Path != "/story":
			http.NotFound(w, r)
			return
		}
		if _, err := fmt.Sscanf(r.URL.Query().Get("p"), "%d", &i); err != nil || i < 1 || i > n {
			http.NotFound(w, r)
			return
		}
		link := srv.URL + fmt.Sprintf("/story?p=%d", i+1)
		if next != nil {
			link = next(i, srv.URL)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body><a class="print" href="/story/print">Print</a>
<div class="text"><p>Part %d of the story, with words of its own.</p></div>
<p class="pager"><a rel="next" href="%s">Next page</a></p></body></html>`, i, link)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestArticleNextPages(t *testing.T) {
	c := siteConfig(t, `body: //div[@class='text']
next_page_link: //a[@rel='next']
http_header(user-agent): SiteAgent/1
http_header(cookie): consent=yes
`)
	s := &pagedSite{}
	srv := s.server(t, 10, nil)
	f := newFetcher(t)
	art, err := f.Article(context.Background(), srv.URL+"/story?p=1", ArticleOptions{AllowPrivate: true, Site: c})
	if err != nil {
		t.Fatal(err)
	}
	text := textOf(t, art.Content)
	for i := 1; i <= MaxPages; i++ {
		hasAll(t, "article", text, fmt.Sprintf("Part %d of the story", i))
	}
	hasNone(t, "article", text, fmt.Sprintf("Part %d of", MaxPages+1), "Next page")
	if len(art.Pages) != MaxPages || len(s.requests) != MaxPages {
		t.Errorf("read %d pages with %d requests, want %d: %v", len(art.Pages), len(s.requests), MaxPages, s.requests)
	}
	for _, h := range s.headers {
		if h.Get("User-Agent") != "SiteAgent/1" || h.Get("Cookie") != "consent=yes" {
			t.Errorf("headers sent: %v", h)
		}
	}
}

func TestArticleNextPagesStop(t *testing.T) {
	c := siteConfig(t, "body: //div[@class='text']\nnext_page_link: //a[@rel='next']\n")
	other := (&pagedSite{}).server(t, 3, nil)
	tests := []struct {
		name  string
		pages int
		next  func(i int, base string) string
		want  int // pages read
	}{
		{"last page links nowhere", 2, nil, 2}, // page 3 is a 404: the article ends at 2
		{"loop back to the first page", 9, func(i int, base string) string {
			return base + fmt.Sprintf("/story?p=%d", i%2+1)
		}, 2},
		{"next page on another host", 9, func(i int, base string) string { return other.URL + "/story?p=2" }, 1},
		{"next page not http", 9, func(i int, base string) string { return "ftp://example.com/p2" }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &pagedSite{}
			srv := s.server(t, tt.pages, tt.next)
			art, err := newFetcher(t).Article(context.Background(), srv.URL+"/story?p=1", ArticleOptions{AllowPrivate: true, Site: c})
			if err != nil {
				t.Fatal(err)
			}
			if len(art.Pages) != tt.want {
				t.Errorf("read %d pages (%v), want %d", len(art.Pages), art.Pages, tt.want)
			}
			hasAll(t, "article", textOf(t, art.Content), "Part 1 of the story")
		})
	}
}

func TestArticleSinglePage(t *testing.T) {
	c := siteConfig(t, "body: //div[@class='text']\nsingle_page_link: //a[@class='print']\nnext_page_link: //a[@rel='next']\n")
	s := &pagedSite{}
	srv := s.server(t, 3, nil)
	art, err := newFetcher(t).Article(context.Background(), srv.URL+"/story?p=1", ArticleOptions{AllowPrivate: true, Site: c})
	if err != nil {
		t.Fatal(err)
	}
	text := textOf(t, art.Content)
	hasAll(t, "article", text, "The whole story in one page")
	hasNone(t, "article", text, "Part 1")
	if len(art.Pages) != 1 || art.Pages[0] != srv.URL+"/story/print" {
		t.Errorf("pages %v", art.Pages)
	}
	// A single-page view that cannot be read leaves the page itself.
	c = siteConfig(t, "body: //div[@class='text']\nsingle_page_link: string('/story/missing')\n")
	if art, err = newFetcher(t).Article(context.Background(), srv.URL+"/story?p=1", ArticleOptions{AllowPrivate: true, Site: c}); err != nil {
		t.Fatal(err)
	}
	hasAll(t, "article", textOf(t, art.Content), "Part 1 of the story")
}

func TestArticleWithoutSite(t *testing.T) {
	s := &pagedSite{}
	srv := s.server(t, 3, nil)
	art, err := newFetcher(t).Article(context.Background(), srv.URL+"/story?p=1", ArticleOptions{AllowPrivate: true})
	if err != nil && !errors.Is(err, ErrNoArticle) {
		t.Fatal(err)
	}
	if len(s.requests) != 1 || len(art.Pages) > 1 {
		t.Errorf("requests %v without a site config", s.requests)
	}
	if s.headers[0].Get("User-Agent") != testConfig().UserAgent {
		t.Errorf("User-Agent %q", s.headers[0].Get("User-Agent"))
	}
}
