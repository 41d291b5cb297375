package clean

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/internal/xsscheck"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/topic"
)

// FuzzClean cleans arbitrary titles, summaries, contents and links: no
// panic, nothing in the result would run script in a reader, every string
// is valid UTF-8 XML text, and cleaning the result again changes no text
// field and no link; the HTML at most loses elements that the first
// cleaning's policy left empty (it does not grow by more than a
// paragraph), and a third cleaning changes nothing. The trees ItemParsed
// returns read as the cleaned HTML does.
//
// Seeds: the hostile vectors, the shared corpus's first items (cut to
// 8 KB) and the taz example, when ../shared is present.
func FuzzClean(f *testing.F) {
	for i, v := range xsscheck.Markup {
		f.Add(v, v, "<p>before</p>"+v+"<p>after</p>", xsscheck.URLs[i%len(xsscheck.URLs)])
	}
	if parsed, err := parsedCorpus(); err == nil {
		for _, its := range parsed {
			for _, it := range its[:min(len(its), 2)] {
				f.Add(it.Title, cut(it.Summary, 8<<10), cut(it.Content, 8<<10), it.Link)
			}
		}
	}
	if b, err := os.ReadFile(seedPath); err == nil {
		f.Add("Nato warnt Nordkorea", "", string(b), "https://taz.de/!6043131/?utm_source=rss")
	}
	c := newCleaner(f)
	f.Fuzz(func(t *testing.T, title, summary, content, link string) {
		it := &item.Item{
			Title: title, Summary: summary, Content: content, Link: link,
			SourceURL: "https://src.example/feed", SourceTitle: title,
			Authors:    []item.Author{{Name: title, Email: link, URI: link}},
			Categories: []string{title, summary},
			Enclosures: []item.Enclosure{{URL: link}},
		}
		_, parsed := c.ItemParsed(it, nil)
		// The trees read as the HTML does, for matching.
		for _, f := range []struct {
			html string
			tree *html.Node
		}{{it.Summary, parsed.Summary}, {it.Content, parsed.Content}} {
			if f.tree != nil && topic.VisibleTextOf(f.tree) != topic.VisibleText(f.html) {
				t.Errorf("the tree reads %q, its HTML %q reads %q", topic.VisibleTextOf(f.tree), f.html, topic.VisibleText(f.html))
			}
		}
		for _, p := range checkItem(it) {
			t.Errorf("unsafe output: %s", p)
		}
		for _, s := range []string{it.Title, it.Summary, it.Content, it.Link, it.SourceTitle} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' }) {
				t.Errorf("invalid text in the output: %q", s)
			}
		}
		second := cleanCopy(c, it)
		if second.Title != it.Title || second.Link != it.Link || second.SourceTitle != it.SourceTitle {
			t.Errorf("cleaning again changed the text fields: %q %q, then %q %q", it.Title, it.Link, second.Title, second.Link)
		}
		// HTML may lose elements the first cleaning's policy left empty
		// (then a paragraph may wrap what is left), but no more.
		for _, pair := range [][2]string{{it.Summary, second.Summary}, {it.Content, second.Content}} {
			if len(pair[1]) > len(pair[0])+len("<p></p>") {
				t.Errorf("cleaning again made the HTML grow:\n%q\n-> %q", pair[0], pair[1])
			}
		}
		if third := cleanCopy(c, second); third.Summary != second.Summary || third.Content != second.Content {
			t.Errorf("cleaning a third time changed the HTML:\nsummary %q\n     -> %q\ncontent %q\n     -> %q", second.Summary, third.Summary, second.Content, third.Content)
		}
	})
}

// cut returns at most the first n bytes of s.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
