package clean

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/plaintext"
)

// FieldPage is the Field of removals made by Page.
const FieldPage = "page"

// Page cleans a whole article page before its article is extracted (see
// package fulltext): it removes the trackers (built-in and the configured
// lists: images, frames, scripts, preloads, and the <noscript> wrappers
// they leave empty) and applies the rules the item would get, the site
// packs and configured rules whose sites match link's host and the rules
// named by its source: their selectors, from/to anchors and text rules.
// It makes URLs absolute against link (or the page's <base>), keeps
// everything else as it was, and returns the page as HTML with what it
// removed. A page that cannot be parsed comes back unchanged.
//
// Page does not sanitize: the extracted article is cleaned as feed content
// afterwards, by Item.
func (c *Cleaner) Page(page, link string, named []string) (string, []Removal) {
	page = plaintext.ValidText(page)
	doc, err := html.ParseWithOptions(strings.NewReader(page), html.ParseOptionEnableScripting(false))
	if err != nil {
		return page, nil
	}
	htmlEl, body := documentParts(doc)
	if htmlEl == nil || body == nil {
		return page, nil
	}
	base := baseURL(link, "")
	if b := findElement(htmlEl, atom.Base); b != nil && base != nil {
		if u, err := url.Parse(strings.TrimSpace(attr(b, "href"))); err == nil && attr(b, "href") != "" {
			base = base.ResolveReference(u)
		}
	}
	absolutizeTree(htmlEl, base)
	out := c.removeTrackers(htmlEl, FieldPage, hostOf(link))
	tc := newTextCache(body)
	for _, r := range c.rulesFor(hostOf(link), "", named) {
		out = append(out, r.apply(tc, FieldPage)...)
	}
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return page, nil
	}
	return b.String(), out
}

// documentParts returns the <html> and <body> elements of a parsed
// document.
func documentParts(doc *html.Node) (htmlEl, body *html.Node) {
	for n := doc.FirstChild; n != nil; n = n.NextSibling {
		if n.Type == html.ElementNode && n.DataAtom == atom.Html {
			htmlEl = n
			break
		}
	}
	if htmlEl == nil {
		return nil, nil
	}
	for n := htmlEl.FirstChild; n != nil; n = n.NextSibling {
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			return htmlEl, n
		}
	}
	return htmlEl, nil
}

// findElement returns the first element a under n, in document order.
func findElement(n *html.Node, a atom.Atom) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == a {
			return c
		}
		if f := findElement(c, a); f != nil {
			return f
		}
	}
	return nil
}

// absolutizeTree makes the URLs of every element under n absolute.
func absolutizeTree(n *html.Node, base *url.URL) {
	if base == nil {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			absolutize(c, base)
			absolutizeTree(c, base)
		}
	}
}
