package fulltext

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dropOtherPosts removes from the article found in the page at page the
// <article> elements that are posts of their own rather than part of it:
// teaser cards and the next posts of a list, which go-readability
// appends when they are siblings of the article it found. Such an element
// comes after an <article> holding more text than it (outside it, not
// inside), links to another page, and links nowhere on the page itself
// (the entries of a live blog link to their own anchors on it, and stay).
// The first <article>, and the longest, always stay.
func dropOtherPosts(root *html.Node, page *url.URL) {
	var posts []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Article {
				posts = append(posts, c)
			}
			find(c)
		}
	}
	find(root)
	if len(posts) < 2 {
		return
	}
	self := pageKey(page)
	var drop []*html.Node
	longest := 0 // text of the longest <article> before, outside the one looked at
	var before []*html.Node
	for _, p := range posts {
		n := textLen(p)
		longest = 0
		for _, b := range before {
			if !contains(b, p) {
				longest = max(longest, textLen(b))
			}
		}
		if len(before) > 0 && n < longest && linksElsewhere(p, page, self) {
			drop = append(drop, p)
		} else {
			before = append(before, p)
		}
	}
	for _, p := range drop {
		if p.Parent != nil {
			p.Parent.RemoveChild(p)
		}
	}
}

// contains reports whether n is a or inside a.
func contains(a, n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}

// linksElsewhere reports whether n links to a web page other than the one
// whose key is self, and nowhere on that page.
func linksElsewhere(n *html.Node, base *url.URL, self string) bool {
	other := false
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.A {
			if href, ok := attrOf(n, "href"); ok {
				switch key := linkKey(base, href); {
				case key == self:
					return false
				case key != "":
					other = true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	return walk(n) && other
}

// linkKey returns the pageKey of the web page href leads to from base, ""
// for a link to no web page (mailto:, javascript:, an anchor of the page
// itself is the page).
func linkKey(base *url.URL, href string) string {
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil || u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return pageKey(u)
}

// pageKey identifies the page at u: its host without www. and its path
// without a final slash, in lower case, with its query.
func pageKey(u *url.URL) string {
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	key := host + strings.TrimSuffix(strings.ToLower(u.EscapedPath()), "/")
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	return key
}

// dropSelfURL removes from the article the innermost elements without
// blocks inside whose whole text is the address of the page itself: a
// print header's or a sharing box's, never the article's. What else they
// hold (a logo) stays.
func dropSelfURL(root *html.Node, page *url.URL) {
	self := pageKey(page)
	isSelf := func(n *html.Node) bool {
		text := strings.TrimSpace(nodeText(n))
		return looksLikeURL(text) && linkKey(page, text) == self
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode {
				if !hasBlockChild(c) && isSelf(c) && !anyChild(c, isSelf) {
					n.RemoveChild(c)
				} else {
					walk(c)
				}
			}
			c = next
		}
	}
	walk(root)
}

// anyChild reports whether an element child of n is such that f.
func anyChild(n *html.Node, f func(*html.Node) bool) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && f(c) {
			return true
		}
	}
	return false
}

// looksLikeURL reports whether s is one absolute web address and nothing
// else.
func looksLikeURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !strings.ContainsAny(s, " \t\n")
}

// attrOf returns the value of n's attribute key, and whether it has one.
func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
