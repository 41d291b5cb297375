package fetch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
)

// parseFile parses a document of testdata.
func parseFile(t *testing.T, name string) *Feed {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b, "", "src", "https://src.example/feed")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParseRSS: what Parse makes of gofeed's reading of an RSS 2.0
// document with the usual extensions (testdata/rules.rss): the feed's
// title as plain text, feedburner:origLink over link, trimmed GUIDs,
// categories once by their lower case (with dc:subject and
// itunes:keywords), enclosures without blank URLs or negative lengths,
// dc:creator when there is no author, dates in UTC (named zones read).
func TestParseRSS(t *testing.T) {
	f := parseFile(t, "rules.rss")
	if f.Title != "Café & News ’s" || f.Language != "de" || f.Link != "https://x.example/a%20b" {
		t.Errorf("feed: %q %q %q", f.Title, f.Language, f.Link)
	}
	if len(f.Items) != 6 {
		t.Fatalf("%d items, want 6", len(f.Items))
	}
	for _, it := range f.Items {
		if it.Source != "src" || it.SourceURL != "https://src.example/feed" || it.SourceTitle != f.Title {
			t.Errorf("source of %q: %q %q %q", it.Title, it.Source, it.SourceURL, it.SourceTitle)
		}
	}
	first := f.Items[0]
	want := item.Item{
		Source: "src", SourceURL: "https://src.example/feed", SourceTitle: f.Title,
		GUID: "g1", Link: "https://orig.example/1", Title: "<b>Bold</b> & more",
		Summary:    "Hello <b>world</b> \u00a0&copy=2; &unknown; – €",
		Content:    "<p>Content</p>",
		Authors:    []item.Author{{Name: "Jo Doe", Email: "jo@x.example"}},
		Published:  date("2025-06-10T11:00:00Z"), // 04:00 PDT
		Updated:    date("2025-06-10T03:00:00Z"), // dc:date
		Categories: []string{"News", "World", "a", "b"},
		Enclosures: []item.Enclosure{{URL: "https://x.example/a.mp3?x=1&y=2&z", Type: "audio/mpeg", Length: 1234}, {URL: "https://x.example/b"}},
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first item:\n got %#v\nwant %#v", first, want)
	}
	if it := f.Items[1]; it.Title != "DC title" || it.Summary != "DC desc" || !reflect.DeepEqual(it.Authors, []item.Author{{Name: "Ann"}}) ||
		!it.Published.Equal(date("2025-06-09T00:00:00Z")) {
		t.Errorf("Dublin Core item: %+v", it)
	}
	if it := f.Items[2]; !reflect.DeepEqual(it.Authors, []item.Author{{Name: "Carl"}}) || it.Content != "atom content" ||
		!reflect.DeepEqual(it.Categories, []string{"T1"}) || !it.Published.Equal(date("2025-06-10T10:00:00Z")) {
		t.Errorf("third item: %+v", it)
	}
	if it := f.Items[3]; !reflect.DeepEqual(it.Authors, []item.Author{{Name: "Line\r\ntwo"}}) {
		t.Errorf("fourth item: authors %q", it.Authors)
	}
	if it := f.Items[5]; it.GUID != "" || it.Title != "" || it.Link != "" {
		t.Errorf("empty item: %+v", it)
	}
}

// TestParseAtom: testdata/rules.atom, with feedburner:origLink, relative
// links and xml:base resolved in HTML content, enclosure links, category
// labels and named people only.
func TestParseAtom(t *testing.T) {
	f := parseFile(t, "rules.atom")
	if f.Title != "A feed" || f.Language != "en-GB" || f.Link != "https://x.example/?a=1&b=2" {
		t.Errorf("feed: %q %q %q", f.Title, f.Language, f.Link)
	}
	if len(f.Items) != 4 {
		t.Fatalf("%d items, want 4", len(f.Items))
	}
	it := f.Items[0]
	if it.GUID != "tag:x.example,2025:1" || it.Link != "https://orig.example/1" || it.Title != "T & U" || it.Summary != "<p>Sum</p>" ||
		!reflect.DeepEqual(it.Authors, []item.Author{{Name: "N1", Email: "e1@x"}}) ||
		!reflect.DeepEqual(it.Categories, []string{"t1", "Label 2"}) ||
		!reflect.DeepEqual(it.Enclosures, []item.Enclosure{{URL: "https://x.example/e.mp3", Type: "audio/mpeg", Length: 99}}) ||
		!it.Published.Equal(date("2025-06-10T05:00:00Z")) || !it.Updated.Equal(date("2025-06-11T05:00:00Z")) {
		t.Errorf("first entry: %+v", it)
	}
	if it := f.Items[1]; it.Link != "https://x.example/2/self" ||
		it.Content != `<p><a href="https://x.example/dir/page/rel">r</a><img src="https://x.example/i.png"/></p>` ||
		!it.Updated.Equal(date("2025-06-11T04:00:00Z")) {
		t.Errorf("second entry: %+v", it)
	}
	if it := f.Items[3]; it.Title != "Only <b>div</b>" || !it.Published.Equal(date("2025-06-12T00:00:00Z")) || !it.Updated.Equal(date("2025-06-12T10:00:00Z")) {
		t.Errorf("fourth entry: %+v", it)
	}
}

// TestParseJSONFeed: testdata/rules.json, a JSON Feed 1.0 with values of
// odd types (numbers as ids and sizes, null members, repeated keys).
func TestParseJSONFeed(t *testing.T) {
	f := parseFile(t, "rules.json")
	if f.Title != "A & B" || f.Link != "https://x.example/" {
		t.Errorf("feed: %q %q", f.Title, f.Link)
	}
	if len(f.Items) != 9 {
		t.Fatalf("%d items, want 9", len(f.Items))
	}
	it := f.Items[0]
	if it.GUID != "1" || it.Link != "https://x.example/1" || it.Summary != "S" || it.Content != "<p>H</p>" ||
		!reflect.DeepEqual(it.Authors, []item.Author{{Name: "Jo Doe", Email: "jo@x.example"}}) ||
		!reflect.DeepEqual(it.Categories, []string{"News", "World"}) ||
		!it.Published.Equal(date("2025-06-10T03:00:00Z")) || !it.Updated.Equal(date("2025-06-11T05:00:00Z")) {
		t.Errorf("first item: %+v", it)
	}
	var lengths []int64
	for _, e := range it.Enclosures {
		lengths = append(lengths, e.Length)
	}
	if !reflect.DeepEqual(lengths, []int64{1234, 99, 0, 0, 0, 1500, 7, 0, 0}) {
		t.Errorf("enclosure lengths %v", lengths)
	}
	for i, want := range []string{"1", "42", "1.5e300", `{"x":[1,2]}`, "A\n\"x\"", "", "true", "upper", ""} {
		if f.Items[i].GUID != want {
			t.Errorf("item %d: GUID %q, want %q", i, f.Items[i].GUID, want)
		}
	}
	if it := f.Items[1]; it.Link != "https://e.example/2" || it.Content != "only text" || !it.Published.Equal(date("2025-06-10T11:00:00Z")) {
		t.Errorf("second item: %+v", it)
	}
	if it := f.Items[7]; it.Title != "really last" || it.Link != "https://x.example/upper" {
		t.Errorf("case-insensitive keys: %+v", it)
	}

	v11 := `{"version":"https://jsonfeed.org/version/1.1","title":"Eleven","language":"en-GB","authors":[{"name":"Feed One"}],
"items":[{"id":"a","authors":[{"name":"  Ann  "},{"name":"bob@x.example"},{"url":"only a url"}],"author":{"name":"ignored"},
"content_html":"<p>x</p>","date_published":"2025-06-10","date_modified":"2025-06-10T05:00:00.123456789-07:30"}]}`
	f, err := Parse([]byte(v11), "application/feed+json", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if f.Language != "en-GB" || len(f.Items) != 1 {
		t.Fatalf("1.1: %+v", f)
	}
	if it := f.Items[0]; !reflect.DeepEqual(it.Authors, []item.Author{{Name: "Ann"}, {Email: "bob@x.example"}}) ||
		!it.Published.Equal(date("2025-06-10T00:00:00Z")) || !it.Updated.Equal(date("2025-06-10T12:30:00.123456789Z")) {
		t.Errorf("1.1 item: %+v", it)
	}
}

// TestParseRDFAndUndeclaredPrefixes: RSS 1.0 dated by dc:date, and an RSS
// document using the dc, content and feedburner prefixes without
// declaring them.
func TestParseRDFAndUndeclaredPrefixes(t *testing.T) {
	rdf := `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://x.example/"><title>RDF</title><link>http://x.example/</link></channel>
<item rdf:about="http://x.example/1"><title>One</title><link>http://x.example/1</link><dc:date>2025-06-10T05:00:00.123Z</dc:date><dc:subject>S</dc:subject></item>
<item rdf:about="http://x.example/2"><title>Two</title><link>http://x.example/2</link><dc:date>2025-06-10T05:00:00-07:30</dc:date></item></rdf:RDF>`
	f, err := Parse([]byte(rdf), "", "s", "u")
	if err != nil || len(f.Items) != 2 || f.Title != "RDF" {
		t.Fatalf("rdf: %v %+v", err, f)
	}
	if it := f.Items[1]; it.Link != "http://x.example/2" || !it.Published.Equal(date("2025-06-10T12:30:00Z")) {
		t.Errorf("rdf item: %+v", it)
	}
	if !reflect.DeepEqual(f.Items[0].Categories, []string{"S"}) {
		t.Errorf("rdf categories: %q", f.Items[0].Categories)
	}
	undeclared := `<rss version="2.0"><channel><title>U</title><item><title>I</title><dc:creator>Undeclared</dc:creator><content:encoded>C</content:encoded><feedburner:origLink>https://o.example/</feedburner:origLink></item></channel></rss>`
	f, err = Parse([]byte(undeclared), "", "s", "u")
	if err != nil || len(f.Items) != 1 {
		t.Fatalf("undeclared: %v %+v", err, f)
	}
	if it := f.Items[0]; it.Link != "https://o.example/" || it.Content != "C" || !reflect.DeepEqual(it.Authors, []item.Author{{Name: "Undeclared"}}) {
		t.Errorf("undeclared prefixes: %+v", it)
	}
}

// TestNotAFeed: an HTML page is ErrNotAFeed.
func TestNotAFeed(t *testing.T) {
	if _, err := Parse([]byte("<!DOCTYPE html><html><body>x</body></html>"), "text/html", "s", "u"); !errors.Is(err, ErrNotAFeed) {
		t.Errorf("html: %v", err)
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
