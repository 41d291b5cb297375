package clean

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The fast path: parseSimple builds the tree golang.org/x/net/html builds
// of a fragment in the context of a <body> (as parseFragment asks it to),
// for the simple HTML most feed items hold, without that parser: one pass
// over the string, a stack of open elements, nodes allocated a chunk at a
// time, text and attribute values shared with the string where no
// reference is in them.
//
// It follows x/net/html's tokenizer, and its insertion modes for a set of
// elements: phrasing and block elements, lists, headings, <pre>, tables
// written out (sections, rows, cells, captions, column groups), and the
// raw text of scripts, styles and iframes. It declines every fragment
// whose tree it is not sure to build the same way: any other element; a
// start tag that would close an open element (a <div> in a <p>, an <li>
// in an <li>, an <a> in an <a>, a <td> in a <td>) or be moved out of a
// table; an end tag that would close a formatting element other than
// the current one (the adoption agency, reconstruction), or that would
// do anything in a table but close its current part; text in a table
// but white space; declarations and odd comments; references in
// attribute values that x/net/html may read otherwise than in text; NUL;
// deep nesting. Declined fragments go to x/net/html.
//
// Within what it accepts, the list of active formatting elements never
// matters: a formatting element leaves the stack only by its own end
// tag, which takes it off the list too, so the list is never
// reconstructed nor searched to any effect; it is not kept. The
// differential tests and FuzzParseFragment hold the fast path to
// x/net/html's trees.

// maxFastDepth bounds the stack of open elements of the fast path;
// x/net/html fails beyond 512 elements, the fast path declines long
// before.
const maxFastDepth = 256

// maxChunk is the most nodes the fast path allocates at once.
const maxChunk = 128

// An elemKind says how x/net/html's insertion modes treat the start tag
// of an element the fast path knows.
type elemKind uint8

const (
	kindUnknown    elemKind = iota // not handled: decline
	kindOrdinary                   // "any other start tag"
	kindBlock                      // closes a <p> in button scope
	kindHeading                    // h1-h6: also closes a current heading
	kindPre                        // a block whose first newline is dropped
	kindListItem                   // li: closes an open li
	kindDefItem                    // dd, dt: close an open dd or dt
	kindFormatting                 // a formatting element: attributes sorted
	kindVoid                       // no content, no end tag
	kindHr                         // void, closes a <p> in button scope
	kindTable                      // closes a <p>, starts the table modes
	kindCaption                    // in a table
	kindSection                    // tbody, thead, tfoot: in a table
	kindRow                        // tr: in a table section
	kindCell                       // td, th: in a row
	kindColgroup                   // in a table
	kindCol                        // void, in a colgroup
	kindRawText                    // script, style, iframe: raw text
)

// kindOf returns how the fast path handles the element a.
func kindOf(a atom.Atom) elemKind {
	switch a {
	case atom.Span, atom.Sub, atom.Sup, atom.Cite, atom.Q, atom.Abbr, atom.Time, atom.Mark,
		atom.Del, atom.Ins, atom.Dfn, atom.Kbd, atom.Samp, atom.Var, atom.Bdi, atom.Bdo,
		atom.Data, atom.Picture, atom.Video, atom.Audio,
		atom.Noscript: // scripting is disabled: its content is markup
		return kindOrdinary
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Div, atom.Dl, atom.Figcaption, atom.Figure, atom.Footer, atom.Header, atom.Hgroup,
		atom.Main, atom.Nav, atom.Ol, atom.P, atom.Section, atom.Summary, atom.Ul:
		return kindBlock
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return kindHeading
	case atom.Pre:
		return kindPre
	case atom.Li:
		return kindListItem
	case atom.Dd, atom.Dt:
		return kindDefItem
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.S, atom.Small,
		atom.Strike, atom.Strong, atom.Tt, atom.U:
		return kindFormatting
	case atom.Br, atom.Img, atom.Wbr, atom.Source, atom.Track,
		atom.Meta, atom.Link: // as in the head
		return kindVoid
	case atom.Hr:
		return kindHr
	case atom.Table:
		return kindTable
	case atom.Caption:
		return kindCaption
	case atom.Tbody, atom.Thead, atom.Tfoot:
		return kindSection
	case atom.Tr:
		return kindRow
	case atom.Td, atom.Th:
		return kindCell
	case atom.Colgroup:
		return kindColgroup
	case atom.Col:
		return kindCol
	case atom.Script, atom.Style, atom.Iframe:
		return kindRawText
	}
	return kindUnknown
}

// isTablePart reports whether the element a sets the insertion mode: a
// table, a caption, a section, a row or a cell.
func isTablePart(a atom.Atom) bool {
	switch a {
	case atom.Table, atom.Caption, atom.Colgroup, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th:
		return true
	}
	return false
}

// isSpecial reports whether x/net/html counts the element a, one the fast
// path knows, as special (the li and dd/dt steps stop at one).
func isSpecial(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Br, atom.Center, atom.Dd,
		atom.Details, atom.Div, atom.Dl, atom.Dt, atom.Figcaption, atom.Figure, atom.Footer,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup, atom.Hr,
		atom.Img, atom.Li, atom.Main, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section,
		atom.Source, atom.Summary, atom.Track, atom.Ul, atom.Wbr,
		atom.Table, atom.Caption, atom.Colgroup, atom.Col, atom.Tbody, atom.Thead, atom.Tfoot,
		atom.Tr, atom.Td, atom.Th, atom.Noscript, atom.Script, atom.Style, atom.Iframe:
		return true
	}
	return false
}

// fastTree is the state of the fast path over one fragment.
type fastTree struct {
	s     string
	pos   int
	stack []*html.Node // open elements; stack[0] is the root
	// mode is the index in stack of the innermost table part, which sets
	// x/net/html's insertion mode ("in table", "in row", "in cell", ...);
	// 0, the root, for "in body".
	mode  int
	openP int  // open <p> elements
	openA int  // open <a> elements
	cr    bool // s has a '\r'
	amp   bool // s has a '&'
	// Nodes and attributes are allocated a chunk at a time, up to what
	// is left of an estimate from the number of tags: in feeds, the
	// nodes are about 5/4 of the tags, the attributes 2/5. Chunks are
	// small enough that little is lost when the fast path declines.
	tags, nodeCount, attrCount int
	nodes                      []html.Node
	attrs                      []html.Attribute
	pending                    []html.Attribute // the attributes of the tag being read
}

// parseSimple returns the tree parseFragment makes of s, the children of
// a <div>, or nil when s is not simple enough to be sure of it.
func parseSimple(s string) *html.Node {
	root, _ := simpleTree(s)
	return root
}

// simpleTree is parseSimple, also returning where in s it declined.
func simpleTree(s string) (*html.Node, int) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, i // x/net/html drops or replaces NUL
	}
	t := &fastTree{s: s, tags: strings.Count(s, "<"),
		cr: strings.IndexByte(s, '\r') >= 0, amp: strings.IndexByte(s, '&') >= 0}
	root := t.node()
	root.Type, root.Data, root.DataAtom = html.ElementNode, "div", atom.Div
	t.stack = append(make([]*html.Node, 0, 32), root)
	if !t.parse() {
		return nil, t.pos
	}
	return root, 0
}

// node returns a new zero node.
func (t *fastTree) node() *html.Node {
	if len(t.nodes) == cap(t.nodes) {
		n := min(max(t.tags*5/4+2-t.nodeCount, 8), maxChunk)
		t.nodes = make([]html.Node, 0, n)
		t.nodeCount += n
	}
	t.nodes = t.nodes[:len(t.nodes)+1]
	return &t.nodes[len(t.nodes)-1]
}

// attrSlice returns the pending attributes in a slice of their own (its
// capacity its length: appending to it does not write over another's).
func (t *fastTree) attrSlice() []html.Attribute {
	n := len(t.pending)
	if n == 0 {
		return nil
	}
	if cap(t.attrs)-len(t.attrs) < n {
		c := max(min(t.tags*2/5+1-t.attrCount, maxChunk/2), n)
		t.attrs = make([]html.Attribute, 0, c)
		t.attrCount += c
	}
	i := len(t.attrs)
	t.attrs = append(t.attrs, t.pending...)
	return t.attrs[i : i+n : i+n]
}

func (t *fastTree) top() *html.Node { return t.stack[len(t.stack)-1] }

// modeAtom returns the element that sets the insertion mode: a table
// part, or the root's atom (Div) "in body".
func (t *fastTree) modeAtom() atom.Atom { return t.stack[t.mode].DataAtom }

// inTableModes reports whether the insertion mode is "in table", "in
// table body", "in row" or "in column group", where only table parts and
// white space may come.
func (t *fastTree) inTableModes() bool {
	switch t.modeAtom() {
	case atom.Table, atom.Colgroup, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
		return true
	}
	return false
}

// push adds the element n to the current element and opens it.
func (t *fastTree) push(n *html.Node) {
	appendChild(t.top(), n)
	t.stack = append(t.stack, n)
	switch a := n.DataAtom; {
	case a == atom.P:
		t.openP++
	case a == atom.A:
		t.openA++
	case isTablePart(a):
		t.mode = len(t.stack) - 1
	}
}

// pop closes the current element.
func (t *fastTree) pop() {
	switch t.top().DataAtom {
	case atom.P:
		t.openP--
	case atom.A:
		t.openA--
	}
	t.stack = t.stack[:len(t.stack)-1]
	if t.mode == len(t.stack) {
		t.mode--
		for t.mode > 0 && !isTablePart(t.stack[t.mode].DataAtom) {
			t.mode--
		}
	}
}

// parse reads the whole fragment, reporting whether it stayed within
// what the fast path knows.
func (t *fastTree) parse() bool {
	s := t.s
	for t.pos < len(s) {
		// Text up to the next '<' that starts a tag, an end tag, a comment
		// or a declaration; any other '<' is text.
		start := t.pos
		i := start
		for {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				i = len(s)
				break
			}
			i += j
			if i+1 < len(s) && isMarkupStart(s[i+1]) {
				break
			}
			i++
		}
		if i > start && !t.text(s[start:i]) {
			return false
		}
		t.pos = i
		if i == len(s) {
			break
		}
		var ok bool
		switch c := s[i+1]; c {
		case '/':
			ok = t.endTag()
		case '!':
			ok = t.comment()
		case '?':
			ok = false // a bogus comment
		default:
			ok = t.startTag()
		}
		if !ok {
			return false
		}
	}
	return true
}

// isMarkupStart reports whether c after a '<' makes it markup for the
// tokenizer rather than text.
func isMarkupStart(c byte) bool {
	return isLetter(c) || c == '/' || c == '!' || c == '?'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isSpace reports whether the tokenizer takes c for white space.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r' }

// crlf returns s, a part of t.s, with "\r\n" and "\r" made "\n", as the
// tokenizer does to text, attribute values and comments.
func (t *fastTree) crlf(s string) string {
	if !t.cr || strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// appendChild adds c, a new node, as the last child of n.
func appendChild(n, c *html.Node) {
	c.Parent = n
	if last := n.LastChild; last != nil {
		last.NextSibling = c
		c.PrevSibling = last
	} else {
		n.FirstChild = c
	}
	n.LastChild = c
}

// text adds raw, the text between two tags, to the current element.
func (t *fastTree) text(raw string) bool {
	d := t.crlf(raw)
	if t.amp && strings.IndexByte(d, '&') >= 0 {
		d = unescapeText(d)
	}
	top := t.top()
	if t.inTableModes() {
		// White space goes in the table part, anything else before the
		// table (foster parenting).
		if strings.Trim(d, " \t\r\n\f") != "" {
			return false
		}
	} else if top.DataAtom == atom.Pre && top.FirstChild == nil {
		// The first newline of a <pre> is dropped (a reference's CR too).
		if d != "" && d[0] == '\r' {
			d = d[1:]
		}
		if d != "" && d[0] == '\n' {
			d = d[1:]
		}
	}
	if d == "" {
		return true
	}
	if last := top.LastChild; last != nil && last.Type == html.TextNode {
		last.Data += d
		return true
	}
	n := t.node()
	n.Type, n.Data = html.TextNode, d
	appendChild(top, n)
	return true
}

// comment reads "<!--...-->" at t.pos: a comment whose data has no "--",
// no '>' and no '-' at either end, so that its end is the first "-->".
func (t *fastTree) comment() bool {
	s := t.s[t.pos:]
	if !strings.HasPrefix(s, "<!--") {
		return false // a declaration, CDATA or a bogus comment
	}
	end := strings.Index(s[4:], "-->")
	if end < 0 {
		return false
	}
	data := s[4 : 4+end]
	if data != "" && (data[0] == '-' || data[len(data)-1] == '-' || strings.Contains(data, "--") || strings.IndexByte(data, '>') >= 0) {
		return false
	}
	n := t.node()
	n.Type, n.Data = html.CommentNode, t.crlf(data)
	appendChild(t.top(), n)
	t.pos += 4 + end + 3
	return true
}

// endTag reads "</name>" at t.pos. It must end the current element, or
// be one of the few other end tags whose effect is plain.
func (t *fastTree) endTag() bool {
	s := t.s
	i := t.pos + 2
	if i >= len(s) || !isLetter(s[i]) {
		return false // "</>", a bogus comment, or text at the end
	}
	nameStart := i
	for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	name := s[nameStart:i]
	// The tokenizer reads the attributes of end tags, and drops them.
	i, ok := t.readAttrs(i)
	if !ok {
		return false
	}
	switch {
	case len(t.stack) > 1 && equalLower(name, t.top().Data):
		t.pop()
	case equalLower(name, "table"):
		// In a section or a row: x/net/html closes them, then the table.
		if !t.inTableModes() {
			return false
		}
		for t.top().DataAtom != atom.Table {
			t.pop()
		}
		t.pop()
	case t.modeAtom() == atom.Colgroup && equalLower(name, "col"):
		// Dropped.
	case t.inTableModes():
		return false
	case t.openP == 0 && equalLower(name, "p"):
		// </p> without a <p> open is <p></p>.
		if len(t.stack) >= maxFastDepth {
			return false
		}
		n := t.node()
		n.Type, n.Data, n.DataAtom = html.ElementNode, "p", atom.P
		appendChild(t.top(), n)
	case equalLower(name, "br"):
		// </br> is <br>.
		if len(t.stack) >= maxFastDepth {
			return false
		}
		n := t.node()
		n.Type, n.Data, n.DataAtom = html.ElementNode, "br", atom.Br
		appendChild(t.top(), n)
	case t.ignoresEndTag(name):
		// Nothing.
	default:
		// The end tag of an open element that is not the current one.
		j := t.closedBy(name)
		if j < 0 {
			return false
		}
		for len(t.stack) > j {
			t.pop()
		}
	}
	t.pos = i
	return true
}

// atomOf returns the atom of a tag name, in any case; 0 for a name that
// is none, or longer than any the fast path knows.
func atomOf(name string) atom.Atom {
	var buf [16]byte
	if len(name) > len(buf) {
		return 0
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return atom.Lookup(buf[:len(name)])
}

// closedBy returns the index in the stack of the element x/net/html
// closes, with all above it, for the end tag name of an element below
// the current one, when that is all it does; or -1. It declines the end
// tags of formatting elements (the adoption agency), and closing a
// formatting element, which x/net/html would open again (reconstruct).
func (t *fastTree) closedBy(name string) int {
	a := atomOf(name)
	kind := kindOf(a)
	if kind == kindFormatting || kind == kindUnknown {
		return -1
	}
	for i := len(t.stack) - 1; i > 0; i-- {
		n := t.stack[i].DataAtom
		switch {
		case n == a:
			return i
		case kind == kindHeading && kindOf(n) == kindHeading:
			return i // any heading closes the open one
		case kindOf(n) == kindFormatting:
			return -1
		case n == atom.Table || n == atom.Td || n == atom.Th || n == atom.Caption:
			return -1 // the end of the scope, or ignored
		case a == atom.Li && (n == atom.Ol || n == atom.Ul):
			return -1 // ignored: the end of list item scope
		case (kind == kindOrdinary || kind == kindRawText) && isSpecial(n):
			return -1 // ignored: "any other end tag" stops at one
		}
	}
	return -1
}

// ignoresEndTag reports whether x/net/html does nothing with the end tag
// name in a mode that reads it as in body: one of an element that is not
// open, and not one of the end tags that do something even then (</p>,
// </br>, </body>, </html>, </form>, </template>, those of table parts,
// and of headings, which close any heading).
func (t *fastTree) ignoresEndTag(name string) bool {
	var buf [16]byte
	if len(name) > len(buf) {
		return false
	}
	lname := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if !isAlnum(c) {
			return false
		}
		lname[i] = c
	}
	a := atom.Lookup(lname)
	switch a {
	case atom.P, atom.Br, atom.Body, atom.Html, atom.Form, atom.Template, atom.Applet, atom.Marquee, atom.Object:
		return false
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		for _, n := range t.stack[1:] {
			switch n.DataAtom {
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				return false
			}
		}
		return true
	}
	if isTablePart(a) || a == atom.Col {
		return false
	}
	for _, n := range t.stack[1:] {
		if n.Data == string(lname) {
			return false
		}
	}
	return true
}

// equalLower reports whether name, lowered, is lower (in lower case).
func equalLower(name, lower string) bool {
	if len(name) != len(lower) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// startTag reads a start tag at t.pos and adds its element.
func (t *fastTree) startTag() bool {
	s := t.s
	i := t.pos + 1
	nameStart := i
	for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	a := atomOf(s[nameStart:i])
	kind := kindOf(a)
	if kind == kindUnknown {
		return false
	}
	i, ok := t.readAttrs(i)
	if !ok {
		return false
	}
	// i is past the '>'. x/net/html ignores the self-closing flag but on
	// void elements; declining it elsewhere spares its cases (<a href=x/>).
	if s[i-2] == '/' && kind != kindVoid && kind != kindHr && kind != kindCol {
		return false
	}
	if hasDuplicateKey(t.pending) {
		return false // the tokenizer keeps the first
	}
	if len(t.stack)+2 > maxFastDepth {
		return false
	}
	if kind != kindCol && t.modeAtom() == atom.Colgroup {
		// Anything but a column ends a column group; the table reads it.
		t.pop()
	}
	if !t.allowed(a, kind) {
		return false
	}
	attr := t.attrSlice()
	if kind == kindFormatting {
		// addFormattingElement sorts them (for its Noah's Ark clause).
		slices.SortFunc(attr, func(x, y html.Attribute) int { return strings.Compare(x.Key, y.Key) })
	}
	if kind == kindCol && t.modeAtom() == atom.Table {
		// A column directly in a table: x/net/html opens a <colgroup>.
		colgroup := t.node()
		colgroup.Type, colgroup.Data, colgroup.DataAtom = html.ElementNode, "colgroup", atom.Colgroup
		t.push(colgroup)
	}
	if kind == kindRow && t.modeAtom() == atom.Table {
		// A row directly in a table: x/net/html opens a <tbody> first.
		tbody := t.node()
		tbody.Type, tbody.Data, tbody.DataAtom = html.ElementNode, "tbody", atom.Tbody
		t.push(tbody)
	}
	n := t.node()
	n.Type, n.Data, n.DataAtom, n.Attr = html.ElementNode, a.String(), a, attr
	t.pos = i
	switch kind {
	case kindVoid, kindHr, kindCol:
		appendChild(t.top(), n)
	case kindRawText:
		t.push(n)
		return t.rawText()
	default:
		t.push(n)
	}
	return true
}

// rawText reads the content of the current element, a script, style or
// iframe, up to its end tag, and the end tag.
func (t *fastTree) rawText() bool {
	s, name := t.s, t.top().Data
	end := t.pos
	for {
		j := strings.Index(s[end:], "</")
		if j < 0 {
			return false // raw text to the end: declined
		}
		end += j
		k := end + 2 + len(name)
		if k < len(s) && equalLower(s[end+2:k], name) && (isSpace(s[k]) || s[k] == '/' || s[k] == '>') {
			break
		}
		end += 2
	}
	raw := s[t.pos:end]
	if name == "script" && strings.Contains(raw, "<!--") {
		return false // the escaped states of script data
	}
	if raw != "" {
		n := t.node()
		n.Type, n.Data = html.TextNode, t.crlf(raw) // no references in raw text
		appendChild(t.top(), n)
	}
	i, ok := t.readAttrs(end + 2 + len(name))
	if !ok {
		return false
	}
	t.pop()
	t.pos = i
	return true
}

// allowed reports whether the start tag of a, of the given kind, adds its
// element to the current one and nothing else in the insertion mode: it
// closes no element, and is neither dropped nor moved out of a table.
func (t *fastTree) allowed(a atom.Atom, kind elemKind) bool {
	// In the table modes, scripts and styles are read as in the head.
	headRaw := kind == kindRawText && a != atom.Iframe
	switch t.modeAtom() {
	case atom.Table:
		return kind == kindCaption || kind == kindColgroup || kind == kindCol || kind == kindSection || kind == kindRow || headRaw
	case atom.Colgroup:
		return kind == kindCol
	case atom.Tbody, atom.Thead, atom.Tfoot:
		return kind == kindRow || headRaw
	case atom.Tr:
		return kind == kindCell || headRaw
	}
	// "In body", or in a cell or a caption, which read it as in body.
	switch kind {
	case kindCaption, kindColgroup, kindCol, kindSection, kindRow, kindCell:
		return false // closes the cell or caption, or is dropped
	case kindBlock, kindPre, kindHr, kindTable:
		return t.openP == 0
	case kindHeading:
		switch t.top().DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			return false
		}
		return t.openP == 0
	case kindListItem, kindDefItem:
		return !t.closesItem(a) && t.openP == 0
	case kindFormatting:
		return a != atom.A || t.openA == 0
	}
	return true
}

// closesItem reports whether the start tag of a, li or dd/dt, would close
// an open element of the stack: x/net/html's loop over the stack, down to
// the first special element other than address, div and p.
func (t *fastTree) closesItem(a atom.Atom) bool {
	for i := len(t.stack) - 1; i > 0; i-- {
		switch n := t.stack[i].DataAtom; {
		case n == atom.Li && a == atom.Li, (n == atom.Dd || n == atom.Dt) && a != atom.Li:
			return true
		case n == atom.Address || n == atom.Div || n == atom.P:
		case isSpecial(n):
			return false
		}
	}
	return false // the root, <html> for x/net/html, is special
}

func hasDuplicateKey(attr []html.Attribute) bool {
	for i := 1; i < len(attr); i++ {
		for j := 0; j < i; j++ {
			if attr[i].Key == attr[j].Key {
				return true
			}
		}
	}
	return false
}

// readAttrs reads the attributes of a start tag from s[i:], just past its
// name, into t.pending, as x/net/html's readTag does. It returns the
// position past the tag's '>'.
func (t *fastTree) readAttrs(i int) (int, bool) {
	s := t.s
	t.pending = t.pending[:0]
	i = skipSpace(s, i)
	for {
		if i >= len(s) {
			return 0, false // the tokenizer drops a tag cut by the end
		}
		if s[i] == '>' {
			return i + 1, true
		}
		// The key: up to white space, '/', '>' or an '=' that is not its
		// first byte.
		keyStart := i
		for i < len(s) {
			c := s[i]
			if isSpace(c) || c == '/' || c == '>' || c == '=' && i > keyStart {
				break
			}
			i++
		}
		if i >= len(s) {
			return 0, false
		}
		key := s[keyStart:i]
		// The value.
		val := ""
		i = skipSpace(s, i)
		if i >= len(s) {
			return 0, false
		}
		switch s[i] {
		case '/':
			i++
		case '=':
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return 0, false
			}
			switch q := s[i]; q {
			case '>':
			case '"', '\'':
				end := strings.IndexByte(s[i+1:], q)
				if end < 0 {
					return 0, false
				}
				val = s[i+1 : i+1+end]
				i += 1 + end + 1
			default:
				vs := i
				for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
					i++
				}
				if i >= len(s) {
					return 0, false
				}
				val = s[vs:i]
				if s[i] != '>' {
					i++ // the white space ends the value
				}
			}
		}
		if key != "" {
			k, ok := attrKey(key)
			if !ok {
				return 0, false
			}
			v, ok := t.crlf(val), true
			if t.amp {
				v, ok = unescapeAttr(v)
			}
			if !ok {
				return 0, false
			}
			if t.pending == nil {
				t.pending = make([]html.Attribute, 0, 8)
			}
			t.pending = append(t.pending, html.Attribute{Key: k, Val: v})
		}
		i = skipSpace(s, i)
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// attrKey returns the attribute name key in lower case, as x/net/html
// names it, or false for a name with other bytes than letters, digits
// and "-_.:".
func attrKey(key string) (string, bool) {
	upper := false
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		case 'A' <= c && c <= 'Z':
			upper = true
		default:
			return "", false
		}
	}
	if !upper {
		if a := atom.Lookup([]byte(key)); a != 0 {
			return a.String(), true
		}
		return key, true
	}
	return strings.ToLower(key), true
}

// unescapeAttr returns v, an attribute value, with its character
// references read as x/net/html reads those of attribute values, or false
// when it may read them otherwise than it reads text: a named reference
// without ';' (which it reads in text, but not before '=' in a value), or
// one with ';' whose name is not an entity's but starts with one (which it
// reads in text only, "&notit;"). Other values read as text does.
func unescapeAttr(v string) (string, bool) {
	if strings.IndexByte(v, '&') < 0 {
		return v, true
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '&' {
			continue
		}
		j := i + 1
		if j < len(v) && v[j] == '#' {
			continue // numeric references read alike
		}
		for j < len(v) && isAlnum(v[j]) {
			j++
		}
		if j == i+1 {
			continue // no name: a plain '&'
		}
		semi := j < len(v) && v[j] == ';'
		if semi {
			j++
		}
		ref := v[i:j]
		d := html.UnescapeString(ref)
		if d == ref {
			continue // no entity there, read as text or not
		}
		// Read as text: a whole name (one or two characters), or the
		// longest entity name without ';' it starts with, then the rest
		// of it, which ends in ';' (a whole name decodes to ";" only for
		// "&semi;").
		if !semi || strings.HasSuffix(d, ";") && d != ";" {
			return "", false
		}
	}
	return unescapeText(v), true
}

// unescapeText returns s with its character references read as
// x/net/html reads those of text (html.UnescapeString). Numeric ones and
// a few common named ones it reads itself; when there are others it
// leaves s to UnescapeString.
func unescapeText(s string) string {
	b := make([]byte, 0, len(s)) // references are longer than what they stand for
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '&')
		if j < 0 {
			return string(append(b, s[i:]...))
		}
		b = append(b, s[i:i+j]...)
		i += j
		var r rune
		var n int
		if i+1 < len(s) && s[i+1] == '#' {
			r, n = numericRef(s[i:])
		} else {
			r, n = commonRef(s[i:])
		}
		if n == 0 {
			return html.UnescapeString(s)
		}
		b = utf8.AppendRune(b, r)
		i += n
	}
}

// commonRefs are named references whose names are entities, and so read
// alike as text and in attribute values.
var commonRefs = [...]struct {
	name string
	r    rune
}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&nbsp;", '\u00a0'}}

// commonRef reads the reference at the start of s ('&') as x/net/html
// does when it is a plain '&' (not followed by a letter or digit) or one
// of commonRefs, returning what it stands for and its length; or 0.
func commonRef(s string) (rune, int) {
	if len(s) < 2 || !isAlnum(s[1]) {
		return '&', 1
	}
	for _, c := range commonRefs {
		if strings.HasPrefix(s, c.name) {
			return c.r, len(c.name)
		}
	}
	return 0, 0
}

// numericRef reads the numeric reference at the start of s ("&#") as
// x/net/html's unescapeEntity does, returning the character it stands
// for and its length (1 for a plain '&'), or 0 for one it maps through
// its table of Windows-1252 characters (0x80-0x9F).
func numericRef(s string) (rune, int) {
	if len(s) < 3 {
		return '&', 1
	}
	i := 2
	hex := s[i] == 'x' || s[i] == 'X'
	if hex {
		i++
	}
	i0 := i
	x := rune(0)
digits:
	for ; i < len(s); i++ {
		c := s[i]
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case hex && 'a' <= c && c <= 'f':
			d = rune(c-'a') + 10
		case hex && 'A' <= c && c <= 'F':
			d = rune(c-'A') + 10
		default:
			break digits
		}
		if x <= 0x10FFFF { // no further: it cannot overflow
			if hex {
				x = 16*x + d
			} else {
				x = 10*x + d
			}
		}
	}
	if i == i0 {
		return '&', 1 // "&#" and no digits: a plain '&'
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	switch {
	case 0x80 <= x && x <= 0x9F:
		return 0, 0
	case x == 0 || 0xD800 <= x && x <= 0xDFFF || x > 0x10FFFF:
		x = '\uFFFD'
	}
	return x, i
}
