package clean

import (
	"net/url"
	"slices"
	"testing"

	"github.com/refeed/refeed/internal/xsscheck"
	"github.com/refeed/refeed/item"
)

// checkItem returns what in a cleaned item could run script in a reader.
func checkItem(it *item.Item) []string {
	var probs []string
	probs = append(probs, xsscheck.Text(it.Title)...)
	probs = append(probs, xsscheck.Text(it.SourceTitle)...)
	probs = append(probs, xsscheck.HTML(it.Summary)...)
	probs = append(probs, xsscheck.HTML(it.Content)...)
	probs = append(probs, xsscheck.Link(it.Link)...)
	for _, e := range it.Enclosures {
		probs = append(probs, xsscheck.Link(e.URL)...)
	}
	for _, a := range it.Authors {
		probs = append(probs, xsscheck.Text(a.Name)...)
		probs = append(probs, xsscheck.Text(a.Email)...)
		probs = append(probs, xsscheck.Link(a.URI)...)
	}
	for _, c := range it.Categories {
		probs = append(probs, xsscheck.Text(c)...)
	}
	return probs
}

// TestUnsafeContent cleans every hostile vector in every field of an
// item: nothing that would run script survives, and a second cleaning
// changes nothing.
func TestUnsafeContent(t *testing.T) {
	c := newCleaner(t)
	for i, v := range xsscheck.Markup {
		u := xsscheck.URLs[i%len(xsscheck.URLs)]
		it := &item.Item{
			Title: v, SourceTitle: v, Summary: "<p>before</p>" + v, Content: v + "<p>after</p>",
			Link: u, SourceURL: "https://src.example/feed",
			Authors:    []item.Author{{Name: v, Email: v, URI: u}, {Name: "Ann", Email: "ann@ok.example", URI: "https://ok.example/ann"}},
			Categories: []string{v, "Safe"},
			Enclosures: []item.Enclosure{{URL: u}, {URL: "https://ok.example/a.mp3"}},
		}
		c.Item(it, nil)
		for _, p := range checkItem(it) {
			t.Errorf("%q: %s", v, p)
		}
		if !slices.Contains(it.Enclosures, item.Enclosure{URL: "https://ok.example/a.mp3"}) || !slices.Contains(it.Categories, "Safe") || it.Authors[len(it.Authors)-1].URI != "https://ok.example/ann" {
			t.Errorf("%q: safe values lost: %+v", v, it)
		}
		second := cleanCopy(c, it)
		if second.Title != it.Title || second.Link != it.Link || !slices.Equal(second.Categories, it.Categories) || !slices.Equal(second.Authors, it.Authors) {
			t.Errorf("%q: cleaning again changed the item:\n%+v\n%+v", v, it, second)
		}
		if third := cleanCopy(c, second); third.Summary != second.Summary || third.Content != second.Content {
			t.Errorf("%q: cleaning a third time changed the HTML:\n%q %q\n%q %q", v, second.Summary, second.Content, third.Summary, third.Content)
		}
	}
}

// cleanCopy returns a cleaned copy of it.
func cleanCopy(c *Cleaner, it *item.Item) *item.Item {
	cp := *it
	cp.Authors = slices.Clone(it.Authors)
	cp.Categories = slices.Clone(it.Categories)
	cp.Enclosures = slices.Clone(it.Enclosures)
	c.Item(&cp, nil)
	return &cp
}

func TestItemLinks(t *testing.T) {
	c := newCleaner(t)
	for _, u := range xsscheck.URLs {
		it := &item.Item{Link: u, SourceURL: "https://src.example/feed", Enclosures: []item.Enclosure{{URL: u}}}
		c.Item(it, nil)
		if p := xsscheck.Link(it.Link); p != nil {
			t.Errorf("link %q: %v", u, p)
		}
		for _, e := range it.Enclosures {
			if p := xsscheck.Link(e.URL); p != nil {
				t.Errorf("enclosure %q: %v", u, p)
			}
		}
	}
	for _, tc := range []struct{ link, source, want string }{
		{"javascript:alert(1)", "https://src.example/feed", ""},
		{" JavaScript:alert(1)", "https://src.example/feed", ""},
		{"data:text/html,x", "https://src.example/feed", ""},
		{"/post/1", "https://src.example/feed", "https://src.example/post/1"},
		{"post/1", "/var/feeds/local.rss", ""},
		{"//cdn.example/x", "http://src.example/", "http://cdn.example/x"},
		{" https://ok.example/a?b=1 ", "", "https://ok.example/a?b=1"},
		{"HTTPS://ok.example/", "", "HTTPS://ok.example/"},
		{"ftp://files.example/a", "", ""},
		{`https://ok.example/"><script>alert(1)</script>`, "", "https://ok.example/%22%3E%3Cscript%3Ealert(1)%3C/script%3E"},
		{"https://ok.example/a b?q='x'#`y`", "", "https://ok.example/a%20b?q='x'#%60y%60"},
		{"http://ok.example/#a\rb", "", ""},
		{"//::0", "https://src.example/", ""},
	} {
		it := &item.Item{Link: tc.link, SourceURL: tc.source}
		c.Item(it, nil)
		if it.Link != tc.want {
			t.Errorf("link %q from %q: %q, want %q", tc.link, tc.source, it.Link, tc.want)
		}
	}
}

func TestItemPeopleAndCategories(t *testing.T) {
	c := newCleaner(t)
	it := &item.Item{
		Authors: []item.Author{
			{Name: "<b>Ann</b> &amp; Bob", Email: "ann@ok.example", URI: "javascript:alert(1)"},
			{Name: "", Email: `"><script>@x.example`, URI: ""},
			{Name: "Eve", Email: "not an address", URI: "/eve"},
		},
		Categories: []string{"<i>Politik</i>", "politik", "&lt;b&gt;", "  Welt  "},
		SourceURL:  "https://src.example/feed",
	}
	c.Item(it, nil)
	want := []item.Author{{Name: "Ann & Bob", Email: "ann@ok.example"}, {Name: "Eve", URI: "https://src.example/eve"}}
	if !slices.Equal(it.Authors, want) {
		t.Errorf("authors %+v, want %+v", it.Authors, want)
	}
	if !slices.Equal(it.Categories, []string{"Politik", "Welt"}) {
		t.Errorf("categories %q", it.Categories)
	}
}

// TestTextWithEntities: a summary without tags but with entities is HTML
// text; its entities are not escaped again.
func TestTextWithEntities(t *testing.T) {
	c := newCleaner(t)
	it := &item.Item{Summary: "Caf&eacute; &amp; Bar &lt;3\n\nx < y", Title: "Caf&eacute; &amp;amp; Bar"}
	c.Item(it, nil)
	if it.Summary != "<p>Café &amp; Bar &lt;3</p><p>x &lt; y</p>" {
		t.Errorf("summary %q", it.Summary)
	}
	if it.Title != "Café & Bar" {
		t.Errorf("title %q", it.Title)
	}
}

func TestSrcset(t *testing.T) {
	base, _ := url.Parse("https://src.example/post/")
	for set, want := range map[string]string{
		"a.jpg 1x, /b.jpg 2x":                         "https://src.example/post/a.jpg 1x, https://src.example/b.jpg 2x",
		"https://cdn.example/w_100,h_100/a.jpg 100w,": "https://cdn.example/w_100,h_100/a.jpg 100w",
		" a.jpg,b.jpg 2x ,, c.jpg (x, y) 3x":          "https://src.example/post/a.jpg,b.jpg 2x, https://src.example/post/c.jpg (x, y) 3x", // a comma within a URL is part of it
	} {
		if got := resolveSrcset(base, set); got != want {
			t.Errorf("resolveSrcset(%q) = %q, want %q", set, got, want)
		}
	}
	for set, want := range map[string]bool{
		"https://ok.example/a.png 1x, javascript:alert(1) 2x":  true,
		"https://ok.example/a.png 1x,data:image/png;base64,AA": true,
		"https://ok.example/a,javascript:alert(1) 1x":          false, // one URL, with a comma
	} {
		if got := unsafeSrcset(set); got != want {
			t.Errorf("unsafeSrcset(%q) = %v", set, got)
		}
	}
}
