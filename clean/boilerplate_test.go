package clean

import (
	"strings"
	"testing"

	"github.com/refeed/refeed/item"
)

// The article around the boilerplate of the tests, in both languages.
const (
	articleEN = `<p>The council voted on Tuesday to build a new bridge over the river, ending a dispute that had lasted for more than ten years.</p>
<p>The mayor said the bridge would open in 2027 and cost about 40 million euros, most of it paid by the state.</p>`
	articleDE = `<p>Der Stadtrat hat am Dienstag beschlossen, eine neue Brücke über den Fluss zu bauen, und damit einen Streit beendet, der mehr als zehn Jahre gedauert hatte.</p>
<p>Die Bürgermeisterin sagte, die Brücke werde 2027 eröffnet und etwa 40 Millionen Euro kosten, die zum größten Teil das Land trage.</p>`
)

// boilerplateCases are blocks of every family, in English and German, as
// pages and feeds carry them. gone is text that must go with the block
// (its first line if empty).
var boilerplateCases = []struct {
	rule, lang, block, gone string
}{
	{RuleCookie, "en", `<div><p>We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.</p><p><a href="/privacy">Accept</a></p></div>`, "We use cookies"},
	{RuleCookie, "en", `<p>This website uses cookies to improve your experience. We'll assume you're ok with this, but you can opt-out if you wish. Accept Read More</p>`, ""},
	{RuleCookie, "de", `<p>Wir verwenden Cookies, um Ihnen ein optimales Nutzererlebnis zu bieten. Mit Klick auf „Akzeptieren“ sind Sie damit einverstanden.</p>`, ""},
	{RuleCookie, "de", `<p>Durch die weitere Nutzung der Seite stimmen Sie der Verwendung von Cookies zu.</p>`, ""},
	{RuleNewsletter, "en", `<p>Sign up for our morning newsletter and get the day's news delivered to your inbox.</p>`, ""},
	{RuleNewsletter, "en", `<p>Get the latest updates right in your inbox. <a href="/nl">Subscribe to our newsletters.</a></p>`, ""},
	{RuleNewsletter, "de", `<p>Jetzt kostenlos Newsletter abonnieren und keine Nachricht aus der Region verpassen!</p>`, ""},
	{RuleNewsletter, "de", `<p>Melden Sie sich hier für unseren wöchentlichen Newsletter an.</p>`, ""},
	{RuleTeaser, "en", `<p><strong>Read more:</strong> <a href="/a">Bridges of the region: a history</a></p>`, "Bridges of the region"},
	{RuleTeaser, "en", `<h3>You may also like</h3><ul><li><a href="/a">Mayor wins vote on the budget</a></li><li><a href="/b">Ten bridges worth a visit</a></li></ul>`, "Ten bridges worth a visit"},
	{RuleTeaser, "en", `<p>[Related: <a href="/c">How the state pays for bridges</a>]</p>`, "How the state pays"},
	{RuleTeaser, "de", `<p>Lesen Sie auch: <a href="/a">Die Geschichte der Brücken in der Region</a></p>`, "Die Geschichte der Brücken"},
	{RuleTeaser, "de", `<h2>Mehr zum Thema</h2><hr><ul><li><a href="/a">Bürgermeisterin gewinnt Abstimmung</a> über den Haushalt</li><li><a href="/b">Zehn Brücken, die sich lohnen</a></li></ul>`, "Zehn Brücken, die sich lohnen"},
	{RuleEmbed, "en", `<div><p>This content is provided by a third party. To view this content, please accept cookies in your privacy settings.</p><p><a href="#">Show external content</a></p></div>`, "third party"},
	{RuleEmbed, "de", `<div><p>Empfohlener redaktioneller Inhalt</p><p>An dieser Stelle finden Sie einen externen Inhalt von YouTube, der den Artikel ergänzt.</p><p><button>Externen Inhalt anzeigen</button></p><p>Ich bin damit einverstanden, dass mir externe Inhalte angezeigt werden.</p></div>`, "externen Inhalt von YouTube"},
	{RuleComments, "en", `<p><a href="#comments">12 Comments</a></p>`, ""},
	{RuleComments, "en", `<p>Post Comment (+)</p>`, ""},
	{RuleComments, "de", `<p><a href="#kommentare">Kommentare (34)</a></p>`, ""},
	{RuleComments, "de", `<p>Die Kommentarfunktion ist geschlossen.</p>`, ""},
	{RuleAffiliate, "en", `<p><em>This post may contain affiliate links. We may earn a commission if you buy something through them.</em></p>`, ""},
	{RuleAffiliate, "de", `<p>Hinweis: Dieser Artikel enthält Affiliate-Links. Kaufen Sie über einen dieser Links ein, erhalten wir eine kleine Provision.</p>`, ""},
	{RuleErrorReport, "en", `<p>Spotted an error? Let us know at <a href="mailto:desk@news.example">desk@news.example</a>.</p>`, ""},
	{RuleErrorReport, "de", `<p>Fehler entdeckt? Dann schreiben Sie uns eine Mail an <a href="mailto:korrektur@news.example">korrektur@news.example</a>.</p>`, ""},
	{RuleBreadcrumb, "en", `<p><a href="/">Home</a> » <a href="/news">News</a> » <a href="/news/city">City</a></p>`, ""},
	{RuleBreadcrumb, "en", `<p><a href="#main">Skip to content</a></p>`, ""},
	{RuleBreadcrumb, "de", `<p><a href="/">Startseite</a> › <a href="/politik">Politik</a> › <a href="/politik/stadt">Stadt</a></p>`, ""},
	{RuleBreadcrumb, "de", `<p>Sie sind hier: <a href="/">Start</a> / Lokales</p>`, ""},
	{RuleReadingTime, "en", `<p>5 min read</p>`, ""},
	{RuleReadingTime, "en", `<p>Reading time: 4 minutes</p>`, ""},
	{RuleReadingTime, "de", `<p>Lesezeit: 3 Min.</p>`, ""},
	{RuleJavaScript, "en", `<p>Please enable JavaScript to view the comments.</p>`, ""},
	{RuleJavaScript, "en", `<p>This slideshow requires JavaScript.</p>`, ""},
	{RuleJavaScript, "de", `<noscript><p>Bitte aktivieren Sie JavaScript, um dieses Video zu sehen.</p></noscript>`, "Bitte aktivieren Sie JavaScript"},
	{RuleAdLabel, "en", `<p>Advertisement</p>`, ""},
	{RuleAdLabel, "de", `<p>- Anzeige -</p>`, ""},
	{RuleShare, "en", `<p>Share this article: <a href="https://x.example/share">Twitter</a> <a href="https://fb.example/share">Facebook</a> <a href="mailto:?body=x">Email</a></p>`, ""},
	{RuleShare, "de", `<p>Artikel teilen</p>`, ""},
}

func TestBoilerplateRemoved(t *testing.T) {
	c := newCleaner(t)
	for _, tc := range boilerplateCases {
		article := articleEN
		if tc.lang == "de" {
			article = articleDE
		}
		gone := tc.gone
		if gone == "" {
			gone = strings.TrimSpace(textOfHTML(t, tc.block))
			gone = gone[:min(len(gone), 20)]
		}
		name := tc.rule + "/" + tc.lang + ": " + gone
		// In the middle of the article, and after it.
		for _, content := range []string{
			strings.Replace(article, "</p>\n", "</p>\n"+tc.block+"\n", 1),
			article + "\n" + tc.block,
		} {
			it := &item.Item{Link: "https://news.example/bridge", Content: content}
			removed := c.Item(it, nil)
			text := textOfHTML(t, it.Content)
			if strings.Contains(text, gone) {
				t.Errorf("%s: kept:\n%s", name, it.Content)
			}
			for _, want := range []string{"new bridge over the river", "cost about 40 million euros", "neue Brücke über den Fluss", "etwa 40 Millionen Euro"} {
				if strings.Contains(article, want) && !strings.Contains(text, want) {
					t.Errorf("%s: the article lost %q:\n%s", name, want, it.Content)
				}
			}
			found := false
			for _, r := range removed {
				if r.Rule == tc.rule && strings.Contains(r.Text, gone) {
					found = true
				} else if strings.HasPrefix(r.Rule, "boilerplate-") && r.Rule != tc.rule {
					t.Errorf("%s: also removed by %s: %q", name, r.Rule, r.Text)
				}
			}
			if !found {
				t.Errorf("%s: no removal by %s holding %q: %v", name, tc.rule, gone, removed)
			}
		}
	}
}

// TestBoilerplateFieldOfFullText: the families apply to every field of
// content, the feed's and the full text that replaces it: Item cleans
// both.
func TestBoilerplateFieldOfFullText(t *testing.T) {
	c := newCleaner(t)
	it := &item.Item{Link: "https://news.example/bridge", Summary: articleEN + `<p>5 min read</p>`, Content: articleDE + `<p>Lesezeit: 3 Min.</p>`}
	removed := c.Item(it, nil)
	fields := map[string]bool{}
	for _, r := range removed {
		if r.Rule == RuleReadingTime {
			fields[r.Field] = true
		}
	}
	if !fields["summary"] || !fields["content"] {
		t.Errorf("reading time removed from %v, want summary and content: %v", fields, removed)
	}
}

// TestBoilerplateKeepsArticles: articles about cookies, newsletters,
// comments, JavaScript and affiliate links, whose sentences are full of
// the words the families look for, keep every sentence; and a block that
// is the whole content stays, whatever it says.
func TestBoilerplateKeepsArticles(t *testing.T) {
	c := newCleaner(t)
	for _, content := range []string{
		`<h2>Why cookie banners annoy everyone</h2>
<p>Most users accept cookies without reading the banner, a study by the consumer agency found; only one in ten changes the settings.</p>
<p>Newspapers say they need the newsletter: readers who subscribe to a newsletter come back more often, and many sign up for several.</p>
<p>Comments under articles have become rarer. Many sites closed them, and the readers' comments moved to social networks.</p>
<p>Some browsers disable JavaScript for unknown sites, which breaks pages that require JavaScript to show any text at all.</p>
<p>Affiliate links earn bloggers a commission on what their readers buy; the agency wants them labelled more clearly.</p>
<p>Read more about the study in the agency's report, which is published on its website.</p>`,
		`<h2>Warum Cookie-Banner alle nerven</h2>
<p>Die meisten Nutzer akzeptieren Cookies, ohne den Hinweis zu lesen, hat die Verbraucherzentrale herausgefunden; nur jeder Zehnte ändert die Einstellungen.</p>
<p>Verlage sagen, sie bräuchten den Newsletter: Wer einen Newsletter abonniert, kommt öfter wieder, und viele melden sich für mehrere an.</p>
<p>Kommentare unter Artikeln sind seltener geworden. Viele Seiten haben die Kommentarfunktion geschlossen, die Leser diskutieren in sozialen Netzwerken.</p>
<p>Manche Browser schalten JavaScript für unbekannte Seiten ab, was Seiten stört, die JavaScript benötigen, um überhaupt Text zu zeigen.</p>
<p>Mit Affiliate-Links verdienen Blogger eine Provision an dem, was ihre Leser kaufen; die Verbraucherzentrale will sie deutlicher gekennzeichnet sehen.</p>
<p>Mehr zum Thema steht im Bericht der Verbraucherzentrale, der auf ihrer Website veröffentlicht ist.</p>`,
		`<p>We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.</p>`,
		`<p>Lesen Sie auch: <a href="/a">Die Geschichte der Brücken in der Region</a></p>`,
		`Jetzt kostenlos Newsletter abonnieren!`,
	} {
		it := &item.Item{Link: "https://news.example/cookies", Content: content}
		before := textOfHTML(t, content)
		removed := c.Item(it, nil)
		for _, r := range removed {
			if strings.HasPrefix(r.Rule, "boilerplate-") {
				t.Errorf("removed by %s: %q", r.Rule, r.Text)
			}
		}
		if got := textOfHTML(t, it.Content); got != before {
			t.Errorf("text changed:\n%s\nto\n%s", before, got)
		}
	}
}

func TestBoilerplatePatternsCompile(t *testing.T) {
	names := map[string]bool{}
	for _, f := range families {
		if names[f.name] {
			t.Errorf("family %s twice", f.name)
		}
		names[f.name] = true
		if !strings.HasPrefix(f.name, "boilerplate-") || f.lines == nil && f.alone == nil {
			t.Errorf("family %s: bad name or no patterns", f.name)
		}
	}
	for _, tc := range boilerplateCases {
		if !names[tc.rule] {
			t.Errorf("case of unknown family %s", tc.rule)
		}
	}
	for name := range names {
		langs := map[string]bool{}
		for _, tc := range boilerplateCases {
			if tc.rule == name {
				langs[tc.lang] = true
			}
		}
		if !langs["en"] || !langs["de"] {
			t.Errorf("family %s: no English or no German test case", name)
		}
	}
}

// TestBoilerplateBounded: an item of thousands of matching lines is
// cleaned in bounded time, at most maxBoilerplate removals.
func TestBoilerplateBounded(t *testing.T) {
	c := newCleaner(t)
	content := articleEN + strings.Repeat("<p>Advertisement</p><p>5 min read</p>", 5000)
	it := &item.Item{Link: "https://news.example/bridge", Content: content}
	n := 0
	for _, r := range c.Item(it, nil) {
		if strings.HasPrefix(r.Rule, "boilerplate-") {
			n++
		}
	}
	if n != maxBoilerplate {
		t.Errorf("%d removals, want %d", n, maxBoilerplate)
	}
}
