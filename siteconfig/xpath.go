package siteconfig

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/antchfx/htmlquery"
	"github.com/antchfx/xpath"
	"golang.org/x/net/html"
)

// An Expr is a compiled XPath 1.0 expression of a site config.
type Expr struct {
	Pos
	Source string // as written
	// If, for a single_page_link or next_page_link, is the
	// if_page_contains line after it: the link is followed only in pages
	// where If selects something.
	If *Expr

	// compiled is what is compiled: Source, or Source rewritten (see
	// compile). pool holds compiled expressions: the library's keep state
	// while they run, so one serves one evaluation at a time.
	compiled string
	pool     sync.Pool
}

// compile compiles the XPath expression src, written at pos.
func compile(src string, pos Pos) (*Expr, error) {
	compiled := src
	x, err := compileSafe(src)
	if err != nil {
		// The library lacks XPath 1.0's id(): id('x') is //*[@id='x'].
		compiled = idCall.ReplaceAllString(src, "$1//*[@id=$2]")
		if compiled == src {
			return nil, err
		}
		if x, err = compileSafe(compiled); err != nil {
			return nil, err
		}
	}
	e := &Expr{Pos: pos, Source: src, compiled: compiled}
	e.pool.Put(x)
	return e, nil
}

// eval evaluates e under root and hands the result to use: a string, a
// float64, a bool or an *xpath.NodeIterator, which use reads before it
// returns. It reports false when the library panicked (on pages no one
// controls), in eval or in use.
func (e *Expr) eval(root *html.Node, use func(v any)) (ok bool) {
	x, _ := e.pool.Get().(*xpath.Expr)
	if x == nil {
		var err error
		if x, err = compileSafe(e.compiled); err != nil {
			return false
		}
	}
	defer func() {
		if r := recover(); r != nil {
			ok = false // x is dropped: its state is unknown
			return
		}
		e.pool.Put(x)
	}()
	use(x.Evaluate(htmlquery.CreateXPathNavigator(root)))
	return true
}

// idCall matches a call of id() with one literal ID (XPath 1.0's id('a b')
// selects two elements, and is left alone), not preceded by what would
// make id part of a longer name or an attribute.
var idCall = regexp.MustCompile(`(^|[^\w@$.:-])id\(\s*('[^'\s]*'|"[^"\s]*")\s*\)`)

// compileSafe is xpath.Compile, turning a panic of the library into an
// error.
func compileSafe(src string) (e *xpath.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("the XPath library failed on it: %v", r)
		}
	}()
	return xpath.Compile(src)
}

// A selected node is a node an expression selected: an element, a text or
// comment node, or the attribute attr of element n.
type selected struct {
	n    *html.Node
	attr string // the attribute's name, "" when n itself was selected
}

// value returns the text of a selected node: an attribute's value, a
// node's text content.
func (s selected) value() string {
	if s.attr != "" {
		for _, a := range s.n.Attr {
			if a.Key == s.attr {
				return a.Val
			}
		}
		return ""
	}
	return textContent(s.n)
}

// selectNodes returns the nodes e selects under root. An expression that
// is not a node-set selects nothing, and so does one the library panics
// on.
func (e *Expr) selectNodes(root *html.Node) (out []selected) {
	ok := e.eval(root, func(v any) {
		if it, ok := v.(*xpath.NodeIterator); ok {
			out = readNodes(it)
		}
	})
	if !ok {
		return nil
	}
	return out
}

// readNodes returns the nodes of it.
func readNodes(it *xpath.NodeIterator) []selected {
	var out []selected
	for it.MoveNext() {
		nav, ok := it.Current().(*htmlquery.NodeNavigator)
		if !ok {
			continue
		}
		s := selected{n: nav.Current()}
		if nav.NodeType() == xpath.AttributeNode {
			s.attr = nav.LocalName()
		}
		out = append(out, s)
	}
	return out
}

// evaluate returns what e evaluates to under root as text, as
// FiveFilters reads title, author and date: a string, a number or a
// boolean as such; a node-set as the values of its nodes (an attribute's
// value, an element's text content) in document order. ok is false for an
// empty node-set, and when the library panics.
func (e *Expr) evaluate(root *html.Node) (values []string, nodes []selected, ok bool) {
	var v any
	if !e.eval(root, func(r any) {
		if it, isNodes := r.(*xpath.NodeIterator); isNodes {
			r = readNodes(it)
		}
		v = r
	}) {
		return nil, nil, false
	}
	switch v := v.(type) {
	case string:
		return []string{v}, nil, true
	case float64:
		if math.IsNaN(v) {
			return nil, nil, false
		}
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}, nil, true
	case bool:
		return []string{strconv.FormatBool(v)}, nil, true
	case []selected:
		nodes = sortSelected(root, v)
		for _, s := range nodes {
			values = append(values, s.value())
		}
		return values, nodes, len(nodes) > 0
	}
	return nil, nil, false
}

// sortSelected sorts sel into document order (attributes in the order of
// their elements), as XPath 1.0 returns a node-set; the library gives a
// union's nodes operand by operand.
func sortSelected(root *html.Node, sel []selected) []selected {
	if len(sel) < 2 {
		return sel
	}
	order := map[*html.Node]int{}
	for _, s := range sel {
		order[s.n] = -1
	}
	i, left := 0, len(order)
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if _, ok := order[n]; ok {
			order[n] = i
			left--
		}
		i++
		for c := n.FirstChild; c != nil && left > 0; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	sort.SliceStable(sel, func(a, b int) bool { return order[sel[a].n] < order[sel[b].n] })
	return sel
}

// matches reports whether e selects a node under root, or evaluates to
// true, a non-empty string or a number other than 0.
func (e *Expr) matches(root *html.Node) bool {
	found := false
	e.eval(root, func(v any) {
		switch v := v.(type) {
		case *xpath.NodeIterator:
			found = v.MoveNext()
		case bool:
			found = v
		case string:
			found = v != ""
		case float64:
			found = v != 0 && !math.IsNaN(v)
		}
	})
	return found
}

// textContent returns the text of n and its descendants, as the DOM's
// textContent.
func textContent(n *html.Node) string {
	if n.Type == html.TextNode || n.Type == html.CommentNode {
		return n.Data
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}
