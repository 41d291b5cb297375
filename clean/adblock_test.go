package clean

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/refeed/refeed/item"
)

func compileList(t testing.TB, text string) (*adblockList, ListStats) {
	t.Helper()
	l := &adblockList{block: newFilterIndex(), allow: newFilterIndex()}
	st, err := l.read(strings.NewReader(text), "test.txt")
	if err != nil {
		t.Fatal(err)
	}
	return l, st
}

func TestAdblockSyntax(t *testing.T) {
	for _, tc := range []struct {
		name, list, url string
		typ             requestType
		page            string
		want            bool
	}{
		{"host anchor", "||tracker.example^", "https://tracker.example/p.gif", typeImage, "news.org", true},
		{"host anchor subdomain", "||tracker.example^", "https://a.b.tracker.example/p.gif", typeImage, "news.org", true},
		{"host anchor is not a suffix", "||tracker.example^", "https://nottracker.example/p.gif", typeImage, "news.org", false},
		{"host anchor not in path", "||tracker.example^", "https://cdn.org/tracker.example/p.gif", typeImage, "news.org", false},
		{"host with port", "||tracker.example^", "https://tracker.example:8443/p", typeImage, "news.org", true},
		{"host and path", "||stats.example/collect", "https://stats.example/collect?v=1", typeImage, "", true},
		{"host and other path", "||stats.example/collect", "https://stats.example/photo.jpg", typeImage, "", false},
		{"host prefix without separator", "||metrics.", "https://metrics.shop.example/x.js", typeScript, "", true},
		{"plain path", "/piwik.php", "https://news.org/stats/piwik.php?idsite=1", typeImage, "", true},
		{"wildcard", "/ad/*/pixel.", "https://x.org/ad/123/pixel.gif", typeImage, "", true},
		{"separator at end", "/counter^", "https://x.org/counter?id=1", typeImage, "", true},
		{"separator at end of URL", "/counter^", "https://x.org/counter", typeImage, "", true},
		{"separator is not a letter", "/counter^", "https://x.org/counters/a.gif", typeImage, "", false},
		{"start anchor", "|http://ads.", "http://ads.x.org/a", typeImage, "", true},
		{"start anchor elsewhere", "|http://ads.", "https://x.org/?u=http://ads.x.org/a", typeImage, "", false},
		{"end anchor", "/beacon.gif|", "https://x.org/beacon.gif", typeImage, "", true},
		{"end anchor with query", "/beacon.gif|", "https://x.org/beacon.gif?x=1", typeImage, "", false},
		{"case insensitive", "/Pixel.GIF", "https://x.org/PIXEL.gif", typeImage, "", true},
		{"type image only, script", "||t.example^$image", "https://t.example/a.js", typeScript, "", false},
		{"type image only, image", "||t.example^$image", "https://t.example/a.gif", typeImage, "", true},
		{"negated type", "||t.example^$~script", "https://t.example/a.js", typeScript, "", false},
		{"negated type, other", "||t.example^$~script", "https://t.example/a.gif", typeImage, "", true},
		{"subdocument", "||t.example^$subdocument", "https://t.example/frame", typeSubdocument, "", true},
		{"third-party on other site", "||t.example^$third-party", "https://t.example/a.gif", typeImage, "news.org", true},
		{"third-party on own site", "||t.example^$third-party", "https://img.t.example/a.gif", typeImage, "www.t.example", false},
		{"third-party with unknown page", "||t.example^$third-party", "https://t.example/a.gif", typeImage, "", true},
		{"first-party", "/stats/hit.gif$~third-party", "https://www.news.org/stats/hit.gif", typeImage, "news.org", true},
		{"first-party elsewhere", "/stats/hit.gif$~third-party", "https://other.org/stats/hit.gif", typeImage, "news.org", false},
		{"domain option", "/track.gif$domain=news.org", "https://cdn.net/track.gif", typeImage, "www.news.org", true},
		{"domain option other", "/track.gif$domain=news.org", "https://cdn.net/track.gif", typeImage, "blog.org", false},
		{"negated domain", "/track.gif$domain=~news.org", "https://cdn.net/track.gif", typeImage, "news.org", false},
		{"entity domain", "/track.gif$domain=news.*", "https://cdn.net/track.gif", typeImage, "www.news.co.uk", true},
		{"exception wins", "||t.example^\n@@||t.example/ok/", "https://t.example/ok/a.gif", typeImage, "", false},
		{"exception elsewhere", "||t.example^\n@@||t.example/ok/", "https://t.example/no/a.gif", typeImage, "", true},
		{"exception wins over important", "||t.example^$important\n@@||t.example^$image", "https://t.example/a.gif", typeImage, "", false},
		{"badfilter", "||t.example^$third-party\n||t.example^$third-party,badfilter", "https://t.example/a.gif", typeImage, "", false},
		{"regex", `/^https?:\/\/[a-z]+\.t\.example\/[0-9]+\.gif/`, "https://abc.t.example/123.gif", typeImage, "", true},
		{"regex with options", `/^https?:\/\/[a-z]+\.t\.example\/[0-9]+\.js/$image`, "https://abc.t.example/123.js", typeScript, "", false},
		{"cosmetic ignored", "example.org##.ad\n###banner", "https://example.org/a.gif", typeImage, "", false},
		{"xhr-only filter ignored", "||t.example^$xmlhttprequest", "https://t.example/a.gif", typeImage, "", false},
		{"query token", "&event_name=view_item", "https://x.org/c?a=1&event_name=view_item&b", typeImage, "", true},
		{"protocol relative", "||t.example^", "//t.example/a.gif", typeImage, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := compileList(t, tc.list)
			r, ok := newRequest(tc.url, tc.typ, tc.page)
			if !ok {
				t.Fatalf("bad URL %s", tc.url)
			}
			if got := l.match(r) != nil; got != tc.want {
				t.Errorf("%q on %s: match = %v, want %v", tc.list, tc.url, got, tc.want)
			}
		})
	}
}

func TestAdblockStats(t *testing.T) {
	list := "[Adblock Plus 2.0]\n! Title: test\n||a.example^\n@@||a.example/ok^\nexample.org##.ad\n" +
		"||b.example^$xmlhttprequest\n||c.example^$unknownoption\n/(?=look)ahead/\n*\n||d.example^$image,badfilter\n||d.example^$image\n"
	_, st := compileList(t, list)
	want := ListStats{Path: "test.txt", Lines: 11, Filters: 1, Exceptions: 1, Cosmetic: 1, Irrelevant: 1, Skipped: 2, Malformed: 2}
	st.FirstMalformed = ""
	if st != want {
		t.Errorf("stats %+v\nwant  %+v", st, want)
	}
}

func TestAdblockListErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.txt")
	_, err := NewWithOptions(nil, Options{TrackerLists: []string{missing}})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing list: error %v, want one naming %s", err, missing)
	}
	long := filepath.Join(dir, "long.txt")
	if err := os.WriteFile(long, []byte("||ok.example^\n"+strings.Repeat("x", 2<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = NewWithOptions(nil, Options{TrackerLists: []string{long}})
	if err == nil || !strings.Contains(err.Error(), long+":2") {
		t.Errorf("unreadable line: error %v, want one naming %s:2", err, long)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("||ok.example^\n||x.example^$nonsense\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewWithOptions(nil, Options{TrackerLists: []string{bad}})
	if err != nil {
		t.Fatal(err)
	}
	st := c.ListStats()
	if len(st) != 1 || st[0].Filters != 1 || st[0].Malformed != 1 || !strings.HasPrefix(st[0].FirstMalformed, bad+":2: ") {
		t.Errorf("stats %+v", st)
	}
}

// TestAdblockInItems: list matches remove images, frames and scripts of
// item content, with the filter as detail; third-party is judged from the
// item's link.
func TestAdblockInItems(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte("||pix.example^$third-party\n/hit-counter/*$image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewWithOptions(nil, Options{TrackerLists: []string{list}})
	if err != nil {
		t.Fatal(err)
	}
	it := &item.Item{Link: "https://news.org/a", Content: `<p>Text</p><img src="https://pix.example/a.png" width="300" height="200"><img src="https://news.org/hit-counter/1.png"><img src="https://news.org/photo.jpg">`}
	removed := c.Item(it, nil)
	if it.Content != `<p>Text</p><img src="https://news.org/photo.jpg"/>` {
		t.Errorf("content %s", it.Content)
	}
	if len(removed) != 2 || removed[0].Detail != "list.txt:1: ||pix.example^$third-party" {
		t.Errorf("removals %+v", removed)
	}
	own := &item.Item{Link: "https://www.pix.example/a", Content: `<p>Text</p><img src="https://pix.example/a.png">`}
	c.Item(own, nil)
	if !strings.Contains(own.Content, "a.png") {
		t.Errorf("first-party image removed by a third-party filter: %s", own.Content)
	}
}

// easyPrivacyPaths are where Debian's webext-ublock-origin-* packages put
// EasyPrivacy; REFEED_EASYPRIVACY overrides them.
var easyPrivacyPaths = []string{
	"/usr/share/mozilla/extensions/*/uBlock0@raymondhill.net/assets/thirdparties/easylist/easyprivacy.txt",
	"/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist/easyprivacy.txt",
	"/usr/share/webext/ublock-origin/assets/thirdparties/easylist/easyprivacy.txt",
}

// findEasyPrivacy returns the path of a real EasyPrivacy list, or "".
func findEasyPrivacy() string {
	if p := os.Getenv("REFEED_EASYPRIVACY"); p != "" {
		return p
	}
	for _, pattern := range easyPrivacyPaths {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}

// easyPrivacy returns the path of a real EasyPrivacy list, or skips.
func easyPrivacy(t testing.TB) string {
	t.Helper()
	p := findEasyPrivacy()
	if p == "" {
		t.Skip("EasyPrivacy not installed: apt-get install webext-ublock-origin-firefox (or set REFEED_EASYPRIVACY)")
	}
	return p
}

// easyPrivacyCleaner is built once for all tests: loading the list takes
// a while.
var easyPrivacyCleaner = sync.OnceValues(func() (*Cleaner, error) {
	return NewWithOptions(nil, Options{TrackerLists: []string{findEasyPrivacy()}})
})

func easyPrivacyCleanerFor(t testing.TB) *Cleaner {
	t.Helper()
	easyPrivacy(t)
	c, err := easyPrivacyCleaner()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEasyPrivacy loads the real EasyPrivacy list and matches the element
// URLs of the corpus against it: the known trackers are matched, ordinary
// images are not.
func TestEasyPrivacy(t *testing.T) {
	path := easyPrivacy(t)
	c := easyPrivacyCleanerFor(t)
	st := c.ListStats()[0]
	t.Logf("%s: %+v", path, st)
	if st.Filters < 10000 || st.Exceptions < 100 || st.Malformed > st.Lines/100 {
		t.Errorf("EasyPrivacy did not load as expected: %+v", st)
	}
	known := map[string]bool{}
	var images, matched, trackersSeen int
	for name, its := range corpusItems(t) {
		for _, it := range its {
			page := hostOf(it.Link)
			for _, field := range []string{it.Summary, it.Content} {
				for _, n := range elements(field) {
					src := attr(n, "src")
					if n.Data != "img" || !strings.HasPrefix(src, "http") {
						continue
					}
					images++
					r, _ := newRequest(src, typeImage, page)
					f := c.lists.match(r)
					switch {
					case strings.Contains(src, "medium.com/_/stat"), strings.Contains(src, "cpx.golem.de"), strings.Contains(src, "doubleclick.net"):
						trackersSeen++
						known[hostOf(src)] = true
						if f == nil {
							t.Errorf("%s: known tracker not matched: %s", name, src)
						}
					case isPixel(n) || c.trackers.match(src):
						// FeedBurner beacons and the like: the built-in list's.
					case f != nil:
						t.Errorf("%s: ordinary image matched by %s: %s", name, f.origin, src)
					}
					if f != nil {
						matched++
					}
				}
			}
		}
	}
	if trackersSeen == 0 {
		t.Error("no known tracker found in the corpus")
	}
	t.Logf("%d corpus images, %d matched by EasyPrivacy; known tracker hosts: %v", images, matched, known)
}

// benchURLs are typical element URLs of feed content: most are ordinary.
var benchURLs = []string{
	"https://i.guim.co.uk/img/media/b73c8752cd4667c923dff7f1542f1fb20089e421/0_108_3000_1799/master/3000.jpg?w=460&q=55&auto=format",
	"https://www.heise.de/scale/geometry/264/q80/imgs/18/1/7/4/0/0/6/3/header_scrumday_01-e4ef3375d4c003c4.jpeg",
	"https://cdn-images-1.medium.com/max/1024/1*abcdefghijklmnop.png",
	"https://medium.com/_/stat?event=post.clientViewed&referrerSource=full_rss&postId=4b5c",
	"https://cpx.golem.de/cpx.php?class=17&aid=137357&page=1&ts=1540728000",
	"https://www.golem.de/1810/137357-177536-177533_rc.jpg",
	"http://feedads.g.doubleclick.net/~a/ZKtZ0KnG9B1dJOm2i6PPsH0c/0/di",
	"https://taz.de/picture/5230729/624/9770710-1.jpeg",
	"https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0",
	"https://static.example.org/wp-content/uploads/2024/05/analytics-dashboard-screenshot.png",
}

// BenchmarkEasyPrivacyMatch measures matching one element URL against
// the whole of EasyPrivacy.
func BenchmarkEasyPrivacyMatch(b *testing.B) {
	c := easyPrivacyCleanerFor(b)
	reqs := make([]request, len(benchURLs))
	for i, u := range benchURLs {
		reqs[i], _ = newRequest(u, typeImage, "news.example.org")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.lists.match(reqs[i%len(reqs)])
	}
}

// BenchmarkEasyPrivacyLoad measures reading and indexing EasyPrivacy.
func BenchmarkEasyPrivacyLoad(b *testing.B) {
	path := easyPrivacy(b)
	for i := 0; i < b.N; i++ {
		if _, err := loadAdblockLists([]string{path}); err != nil {
			b.Fatal(err)
		}
	}
}
