package clean

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
)

// seedPath is the taz example the project started with (a copy of
// ../shared/examples/taz-article-page.txt, kept so that a fresh clone
// tests it).
var seedPath = filepath.Join("..", "testdata", "taz-article-page.txt")

func newCleaner(t testing.TB, rules ...config.Rule) *Cleaner {
	t.Helper()
	c, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seed returns the paragraphs of the taz example: the tracker residue, the
// article, and the appeal (from "Eine Koalition" on).
func seed(t *testing.T) (residue string, article, appeal []string) {
	t.Helper()
	b, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatalf("seed example: %v", err)
	}
	paras := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	residue = paras[0]
	for i, p := range paras[1:] {
		if strings.HasPrefix(p, "Eine Koalition") {
			return residue, paras[1 : i+1], paras[i+1:]
		}
	}
	t.Fatal("appeal not found in the seed example")
	return
}

func checkSeed(t *testing.T, got string, article, appeal []string, residue string) {
	t.Helper()
	text := textOfHTML(t, got)
	for _, p := range article {
		if !strings.Contains(text, plaintext.Collapse(p)) {
			t.Errorf("article paragraph lost: %.60q", p)
		}
	}
	if strings.Contains(text, residue) {
		t.Errorf("tracker residue %q kept", residue)
	}
	for _, p := range appeal {
		for _, sentence := range strings.SplitAfter(p, ".") {
			if s := strings.TrimSpace(sentence); len(s) > 8 && strings.Contains(text, s) {
				t.Errorf("appeal sentence kept: %q", s)
			}
		}
	}
	for _, s := range []string{"Eine Koalition, die was bewegt", "Jetzt unterstützen", "Mit nur 5,- Euro"} {
		if strings.Contains(text, s) {
			t.Errorf("appeal kept: %q", s)
		}
	}
}

func textOfHTML(t *testing.T, s string) string {
	t.Helper()
	root, err := parseFragment(s)
	if err != nil {
		t.Fatal(err)
	}
	return textOf(root)
}

func TestSeedPlainText(t *testing.T) {
	residue, article, appeal := seed(t)
	b, _ := os.ReadFile(seedPath)
	it := &item.Item{Link: "https://taz.de/!6043131/", Content: string(b), Title: "Deutschland, USA und Nato warnen Nordkorea scharf"}
	removed := newCleaner(t).Item(it, nil)
	checkSeed(t, it.Content, article, appeal, residue)
	rules := map[string]bool{}
	for _, r := range removed {
		rules[r.Rule] = true
	}
	if !rules[RuleTracker] || !rules["taz.de"] {
		t.Errorf("removals %v: want the tracker residue and the taz.de appeal rule", removed)
	}
	// Each article paragraph stays a paragraph of its own.
	if n := strings.Count(it.Content, "<p>"); n != len(article) {
		t.Errorf("%d paragraphs, want %d", n, len(article))
	}
}

func TestSeedHTMLWithNoscriptTracker(t *testing.T) {
	residue, article, appeal := seed(t)
	var b strings.Builder
	b.WriteString(`<noscript><img src="https://taz.de/stats/piwik.php?idsite=1&amp;rec=1" style="border:0;" alt="" /></noscript>`)
	for _, p := range article {
		b.WriteString("<p>" + p + "</p>\n")
	}
	// In the page, "Jetzt unterstützen" is the button that ends the
	// appeal, which the text extractor flattened onto its last paragraph.
	b.WriteString(`<div class="sect_donation"><h2>` + appeal[0] + "</h2>\n")
	for _, p := range appeal[1:] {
		b.WriteString("<p>" + strings.TrimSuffix(p, " Jetzt unterstützen") + "</p>\n")
	}
	b.WriteString(`<a href="https://taz.de/zahlich?utm_campaign=x">Jetzt unterstützen</a></div>`)
	it := &item.Item{Link: "https://taz.de/!6043131/", Content: b.String()}
	removed := newCleaner(t).Item(it, nil)
	checkSeed(t, it.Content, article, appeal, residue)
	if strings.Contains(it.Content, "piwik") || strings.Contains(it.Content, "noscript") {
		t.Errorf("tracker kept: %s", it.Content[:200])
	}
	if strings.Contains(it.Content, "sect_donation") {
		t.Errorf("empty appeal container kept")
	}
	var sawTracker bool
	for _, r := range removed {
		if r.Rule == RuleTracker && strings.Contains(r.Text, "piwik.php") {
			sawTracker = true
		}
	}
	if !sawTracker {
		t.Errorf("no tracker removal recorded: %v", removed)
	}
}

func TestTextOutsideRemovedBlocksUnchanged(t *testing.T) {
	c := newCleaner(t, config.Rule{Name: "appeal", Remove: []config.Remove{{From: "Support us", To: "Donate now"}}})
	in := `<p>First <b>bold</b> paragraph &amp; more.</p><p>Support us today!</p><p>We need you.</p><p><a href="https://ex.org/d">Donate now</a></p><p>Last words.</p>`
	it := &item.Item{Content: in}
	c.Item(it, []string{"appeal"})
	want := `<p>First <b>bold</b> paragraph &amp; more.</p><p>Last words.</p>`
	if it.Content != want {
		t.Errorf("got  %s\nwant %s", it.Content, want)
	}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rule  config.Remove
		in    string
		want  string
		count int
	}{
		{"selector", config.Remove{Selector: ".ad, aside"}, `<p>a</p><div class="ad">buy</div><aside>x</aside><p>b</p>`, `<p>a</p><p>b</p>`, 2},
		{"from only removes its block", config.Remove{From: "newsletter"}, `<p>a</p><p>Get our NEWSLETTER now</p><p>b</p>`, `<p>a</p><p>b</p>`, 1},
		{"from/to across nesting", config.Remove{From: "Spenden", To: "Danke"}, `<p>a</p><div><h3>Jetzt spenden</h3><p>x</p></div><section><p>Danke!</p><p>keep</p></section>`, `<p>a</p><section><p>keep</p></section>`, 1},
		{"to missing removes nothing", config.Remove{From: "Spenden", To: "Danke"}, `<p>a</p><p>Spenden</p><p>b</p>`, `<p>a</p><p>Spenden</p><p>b</p>`, 0},
		{"regex anchor", config.Remove{From: "/^Abo(nnieren)?:/"}, `<p>a</p><p>Abonnieren: hier</p>`, `<p>a</p>`, 1},
		{"text rule removes matching line only", config.Remove{Text: `/^Anzeige \d+$/`}, `<p>Anzeige 12</p><p>Anzeige 12 here</p>`, `<p>Anzeige 12 here</p>`, 1},
		{"plain text rule is whole line, any case", config.Remove{Text: "Anzeige"}, `<p>ANZEIGE</p><p>Anzeige: Auto</p>`, `<p>Anzeige: Auto</p>`, 1},
		{"inline line between breaks", config.Remove{Text: "Werbung"}, `text one<br>Werbung<br>text two`, `text one<br/>text two`, 1},
		{"anchor spanning inline markup", config.Remove{From: "eine koalition, die"}, `<p>Eine <b>Koalition</b>, die was bewegt</p><p>b</p>`, `<p>b</p>`, 1},
		{"every occurrence", config.Remove{From: "Anzeige"}, `<p>Anzeige 1</p><p>x</p><p>Anzeige 2</p>`, `<p>x</p>`, 2},
		{"anchor in a stray line of a container", config.Remove{From: "Newsletter"}, `<div><p>Eins.</p>Unser Newsletter<br>Zeile<p>Zwei.</p></div>`, `<div><p>Eins.</p>Zeile<p>Zwei.</p></div>`, 1},
		{"from/to between stray lines", config.Remove{From: "skip past", To: "after promo"}, `<div><p>Eins.</p><a href="#s">skip past promo</a><div><p>Sign up</p></div><p id="s">after promo</p><p>Zwei.</p></div>`, `<div><p>Eins.</p><p>Zwei.</p></div>`, 1},
		{"anchor in text whose lower case changes offsets", config.Remove{From: "Newsletter"}, "<p>5 \u212a</p><p>Unser NEWSLETTER</p>", "<p>5 \u212a</p>", 1},
		{"white space between words stays", config.Remove{Text: "nothing"}, `<p>a<span> </span>b</p><pre>x<span>  </span>y</pre>`, `<p>a b</p><pre>x  y</pre>`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCleaner(t, config.Rule{Name: "r", Remove: []config.Remove{tc.rule}})
			it := &item.Item{Content: tc.in}
			removed := c.Item(it, []string{"r"})
			if it.Content != tc.want {
				t.Errorf("got  %s\nwant %s", it.Content, tc.want)
			}
			n := 0
			for _, r := range removed {
				if r.Rule == "r" {
					n++
				}
			}
			if n != tc.count {
				t.Errorf("%d removals by the rule, want %d: %v", n, tc.count, removed)
			}
		})
	}
}

func TestRuleSites(t *testing.T) {
	c := newCleaner(t, config.Rule{Name: "ex", Sites: []string{"example.org"}, Remove: []config.Remove{{Text: "Werbung"}}})
	on := &item.Item{Link: "https://www.news.example.org/a", Content: "<p>a</p><p>Werbung</p>"}
	off := &item.Item{Link: "https://other.org/a", Content: "<p>a</p><p>Werbung</p>"}
	c.Item(on, nil)
	c.Item(off, nil)
	if on.Content != "<p>a</p>" || off.Content != "<p>a</p><p>Werbung</p>" {
		t.Errorf("on site: %s; off site: %s", on.Content, off.Content)
	}
	bySource := &item.Item{SourceURL: "https://example.org/feed", Link: "https://cdn.net/x", Content: "<p>a</p><p>Werbung</p>"}
	c.Item(bySource, nil)
	if bySource.Content != "<p>a</p>" {
		t.Errorf("rule not applied by source host: %s", bySource.Content)
	}
}

func TestTrackers(t *testing.T) {
	c := newCleaner(t)
	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{`<img src="https://x.org/a.gif" width="1" height="1">`, false},
		{`<img src="https://x.org/a.gif" width="0" height="0">`, false},
		{`<img src="https://x.org/a.gif" style="width:1px;height:1px">`, false},
		{`<img src="https://x.org/a.gif" style="display: none">`, false},
		{`<img src="https://stats.example.com/piwik.php?idsite=3">`, false},
		{`<img src="https://example.com/stats/matomo.php?rec=1">`, false},
		{`<img src="https://ssl-vg03.met.vgwort.de/na/abc">`, false},
		{`<img src="http://feeds.feedburner.com/~r/Foo/~4/abc">`, false},
		{`<a href="http://feeds.feedburner.com/~ff/Foo?a=1"><img src="http://feeds.feedburner.com/~ff/Foo?d=2" border="0"></a>`, false},
		{`<img src="https://medium.com/_/stat?event=post.clientViewed">`, false},
		{`<img src="https://cpx.golem.de/cpx.php?class=17">`, false},
		{`<img src="https://pixel.wp.com/b.gif?host=x">`, false},
		{`<img src="https://www.google-analytics.com/collect?v=1">`, false},
		{`<img src="https://ad.doubleclick.net/ddm/x">`, false},
		{`<iframe src="https://ad.doubleclick.net/x"></iframe>`, false},
		{`<img src="https://x.org/photo-1x1.jpg" width="600" height="600">`, true},
		{`<img src="https://x.org/pixel-art.png">`, true},
		{`<img src="https://www.swr.de/img/1x1/foo.jpg">`, true},
		{`<img src="https://x.org/wide.png" width="600" height="1">`, false},
		{`<img src="https://data-2d3a3249cd.taz.de/iomm/latest/a.gif">`, false},
		{`<img src="https://taz.de/count/vgwort/59f4.gif">`, false},
		{`<img src="https://taz.met.vgwort.de/na/59f4">`, false},
		{`<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView">`, false},
		{`<img src="https://blogger.googleusercontent.com/tracker/123-456?l=x.blogspot.com">`, false},
		{`<img src="https://sb.scorecardresearch.com/p?c1=2">`, false},
		{`<iframe src="https://www.youtube.com/embed/abc"></iframe>`, true},
		{`<img src="https://www.facebook.com/treehugger/photo.jpg">`, true},
		{`<img src="https://x.org/images/pixel-perfect-1x1-grid.png">`, true},
		{`<img src="https://chartbeat.com.example.org/logo.png">`, true},
	} {
		it := &item.Item{Content: `<p>text</p>` + tc.in}
		c.Item(it, nil)
		kept := strings.Contains(it.Content, "<img") || strings.Contains(it.Content, "<iframe")
		if kept != tc.keep {
			t.Errorf("%s: kept = %v, want %v (%s)", tc.in, kept, tc.keep, it.Content)
		}
		if !strings.Contains(it.Content, "<p>text</p>") {
			t.Errorf("%s: text lost: %s", tc.in, it.Content)
		}
	}
}

// TestTrackingParamsSiteOfLink: the parameters of a site are removed
// from links to that site by their host, as net/url reads it, not from
// links that only name the site in their query.
func TestTrackingParamsSiteOfLink(t *testing.T) {
	for in, want := range map[string]string{
		"https://Medium.com/p?source=rss":                      "https://Medium.com/p",
		"https://user@medium.com:443/p?source=rss":             "https://user@medium.com:443/p",
		"/out?to=//medium.com/p&source=rss":                    "/out?to=//medium.com/p&source=rss",
		"https://ex.org/out?to=https://medium.com/&source=rss": "https://ex.org/out?to=https://medium.com/&source=rss",
	} {
		if got, _ := builtinParams.strip(in); got != want {
			t.Errorf("strip(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrackingParams(t *testing.T) {
	c := newCleaner(t)
	for _, tc := range []struct{ in, want string }{
		{"https://ex.org/a?utm_source=rss&utm_medium=feed", "https://ex.org/a"},
		{"https://ex.org/a?id=3&utm_source=rss&b=%20x", "https://ex.org/a?id=3&b=%20x"},
		{"https://ex.org/a?fbclid=abc#top", "https://ex.org/a#top"},
		{"https://ex.org/a?x=1#pk_campaign=feed&pk_kwd=k", "https://ex.org/a?x=1"},
		{"https://ex.org/a#matomo:pk_campaign=feed", "https://ex.org/a"},
		{"https://ex.org/a#pk_campaign", "https://ex.org/a"},
		{"https://ex.org/a?gclid=1&mc_cid=2&mc_eid=3&wt_mc=4&mtm_campaign=5", "https://ex.org/a"},
		{"https://ex.org/a?UTM_Source=x&page=2", "https://ex.org/a?page=2"},
		{"https://ex.org/a?ref=home&source=x", "https://ex.org/a?ref=home&source=x"},
		{"https://ex.org/a#section-2", "https://ex.org/a#section-2"},
		{"https://www.theguardian.com/world/x?CMP=share_btn_tw&page=2", "https://www.theguardian.com/world/x?page=2"},
		{"https://ex.org/a?cmp=rss&campaign=x", "https://ex.org/a?cmp=rss&campaign=x"},
		{"https://youtu.be/abc?si=XYZ&t=10", "https://youtu.be/abc?t=10"},
		{"https://www.lemonde.fr/a.html#xtor=RSS-3208", "https://www.lemonde.fr/a.html"},
		{"https://www.amazon.de/dp/B0?pf_rd_p=1&tag=x", "https://www.amazon.de/dp/B0?tag=x"},
		{"https://ex.org/a?igsh=abc&gad_source=1&li_fat_id=3", "https://ex.org/a"},
		{"https://medium.com/p/abc?source=rss----1", "https://medium.com/p/abc"},
		{"https://ex.org/a?source=rss&si=1", "https://ex.org/a?source=rss&si=1"},
	} {
		it := &item.Item{Link: tc.in, Content: `<p><a href="` + strings.ReplaceAll(tc.in, "&", "&amp;") + `">x</a></p>`}
		c.Item(it, nil)
		if it.Link != tc.want {
			t.Errorf("link %s -> %s, want %s", tc.in, it.Link, tc.want)
		}
		wantHTML := `<p><a href="` + strings.ReplaceAll(tc.want, "&", "&amp;") + `">x</a></p>`
		if it.Content != wantHTML {
			t.Errorf("content %s -> %s, want %s", tc.in, it.Content, wantHTML)
		}
	}
}

func TestSanitize(t *testing.T) {
	c := newCleaner(t)
	for _, tc := range []struct{ in, want string }{
		{`<p onclick="x()">a<script>alert(1)</script></p>`, `<p>a</p>`},
		{`<p>a</p><style>p{}</style><iframe src="https://evil.example/x"></iframe>`, `<p>a</p>`},
		{`<a href="javascript:alert(1)">x</a>`, `<p>x</p>`}, // bare text is a paragraph
		{`<img src="data:image/png;base64,iVBORw0KGgo=" alt="d">`, `<img src="data:image/png;base64,iVBORw0KGgo=" alt="d"/>`},
		{`<a href="/rel/path">x</a>`, `<a href="https://base.example/rel/path">x</a>`},
		{`<img src="img.png" width="300" height="200">`, `<img src="https://base.example/dir/img.png" width="300" height="200"/>`},
		{`<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>`, `<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>`},
		{`<form action="/x"><input name="a"></form><p>b</p>`, `<p>b</p>`},
		{`<p style="color:red">a</p>`, `<p>a</p>`},
		{`<svg><script>alert(1)</script></svg><p>b</p>`, `<p>b</p>`},
	} {
		it := &item.Item{Link: "https://base.example/dir/page", Content: tc.in}
		c.Item(it, nil)
		if it.Content != tc.want {
			t.Errorf("%s\n got  %s\n want %s", tc.in, it.Content, tc.want)
		}
	}
}

func TestTitlesArePlainText(t *testing.T) {
	c := newCleaner(t)
	for in, want := range map[string]string{
		"Plain title":                          "Plain title",
		"<b>Bold</b> &amp; more":               "Bold & more",
		"  Spaces\n and\tlines ":               "Spaces and lines",
		"<script>alert(1)</script>Real":        "Real",
		"Control\x00\x07 chars":                "Control chars",
		"AT&T wins":                            "AT&T wins",
		`<img src=x onerror=alert(1)>Hello`:    "Hello",
		"Kim Jong Un &lt;3 missiles":           "Kim Jong Un <3 missiles",
		"Zwei\u00a0Wörter":                     "Zwei Wörter",
		"Trailing tag <i>italic</i>.":          "Trailing tag italic .",
		"50 &#8364; und &quot;Anführung&quot;": "50 € und \"Anführung\"",
	} {
		it := &item.Item{Title: in}
		c.Item(it, nil)
		if it.Title != want {
			t.Errorf("title %q -> %q, want %q", in, it.Title, want)
		}
	}
}

func TestEmptyLeftovers(t *testing.T) {
	c := newCleaner(t)
	it := &item.Item{Content: `<p>text</p><p> </p><div><span></span></div><p>&nbsp;</p><br><br>`}
	c.Item(it, nil)
	if it.Content != `<p>text</p>` {
		t.Errorf("got %s", it.Content)
	}
	withImage := &item.Item{Content: `<p>text</p><p><img src="https://x.org/photo.jpg" width="500" height="300"></p>`}
	c.Item(withImage, nil)
	if !strings.Contains(withImage.Content, "photo.jpg") {
		t.Errorf("image paragraph removed: %s", withImage.Content)
	}
}

// TestTrackerListData: every entry of trackers.txt says what it is.
func TestTrackerListData(t *testing.T) {
	n := 0
	for i, line := range strings.Split(builtinTrackers, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		n++
		if len(f) < 2 {
			t.Errorf("trackers.txt:%d: %q has no description", i+1, line)
		}
		if strings.ContainsAny(f[0], "?&=") || strings.HasPrefix(f[0], "http") {
			t.Errorf("trackers.txt:%d: %q is not a host or path pattern", i+1, f[0])
		}
	}
	if n < 100 {
		t.Errorf("%d entries", n)
	}
}

func TestFingerprintFollowsRules(t *testing.T) {
	a, b := newCleaner(t), newCleaner(t)
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == "" {
		t.Errorf("same configuration, fingerprints %q and %q", a.Fingerprint(), b.Fingerprint())
	}
	c := newCleaner(t, config.Rule{Name: "x", Remove: []config.Remove{{Text: "Werbung"}}})
	if c.Fingerprint() == a.Fingerprint() {
		t.Error("a new rule did not change the fingerprint")
	}
	if got := a.Link(" https://ex.org/a?utm_source=x&id=2 ", ""); got != "https://ex.org/a?id=2" {
		t.Errorf("Link = %q", got)
	}
}

func TestCollapse(t *testing.T) {
	for in, want := range map[string]string{
		"a b":            "a b",
		" a  b ":         "a b",
		"Grüße aus Köln": "Grüße aus Köln",
		"a\u00a0b":       "a b",
		"a\tb\nc":        "a b c",
		"":               "",
		"über  alles":    "über alles",
	} {
		if got := plaintext.Collapse(in); got != want {
			t.Errorf("plaintext.Collapse(%q) = %q, want %q", in, got, want)
		}
	}
}
