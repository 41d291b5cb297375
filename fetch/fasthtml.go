package fetch

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// What gofeed does to the HTML of an Atom text construct: it unwraps the
// div of xhtml (and of html that has one) and resolves the URLs of its
// attributes against the xml:base in scope, re-rendering it with
// golang.org/x/net/html either way.

// htmlURLAttrs are the HTML attributes gofeed resolves against xml:base.
var htmlURLAttrs = map[string]bool{
	"action": true, "background": true, "cite": true, "codebase": true, "data": true, "href": true,
	"poster": true, "profile": true, "scheme": true, "src": true, "uri": true, "usemap": true,
}

// resolveRef resolves ref against base as gofeed's xml:base resolution
// does: a base path is taken as a directory.
func resolveRef(base *url.URL, ref string) (*url.URL, error) {
	rel, err := url.Parse(strings.TrimLeft(ref, " "))
	if err != nil || base == nil {
		return rel, err
	}
	b := *base
	if b.Path != "" && ref != "" && !strings.HasSuffix(b.Path, "/") {
		b.Path += "/"
	}
	return b.ResolveReference(rel), nil
}

// resolveHTML returns s, HTML, with the URLs of its attributes resolved
// against base, parsed and rendered again; s itself when base is nil or it
// does not render.
func resolveHTML(base *url.URL, s string) string {
	if base == nil {
		return s
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return s
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for i, a := range n.Attr {
				if htmlURLAttrs[a.Key] {
					if u, err := resolveRef(base, a.Val); err == nil && u != nil {
						n.Attr[i].Val = u.String()
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	var b bytes.Buffer
	if err := html.Render(&b, doc); err != nil {
		return s
	}
	out := strings.TrimPrefix(b.String(), "<html><head></head><body>")
	return strings.TrimSuffix(out, "</body></html>")
}

// stripWrappingDiv returns the content of the div that is the only element
// of s, HTML, rendered again; s itself when there is no such div.
func stripWrappingDiv(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return s
	}
	body := findNode(doc, "body")
	if body == nil {
		return s
	}
	var div *html.Node
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if div != nil || c.Data != "div" {
			return s
		}
		div = c
	}
	if div == nil {
		return s
	}
	var b bytes.Buffer
	for c := div.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return s
		}
	}
	return b.String()
}

// findNode returns the first element of that name, depth first.
func findNode(n *html.Node, name string) *html.Node {
	if n.Type == html.ElementNode && n.Data == name {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findNode(c, name); f != nil {
			return f
		}
	}
	return nil
}
