package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/refeed/refeed/fetch/fetchtest"
)

// checkFast runs the fast path on body and, when it accepts the document,
// compares its Feed with the gofeed path's. It reports whether the fast
// path accepted it.
func checkFast(t testing.TB, name string, body []byte, contentType string) bool {
	t.Helper()
	b, valid := prepare(body, contentType)
	if valid != utf8.Valid(b) && valid {
		t.Errorf("%s: prepare says valid UTF-8, it is not", name)
	}
	var f *Feed
	var err error
	switch firstByte(b) {
	case '<':
		f, err = fastParse(b, valid)
	case '{':
		f, err = fastParseJSON(b)
	default:
		return false
	}
	if err != nil {
		return false
	}
	got := finish(f, "src", "https://src.example/feed")
	want, err := parseGofeed(b, "src", "https://src.example/feed")
	if err != nil {
		t.Errorf("%s: the fast path accepts a document gofeed rejects (%v)", name, err)
		return true
	}
	if d := feedDiff(got, want); d != "" {
		t.Errorf("%s: fast path differs from gofeed: %s", name, d)
	}
	return true
}

// feedDiff describes the first difference between two Feeds, or "".
func feedDiff(got, want *Feed) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	for _, f := range []struct {
		name string
		g, w any
	}{{"Title", got.Title, want.Title}, {"Link", got.Link, want.Link}, {"Language", got.Language, want.Language}, {"Dropped", got.Dropped, want.Dropped}, {"len(Items)", len(got.Items), len(want.Items)}} {
		if !reflect.DeepEqual(f.g, f.w) {
			return fmt.Sprintf("%s: got %#v, want %#v", f.name, f.g, f.w)
		}
	}
	if (got.Items == nil) != (want.Items == nil) {
		return fmt.Sprintf("Items: got nil %v, want nil %v", got.Items == nil, want.Items == nil)
	}
	for i := range got.Items {
		g, w := reflect.ValueOf(got.Items[i]), reflect.ValueOf(want.Items[i])
		for j := 0; j < g.NumField(); j++ {
			if !reflect.DeepEqual(g.Field(j).Interface(), w.Field(j).Interface()) {
				return fmt.Sprintf("item %d (%q) %s:\n got %#v\nwant %#v", i, want.Items[i].Title, g.Type().Field(j).Name, g.Field(j).Interface(), w.Field(j).Interface())
			}
		}
	}
	return "differs"
}

// hostileBodies returns the documents of the hostile fixtures that are
// served whole.
func hostileBodies(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, c := range fetchtest.Cases() {
		switch c.Name {
		case "html", "truncated", "billion-laughs", "nested", "namespaces", "wide", "large-item", "many-items":
			rec := httptest.NewRecorder()
			c.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/feed", nil))
			out["hostile/"+c.Name] = rec.Body.Bytes()
		}
	}
	return out
}

// testDocuments returns the corpus (when present), the fixtures of
// testdata and of other packages, and the hostile fixtures.
func testDocuments(t testing.TB) map[string][]byte {
	docs := hostileBodies(t)
	for _, pattern := range []string{filepath.Join(corpusDir, "*"), "testdata/*", "../publish/testdata/*", "../examples/*/*.rss"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if filepath.Ext(name) == ".tsv" {
				continue
			}
			if b, err := os.ReadFile(name); err == nil {
				docs[name] = b
			}
		}
	}
	return docs
}

// TestFastParseMatchesGofeed: every document the fast paths accept reads
// as through gofeed. It logs the share of the documents (and bytes) that
// take them, and fails when the corpus's RSS and Atom bytes, or its JSON
// Feed bytes, mostly do not.
func TestFastParseMatchesGofeed(t *testing.T) {
	docs := testDocuments(t)
	var n, fast, size, fastSize, xmlSize, corpusXML, corpusFast, jsonSize, corpusJSON, corpusJSONFast int
	var slow []string
	for name, body := range docs {
		n++
		size += len(body)
		isXML := firstByte(body) == '<'
		isJSON := firstByte(body) == '{'
		inCorpus := strings.HasPrefix(name, corpusDir)
		if isXML {
			xmlSize += len(body)
			if inCorpus {
				corpusXML += len(body)
			}
		}
		if isJSON {
			jsonSize += len(body)
			if inCorpus {
				corpusJSON += len(body)
			}
		}
		if checkFast(t, name, body, "") {
			fast++
			fastSize += len(body)
			if inCorpus && isXML {
				corpusFast += len(body)
			}
			if inCorpus && isJSON {
				corpusJSONFast += len(body)
			}
		} else if isXML || isJSON {
			slow = append(slow, fmt.Sprintf("%s (%d B)", name, len(body)))
		}
	}
	t.Logf("fast path: %d of %d documents, %d of %d bytes (%d bytes of XML, %d of JSON); of the corpus's XML, %d of %d bytes; of its JSON, %d of %d bytes",
		fast, n, fastSize, size, xmlSize, jsonSize, corpusFast, corpusXML, corpusJSONFast, corpusJSON)
	sort.Strings(slow)
	t.Logf("XML and JSON documents left to gofeed:\n%s", strings.Join(slow, "\n"))
	if corpusFast < corpusXML*8/10 {
		t.Errorf("the fast path takes %d of %d bytes of the corpus's XML, less than 80%%", corpusFast, corpusXML)
	}
	if corpusJSONFast < corpusJSON*8/10 {
		t.Errorf("the fast path takes %d of %d bytes of the corpus's JSON, less than 80%%", corpusJSONFast, corpusJSON)
	}
}

// TestFastDate: the dates the fast path reads, it reads as gofeed does.
func TestFastDate(t *testing.T) {
	base := time.Date(2025, 12, 31, 22, 59, 58, 0, time.UTC)
	var dates []string
	for i := range 400 {
		d := base.Add(time.Duration(i) * 37 * time.Hour)
		zone := time.FixedZone("", (i%27-13)*1800)
		dl := d.In(zone)
		dates = append(dates,
			dl.Format(time.RFC1123Z), dl.Format(time.RFC3339), dl.Format(time.RFC3339Nano), d.Format(time.RFC1123),
			dl.Format("Mon, 2 Jan 2006 15:04:05 -0700"), dl.Format("2 Jan 2006 15:04:05 -0700"), dl.Format("02 Jan 2006 15:04:05 -0700"),
			dl.Format("Mon, 02 Jan 2006 15:04 -0700"), dl.Format("Mon, 2 Jan 2006 15:04 -0700"),
			d.Format("Mon, 2 Jan 2006 15:04:05")+" "+[]string{"GMT", "UTC", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "WET", "WEST", "BST", "CET", "CEST", "EET", "EEST"}[i%17],
			d.Format("Mon, 02 Jan 2006 15:04")+" "+[]string{"GMT", "PST", "CEST"}[i%3],
			d.Format("2 Jan 2006 15:04:05")+" "+[]string{"GMT", "PST", "CEST"}[i%3],
			d.Format("02 Jan 2006 15:04")+" "+[]string{"GMT", "PST", "CEST"}[i%3],
			d.Format("02 Jan 2006 15:04 -0700"),
			d.Format("2006-01-02"), d.Format("2006-01-02T15:04:05.000Z"), d.Format("2006-01-02T15:04:05"),
		)
	}
	dates = append(dates, "", "  ", "Seg, 02 Set 2024 10:00:00 -0300", "Mon, 31 Feb 2024 10:00:00 GMT", "2024-02-30", "2024-13-01T00:00:00Z",
		"Mon, 02 Jan 2006 24:00:00 GMT", "Mon, 02 Jan 2006 23:60:00 GMT", "Mon, 02 Jan 2006 23:00:60 GMT", "Mon, 02 Jan 2006 23:00:00 +2400",
		"Mon, 02 Jan 2006 23:00:00 IST", "2006-01-02T15:04:05+0100", "2006-01-02T15:04:05.1234567891Z", "Tue, 2 Jan 2006 1:04:05 GMT")
	for _, d := range dates {
		got, ok, sure := fastDate(d)
		if !sure {
			continue
		}
		want := gofeedDate(t, d)
		switch {
		case want == nil && ok:
			t.Errorf("%q: fast %v, gofeed none", d, got)
		case want != nil && !ok:
			t.Errorf("%q: fast none, gofeed %v", d, *want)
		case want != nil && !want.Equal(got):
			t.Errorf("%q: fast %v, gofeed %v", d, got, *want)
		}
	}
}

// gofeedDate returns the date gofeed reads from a pubDate of d.
func gofeedDate(t *testing.T, d string) *time.Time {
	f, err := gofeed.NewParser().ParseString(`<rss><channel><item><pubDate>` + d + `</pubDate></item></channel></rss>`)
	if err != nil {
		t.Fatal(err)
	}
	return f.Items[0].PublishedParsed
}

// FuzzFastParse: on any document, the fast path either declines or reads
// what the gofeed path reads, and does not panic.
func FuzzFastParse(f *testing.F) {
	for _, b := range testDocuments(f) {
		if len(b) < 16<<10 { // larger seeds slow the fuzzer down (its minimizing)
			f.Add(b)
		}
	}
	for _, doc := range fastCases {
		f.Add([]byte(doc))
	}
	f.Add([]byte(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T &amp; U</title><item><title><![CDATA[x]]> &eacute;</title><dc:creator>A</dc:creator><dc:date>2024-01-02</dc:date><enclosure url="http://e/x.mp3" length=" 12 " type="audio/mpeg"/></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">a &lt;b&gt;</title><entry><id>tag:x,2024:1</id><link href="/a b"/><updated>2024-01-02T03:04:05Z</updated><author><name>N</name><email>e@x</email></author><content type="xhtml"><div>x</div></content></entry></feed>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFast(t, "fuzz", body, "")
	})
}

// TestIndexControl: the word-at-a-time scan finds what a byte loop finds.
func TestIndexControl(t *testing.T) {
	for n := range 40 {
		for pos := range n {
			for _, c := range []byte{0, 1, 8, 9, 10, 11, 13, 0x1F, 0x20, 0x7F, 0x80, 0x9F, 0xFF} {
				b := []byte(strings.Repeat("a\n\t\rxé", 8)[:n])
				b[pos] = c
				want := -1
				for i, x := range b {
					if badControl(x) {
						want = i
						break
					}
				}
				if got := indexControl(b); got != want {
					t.Fatalf("%q: %d, want %d", b, got, want)
				}
			}
		}
	}
}

// TestJSONBounds: a JSON document the quick bounds let through is one
// limitJSON leaves as it is.
func TestJSONBounds(t *testing.T) {
	docs := testDocuments(t)
	var items strings.Builder
	for i := range MaxItems + 1 {
		if i > 0 {
			items.WriteString(",")
		}
		fmt.Fprintf(&items, `{"id":"%d","tags":["a","b"]}`, i)
	}
	docs["many"] = []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"[x]","items":[` + items.String() + `]}`)
	docs["escaped key"] = []byte(`{"it\u0065ms":[` + items.String() + `]}`)
	for name, body := range docs {
		if firstByte(body) != '{' {
			continue
		}
		nodes, n := jsonBounds(body)
		if nodes != jsonNodes(body) {
			t.Errorf("%s: %d nodes, jsonNodes %d", name, nodes, jsonNodes(body))
		}
		if sn, sitems, _ := jsonScan(body); sn != nodes || sitems != n {
			t.Errorf("%s: jsonScan %d nodes, %d items; jsonBounds %d, %d", name, sn, sitems, nodes, n)
		}
		if nodes > MaxNodes || n > MaxItems {
			continue
		}
		out, dropped, err := limitJSON(body)
		if err != nil || dropped != 0 || !bytes.Equal(out, body) {
			t.Errorf("%s: within the bounds (%d nodes, %d items), but limitJSON drops %d (%v)", name, nodes, n, dropped, err)
		}
	}
	if _, n := jsonBounds(docs["many"]); n != MaxItems+1 {
		t.Errorf("many: %d items, want %d", n, MaxItems+1)
	}
}

// TestNonEmpty: categories are kept once, by their lower case, also past
// the length where nonEmpty switches to a map.
func TestNonEmpty(t *testing.T) {
	var in, want []string
	for i := range 40 {
		c := fmt.Sprintf("Cat%d", i)
		in = append(in, " "+c+" ", strings.ToUpper(c), "")
		want = append(want, c)
	}
	in = append(in, "\u212a", "k", "Σ", "ς", "σ")
	want = append(want, "\u212a", "Σ", "ς")
	if got := nonEmpty(in); !reflect.DeepEqual(got, want) {
		t.Errorf("nonEmpty = %q, want %q", got, want)
	}
	if got := nonEmpty(in[:9]); !reflect.DeepEqual(got, want[:3]) {
		t.Errorf("nonEmpty = %q, want %q", got, want[:3])
	}
}

// TestDecodeEntities: the shortcuts of decodeEntities decode as
// html.UnescapeString, within gofeed's rules.
func TestDecodeEntities(t *testing.T) {
	for _, s := range []string{"&#8217;", "&#x2019;", "&#X2019;", "&#150;", "&#x80;", "&#0;", "&#xD800;", "&#x110000;", "&#1114111;", "&#;", "&#x;", "&#12a;",
		"&#0000065;", "&#65", "&amp;&lt;&gt;&quot;&apos;&nbsp;", "&copy=2;", "&foo;", "a & b; c", "&eacute;&Eacute;", "&#9999999;"} {
		got := decodeEntities([]byte(s))
		var want strings.Builder
		for rest := s; rest != ""; {
			i := strings.IndexByte(rest, '&')
			if i < 0 {
				want.WriteString(rest)
				break
			}
			want.WriteString(rest[:i])
			rest = rest[i:]
			end := strings.IndexByte(rest, ';')
			if end < 0 || strings.ContainsAny(rest[1:end], " \t\r\n") {
				want.WriteByte('&')
				rest = rest[1:]
				continue
			}
			dec := html.UnescapeString(rest[:end+1])
			if dec == html.UnescapeString(rest[:end])+";" {
				want.WriteByte('&')
				rest = rest[1:]
				continue
			}
			want.WriteString(dec)
			rest = rest[end+1:]
		}
		if got != want.String() {
			t.Errorf("%q: %q, want %q", s, got, want.String())
		}
	}
}

// fastCases are documents that exercise the rules of the fast path; each
// must take it, and read as through gofeed.
var fastCases = map[string]string{
	"rss": "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<?xml-stylesheet type=\"text/xsl\" href=\"s.xsl\"?>\r\n<!DOCTYPE rss PUBLIC \"-//x//y\" \"http://x/y.dtd\">\r\n" +
		`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><!-- a comment --><TITLE> Caf&eacute; &amp; News &#8217;s </TITLE><atom:link href="https://x.example/feed" rel="self"/><atom:link href=" https://x.example/a b" />
<language>de</language><dc:language>fr</dc:language>
<item><title><![CDATA[<b>Bold</b>]]> &amp; more</title><description>Hello &lt;b&gt;world&lt;/b&gt; &nbsp;&copy=2; &unknown; &#150; &#x80;</description>
<content:encoded><![CDATA[<p>Content</p>]]></content:encoded><link>https://x.example/1</link><link></link><guid isPermaLink="false"> g1 </guid>
<pubDate>Tue, 10 Jun 2025 04:00:00 PDT</pubDate><dc:date>2025-06-10T05:00:00+02:00</dc:date><author>jo@x.example (Jo Doe)</author>
<category>News</category><category>news</category><category domain="d"> World </category><dc:subject>World</dc:subject><itunes:keywords>a, b,,News</itunes:keywords>
<enclosure url="https://x.example/a.mp3?x=1&amp;y=2&z" length=" 1234 " type="audio/mpeg"/><enclosure url=" " length="1" type="x"/><enclosure url="https://x.example/b" length="-5"/>
<feedburner:origLink> https://orig.example/1 </feedburner:origLink><media:content url="u"><media:title>t</media:title></media:content></item>
<item><dc:title>DC title</dc:title><dc:description>DC desc</dc:description><dc:creator>  Ann  </dc:creator><dc:creator>Bob</dc:creator><dc:date>2025-06-09</dc:date><dc:date>junk</dc:date>
<itunes:summary>ignored</itunes:summary><itunes:author>Itunes Author</itunes:author><atom:updated>2025-06-08T00:00:00Z</atom:updated></item>
<item><itunes:summary>Summary &amp;amp; more</itunes:summary><author>nobody (no email)</author><dc:creator>Carl</dc:creator><pubDate>Mon, 9 Jun 2025 10:00 +0200</pubDate><pubDate>Tue, 10 Jun 2025 10:00:00 GMT</pubDate>
<atom:summary>atom sum</atom:summary><atom:content>atom content</atom:content><atom:published>2025-06-01T00:00:00Z</atom:published><atom:author><atom:name>AN</atom:name><atom:email>ae@x</atom:email></atom:author><atom:category term="T1"/><atom:category term=""/></item>
<item><atom:author><atom:email>only@x</atom:email></atom:author><atom:author><atom:name>second</atom:name></atom:author><title>dc:creator
 with CRLF</title><dc:creator>Line&#13;&#10;two&#x9;</dc:creator></item>
<item/><item><title></title><guid/></item>
</channel></rss>`,
	"rdf": `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://x.example/"><title>RDF</title><link>http://x.example/</link><items><rdf:Seq><rdf:li rdf:resource="http://x.example/1"/></rdf:Seq></items></channel>
<item rdf:about="http://x.example/1"><title>One</title><link>http://x.example/1</link><dc:date>2025-06-10T05:00:00.123Z</dc:date><dc:subject>S</dc:subject></item>
<item rdf:about="http://x.example/2"><title>Two</title><link>http://x.example/2</link><dc:date>2025-06-10T05:00:00-07:30</dc:date></item>
<textinput><title>t</title></textinput></rdf:RDF>`,
	"atom": `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<title type="html">A &amp;lt;b&amp;gt; feed</title><link rel="self" href="https://x.example/feed"/><link href="https://x.example/?a=1&amp;b=2"/><link rel="alternate" href="https://x.example/other"/>
<entry><title type="text">T &amp; U</title><id> tag:x.example,2025:1 </id><link href="/rel path"/><link rel="enclosure" href="https://x.example/e.mp3" length="99" type="audio/mpeg"/>
<published>2025-06-10T05:00:00Z</published><updated>2025-06-11T05:00:00Z</updated><author><name>N1</name><email>e1@x</email><uri>https://x.example/~n1</uri></author><author><name></name></author>
<category term="t1"/><category term="t2" label="Label 2"/><category term="T1"/><summary type="html">&lt;p&gt;Sum&lt;/p&gt;</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>X<a href="/a">a</a></p></div></content><feedburner:origLink>https://orig.example/1</feedburner:origLink></entry>
<entry><title>Two</title><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id><link rel="self" href="https://x.example/2/self"/><updated>2025-06-11T05:00:00+01:00</updated>
<content type="html" xml:base="https://x.example/dir/page"><![CDATA[<p><a href="rel">r</a><img src="/i.png"></p>]]></content><summary type="text/plain">plain &amp; text</summary></entry>
<entry><title type="html" xml:base="http://x.example/b/">&lt;a href="c"&gt;c&lt;/a&gt;</title><content type="html" xml:base="http://x.example/">&lt;div&gt;&lt;a href="d"&gt;d&lt;/a&gt;&lt;/div&gt;</content><content type="text/html">&lt;i&gt;last&lt;/i&gt;</content></entry>
<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Only <b>div</b></div></title><content type="application/xml"><x>raw</x></content><issued>2025-06-12</issued><modified>Thu, 12 Jun 2025 10:00:00 GMT</modified></entry>
</feed>`,
	"atom03": `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title mode="escaped">Old &lt;feed&gt;</title><link rel="alternate" type="text/html" href="http://x.example/"/>
<entry><title>E</title><link rel="alternate" href="http://x.example/1"/><id>http://x.example/1</id><issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified><content type="text/html" mode="escaped">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>`,
	"undeclared": `<rss version="2.0"><channel><title>U</title><item><title>I</title><dc:creator>Undeclared</dc:creator><content:encoded>C</content:encoded><feedburner:origLink>https://o.example/</feedburner:origLink></item></channel></rss>`,
	"userland":   `<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>U</title><item><title>I</title><pubDate>Wed, 22 Jan 2014 10:00:00 +0600</pubDate></item></channel></rss>`,
}

func TestFastParseCases(t *testing.T) {
	for name, doc := range fastCases {
		b, valid := prepare([]byte(doc), "")
		if _, err := fastParse(b, valid); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkFast(t, name, []byte(doc), "")
	}
}

// TestFastParseDeclines: documents the fast path must leave to gofeed.
func TestFastParseDeclines(t *testing.T) {
	items := strings.Repeat("<item><title>x</title></item>", MaxItems+1)
	for name, doc := range map[string]string{
		"too many items":  rss(items),
		"too deep":        `<rss><channel><item><title>` + strings.Repeat("<b>", MaxDepth) + `</title></item></channel></rss>`,
		"namespaces":      `<rss` + strings.Repeat(` xmlns:a="x"`, MaxNamespaces+1) + `><channel/></rss>`,
		"internal subset": `<!DOCTYPE rss [<!ENTITY a "b">]><rss><channel><title>&a;</title></channel></rss>`,
		"mismatched tags": `<rss><channel><title>x</titel></channel></rss>`,
		"unquoted":        `<rss><channel><item><enclosure url=x/></item></channel></rss>`,
		"unknown root":    `<html><body/></html>`,
		"odd date":        rss(`<item><pubDate>Seg, 02 Set 2024 10:00:00 -0300</pubDate></item>`),
		"base64":          `<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="image/png">iVBORw0=</content></entry></feed>`,
		"xml:base link":   `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://x.example/"><entry><link href="a"/></entry></feed>`,
		"root too late":   `<!--` + strings.Repeat("x", detectWindow) + `--><rss><channel/></rss>`,
		"two channels":    `<rss><channel><item/></channel><channel><item/></channel></rss>`,
		"canonical?":      `<rss xmlns:dc="http://purl.org/rss/1.0/modules/slash/"><channel><item><dc:creator>x</dc:creator></item></channel></rss>`,
	} {
		b, valid := prepare([]byte(doc), "")
		if _, err := fastParse(b, valid); !errors.Is(err, errFallback) {
			t.Errorf("%s: fast path takes it (%v)", name, err)
		}
		if _, err := Parse([]byte(doc), "", "s", "u"); err != nil {
			t.Logf("%s: %v", name, err)
		}
	}
	// A declared encoding other than UTF-8 (Parse makes it UTF-8 first).
	if _, err := fastParse([]byte(`<?xml version="1.0" encoding="iso-8859-1"?><rss><channel/></rss>`), true); !errors.Is(err, errFallback) {
		t.Errorf("latin-1: fast path takes it (%v)", err)
	}
}

// jsonFastCases are JSON Feeds that exercise the rules of the fast path;
// each must take it, and read as through gofeed.
var jsonFastCases = map[string]string{
	"v1": `{"version":"https://jsonfeed.org/version/1","title":" A &amp; <b>B</b> ","home_page_url":" https://x.example/ ","feed_url":"https://x.example/feed.json",
"author":{"name":"Feed Author"},"expired":"yes","icon":"i","favicon":"f","next_url":"n","user_comment":"c","description":"d","hubs":[{"type":"x","url":"y"}],
"items":[{"id":"1","url":" https://x.example/1 ","external_url":"https://e.example/","title":"T1","content_html":"<p>H</p>","content_text":"T","summary":"S",
"image":"https://x.example/i.png","banner_image":"b","date_published":"2025-06-10T05:00:00+02:00","date_modified":"2025-06-11T05:00:00Z",
"author":{"name":"jo@x.example (Jo Doe)","url":"u","avatar":"a"},"tags":[" News ","news","",null,"World"],
"attachments":[{"url":" https://x.example/a.mp3 ","mime_type":"audio/mpeg","title":"t","size_in_bytes":1234,"duration_in_seconds":"12.5"},
{"url":"https://x.example/b","mime_type":"x","size_in_bytes":"99.9"},{"url":"https://x.example/c","size_in_bytes":-5},{"url":"https://x.example/d","size_in_bytes":1e400},
{"url":"https://x.example/e","size_in_bytes":12345678901234567890},{"url":"https://x.example/f","size_in_bytes":1.5e3},{"url":"https://x.example/g","size_in_bytes":" 7 "},
{"url":"https://x.example/h","size_in_bytes":true},{"url":"https://x.example/i","size_in_bytes":{"a":1}},null,{"url":" "}],"_ext":{"about":"x"}},
{"id":42,"external_url":" https://e.example/2 ","content_text":"only text","date_published":"Tue, 10 Jun 2025 04:00:00 PDT","date_modified":"","author":{"name":""}},
{"id":1.5e300,"url":"","content_html":"","content_text":"t","date_published":"  ","authors":[]},
{"id":{"x":[1,2]},"authors":null,"author":{"name":"Only Author"}},
{"id":"\u0041\n\"x\" ","url":"   ","external_url":"https://e.example/3"},
{"id":null,"tags":null,"attachments":null,"author":null},
{"id":true},
{"ID":"upper","URL":"https://x.example/upper","Title":"case-insensitive keys","title":"last wins","title":"really last"},
{}]}`,
	"v1.1": `{"version":"https://jsonfeed.org/version/1.1","title":"Eleven","language":"en-GB","authors":[{"name":"Feed One"},{"name":"Feed Two"}],
"items":[{"id":"a","authors":[{"name":"  Ann  "},{"name":"bob@x.example"},{"name":"nobody (no email)"},{"url":"only a url"}],"author":{"name":"ignored"},"language":"de",
"content_html":"<p>x</p>","date_published":"2025-06-10","date_modified":"2025-06-10T05:00:00.123456789-07:30"}],"_ext":{"x":[1,2,3]}}`,
	"no items":       `{"version":"https://jsonfeed.org/version/1.1","title":"none"}`,
	"null items":     `{"title":"null","items":null,"authors":null,"author":null}`,
	"empty":          `{}`,
	"space":          " \r\n\t{\"items\":[{\"id\":\" x \"}]} \n",
	"invalid utf-8":  "{\"title\":\"a\xffb\",\"items\":[{\"id\":\"i\xfe\",\"title\":\"\xc3\",\"tags\":[\"\xff\"]}]}",
	"escapes":        `{"title":"\u00e9\ud83d\ude00\ud800","items":[{"id":"\u00e9","content_html":"\u003cp\u003e","summary":"\/"}]}`,
	"big numbers":    `{"items":[{"id":123456789012345678901234567890,"attachments":[{"url":"u","size_in_bytes":9223372036854775807},{"url":"v","size_in_bytes":9223372036854775808},{"url":"w","size_in_bytes":-9223372036854775808}]}]}`,
	"unknown fields": `{"items":[{"id":"1","foo":[{"bar":null}],"expired":[]}],"expired":{"a":1},"_extra":true}`,
}

func TestFastParseJSONCases(t *testing.T) {
	for name, doc := range jsonFastCases {
		b, _ := prepare([]byte(doc), "")
		if _, err := fastParseJSON(b); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkFast(t, name, []byte(doc), "")
	}
}

// TestFastParseJSONDeclines: JSON documents the fast path must leave to
// gofeed, and those gofeed rejects, which the fast path must reject too.
func TestFastParseJSONDeclines(t *testing.T) {
	var items strings.Builder
	for i := range MaxItems + 1 {
		if i > 0 {
			items.WriteString(",")
		}
		fmt.Fprintf(&items, `{"id":"%d"}`, i)
	}
	for name, doc := range map[string]string{
		"too many items":         `{"items":[` + items.String() + `]}`,
		"too many nodes":         `{"items":[{"tags":[` + strings.Repeat(`"a",`, MaxNodes) + `"b"]}]}`,
		"odd date":               `{"items":[{"date_published":"Seg, 02 Set 2024 10:00:00 -0300"}]}`,
		"title a number":         `{"title":5,"items":[]}`,
		"version a number":       `{"version":1.1,"items":[]}`,
		"icon an object":         `{"icon":{},"items":[]}`,
		"url a number":           `{"items":[{"url":5}]}`,
		"author a string":        `{"items":[{"author":"me"}]}`,
		"author name a number":   `{"author":{"name":1},"items":[]}`,
		"authors an object":      `{"items":[{"authors":{"name":"x"}}]}`,
		"tags a string":          `{"items":[{"tags":"a,b"}]}`,
		"tag a number":           `{"items":[{"tags":[1]}]}`,
		"attachments an object":  `{"items":[{"attachments":{"url":"u"}}]}`,
		"attachment a string":    `{"items":[{"attachments":["u"]}]}`,
		"attachment title false": `{"items":[{"attachments":[{"url":"u","title":false}]}]}`,
		"items an object":        `{"items":{"id":"1"}}`,
		"item a string":          `{"items":["x"]}`,
		"trailing garbage":       `{"items":[]} x`,
		"truncated":              `{"items":[{"id":"1"`,
		"byte order mark":        "\xef\xbb\xbf{\"items\":[]}",
		"top-level array":        `[{"items":[]}]`,
		"too deep":               `{"items":[{"_x":` + strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001) + `}]}`,
		"items twice":            `{"items":[{"id":"1","title":"a"}],"items":[{"title":"x"}]}`,
		"ITEMS and items":        `{"items":[{"id":"1"}],"ITEMS":[{"title":"x"}]}`,
		"items escaped":          `{"items":[{"id":"1"}],"it\u0065ms":[{"title":"x"}]}`,
		"attachments twice":      `{"items":[{"id":"1","attachments":[{"url":"u","size_in_bytes":5}],"attachments":[{"url":"v"}]}]}`,
		"attachmentſ":            `{"items":[{"attachments":[{"url":"u","size_in_bytes":5}],"attachmentſ":[{"url":"v"}]}]}`,
	} {
		b, _ := prepare([]byte(doc), "")
		if firstByte(b) == '{' {
			if _, err := fastParseJSON(b); !errors.Is(err, errFallback) {
				t.Errorf("%s: fast path takes it (%v)", name, err)
			}
		}
		if _, err := Parse([]byte(doc), "", "s", "u"); err != nil {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestFastParseJSONNulls: a null item or author makes gofeed's translator
// dereference nil; the fast path leaves such documents to it, and Parse
// reports the panic as an error instead of crashing.
func TestFastParseJSONNulls(t *testing.T) {
	for _, doc := range []string{`{"items":[null]}`, `{"items":[{"authors":[null]}]}`, `{"authors":[null],"items":[]}`} {
		if _, err := fastParseJSON([]byte(doc)); !errors.Is(err, errFallback) {
			t.Errorf("%s: fast path takes it (%v)", doc, err)
		}
		if _, err := Parse([]byte(doc), "application/feed+json", "s", "u"); !errors.Is(err, ErrParserPanic) {
			t.Errorf("%s: Parse = %v, want ErrParserPanic", doc, err)
		}
	}
}

// FuzzFastParseJSON: on any JSON document, the fast path either declines
// or reads what the gofeed path reads, and does not panic. Seeds: the
// JSON Feeds of the tests, those of the corpus cut to their first 2 KB
// (closed or not), and jsonFastCases.
func FuzzFastParseJSON(f *testing.F) {
	for _, b := range testDocuments(f) {
		if firstByte(b) != '{' {
			continue
		}
		if len(b) > 2<<10 {
			b = b[:2<<10]
		}
		f.Add(b)
	}
	for _, doc := range jsonFastCases {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if firstByte(body) != '{' {
			return
		}
		nodes, items := jsonBounds(body)
		if sn, sitems, _ := jsonScan(body); sn != nodes || sitems != items {
			t.Errorf("jsonScan %d nodes, %d items; jsonBounds %d, %d", sn, sitems, nodes, items)
		}
		if bytes.Contains(body, []byte("null")) {
			// gofeed panics on a null item or author; the fast path
			// declines them (TestFastParseJSONNulls).
			if _, err := fastParseJSON(body); err != nil {
				return
			}
		}
		checkFast(t, "fuzz", body, "")
	})
}

// jsonDocuments returns the corpus's JSON Feeds that Parse accepts.
func jsonDocuments(b *testing.B) [][]byte {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	var docs [][]byte
	for _, name := range files {
		if body, err := os.ReadFile(name); err == nil && firstByte(body) == '{' {
			if _, err := Parse(body, "", "s", "u"); err == nil {
				docs = append(docs, body)
			}
		}
	}
	if len(docs) == 0 {
		b.Skip("no JSON Feeds in the corpus")
	}
	return docs
}

// BenchmarkParseJSON is Parse on the corpus's JSON Feeds, by the fast path
// ("fast") and by the gofeed path ("gofeed"), for their ratio in one run.
func BenchmarkParseJSON(b *testing.B) {
	docs := jsonDocuments(b)
	size := 0
	for _, d := range docs {
		size += len(d)
	}
	for _, path := range []string{"fast", "gofeed"} {
		b.Run(path, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range docs {
					var err error
					if path == "fast" {
						_, err = Parse(d, "", "s", "u")
					} else {
						body, _ := prepare(d, "")
						_, err = parseGofeed(body, "s", "u")
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestJSONScan: jsonScan counts as jsonBounds does, also around escaped
// quotes and runs of backslashes, and finds repeated members.
func TestJSONScan(t *testing.T) {
	for _, tc := range []struct {
		doc     string
		repeats bool
	}{
		{`{"a":"x\"],[{","b":[1,2,3]}`, false},
		{`{"a":"x\\","b":[1,2,3],"c":"\\\"[,"}`, false},
		{`{"a":"\\\\\\\"","items":[1,2],"items":[3]}`, true},
		{`{"items":[{"attachments":[],"x":{"attachments":[]},"ATTACHMENTS":[]}]}`, true},
		{`{"items":[{"attachments":[]},{"attachments":[]}],"x":{"items":[]}}`, false},
		{`{"items":[1,2],"ítems":[]}`, true},
		{`{"a":["items","items"],"b":"items"}`, false},
		{`{"items":[1,2],"a":"unterminated,[`, false},
		{`{"a":[[[1,2],[3]],{"b":[4,5,6,7]}],"c":[]}`, false},
	} {
		nodes, items := jsonBounds([]byte(tc.doc))
		sn, sitems, repeats := jsonScan([]byte(tc.doc))
		if sn != nodes || sitems != items {
			t.Errorf("%s: jsonScan %d nodes, %d items; jsonBounds %d, %d", tc.doc, sn, sitems, nodes, items)
		}
		if repeats != tc.repeats {
			t.Errorf("%s: repeats %v, want %v", tc.doc, repeats, tc.repeats)
		}
	}
}
