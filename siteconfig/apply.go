package siteconfig

import (
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A Stripped is what a strip directive removed: an element (or text
// node), or one attribute of an element.
type Stripped struct {
	Pos
	Directive string // strip, strip_id_or_class, strip_image_src, or one of the format's own (see StripPage)
	Rule      string // the directive's value
	// Node is the removed node, detached from the tree, or the element
	// that lost the attribute Attr.
	Node *html.Node
	Attr string
}

// ReplaceHTML returns page with the find_string and replace_string pairs
// applied in order, as FiveFilters applies them to a page before parsing it.
func (c *Config) ReplaceHTML(page string) string {
	if c == nil {
		return page
	}
	for _, r := range c.Replace {
		page = strings.ReplaceAll(page, r.Find, r.Replace)
	}
	return page
}

// StripTree applies the strip, strip_id_or_class and strip_image_src
// directives to the tree under root, in that order, and returns what they
// removed. root itself, <html> and <body> are never removed, nor any node
// of keep or an ancestor of one (the article, see StripPage).
// strip_id_or_class removes the elements whose id or class attribute
// contains the value (a substring, as FiveFilters matches it).
func (c *Config) StripTree(root *html.Node, keep ...*html.Node) []Stripped {
	if c == nil {
		return nil
	}
	st := &stripper{root: root, keep: keepSet(keep), limit: -1}
	c.strip(st)
	return st.out
}

// StripContent is StripTree for a feed item's content, where what a rule
// written for the site's pages selects may be the whole article: a
// directive whose matches hold more than half of root's text is skipped.
func (c *Config) StripContent(root *html.Node) []Stripped {
	if c == nil {
		return nil
	}
	st := &stripper{root: root, limit: textLen(root) / 2}
	c.strip(st)
	return st.out
}

func (c *Config) strip(st *stripper) {
	for _, e := range c.Strip {
		st.removeAll(e.selectNodes(st.root), e.Pos, "strip", e.Source)
	}
	// One line after the other, as FiveFilters runs each as an XPath.
	for _, m := range c.StripIDOrClass {
		st.walk(m, "strip_id_or_class", func(n *html.Node) bool {
			for _, a := range n.Attr {
				if (a.Key == "id" || a.Key == "class") && a.Namespace == "" && strings.Contains(a.Val, m.Value) {
					return true
				}
			}
			return false
		})
	}
	for _, m := range c.StripImageSrc {
		st.walk(m, "strip_image_src", func(n *html.Node) bool {
			return n.DataAtom == atom.Img && strings.Contains(attr(n, "src"), m.Value)
		})
	}
}

// StripPage is StripTree on a whole page, then what FiveFilters removes from
// every page it extracts with a site config: elements of the classes
// instapaper_ignore and entry-unrelated, elements hidden with
// display:none, and links without content. keep are the nodes never to
// remove with their ancestors: the article, once found.
func (c *Config) StripPage(doc *html.Node, keep ...*html.Node) []Stripped {
	out := c.StripTree(doc, keep...)
	st := &stripper{root: doc, keep: keepSet(keep), limit: -1, out: out}
	for _, class := range []string{"instapaper_ignore", "entry-unrelated"} {
		st.walk(Match{Value: class}, "format", func(n *html.Node) bool {
			return hasClass(n, class)
		})
	}
	st.walk(Match{Value: "display:none"}, "format", func(n *html.Node) bool {
		v, ok := attrOK(n, "style")
		return ok && hidden(v)
	})
	st.walk(Match{Value: "empty link"}, "format", func(n *html.Node) bool {
		return n.DataAtom == atom.A && onlySpace(n)
	})
	return st.out
}

// hasClass reports whether n has class among its classes.
func hasClass(n *html.Node, class string) bool {
	v, _ := attrOK(n, "class")
	for _, f := range strings.Fields(v) {
		if f == class {
			return true
		}
	}
	return false
}

// hidden reports whether a style attribute says display:none.
func hidden(style string) bool {
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "display") && strings.EqualFold(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important")), "none") {
			return true
		}
	}
	return false
}

// onlySpace reports whether n has no element children and only white
// space as text.
func onlySpace(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode || c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return false
		}
	}
	return true
}

// A stripper removes nodes from the tree under root, recording them.
type stripper struct {
	root *html.Node
	keep map[*html.Node]bool // nodes to keep, and their ancestors
	// limit is the most text (see textLen) the matches of one directive
	// may hold, or -1 for no limit.
	limit int
	out   []Stripped
}

func keepSet(keep []*html.Node) map[*html.Node]bool {
	if len(keep) == 0 {
		return nil
	}
	m := map[*html.Node]bool{}
	for _, n := range keep {
		for ; n != nil; n = n.Parent {
			m[n] = true
		}
	}
	return m
}

// removable reports whether n may be removed: it is in the tree, and is
// not the root, <html>, <body> or kept.
func (st *stripper) removable(n *html.Node) bool {
	if n == st.root || st.keep[n] || n.Type == html.ElementNode && (n.DataAtom == atom.Html || n.DataAtom == atom.Body) {
		return false
	}
	if n.Type != html.ElementNode && n.Type != html.TextNode && n.Type != html.CommentNode {
		return false
	}
	// Still in the tree: not under a node removed before.
	for p := n.Parent; p != st.root; p = p.Parent {
		if p == nil {
			return false
		}
	}
	return n.Parent != nil
}

// removeAll removes what one directive selects: nodes, or attributes.
func (st *stripper) removeAll(sel []selected, pos Pos, directive, rule string) {
	if st.limit >= 0 {
		var nodes []*html.Node
		for _, s := range sel {
			if s.attr == "" {
				nodes = append(nodes, s.n)
			}
		}
		if st.holdsTooMuch(nodes) {
			return
		}
	}
	for _, s := range sel {
		if s.attr != "" {
			st.removeAttr(s, pos, directive, rule)
		} else if st.removable(s.n) {
			s.n.Parent.RemoveChild(s.n)
			st.out = append(st.out, Stripped{Pos: pos, Directive: directive, Rule: rule, Node: s.n})
		}
	}
}

// holdsTooMuch reports whether the removable nodes of nodes hold more text
// than st.limit.
func (st *stripper) holdsTooMuch(nodes []*html.Node) bool {
	set := make(map[*html.Node]bool, len(nodes))
	for _, n := range nodes {
		set[n] = true
	}
	total := 0
next:
	for n := range set {
		if !st.removable(n) {
			continue
		}
		for p := n.Parent; p != nil; p = p.Parent {
			if set[p] && st.removable(p) {
				continue next // counted with p
			}
		}
		total += textLen(n)
	}
	return total > st.limit
}

func (st *stripper) removeAttr(s selected, pos Pos, directive, rule string) {
	kept := s.n.Attr[:0]
	removed := false
	for _, a := range s.n.Attr {
		if a.Key == s.attr && !removed {
			removed = true
			continue
		}
		kept = append(kept, a)
	}
	s.n.Attr = kept
	if removed {
		st.out = append(st.out, Stripped{Pos: pos, Directive: directive, Rule: rule, Node: s.n, Attr: s.attr})
	}
}

// walk removes the elements under st.root that match says to remove for
// the directive line m, without looking into them; with a limit, none
// when they hold too much text.
func (st *stripper) walk(m Match, directive string, match func(*html.Node) bool) {
	var found []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if match(c) && st.removable(c) {
				found = append(found, c)
			} else {
				walk(c)
			}
		}
	}
	walk(st.root)
	if st.limit >= 0 && st.holdsTooMuch(found) {
		return
	}
	for _, n := range found {
		n.Parent.RemoveChild(n)
		st.out = append(st.out, Stripped{Pos: m.Pos, Directive: directive, Rule: m.Value, Node: n})
	}
}

// textLen returns the length of the text under n, in characters other
// than white space.
func textLen(n *html.Node) int {
	k := 0
	if n.Type == html.TextNode {
		for _, r := range n.Data {
			if !unicode.IsSpace(r) {
				k++
			}
		}
		return k
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		k += textLen(c)
	}
	return k
}

// TitleOf returns the page's title as the title directives find it: the
// first non-empty text an expression evaluates to. node is the element it
// was read from, which FiveFilters removes from the page (nil for a value
// read from an attribute, or computed).
func (c *Config) TitleOf(doc *html.Node) (title string, node *html.Node) {
	if c == nil {
		return "", nil
	}
	for _, e := range c.Title {
		values, nodes, ok := e.evaluate(doc)
		if !ok {
			continue
		}
		if t := collapse(values[0]); t != "" {
			if len(nodes) > 0 && nodes[0].attr == "" && nodes[0].n.Type == html.ElementNode && !inHead(nodes[0].n) {
				node = nodes[0].n
			}
			return t, node
		}
	}
	return "", nil
}

// AuthorsOf returns the page's authors as the author directives find them:
// the texts of the first expression that finds any.
func (c *Config) AuthorsOf(doc *html.Node) []string {
	if c == nil {
		return nil
	}
	for _, e := range c.Author {
		values, _, _ := e.evaluate(doc)
		var out []string
		for _, v := range values {
			if v = collapse(v); v != "" && !contains(out, v) {
				out = append(out, v)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// DateOf returns the page's date as the date directives find it, as
// written in the page: the first non-empty text an expression evaluates
// to.
func (c *Config) DateOf(doc *html.Node) string {
	if c == nil {
		return ""
	}
	for _, e := range c.Date {
		values, _, _ := e.evaluate(doc)
		for _, v := range values {
			if v = collapse(v); v != "" {
				return v
			}
		}
	}
	return ""
}

// BodyOf returns the article as the body directives find it: the nodes of
// the first expression that selects an element, without those inside
// another, in document order; and that expression. It returns nil when no
// expression selects an element.
func (c *Config) BodyOf(doc *html.Node) ([]*html.Node, *Expr) {
	if c == nil {
		return nil, nil
	}
	for _, e := range c.Body {
		var found []*html.Node
		for _, s := range e.selectNodes(doc) {
			if s.attr == "" && s.n.Type == html.ElementNode && s.n.Parent != nil {
				found = append(found, s.n)
			}
		}
		// The library gives a union's nodes operand by operand.
		found = inDocumentOrder(doc, found)
		var out []*html.Node
		for _, n := range found {
			if !insideAny(n, out) {
				out = append(out, n)
			}
		}
		if len(out) > 0 {
			return out, e
		}
	}
	return nil, nil
}

// inDocumentOrder returns the distinct nodes of nodes, all under root, in
// document order.
func inDocumentOrder(root *html.Node, nodes []*html.Node) []*html.Node {
	if len(nodes) < 2 {
		return nodes
	}
	want := make(map[*html.Node]bool, len(nodes))
	for _, n := range nodes {
		want[n] = true
	}
	out := make([]*html.Node, 0, len(want))
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if want[n] {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil && len(out) < len(want); c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

// SinglePageURL returns the URL of the page's single-page view, as the
// single_page_link directives find it (an element's href, or a text),
// resolved against base; "" when none finds an http(s) URL.
func (c *Config) SinglePageURL(doc *html.Node, base *url.URL) string {
	if c == nil {
		return ""
	}
	return linkOf(c.SinglePageLink, doc, base)
}

// NextPageURL returns the URL of the article's next page, as the
// next_page_link directives find it, resolved against base; "" when none
// finds an http(s) URL.
func (c *Config) NextPageURL(doc *html.Node, base *url.URL) string {
	if c == nil {
		return ""
	}
	return linkOf(c.NextPageLink, doc, base)
}

func linkOf(exprs []*Expr, doc *html.Node, base *url.URL) string {
	for _, e := range exprs {
		if e.If != nil && !e.If.matches(doc) {
			continue
		}
		values, nodes, ok := e.evaluate(doc)
		if !ok {
			continue
		}
		ref := values[0]
		if len(nodes) > 0 && nodes[0].attr == "" && nodes[0].n.Type == html.ElementNode {
			if h, ok := attrOK(nodes[0].n, "href"); ok {
				ref = h
			}
		}
		if u := resolve(base, ref); u != "" {
			return u
		}
	}
	return ""
}

// resolve returns ref resolved against base when that is an http(s) URL
// with a host, else "".
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 8<<10 {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func inHead(n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Head {
			return true
		}
	}
	return false
}

// insideAny reports whether n is one of nodes or inside one.
func insideAny(n *html.Node, nodes []*html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		for _, o := range nodes {
			if p == o {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, o := range list {
		if o == s {
			return true
		}
	}
	return false
}

// collapse trims s and turns each run of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
