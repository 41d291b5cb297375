package fetch

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/refeed/refeed/item"
)

// TestParseTolerantRSS: testdata/tolerance.rss, with references to the
// entities of its internal DTD (in a guid, in text, never in CDATA),
// content in <xhtml:body> (prefixed or by default namespace, not over
// a content:encoded) and an enclosure URL within white space.
func TestParseTolerantRSS(t *testing.T) {
	f := parseFile(t, "tolerance.rss")
	if len(f.Items) != 6 {
		t.Fatalf("%d items, want 6", len(f.Items))
	}
	for i, w := range []struct{ guid, link, content string }{
		{"post-1 © more", "https://x.example/1", ""},
		{"https://x.example/2", "https://x.example/2", ""},
		{"", "https://x.example/3", `<p class="a">Hello <b>there</b> &amp; &lt;more&gt;<br>line</p><img src="/i.png" alt="i">`},
		{"", "https://x.example/4", `<p>Default <a href="https://x.example/a">link</a></p>`},
		{"", "https://x.example/5", "<p>encoded</p>"},
		{"", "https://x.example/6", ""},
	} {
		it := f.Items[i]
		if it.GUID != w.guid || it.Link != w.link || it.Content != w.content {
			t.Errorf("item %d (%s):\n got %q %q %q\nwant %q %q %q", i, it.Title, it.GUID, it.Link, it.Content, w.guid, w.link, w.content)
		}
	}
	if s := f.Items[0].Summary; s != "at https://x.example and <b>not markup</b> &site; &site; in CDATA" {
		t.Errorf("summary %q", s)
	}
	if e := f.Items[5].Enclosures; !reflect.DeepEqual(e, []item.Enclosure{{URL: "https://x.example/6.mp3", Type: "audio/mpeg", Length: 5}}) {
		t.Errorf("enclosures %+v", e)
	}
}

// TestParseRDFAbout: testdata/tolerance.rdf: the rdf:about of an RSS 1.0
// item without a guid is its GUID, under any prefix of the RDF
// namespace, unless it is the item's link (which identifies the item
// the same, and has since before: its ID does not change).
func TestParseRDFAbout(t *testing.T) {
	f := parseFile(t, "tolerance.rdf")
	if got, want := pluck(f.Items, func(it item.Item) string { return it.GUID }), []string{"https://x.example/id/1", "", "urn:x-example:3", "g4", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("GUIDs %q, want %q", got, want)
	}
}

// TestParseAtom03Modes: testdata/tolerance03.atom, Atom 0.3 text in
// mode="base64" and mode="escaped", whatever its type.
func TestParseAtom03Modes(t *testing.T) {
	f := parseFile(t, "tolerance03.atom")
	if f.Title != "Atom <0.3>" {
		t.Errorf("feed title %q", f.Title)
	}
	want := []struct{ summary, content string }{
		{"", "<p>Hello <b>world</b></p>"},
		{"<i>summary</i>", "<p>escaped</p>"},
		{"", "<p>inline</p>"},
		{"", "<p>no type</p>"},
		{"", "<p>cdata</p>"},
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for i, w := range want {
		if it := f.Items[i]; it.Summary != w.summary || it.Content != w.content {
			t.Errorf("entry %d (%s): %q %q, want %q %q", i, it.Title, it.Summary, it.Content, w.summary, w.content)
		}
	}
}

// TestParseAtomIDsAndURLs: testdata/tolerance.atom: Atom ids keep the
// case of their scheme (ids compare case-sensitively; gofeed lowers
// it), relative ids are still resolved, link and enclosure URLs within
// white space are trimmed, not resolved as relative ones, and an entry
// without a link takes its id when that is a web URL.
func TestParseAtomIDsAndURLs(t *testing.T) {
	f := parseFile(t, "tolerance.atom")
	if ids, want := pluck(f.Items, func(it item.Item) string { return it.GUID }), []string{"HTTP://X.example/1", "Tag:x.example,2025:2", "URN:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "https://x.example/4", "https://x.example/relative/5"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	if links, want := pluck(f.Items, func(it item.Item) string { return it.Link }), []string{"https://x.example/1", "https://x.example/2", "", "https://x.example/4", "https://x.example/relative/5"}; !reflect.DeepEqual(links, want) {
		t.Errorf("links %q, want %q", links, want)
	}
	it := f.Items[0]
	if it.Link != "https://x.example/1" || !reflect.DeepEqual(it.Enclosures, []item.Enclosure{{URL: "https://x.example/1.mp3", Type: "audio/mpeg", Length: 3}}) {
		t.Errorf("URLs: %q %+v", it.Link, it.Enclosures)
	}
}

// TestParseTextTitles: a title of text with escaped markup keeps it as
// literal text ("History of the <blink> tag"), in RSS, Atom (type
// "text") and JSON Feed; a title of HTML is its markup. (The feed's own
// title is plain text that stays so when taken for HTML: plaintext.Text.)
func TestParseTextTitles(t *testing.T) {
	rss := `<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>History of the &lt;blink&gt; tag</title></item>
<item><guid>2</guid><title>Test with self-closing &lt;tag&gt;</title></item>
<item><guid>3</guid><title><![CDATA[A <b>bold</b> title]]></title></item></channel></rss>`
	atom := `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><id>1</id><title type="text">History of the &lt;blink&gt; tag</title></entry>
<entry><id>2</id><title type="text">Test with self-closing &lt;tag&gt;</title></entry>
<entry><id>3</id><title type="html">A &lt;b&gt;bold&lt;/b&gt; title</title></entry></feed>`
	jf := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
{"id":"1","title":"History of the <blink> tag","content_text":"x"},{"id":"2","title":"Test with self-closing <tag>","content_text":"x"},
{"id":"3","title":"A <b>bold</b> title","content_text":"x"}]}`
	want := []string{"History of the <blink> tag", "Test with self-closing <tag>", "A <b>bold</b> title"}
	for name, doc := range map[string]string{"rss": rss, "atom": atom, "json": jf} {
		f, err := Parse([]byte(doc), "", "s", "u")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := pluck(f.Items, func(it item.Item) string { return it.Title }); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: titles %q, want %q", name, got, want)
		}
	}
}

// TestEntityExpansionBounded: entity references may add at most
// maxEntityGrowth bytes to a document (a "quadratic blowup" of one large
// entity referred to often is refused), and nested entities are refused
// as before.
func TestEntityExpansionBounded(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	refs := strings.Repeat("&big;", maxEntityGrowth/len(big)+2)
	doc := `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "` + big + `">]><rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>` + refs + `</title></item></channel></rss>`
	if _, err := Parse([]byte(doc), "", "s", "u"); !errors.Is(err, ErrEntityExpansion) {
		t.Errorf("quadratic blowup: err = %v", err)
	}
	few := strings.Replace(doc, refs, "&big;&big;", 1)
	if f, err := Parse([]byte(few), "", "s", "u"); err != nil || f.Items[0].Title != big+big {
		t.Errorf("two references: %v", err)
	}
	nested := `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]><rss version="2.0"><channel><title>t</title><item><guid>&b;</guid></item></channel></rss>`
	if _, err := Parse([]byte(nested), "", "s", "u"); !errors.Is(err, ErrEntityExpansion) {
		t.Errorf("nested: err = %v", err)
	}
}

// pluck returns a field of each item.
func pluck(items []item.Item, field func(item.Item) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = field(it)
	}
	return out
}

// TestXHTMLBodyUndeclaredContent: an item's content:encoded of an
// undeclared prefix (which gofeed reads as content) is kept over its
// xhtml:body.
func TestXHTMLBodyUndeclaredContent(t *testing.T) {
	doc := `<rss version="2.0" xmlns:xhtml="http://www.w3.org/1999/xhtml"><channel><title>t</title>
<item><guid>1</guid><xhtml:body><xhtml:p>body</xhtml:p></xhtml:body><content:encoded>encoded</content:encoded></item>
<item><guid>2</guid><xhtml:body><xhtml:p>body</xhtml:p></xhtml:body></item></channel></rss>`
	f, err := Parse([]byte(doc), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if got := pluck(f.Items, func(it item.Item) string { return it.Content }); !reflect.DeepEqual(got, []string{"encoded", "<p>body</p>"}) {
		t.Errorf("contents %q", got)
	}
}
