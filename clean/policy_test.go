package clean

// bluemonday is the oracle of the final policy: the policy that
// applyPolicy applies on the tree is bluemonday's UGCPolicy with the
// additions of newPolicy below, which cleaning ran on the rendered tree
// before. These tests hold the two to the same output.

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"

	"github.com/refeed/refeed/internal/xsscheck"
)

// newPolicy returns the final HTML policy: user-generated-content rules
// (no scripts, handlers, styles, forms; http, https and mailto links;
// data: URLs only for images), plus media elements and player iframes.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false)
	p.AllowDataURIImages()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowElements("picture", "figure", "figcaption", "mark", "small", "sub", "sup", "time", "wbr")
	p.AllowAttrs("src", "srcset", "sizes", "type", "media").OnElements("source")
	p.AllowAttrs("srcset", "sizes", "loading").OnElements("img")
	p.AllowAttrs("src", "poster", "controls", "width", "height", "preload", "loop", "muted").OnElements("video")
	p.AllowAttrs("src", "controls", "preload", "loop").OnElements("audio")
	p.AllowAttrs("src").Matching(allowedIframe).OnElements("iframe")
	p.AllowAttrs("width", "height", "allowfullscreen", "title").OnElements("iframe")
	p.AllowAttrs("datetime").OnElements("time")
	return p
}

// oracleHTML cleans s as cleanHTML does, with bluemonday's rendering of
// the policy instead of applyPolicy.
func (c *Cleaner) oracleHTML(p *bluemonday.Policy, s string, base *url.URL, field string) string {
	root, _ := c.cleanTree(s, base, nil, field)
	if root == nil {
		return ""
	}
	return finish(p.Sanitize(render(root, 0)), false)
}

// checkAgainstOracle reports where cleanHTML and the oracle differ on s,
// and what bluemonday would still remove from cleanHTML's output. Unless
// exact, outputs with the same text and elements may nest differently:
// bluemonday, a tokenizer, closes an element it unwrapped at the next end
// tag of that name, so for misnested input (<a><table><a href=x>y) it
// can move an end tag where the tree has none.
func checkAgainstOracle(t *testing.T, c *Cleaner, p *bluemonday.Policy, name, s string, base *url.URL, exact bool) {
	t.Helper()
	got, _ := c.cleanHTML(s, base, nil, "content")
	if want := c.oracleHTML(p, s, base, "content"); got != want && (exact || !sameContent(got, want)) {
		t.Errorf("%s: applyPolicy and bluemonday differ on\n%q\napplyPolicy: %q\nbluemonday:  %q", name, cut(s, 2000), got, want)
	}
	if again := finish(p.Sanitize(got), false); again != got {
		t.Errorf("%s: bluemonday changes the output of\n%q\noutput:      %q\nbluemonday:  %q", name, cut(s, 2000), got, again)
	}
}

// TestPolicyCorpus cleans every summary and content of the corpus, the
// hostile vectors and the pack fixtures with applyPolicy and with
// bluemonday: the outputs are the same, and bluemonday removes nothing
// from applyPolicy's.
func TestPolicyCorpus(t *testing.T) {
	c := newCleaner(t)
	p := newPolicy()
	base, _ := url.Parse("https://src.example/post/")
	for i, v := range xsscheck.Markup {
		checkAgainstOracle(t, c, p, "markup "+strconv.Itoa(i), "<p>before</p>"+v+"<p>after</p>", base, true)
	}
	n := 0
	for name, its := range corpusItems(t) {
		for _, it := range its {
			b := baseURL(it.Link, it.SourceURL)
			checkAgainstOracle(t, c, p, name, it.Summary, b, true)
			checkAgainstOracle(t, c, p, name, it.Content, b, true)
			n++
		}
	}
	t.Logf("%d corpus items", n)
}

// TestPolicyElements tries every element the parser knows, and a few it
// does not, with every attribute of the policy and a few others, each
// with values the checks accept and reject, against bluemonday.
func TestPolicyElements(t *testing.T) {
	c := newCleaner(t)
	p := newPolicy()
	base, _ := url.Parse("https://src.example/post/")
	names := strings.Fields(`a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big
		blink blockquote body br button canvas caption center cite code col colgroup data datalist dd del details dfn
		dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6
		head header hgroup hr html i iframe image img input ins isindex kbd keygen label legend li link listing main
		map mark marquee math menu menuitem meta meter nav nobr noembed noframes noscript nostyle object ol optgroup
		option output p param picture plaintext pre progress q rb rp rt rtc ruby s samp script search section select
		slot small source span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead
		time title tr track tt u ul var video wbr xmp my-element`)
	attrs := map[string]bool{"class": true, "style": true, "onclick": true, "name": true, "xmlns": true, "rel": true, "target": true}
	for _, e := range allowlist {
		for k := range e.attrs {
			attrs[k] = true
		}
	}
	for k := range globalAttrs {
		attrs[k] = true
	}
	values := []string{"", "1", "50%", "12px", "-1.5e3", "left", "TOP", "rtl", "de-DE", "open", "circle", "A", "row",
		"2024-05-01", "2024-05-01T10:20:30Z", "#map_1", "1,2,3", "rect", "nofollow noopener", "Ein Titel, (kurz).", "a<b", `"q"`,
		"https://ok.example/a.png?x=1&amp;y=%41#f", "/rel/a b", "rel/x", "//cdn.example/x", "mailto:a@b.example", "ftp://x.example/",
		"data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBOR w0KGgo=", "data:text/html,x", "https://www.youtube.com/embed/x",
		"HTTPS://Ok.Example/%7e?q#", "https://ok.example/ä ö", "javascript:alert(1)", "  https://ok.example/  "}
	for _, name := range names {
		for k := range attrs {
			for _, v := range values {
				in := "<" + name + " " + k + "=\"" + html.EscapeString(v) + "\">text <b>bold</b></" + name + ">tail"
				checkAgainstOracle(t, c, p, name+" "+k, in, base, true)
			}
		}
	}
}

// FuzzPolicy cleans arbitrary HTML with applyPolicy and with bluemonday:
// the outputs are the same, and bluemonday removes nothing from
// applyPolicy's.
func FuzzPolicy(f *testing.F) {
	for _, v := range xsscheck.Markup {
		f.Add(v)
	}
	for _, s := range []string{
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<xmp><img src=x onerror=alert(1)></xmp>`, `<plaintext><b>x`, `<noembed><b>x</b></noembed>`,
		`<iframe src="https://www.youtube.com/embed/x"><b>x</b></iframe>`, `a <!-- b --> c &lt;!-- d`,
		`<a href="HTTPS://Ok.Example/%7e?a=1&b=<>#">x</a><img src="data:image/png;base64,iVBORw0KGgo=">`,
		`<bdo><bdo dir=rtl>x</bdo></bdo><map><area href=/a alt=b></map><meter value=1>m</meter>`,
		`<table><tr><td scope=rowx nowrap colspan=2 headers="a b">x</td></tr></table>`,
	} {
		f.Add(s)
	}
	if parsed, err := parsedCorpus(); err == nil {
		for _, its := range parsed {
			for _, it := range its[:min(len(its), 2)] {
				f.Add(cut(it.Content, 8<<10))
			}
		}
	}
	c := newCleaner(f)
	p := newPolicy()
	base, _ := url.Parse("https://src.example/post/")
	f.Fuzz(func(t *testing.T, s string) {
		checkAgainstOracle(t, c, p, "fuzz", s, base, false)
	})
}

// sameContent reports whether two HTML fragments have the same text (but
// for white space: textOf separates text nodes, which nesting splits) and
// the same elements with the same attributes, however nested.
func sameContent(a, b string) bool {
	ra, erra := parseFragment(a)
	rb, errb := parseFragment(b)
	if erra != nil || errb != nil {
		return false
	}
	return noSpace(textOf(ra)) == noSpace(textOf(rb)) && slices.Equal(elementList(ra), elementList(rb))
}

// elementList returns the elements under root, each with its attributes,
// sorted.
func elementList(root *html.Node) []string {
	var out []string
	for _, n := range elements(render(root, 0)) {
		var b strings.Builder
		b.WriteString(n.Data)
		for _, a := range n.Attr {
			b.WriteString(" " + a.Key + "=" + a.Val)
		}
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out
}

// TestMutationXSS cleans the mutation XSS classics: what the policy keeps
// is rendered from the tree, so markup in text and attributes comes out
// escaped, and reading the output again gives the same HTML.
func TestMutationXSS(t *testing.T) {
	c := newCleaner(t)
	for in, want := range map[string]string{
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`:                       ``,
		`<xmp><img src=x onerror=alert(1)></xmp>`:                                             `<p>&lt;img src=x onerror=alert(1)&gt;</p>`,
		`<plaintext><img src=x onerror=alert(1)>`:                                             `<p>&lt;img src=x onerror=alert(1)&gt;</p>`,
		`<noembed><img src=x onerror=alert(1)></noembed>`:                                     ``,
		`<noframes><img src=x onerror=alert(1)></noframes>`:                                   ``,
		`<iframe src="https://www.youtube.com/embed/x"><img src=x onerror=alert(1)></iframe>`: `<iframe src="https://www.youtube.com/embed/x"></iframe>`,
		`<p>a &lt;!-- b --&gt; <!-- c --> d</p>`:                                              `<p>a &lt;!-- b --&gt;  d</p>`,
		`<p title="&lt;/p&gt;&lt;img src=x onerror=alert(1)&gt;">x</p>`:                       `<p>x</p>`,
		`<abbr title="a&quot;b">x</abbr>`:                                                     `<abbr>x</abbr>`,
		`<img src="https://ok.example/a.png" alt="&quot;&gt;&lt;script&gt;">`:                 `<img src="https://ok.example/a.png"/>`,
		// <img> breaks out of foreign content: an HTML image, without its
		// handler.
		`<svg><style><img src=x onerror=alert(1)></style></svg><p>x</p>`:  `<img src="x"/><p>x</p>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`: ``,
	} {
		got, _ := c.cleanHTML(in, nil, nil, "content")
		if got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
		if p := xsscheck.HTML(got); p != nil {
			t.Errorf("%q: %v", in, p)
		}
		if again, _ := c.cleanHTML(got, nil, nil, "content"); again != got {
			t.Errorf("%q: cleaned again: %q", got, again)
		}
	}
}
