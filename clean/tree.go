package clean

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/plaintext"
)

// parseFragment parses s with x/net/html as the content of a <body> and
// returns a root element holding it. <noscript> is parsed as markup
// (scripting disabled), so the tracking images inside it can be seen and
// removed.
func parseFragment(s string) (*html.Node, error) {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), body, html.ParseOptionEnableScripting(false))
	if err != nil {
		return nil, fmt.Errorf("parse HTML fragment: %w", err)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root, nil
}

// render serializes the children of root, in about size bytes.
func render(root *html.Node, size int) string {
	var b strings.Builder
	b.Grow(size)
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		_ = html.Render(&b, c)
	}
	return b.String()
}

// blockElements are the elements that start a new block of text: an
// anchor found inside one of them removes the whole element.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true,
	atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Noscript: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Table: true,
	atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true,
	atom.Tr: true, atom.Ul: true, atom.Summary: true, atom.Caption: true, atom.Center: true,
}

func isBlock(n *html.Node) bool {
	return n.Type == html.ElementNode && blockElements[n.DataAtom]
}

// span is the range of a node's text in a flattened text.
type span struct{ start, end int }

// flat is the visible text of a tree with the position of every node in
// it. Blocks and <br> are separated by newlines, so each line of the text
// is a block or a line of one.
type flat struct {
	text  string
	spans map[*html.Node]span

	lower     string // text in lower case, once asked for
	lowerDone bool
	lowerSame bool // lower has the same byte offsets as text
}

// lowered returns the text in lower case, and whether its byte offsets
// are those of the text (they are unless a letter changes its encoded
// length in lower case, as the Kelvin sign does).
func (f *flat) lowered() (string, bool) {
	if !f.lowerDone {
		f.lowerDone = true
		f.lower, f.lowerSame = lowerKeepingOffsets(f.text)
	}
	return f.lower, f.lowerSame
}

// lowerKeepingOffsets returns s in lower case (as strings.ToLower, but
// rune by rune with unicode.ToLower, invalid bytes becoming U+FFFD), and
// whether every rune kept its encoded length. ASCII is lowered byte by
// byte, and text without upper case nor non-ASCII is returned as it is.
func lowerKeepingOffsets(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	same := true
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		l := unicode.ToLower(r)
		if utf8.RuneLen(l) != utf8.RuneLen(r) {
			same = false
		}
		b.WriteRune(l)
		i += size
	}
	return b.String(), same && b.Len() == len(s)
}

func flatten(root *html.Node) *flat {
	var b strings.Builder
	f := &flat{spans: make(map[*html.Node]span)}
	newline := func() {
		s := b.String()
		if len(s) > 0 && s[len(s)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			// Line breaks in text are white space; only blocks and <br>
			// end lines. The replacement keeps byte offsets.
			start := b.Len()
			if strings.ContainsAny(n.Data, "\n\r") {
				b.WriteString(strings.Map(newlineToSpace, n.Data))
			} else {
				b.WriteString(n.Data)
			}
			f.spans[n] = span{start, b.Len()}
			return
		case html.ElementNode:
		default:
			p := b.Len()
			f.spans[n] = span{p, p}
			return
		}
		block := isBlock(n) && n != root
		if block {
			newline()
		}
		start := b.Len()
		if n.DataAtom == atom.Br {
			b.WriteByte('\n')
			f.spans[n] = span{start, start}
			return
		}
		if n.DataAtom == atom.Img || n.DataAtom == atom.Script || n.DataAtom == atom.Style {
			f.spans[n] = span{start, start}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		f.spans[n] = span{start, b.Len()}
		if block {
			newline()
		}
	}
	walk(root)
	f.text = b.String()
	return f
}

func newlineToSpace(r rune) rune {
	if r == '\n' || r == '\r' {
		return ' '
	}
	return r
}

// blockAt returns the span of the deepest block element holding the text
// range [s, e), or, when the range is in no block or in inline content
// directly inside a block that also holds other blocks (what CSS calls an
// anonymous block), of the line holding it. So an anchor in a stray line
// of a large container never takes the whole container.
func (f *flat) blockAt(root *html.Node, s, e int) span {
	var best *html.Node
	bestDepth := -1
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			sp := f.spans[c]
			if sp.start > s || sp.end < e {
				continue
			}
			if isBlock(c) && depth > bestDepth {
				best, bestDepth = c, depth
			}
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	if best != nil && !hasBlockInside(best) {
		return f.spans[best]
	}
	return f.lineAt(s, e)
}

// hasBlockInside reports whether n holds a block element.
func hasBlockInside(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if isBlock(c) || c.Type == html.ElementNode && hasBlockInside(c) {
			return true
		}
	}
	return false
}

// lineAt returns the span of the lines holding [s, e).
func (f *flat) lineAt(s, e int) span {
	start := strings.LastIndexByte(f.text[:s], '\n') + 1
	end := len(f.text)
	if i := strings.IndexByte(f.text[e:], '\n'); i >= 0 {
		end = e + i
	}
	return span{start, end}
}

// removeSpan removes from the tree under root every outermost node whose
// text lies within [s, e), and the empty elements (images, line breaks)
// strictly inside it. It returns the removed nodes.
func (f *flat) removeSpan(root *html.Node, s, e int) []*html.Node {
	var removed []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			sp, ok := f.spans[c]
			switch {
			case !ok:
			case sp.end <= s || sp.start >= e && sp.end > sp.start:
				// outside
			case sp.start == sp.end:
				if sp.start > s && sp.start < e {
					n.RemoveChild(c)
					removed = append(removed, c)
				}
			case sp.start >= s && sp.end <= e:
				n.RemoveChild(c)
				removed = append(removed, c)
			default:
				walk(c)
			}
			c = next
		}
	}
	walk(root)
	return removed
}

// removeBreakAround removes the <br> that ended the line [s, e), or when
// there is none the one that started it, so that removing a line of
// inline text leaves no blank line.
func (f *flat) removeBreakAround(s, e int) {
	var before *html.Node
	for n, sp := range f.spans {
		if n.Type != html.ElementNode || n.DataAtom != atom.Br || n.Parent == nil {
			continue
		}
		if sp.start == e {
			n.Parent.RemoveChild(n)
			return
		}
		if sp.start == s-1 {
			before = n
		}
	}
	if before != nil {
		before.Parent.RemoveChild(before)
	}
}

// textOf returns the visible text of n with white space collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	plaintext.WriteText(&b, n)
	return plaintext.Collapse(b.String())
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// describe returns a short description of a removed node: its text, or
// for an element without text its tag and main URL.
func describe(n *html.Node) string {
	if t := textOf(n); t != "" {
		return t
	}
	if n.Type != html.ElementNode {
		return ""
	}
	for _, k := range []string{"src", "href", "data"} {
		if v := attr(n, k); v != "" {
			return "<" + n.Data + " " + k + "=\"" + v + "\">"
		}
	}
	var img *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil && img == nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Img {
				img = c
				return
			}
			find(c)
		}
	}
	find(n)
	if img != nil {
		return "<" + n.Data + "><img src=\"" + attr(img, "src") + "\">"
	}
	return "<" + n.Data + ">"
}

// textTree returns the tree parseFragment makes of textToHTML(s), without
// writing and parsing the HTML: a <p> for every paragraph, holding its
// lines, entities read, between <br> elements.
func textTree(s string) *html.Node {
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, para := range splitParagraphs(s) {
		p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		first := true
		for line := range strings.SplitSeq(para, "\n") {
			if !first {
				p.AppendChild(&html.Node{Type: html.ElementNode, Data: "br", DataAtom: atom.Br})
			}
			first = false
			if t := strings.TrimSpace(html.UnescapeString(line)); t != "" {
				p.AppendChild(&html.Node{Type: html.TextNode, Data: t})
			}
		}
		root.AppendChild(p)
	}
	return root
}

// textToHTML turns text without tags into paragraphs: blank lines
// separate paragraphs, single line breaks become <br>.
func textToHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, para := range splitParagraphs(s) {
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br/>") // as html.Render writes it
			}
			// Entities are read as in HTML ("Caf&eacute;" is "Café"), so
			// that they are not escaped a second time.
			b.WriteString(html.EscapeString(strings.TrimSpace(html.UnescapeString(line))))
		}
		b.WriteString("</p>")
	}
	return b.String()
}

func splitParagraphs(s string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = cur[:0]
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}
