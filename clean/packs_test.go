package clean

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
)

// packFixtures are the page fixtures of the site packs, in
// testdata/packs: a page of the site with article paragraphs and the
// appeal in its real structure. article selects the article's paragraphs,
// appeal the appeal's elements, in the fixture as written.
var packFixtures = []struct {
	file, link, pack string
	article, appeal  string
}{
	{"taz.de-2024.html", "https://taz.de/Wohnungsbau/!6010001/", "taz.de",
		".main-article-corpus p.bodytext, .main-article-corpus h2, .typo-r-subline-detail", ".tzi-bottom-container"},
	{"taz.de-2021.html", "https://taz.de/Verkehrswende-in-Berlin/!5816001/", "taz.de",
		"article.sectbody > p, article.sectbody > h6", ".tziBottom, #tzi-paywahl-fg, .insert.dep4939"},
	{"taz.de-2016.html", "http://www.taz.de/!5010001/", "taz.de",
		".sect_article > .sectbody > p", "#tzi_paywall"},
	{"theguardian.com.html", "https://www.theguardian.com/world/2024/sep/12/prague-bans-shared-e-scooters", "theguardian.com",
		"#maincontent > p, [data-gu-name=standfirst] p", "figure[data-spacefinder-role=inline], #slot-body-end, gu-island[name=StickyBottomBanner]"},
	{"theguardian.com-2018.html", "https://www.theguardian.com/us-news/2018/jan/31/donald-trump-state-of-the-union-address-unity-discord", "theguardian.com",
		"[itemprop=articleBody] > p", ".contributions__epic"},
	{"spiegel.de.html", "https://www.spiegel.de/wirtschaft/deutsche-bahn-verschiebt-sanierungen-a-1234.html", "spiegel.de",
		"[data-area=text_block] p, header .RichText p", "[data-area=paywall], [data-area=affiliatebox]"},
	{"zeit.de.html", "https://www.zeit.de/wirtschaft/2025-02/grundsteuer-reform-bescheide", "zeit.de",
		".article-body p.paragraph, .summary", "aside#paywall, .zplus-badge__link"},
	{"heise.de.html", "https://www.heise.de/tests/Balkonkraftwerke-mit-Speicher-im-Vergleich-9876543.html", "heise.de",
		".article-content > p, .a-article-header__lead", "[id^=upscore-paywall-offer]"},
	{"golem.de.html", "https://www.golem.de/news/glasfaser-telekom-baut-langsamer-aus-2408-183001.html", "golem.de",
		".formatted p, .teaser", ".paywall-wrapper"},
	{"tagesspiegel.de.html", "https://www.tagesspiegel.de/berlin/schule/lehrermangel-12345.html", "tagesspiegel.de",
		"#story-elements p, header .Ft", "#paywall"},
	{"sueddeutsche.de.html", "https://www.sueddeutsche.de/muenchen/wohnungsmarkt-mieten-1.7000000", "sueddeutsche.de",
		"[itemprop=articleBody] p", "#sz-paywall"},
}

// fixtureTexts returns the texts of the elements of doc that sel selects.
func fixtureTexts(t *testing.T, doc *html.Node, sel string) []string {
	t.Helper()
	var out []string
	for _, n := range cascadia.QueryAll(doc, cascadia.MustCompile(sel)) {
		if s := textOf(n); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("fixture: %q selects no text", sel)
	}
	return out
}

var sentenceEnd = regexp.MustCompile(`[.!?…]\s+|\n`)

// sentences splits text into its sentences of some length.
func sentences(text string) []string {
	var out []string
	for _, s := range sentenceEnd.Split(text, -1) {
		if s = plaintext.Collapse(s); len(s) > 15 {
			out = append(out, s)
		}
	}
	return out
}

// checkCleaned asserts that every article text is in got and no appeal
// sentence is.
func checkCleaned(t *testing.T, got string, article, appeal []string) {
	t.Helper()
	for _, p := range article {
		if !strings.Contains(got, p) {
			t.Errorf("article text lost: %.70q", p)
		}
	}
	for _, p := range appeal {
		for _, s := range sentences(p) {
			if strings.Contains(got, s) {
				t.Errorf("appeal kept: %.70q", s)
			}
		}
	}
}

func bodyText(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := documentParts(doc)
	if body == nil {
		t.Fatal("no body")
	}
	return textOf(body)
}

// innerHTML returns the markup inside the <body> of page.
func innerHTML(t testing.TB, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := documentParts(doc)
	return render(body, 0)
}

// TestPackFixtures runs every site pack on its fixtures, as a whole page
// (Page, before full-text extraction) and as feed content (Item): the
// appeal goes, every article paragraph stays, and the pack says it did it.
func TestPackFixtures(t *testing.T) {
	c := newCleaner(t)
	seen := map[string]bool{}
	for _, fx := range packFixtures {
		t.Run(fx.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "packs", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			article := fixtureTexts(t, doc, fx.article)
			appeal := fixtureTexts(t, doc, fx.appeal)
			if got := c.Rules(fx.link, "", nil); !slices.Contains(got, fx.pack) {
				t.Fatalf("rules for %s: %v, want %s", fx.link, got, fx.pack)
			}

			page, removed := c.Page(string(b), fx.link, nil)
			checkCleaned(t, bodyText(t, page), article, appeal)
			if !slices.ContainsFunc(removed, func(r Removal) bool { return r.Rule == fx.pack && r.Field == FieldPage }) {
				t.Errorf("page: no removal by %s: %v", fx.pack, removed)
			}

			it := &item.Item{Link: fx.link, Content: innerHTML(t, string(b))}
			removed = c.Item(it, nil)
			checkCleaned(t, textOfHTML(t, it.Content), article, appeal)
			if !slices.ContainsFunc(removed, func(r Removal) bool { return r.Rule == fx.pack }) {
				t.Errorf("item: no removal by %s: %v", fx.pack, removed)
			}
		})
		seen[fx.pack] = true
	}
	for _, name := range PackNames() {
		if !seen[name] {
			t.Errorf("pack %s has no fixture", name)
		}
	}
}

// TestPacksNamedByRule: a source can name a pack for items on other hosts.
func TestPacksNamedByRule(t *testing.T) {
	c := newCleaner(t)
	it := &item.Item{Link: "https://mirror.example/a", Content: `<p>Text bleibt.</p><div class="tzi-bottom-container"><p>Unterstützen Sie uns.</p></div>`}
	c.Item(it, nil)
	if !strings.Contains(it.Content, "Unterstützen") {
		t.Fatalf("pack applied off its site: %s", it.Content)
	}
	it = &item.Item{Link: "https://mirror.example/a", Content: `<p>Text bleibt.</p><div class="tzi-bottom-container"><p>Unterstützen Sie uns.</p></div>`}
	c.Item(it, []string{"taz.de"})
	if it.Content != "<p>Text bleibt.</p>" {
		t.Errorf("named pack not applied: %s", it.Content)
	}
}

// TestGuardianEpicPlainText: the epic flattened into feed text goes, from
// its opening through its button, and nothing around it.
func TestGuardianEpicPlainText(t *testing.T) {
	c := newCleaner(t)
	text := "The minister resigned on Friday.\n\nHer successor was named within hours.\n\n" +
		"Since you're here …\n\n… we have a small favour to ask. More people are reading the Guardian than ever.\n\n" +
		"If everyone who reads our reporting helps fund it, our future would be much more secure.\n\nSupport The Guardian\n\n" +
		"Topics: Politics"
	it := &item.Item{Link: "https://www.theguardian.com/politics/2019/x", Content: text}
	c.Item(it, nil)
	got := textOfHTML(t, it.Content)
	for _, keep := range []string{"The minister resigned on Friday.", "Her successor was named within hours.", "Topics: Politics"} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %q: %s", keep, got)
		}
	}
	for _, gone := range []string{"Since you", "small favour", "future would be", "Support The Guardian"} {
		if strings.Contains(got, gone) {
			t.Errorf("kept %q: %s", gone, got)
		}
	}
}
