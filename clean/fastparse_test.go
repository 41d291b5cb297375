package clean

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/internal/xsscheck"
	"github.com/refeed/refeed/plaintext"
)

// checkSimple runs the fast path on s and, when it accepts s, compares
// its tree with x/net/html's. It reports whether the fast path accepted s.
func checkSimple(t testing.TB, s string) bool {
	t.Helper()
	got := parseSimple(s)
	if got == nil {
		return false
	}
	want, err := parseHTML5(s)
	if err != nil {
		t.Errorf("%.200q: the fast path accepts what x/net/html rejects (%v)", s, err)
		return true
	}
	if d := treeDiff(got, want); d != "" {
		t.Errorf("%.200q: the fast path's tree differs from x/net/html's: %s", s, d)
	}
	return true
}

// treeDiff describes the first difference between the trees under got
// and want, compared node by node (type, data, atom, namespace,
// attributes, children), or returns "". It also checks the links of got's
// nodes to each other.
func treeDiff(got, want *html.Node) string {
	return nodeDiff(got, want, "root")
}

func nodeDiff(g, w *html.Node, path string) string {
	if g.Type != w.Type || g.Data != w.Data || g.DataAtom != w.DataAtom || g.Namespace != w.Namespace {
		return fmt.Sprintf("%s: got %s, want %s", path, describeNode(g), describeNode(w))
	}
	if (g.Attr == nil) != (w.Attr == nil) || len(g.Attr) != len(w.Attr) {
		return fmt.Sprintf("%s: attributes: got %q, want %q", path, g.Attr, w.Attr)
	}
	for i := range g.Attr {
		if g.Attr[i] != w.Attr[i] {
			return fmt.Sprintf("%s: attributes: got %q, want %q", path, g.Attr, w.Attr)
		}
	}
	gc, wc := g.FirstChild, w.FirstChild
	var prev *html.Node
	for i := 0; gc != nil || wc != nil; i++ {
		p := fmt.Sprintf("%s/%d", path, i)
		if gc == nil {
			return fmt.Sprintf("%s: missing %s", p, describeNode(wc))
		}
		if wc == nil {
			return fmt.Sprintf("%s: extra %s", p, describeNode(gc))
		}
		if gc.Parent != g || gc.PrevSibling != prev {
			return fmt.Sprintf("%s: bad links", p)
		}
		if d := nodeDiff(gc, wc, p+"("+gc.Data+")"); d != "" {
			return d
		}
		prev = gc
		gc, wc = gc.NextSibling, wc.NextSibling
	}
	if g.LastChild != prev {
		return fmt.Sprintf("%s: bad last child", path)
	}
	return ""
}

func describeNode(n *html.Node) string {
	return fmt.Sprintf("%v %q (atom %q, ns %q)", n.Type, n.Data, n.DataAtom.String(), n.Namespace)
}

// simpleCases are fragments at the edges of the fast path: each must
// either be declined or give x/net/html's tree.
var simpleCases = []string{
	"", " ", "x", "<p>a</p>", "<p>a</p>\n<p>b</p>", " <p>a", "a<", "a<b", "a</", "a</b", "a < b", "a <3 b", "1<2>3", "<<p>>",
	"<b><i></b></i>", "<b><i>x</i></b>", "<p><div>x</div></p>", "<div><p>x</div>", "<p><p>", "<p>a<p>b", "<li><li>", "<ul><li>a<li>b</ul>",
	"<ul><li>a</li><li>b</li></ul>", "<ul><li><ul><li>x</li></ul></li></ul>", "<li><div><li>", "<li><p><li>", "<li><span><li>",
	"<dl><dt>a<dd>b</dl>", "<dl><dt>a</dt><dd>b</dd></dl>", "<dd><div><dt>", "<a><a>", "<a href=x>a</a><a href=y>b</a>", "<a><b><a>",
	"</p>", "</br>", "<br></br>", "</div>", "x</span>", "<span>x</div>", "<div>x</span></div>", "<h1><h2>", "<h1>a</h1><h2>b</h2>",
	"<h1><span><h2>", "<p><h1>", "<p><hr>", "<hr><p>", "<p><br></p>", "<p><img src=a></p>",
	"&amp", "&ampx", "&amp;", "&AMP;", "&notit;", "&notin;", "&not", "&#128;", "&#0;", "&#xD800;", "&#x110000;", "&#99999999999999;",
	"&#65", "&#x41;x", "&#;", "&#x;", "&", "&;", "a & b", "&nbsp;&copy;&eacute;", "&fjlig;", "&semi;", "&nvlt;",
	`<a title="&amp">`, `<a title="&ampx">`, `<a title="&amp=">`, `<a title="&amp;">`, `<a title="&notit;">`, `<a title="&notin;">`,
	`<a href="?a=1&b=2&copy=3">`, `<a href="?a=1&copy;=3">`, `<a title="&#128;&#0;&#xD800;&#65">`, `<a title="&semi;&fjlig;&nvlt;">`,
	`<img alt="&lt;&gt;&quot;&apos;">`, `<img alt="&">`, `<img alt="&;">`, `<img alt="a&b">`,
	"<!---->", "<!-- x -->", "<!--x-->", "<!-->", "<!--->", "<!--a--->", "<!--a--!>", "<!--a--!>b-->", "<!--a-->b-->", "<!--a<!--b-->",
	"<!--", "<!--a", "<!--a-", "<!--a--", "<!---a-->", "<!--a-b-->", "<!--a--b-->", "<!-x->", "<!x>", "<!DOCTYPE html>", "<?xml?>",
	"<![CDATA[x]]>", "</>", "</ x>", "</1>", "<pre>\nx</pre>", "<pre>\n\nx</pre>", "<pre>&#10;x</pre>", "<pre>x\n</pre>",
	"<pre><b>\nx</b></pre>", "<pre><!---->\nx</pre>", "<pre></pre>\n", "<pre>\n</pre>\nx", "<P>A</P>", "<DIV CLASS=x ID=y>z</DIV>",
	"<Img SRC=a Alt=b>", "<a HREF=x>y</A>", "<p class='a b' id=c>x</p>", "<p class=a/b>x</p>", `<p class="a'b" id='c"d'>x</p>`,
	"<p class = \"x\" >y</p>", "<p class=>x</p>", "<p =x>y</p>", "<p class>x</p>", "<p class id>x</p>", "<p class=x class=y>z</p>",
	"<p a\"b=c>x</p>", "<p a<b=c>x</p>", "<p data-x_y.z:w=1>x</p>", "<img/>", "<img />", "<img src=x/>", "<img src=x />", "<br/>",
	"<div/>", "<div/>x", "<span/>x", "<a href=x/>y", "<a href=/>y", "<a href/>y", "<hr/>", "<p", "<p class", "<p class=", "<p class=\"x",
	"<p class=x", "<p class='x'", "<p>x</p", "<img src=", "<img", "<b class=y id=x>z</b>", "<a title=t href=h>x</a>",
	"<b>1<b>2<b>3<b>4</b>5</b>6</b>7</b>8", "<i><i><i><i><i>x</i></i></i></i></i>", "<em>a</em><strong>b</strong>",
	"<p>a\x00b</p>", "a\rb", "<p>a\r\nb</p>", "<table><tr><td>x</td></tr></table>", "<script>alert(1)</script>", "<style>p{}</style>",
	"<textarea><p></textarea>", "<title>x</title>", "<xmp><p></xmp>", "<iframe src=x></iframe>", "<noscript><img src=x></noscript>",
	"<svg><p></svg>", "<math><mi>x</mi></math>", "<template><p></template>", "<select><option>x</select>", "<button><p></button>",
	"<image src=x>", "<html><body>x", "<head>", "<frameset>", "<nobr>x</nobr>", "<form><input></form>", "<plaintext>x",
	"<p>\t\n\f x </p>", "<p>x</p >", "<p>x</p\t>", "<p>x</p\n>", "<p>x</p a>", "<p>x</p/>", "<p>x</P>", "<p>x</p\f>",
	"<ruby>a<rt>b</rt></ruby>", "<video><source src=x><track src=y></video>", "<picture><source srcset=x><img src=y></picture>",
	"<figure><img src=x><figcaption>y</figcaption></figure>", "<blockquote><p>x</p></blockquote>", "<p>é ü 日本</p>", "\xff<p>\xfe</p>",
	"<p>a</p><!-- c --><p>b</p>", "<div><div><div>x</div></div></div>", strings.Repeat("<div>", 300), strings.Repeat("<span>", 600),
	strings.Repeat("<b>", 600), strings.Repeat("<div>", 255) + "<img>", strings.Repeat("<div>", 254) + "<img>",
	"a</img>b", "<p>a</img>b</p>", "<p>a</br>b</p>", "</br >", "</br/>", "</BR>", "<table></br></table>", "</hr>", "</source></track></wbr>",
	"<pre></img>\nx</pre>", "<table><tr><td>a</td></tr></table>", "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>",
	"<table>\n<tr>\n<td>a</td>\n</tr>\n</table>", "<table><tr><td>a</td></tr>", "<table><tr><td>a</table>", "<table><tr></table>",
	"<table><tbody><tr></table>", "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody><tfoot></tfoot></table>",
	"<table>x</table>", "<table>&nbsp;</table>", "<table>&#32;</table>", "<table><tr>x</tr></table>", "<table><div>x</div></table>",
	"<table><td>x</td></table>", "<table><tr><td>a<td>b</table>", "<table><tr><td><p>a</td></tr></table>", "<table><tr><td><p>a</p></td></tr></table>",
	"<p><table>", "<p>a</p><table></table>", "<table><caption>c</caption><tr><td>x</td></tr></table>", "<table><caption><p>c</caption></table>",
	"<table><caption>c<tr></caption></table>", "<table><colgroup><col width=1><col></col></colgroup><tbody></tbody></table>",
	"<table><colgroup> <col> x</colgroup></table>", "<table><col></table>", "<table><colgroup><col/></colgroup></table>",
	"<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>", "<table><!-- c --><tr><!-- d --><td>x</td></tr></table>",
	"<li><table><tr><td><li>x</td></tr></table>", "<b><table><tr><td>x</td></tr></table></b>", "<a><table><tr><td><a>x</a></td></tr></table></a>",
	"<table><script>x</script><tr><style>y</style><td>z</td></tr></table>", "<table><tr><iframe></iframe></tr></table>", "<td>x</td>",
	"<tr><td>x", "<caption>x</caption>", "<tbody>", "<script>a<b</script>", "<script>a</script >b", "<script>a</script x>b",
	"<script>a</scriptx></script>", "<script><!--a</script>-->", "<script>a<!-b</script>", "<script>\r\na</script>", "<script>&amp;</script>",
	"<SCRIPT>a</Script>", "<script>a", "<script>a</script", "<script/>x", "<style>p>a{}</style>", "<style><!--a--></style>", "<iframe src=x>a<b>c</iframe>",
	"<iframe>", "<noscript><img src=x></noscript>", "<p><noscript><p>x</noscript>", "<li><noscript><li>", "a\r\nb\rc", "<p title=\"a\r\nb\rc\">x\r</p>",
	"<!--a\r\nb-->", "<pre>\r\nx</pre>", "<pre>&#13;\nx</pre>", "<pre>&#13;x</pre>", "<p\rclass=x>y</p\r>",
	"<table><col><col><tr><td>x</td></tr></table>", "<table><colgroup><col></colgroup><col></table>", "<table><col><caption>c</caption></table>",
	"<table><col span=2/>\n<thead></thead></table>", "<table><colgroup>x</colgroup></table>", "<table><colgroup></tbody></table>",
	"<p>x</p foo=bar>", "<p>x</p foo='>'>y", "<p>x</p =>", "<b>x</b/>", "<script>x</script foo=bar>y", "<style>x</style/>",
	"<meta charset=x>", "<p><meta name=a content=b/></p>", "<table><meta></table>", "<link rel=x href=y>", "<td><link></td>",
	"&#x80;&#x9F;&#159;&#127;&#1;&#x0;&#xDFFF;&#xFFFE;&#x10FFFF;&#x110000;&#0000065;&#x0041", "&#", "&#x", "a&#", "&;&#;&x;",
	"<b><div>x</b>y", "<b><span>x</b>y", "<a href=x><div>y</a>z", "<div><b>x</div>y", "<span><b>x</span>y", "<p><span>x</p>y",
	"<p><b>x</p>y", "<div><span>x</div>y", "<ul><li><span>x</li></ul>", "<li><ul><span>x</li>", "<dl><dd><div>x</dd></dl>",
	"<dl><dd><div>x</dt></dl>", "<h2><a>x</a></strong> <span></h2>", "<h2><span>x</h3>y", "<h2><span>x</h2>y", "<div><li>x</div>",
	"<span><div>x</span>y", "<section><noscript>x</section>", "<noscript><span>x</noscript>", "<table><tr><td><span>x</td></tr></table>",
	"<table><tr><td><b>x</td></tr></table>", "<table><tr><td><span>x</tr></table>", "<table><tr><td><span>x</th></table>",
	"<table><caption><span>x</caption></table>", "<div><table><tr><td>x</div></td></tr></table>", "</strong>", "</foo>", "<p></foo></p>",
	"</h2>", "<h1>x</h2>", "</body>", "</html>", "</form>", "</template>", "</object>", "</li>", "</dd>", "<ul></li></ul>", "</p>x</p>",
	"<p>x</p></p>", "<div></p></div>", "<pre></p>\nx</pre>", "</tr>", "</td>", "</caption>", "</colgroup>", "</col>", "</table>",
}

// TestParseSimpleCases: each edge case is declined or parsed as
// x/net/html parses it, and the simple ones are accepted.
func TestParseSimpleCases(t *testing.T) {
	cases := append(append([]string{}, simpleCases...), xsscheck.Markup...)
	for _, s := range cases {
		checkSimple(t, s)
	}
	for _, s := range []string{
		"", "x", "<p>a</p>", "a < b", "<b><i>x</i></b>", "<ul><li>a</li><li>b</li></ul>", "<ul><li><ul><li>x</li></ul></li></ul>",
		"<p>&amp; &lt; &#128; &notit; &ampx</p>", `<a href="?a=1&amp;b=2&c=3">x</a>`, `<a title="&notin;">x</a>`,
		"<!-- x -->", "<pre>\nx</pre>", "<P CLASS=X>y</P>", "<img/>", "<br />", `<p class='a' id="b" hidden>x</p>`,
		"<a title=t href=h>x</a>", "<b>1<b>2<b>3<b>4</b>5</b>6</b>7</b>8", "a</img>b", "<p>a</br>b</p>",
		"<table>\n<tr>\n<td>a</td>\n</tr>\n</table>", "<table><tr><td>a</td></tr></table>", "<table><tbody><tr></table>",
		"<table><caption>c</caption><colgroup><col></col></colgroup><thead><tr><th>h</th></tr></thead></table>",
		"<script>a<b</script>", "<style>p>a{}</style>", "<noscript><img src=x></noscript>", "a\r\nb", "<p title=\"a\r\nb\">x</p>",
		"<table><col><col/><tr><td>x</td></tr></table>", "<p>x</p foo=bar>", "<br>x</br />", "<meta charset=x>",
		"<p><span>x</p>y", "<div><li>x</div>", "<table><tr><td><span>x</td></tr></table>", "</strong>", "<p></foo></p>", "</p>",
		"<h2><a>x</a></strong> <span></h2>",
	} {
		if parseSimple(s) == nil {
			t.Errorf("%q: declined", s)
		}
	}
}

// TestParseSimpleEntities: every entity name of x/net/html, in text and
// in attribute values, with and without ';', followed by a letter, an
// '=' or nothing, is declined or read as x/net/html reads it; the names
// with ';' are accepted in attribute values.
func TestParseSimpleEntities(t *testing.T) {
	names := entityNames(t)
	for _, name := range names {
		for _, suffix := range []string{"", "x", "=", ";", "1;", " "} {
			ref := "&" + name + suffix
			checkSimple(t, "<p>"+ref+"</p>")
			checkSimple(t, `<img alt="`+ref+`">`)
			checkSimple(t, `<img alt=`+ref+`>`)
		}
		if strings.HasSuffix(name, ";") && parseSimple(`<img alt="&`+name+`">`) == nil {
			t.Errorf("&%s in an attribute value: declined", name)
		}
	}
	t.Logf("%d entity names", len(names))
}

// TestParseSimpleRandom checks the fast path on fragments put together
// at random from tags, text and references around its edges: misnested,
// in tables, unclosed. Each is declined or parsed as x/net/html does.
func TestParseSimpleRandom(t *testing.T) {
	names := []string{"p", "div", "span", "b", "i", "a", "em", "strong", "code", "u", "font", "li", "ul", "ol", "dl", "dd", "dt",
		"h1", "h2", "pre", "blockquote", "section", "figure", "figcaption", "noscript", "table", "tbody", "thead", "tr", "td", "th",
		"caption", "colgroup", "col", "br", "img", "hr", "meta", "wbr", "button", "select", "form", "nobr", "P", "TD", "Li"}
	attrs := []string{"", "", "", ` class=x`, ` href="/a?b=1&amp;c=2"`, ` title='&notit;'`, ` alt=&copy=1`, ` id=y class=z`,
		` ID=q`, ` x`, ` data-a="&#128;"`, "/"}
	texts := []string{"x", " ", "\n", "&amp;", "&notit;", "a<b", "&#128;", "\r\n", "&nbsp;", " \t", "<!-- c -->", "&lt;p&gt;", "<"}
	rng := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	const n = 40000
	for k := range n {
		// Half are soups; half keep a stack and mostly close what they
		// open, in order.
		var b strings.Builder
		var open []string
		for range 1 + rng.IntN(30) {
			switch r := rng.IntN(12); {
			case r < 4:
				name := names[rng.IntN(len(names))]
				b.WriteString("<" + name + attrs[rng.IntN(len(attrs))] + ">")
				open = append(open, name)
			case r < 7 && k%2 == 1 && len(open) > 0:
				i := len(open) - 1
				if rng.IntN(8) == 0 {
					i = rng.IntN(len(open))
				}
				b.WriteString("</" + open[i] + ">")
				open = open[:i]
			case r < 7:
				b.WriteString("</" + names[rng.IntN(len(names))] + ">")
			case r == 7:
				b.WriteString("<script>s</script>")
			default:
				b.WriteString(texts[rng.IntN(len(texts))])
			}
		}
		if checkSimple(t, b.String()) {
			accepted++
		}
	}
	t.Logf("fast path: %d of %d random fragments", accepted, n)
}

// entityNames returns the names of x/net/html's entities, read from its
// source in the module cache.
func entityNames(t *testing.T) []string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/net").Output()
	if err != nil {
		t.Skipf("golang.org/x/net's source not found: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "html", "entity.go"))
	if err != nil {
		t.Skipf("x/net/html's source not found: %v", err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s*"([A-Za-z0-9]+;?)":`).FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
	}
	if len(names) < 2000 {
		t.Fatalf("only %d entity names in x/net/html's entity.go", len(names))
	}
	return names
}

// htmlFields returns the HTML that parseFragment reads of the corpus's
// items (their summaries and contents, as cleaning prepares them), of
// the pack fixtures and the seed example, and of the fuzz corpus's
// regression seeds, by name.
func htmlFields(t testing.TB) map[string]string {
	out := map[string]string{}
	add := func(name, s string) {
		s = plaintext.ValidText(s)
		if strings.TrimSpace(s) != "" && plaintext.HasTags(s) {
			out[name] = s
		}
	}
	for name, its := range corpusItems(t) {
		for i, it := range its {
			add(fmt.Sprintf("%s#%d/summary", name, i), it.Summary)
			add(fmt.Sprintf("%s#%d/content", name, i), it.Content)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "packs", "*.html"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			add(f, string(b))
			add(f+"/inner", innerHTML(t, string(b)))
		}
	}
	if b, err := os.ReadFile(seedPath); err == nil {
		add("seed", string(b))
		add("seed/html", textToHTML(string(b)))
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "*", "*"))
	for _, f := range seeds {
		for i, s := range fuzzSeedStrings(t, f) {
			add(fmt.Sprintf("%s/%d", f, i), s)
		}
	}
	return out
}

// fuzzSeedStrings returns the string values of a file of the fuzz corpus.
func fuzzSeedStrings(t testing.TB, name string) []string {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "string("); ok {
			if s, err := strconv.Unquote(strings.TrimSuffix(v, ")")); err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// TestParseSimpleCorpus: every HTML field of the corpus and of the test
// documents that the fast path accepts parses as with x/net/html, and the
// fast path accepts most of the corpus's bytes. It logs what stopped it
// on the rest.
func TestParseSimpleCorpus(t *testing.T) {
	var fields, accepted, size, acceptedSize, corpus, corpusAccepted int
	declined := map[string]int{} // bytes, by what was declined
	for name, s := range htmlFields(t) {
		inCorpus := strings.Contains(name, "#")
		fields++
		size += len(s)
		if inCorpus {
			corpus += len(s)
		}
		if checkSimple(t, s) {
			accepted++
			acceptedSize += len(s)
			if inCorpus {
				corpusAccepted += len(s)
			}
			continue
		}
		_, at := simpleTree(s)
		declined[declineReason(s, at)] += len(s)
	}
	type reason struct {
		what  string
		bytes int
	}
	var reasons []reason
	for k, v := range declined {
		reasons = append(reasons, reason{k, v})
	}
	sort.Slice(reasons, func(i, j int) bool { return reasons[i].bytes > reasons[j].bytes })
	var b strings.Builder
	for _, r := range reasons[:min(len(reasons), 20)] {
		fmt.Fprintf(&b, "\n%8d B  %s", r.bytes, r.what)
	}
	t.Logf("fast path: %d of %d fields, %d of %d bytes; of the corpus's, %d of %d bytes (%.1f%%); declined, by what stopped it:%s",
		accepted, fields, acceptedSize, size, corpusAccepted, corpus, 100*float64(corpusAccepted)/float64(max(corpus, 1)), b.String())
	if corpusAccepted < corpus*8/10 {
		t.Errorf("the fast path takes %d of %d bytes of the corpus's HTML, less than 80%%", corpusAccepted, corpus)
	}
}

// declineReason names what the fast path declined at s[at:]: a tag's
// name, or the bytes there.
func declineReason(s string, at int) string {
	r := s[at:]
	if strings.HasPrefix(r, "</") {
		if i := strings.IndexAny(r, " >"); i > 0 {
			return "end tag " + strings.ToLower(r[:i+1])
		}
	}
	if strings.HasPrefix(r, "<") {
		if i := strings.IndexAny(r, " \t\n/>"); i > 0 {
			return "start tag " + strings.ToLower(r[:i])
		}
	}
	return fmt.Sprintf("%.12q", r)
}

// FuzzParseFragment: the fast path declines a fragment or parses it as
// x/net/html does.
func FuzzParseFragment(f *testing.F) {
	for _, s := range simpleCases {
		f.Add(s)
	}
	for _, s := range xsscheck.Markup {
		f.Add(s)
	}
	if parsed, err := parsedCorpus(); err == nil {
		for _, its := range parsed {
			for _, it := range its[:min(len(its), 2)] {
				f.Add(cut(it.Summary, 2<<10))
				f.Add(cut(it.Content, 2<<10))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSimple(t, s)
	})
}

// BenchmarkParseFragment parses the HTML fields of the corpus with
// x/net/html alone and with the fast path first (x-net-html, fast), and
// the fields the fast path accepts with each (the -accepted pairs); MB/s
// are bytes of HTML.
func BenchmarkParseFragment(b *testing.B) {
	var all, accepted []string
	for _, s := range htmlFields(b) {
		all = append(all, s)
		if parseSimple(s) != nil {
			accepted = append(accepted, s)
		}
	}
	sort.Strings(all)
	sort.Strings(accepted)
	for _, bm := range []struct {
		name   string
		inputs []string
		parse  func(string) (*html.Node, error)
	}{
		{"x-net-html", all, parseHTML5},
		{"fast", all, parseFragment},
		{"x-net-html-accepted", accepted, parseHTML5},
		{"fast-accepted", accepted, parseFragment},
	} {
		size := 0
		for _, s := range bm.inputs {
			size += len(s)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range bm.inputs {
					if _, err := bm.parse(s); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
