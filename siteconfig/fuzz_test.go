package siteconfig

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzParse: no file makes Parse fail or panic.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("replace_string(: x\nhttp_header(): y\nbody: (\ntest_contains:\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, _ := Parse("f.example.txt", []byte(data))
		if c == nil {
			t.Fatal("nil config")
		}
	})
}

// FuzzApply: no page makes applying a config panic, and the article
// found is in the page.
func FuzzApply(f *testing.F) {
	f.Add(page)
	f.Add(`<div id="story"><p class="lede">x</p><div class="ad"><div class="ad"></div></div></div>`)
	f.Add(strings.Repeat("<div>", 600) + "<a rel=next href=javascript:x>")
	c, warnings := Parse("example.com.txt", []byte(sample+"strip_id_or_class: story\nstrip: //*[@id]/@class\ntitle: substring(//p, 2, 3)\n"))
	if len(warnings) > 0 {
		f.Fatal(warnings)
	}
	base, _ := url.Parse("https://example.com/a")
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := html.Parse(strings.NewReader(c.ReplaceHTML(s)))
		if err != nil {
			return
		}
		c.NextPageURL(doc, base)
		c.SinglePageURL(doc, base)
		c.TitleOf(doc)
		c.AuthorsOf(doc)
		c.DateOf(doc)
		keep, _ := c.BodyOf(doc)
		c.StripPage(doc, keep...)
		body, _ := c.BodyOf(doc)
		for _, n := range body {
			for p := n; p != doc; p = p.Parent {
				if p == nil {
					t.Fatal("an article node outside the page")
				}
			}
		}
		c.StripContent(doc)
	})
}
