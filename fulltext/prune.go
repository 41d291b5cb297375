package fulltext

import (
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// prune removes from an article found by a site config what is not
// content (a site config's prune: yes), as generic extraction cleans the
// article it finds: scripts, styles, forms and their controls,
// navigation, asides and embedded objects, and the blocks whose text is
// mostly links (lists of related articles, share and tag bars).
func prune(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.CommentNode:
			n.RemoveChild(c)
		case c.Type != html.ElementNode:
		case pruned[c.DataAtom]:
			n.RemoveChild(c)
		case linkBlocks[c.DataAtom] && mostlyLinks(c):
			n.RemoveChild(c)
		default:
			prune(c)
		}
		c = next
	}
}

// pruned are the elements prune removes.
var pruned = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true, atom.Link: true, atom.Meta: true,
	atom.Form: true, atom.Button: true, atom.Input: true, atom.Select: true, atom.Textarea: true,
	atom.Nav: true, atom.Aside: true, atom.Object: true, atom.Embed: true,
}

// linkBlocks are the elements prune removes when their text is mostly
// links.
var linkBlocks = map[atom.Atom]bool{
	atom.Div: true, atom.Section: true, atom.Ul: true, atom.Ol: true, atom.Table: true,
	atom.Header: true, atom.Footer: true, atom.Figure: true,
}

// mostlyLinks reports whether more than half of the text of n (not
// counting white space) is in links.
func mostlyLinks(n *html.Node) bool {
	total, linked := 0, 0
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				k := 0
				for _, r := range c.Data {
					if !unicode.IsSpace(r) {
						k++
					}
				}
				total += k
				if inLink {
					linked += k
				}
			case html.ElementNode:
				walk(c, inLink || c.DataAtom == atom.A)
			}
		}
	}
	walk(n, false)
	return total > 0 && 2*linked > total
}
