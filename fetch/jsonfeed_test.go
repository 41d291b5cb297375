package fetch

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/refeed/refeed/item"
)

// TestParseMistypedJSONFeed: testdata/mistyped.json, whose optional
// members are of the wrong types, loses none of its items: tags as a
// string are split at commas, an object where an array belongs is an
// array of one, numbers and booleans where strings belong are their
// text, null items and authors and members of no usable type are
// dropped. Each kind of repair is told once, in Feed.Warnings.
func TestParseMistypedJSONFeed(t *testing.T) {
	f := parseFile(t, "mistyped.json")
	if f.Title != "2025" || f.Link != "https://x.example/" {
		t.Errorf("feed: %q %q", f.Title, f.Link)
	}
	if len(f.Items) != 5 {
		t.Fatalf("%d items, want 5: %+v", len(f.Items), f.Items)
	}
	type want struct {
		guid, title, summary string
		categories           []string
		authors              []item.Author
		enclosures           []item.Enclosure
	}
	for i, w := range []want{
		{guid: "1", title: "tags as a string", categories: []string{"alpha", "beta", "gamma"}},
		{guid: "2", title: "authors as an object", categories: []string{"ok", "7", "true"}, authors: []item.Author{{Name: "Ann"}}},
		{guid: "3", title: "3.5", summary: "false", authors: []item.Author{{Name: "Bob"}},
			enclosures: []item.Enclosure{{URL: "https://x.example/3.mp3", Type: "audio/mpeg", Length: 1234}}},
		{guid: "4", title: "nulls", authors: []item.Author{{Name: "Cy"}, {Name: "Dee"}},
			enclosures: []item.Enclosure{{URL: "https://x.example/4.mp3"}}},
		{guid: "5", title: "author as an array", categories: []string{"solo"}, authors: []item.Author{{Name: "Eve"}}},
	} {
		it := f.Items[i]
		got := want{it.GUID, it.Title, it.Summary, it.Categories, it.Authors, it.Enclosures}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, got, w)
		}
		if it.Link != "https://x.example/"+w.guid {
			t.Errorf("item %d: link %q", i, it.Link)
		}
	}
	if !f.Items[0].Published.Equal(date("2025-06-10T05:00:00Z")) || !f.Items[4].Updated.IsZero() {
		t.Errorf("dates: %v, %v", f.Items[0].Published, f.Items[4].Updated)
	}
	for _, w := range []string{
		"JSON Feed authors: an object where an array belongs, taken as an array of one",
		"JSON Feed items[]: null where an object belongs, dropped",
		"JSON Feed items[].tags: a string where an array of strings belongs, split at commas (2 times)",
		"JSON Feed items[].tags[]: an array or object where a string belongs, dropped (2 times)",
		"JSON Feed title: a number or boolean where a string belongs, taken as its text",
	} {
		if !slices.Contains(f.Warnings, w) {
			t.Errorf("no warning %q in\n%s", w, strings.Join(f.Warnings, "\n"))
		}
	}
	for _, w := range f.Warnings {
		if strings.Count(strings.Join(f.Warnings, "\n"), w) != 1 {
			t.Errorf("warning %q told more than once", w)
		}
	}
}

// TestParseJSONFeedUnchanged: a JSON Feed that gofeed reads is not
// repaired (no warnings), and one that is no JSON stays an error.
func TestParseJSONFeedUnchanged(t *testing.T) {
	f := parseFile(t, "rules.json")
	if len(f.Warnings) != 0 {
		t.Errorf("warnings for a feed gofeed reads: %q", f.Warnings)
	}
	for _, doc := range []string{`{"items":[{"id":"1"}`, `{"items": "x", }`} {
		if _, err := Parse([]byte(doc), "application/feed+json", "s", "u"); err == nil {
			t.Errorf("%s: no error", doc)
		}
	}
}

// TestParserPanic: a null item or author makes gofeed's JSON translator
// dereference nil; gofeedParse reports ErrParserPanic instead of
// crashing, and Parse, which drops them, reads the rest.
func TestParserPanic(t *testing.T) {
	for doc, items := range map[string]int{`{"items":[null]}`: 0, `{"items":[{"authors":[null]}]}`: 1, `{"authors":[null],"items":[]}`: 0} {
		if _, err := gofeedParse([]byte(doc)); !errors.Is(err, ErrParserPanic) {
			t.Errorf("%s: gofeedParse = %v, want ErrParserPanic", doc, err)
		}
		f, err := Parse([]byte(doc), "application/feed+json", "s", "u")
		if err != nil || len(f.Items) != items || len(f.Warnings) != 1 {
			t.Errorf("%s: Parse = %+v, %v; want %d items and a warning", doc, f, err, items)
		}
	}
}

// TestRepairJSONBounded: splitting tags adds at most MaxNodes values to a
// document, however long its strings of tags.
func TestRepairJSONBounded(t *testing.T) {
	tags := strings.Repeat("t,", MaxNodes)
	doc := `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","tags":"` + tags + `"},{"id":"2","tags":"` + tags + `"}]}`
	f, err := Parse([]byte(doc), "", "s", "u")
	if err != nil || len(f.Items) != 2 {
		t.Fatalf("Parse: %v", err)
	}
	out, _, err := repairJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := jsonBounds(out); n > 2*MaxNodes+10 {
		t.Errorf("%d values after the repair", n)
	}
	if !slices.Contains(f.Warnings, "JSON Feed items[].tags: more tags than the limits allow, the rest dropped") {
		t.Errorf("warnings %q", f.Warnings)
	}
}
