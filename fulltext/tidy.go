package fulltext

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxShare is the largest part of an article's text that tidy removes at
// once: an element holding more is taken for (part of) the article,
// whatever its name says.
const maxShare = 0.4

// tidy removes from the article go-readability found in a page the parts
// that are about the article rather than of it, which go-readability
// keeps when they sit inside the article's container: galleries, the
// header with title, byline and date, bylines and datelines, author
// boxes, breadcrumbs and navigation, sharing buttons, related-article and
// newsletter boxes, what the page hides, captions and credits left
// without their picture, and lines that are only a dateline or a byline
// (see isDateline). The caption of a picture the article shows
// stays with it.
// It goes by what HTML says an element is (its tag, role, hidden
// attributes), what the page calls it (the words of its class and id)
// and, for datelines, what it says.
// An element holding more than maxShare of the article's text stays.
// Then tidy drops the class attributes, as go-readability does unless
// told to keep them.
func tidy(root *html.Node) {
	total := textLen(root)
	if total == 0 {
		return
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode {
				if (notArticle(c) && !captionOfMedia(c) || isDateline(c)) && float64(textLen(c)) <= maxShare*float64(total) {
					n.RemoveChild(c)
				} else {
					walk(c)
				}
			}
			c = next
		}
	}
	walk(root)
	dropClasses(root)
}

// dropClasses removes the class attributes under n, as go-readability
// does unless told to keep them for tidy.
func dropClasses(n *html.Node) {
	if n.Type == html.ElementNode {
		n.Attr = slices.DeleteFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "class" })
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		dropClasses(c)
	}
}

// notArticle reports whether element n is, by its tag, role, hidden
// attributes or the words of its class and id, no part of an article's
// text.
func notArticle(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Figcaption, atom.Nav, atom.Header, atom.Footer, atom.Aside, atom.Time,
		atom.Form, atom.Button, atom.Dialog:
		return true
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				return true
			}
		case "role":
			switch strings.ToLower(strings.TrimSpace(a.Val)) {
			case "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog":
				return true
			}
		case "class", "id":
			if hasWord(a.Val, boilerplateWords) {
				return true
			}
		}
	}
	return false
}

// boilerplateWords are the words of class names and ids that name what
// is not an article's text.
var boilerplateWords = map[string]bool{
	"caption": true, "credit": true, "credits": true, "gallery": true, "slideshow": true,
	"byline": true, "author": true, "authors": true, "bio": true, "timestamp": true, "dateline": true,
	"breadcrumb": true, "breadcrumbs": true, "related": true, "share": true, "sharing": true,
	"social": true, "newsletter": true, "subscribe": true, "signup": true, "promo": true,
	"cta": true, "advert": true, "advertisement": true, "ad": true, "ads": true, "sponsor": true,
	"sponsored": true, "rail": true, "sidebar": true, "nav": true, "navigation": true, "menu": true,
	"comments": true, "comment": true, "tags": true, "meta": true,
}

// hasWord reports whether a class or id value holds one of words: its
// parts between characters other than letters and digits, in lower case.
func hasWord(v string, words map[string]bool) bool {
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if words[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// textLen returns the number of letters and digits in the text under n.
func textLen(n *html.Node) int {
	if n.Type == html.TextNode {
		c := 0
		for _, r := range n.Data {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				c++
			}
		}
		return c
	}
	c := 0
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c += textLen(ch)
	}
	return c
}

// captionOfMedia reports whether n is a caption (a figcaption, or named
// a caption or credit) inside a figure that shows an image, a picture or
// a video.
func captionOfMedia(n *html.Node) bool {
	if n.DataAtom != atom.Figcaption && !hasWordAttr(n, captionWords) {
		return false
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Figure {
			return hasMedia(p)
		}
	}
	return false
}

var captionWords = map[string]bool{"caption": true, "credit": true, "credits": true}

func hasWordAttr(n *html.Node, words map[string]bool) bool {
	for _, a := range n.Attr {
		if (a.Key == "class" || a.Key == "id") && hasWord(a.Val, words) {
			return true
		}
	}
	return false
}

func hasMedia(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Img || c.DataAtom == atom.Picture || c.DataAtom == atom.Video || hasMedia(c)) {
			return true
		}
	}
	return false
}
