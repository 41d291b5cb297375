package fetch

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Limits on what one document may make the parser do. max_body bounds the
// size of a document, but not what parsing it costs: gofeed (through goxpp
// and encoding/xml) keeps state for every open element, copies the
// namespace bindings in scope at every element and builds a tree of every
// extension element, and translates every item. A few megabytes of
// crafted XML could take gigabytes and minutes. Parse checks a document
// against these limits before handing it to gofeed.
const (
	// MaxItems is the number of items kept from one document: the newest
	// by date (published or updated, whichever is later); items without a
	// date rank after dated ones, in document order. One source cannot
	// flood the store, and a feed of 100,000 items costs what a feed of
	// 1,000 does.
	MaxItems = 1000
	// MaxDepth is how deep elements may nest; deeper documents are
	// rejected.
	MaxDepth = 256
	// MaxNamespaces is how many namespace declarations may be in scope at
	// any element; documents with more are rejected.
	MaxNamespaces = 64
	// MaxNodes bounds the elements and attributes (in JSON, the values in
	// arrays and objects) of what is parsed. Items are dropped, oldest
	// first, until the document fits; a document whose nodes outside items
	// exceed it is rejected.
	MaxNodes = 100_000
)

// ErrTooComplex is returned for a document beyond the structural limits
// (MaxDepth, MaxNamespaces, MaxNodes).
var ErrTooComplex = errors.New("document too complex")

// ErrEntityExpansion is returned for a document whose DTD declares entities
// that refer to other entities, the shape of a "billion laughs" attack.
// encoding/xml expands no declared entity, so such a document would not
// blow up, but it is never a genuine feed.
var ErrEntityExpansion = errors.New("DTD declares nested entities (entity expansion attack)")

// limit returns body, a document in UTF-8, within the limits: items beyond
// MaxItems (or beyond MaxNodes) are removed, and counted in dropped. It
// returns an error for a
// document that cannot be brought within them. A document that is not well
// formed is checked up to its first error, where gofeed stops too.
func limit(body []byte) (out []byte, dropped int, err error) {
	switch firstByte(body) {
	case '<':
		if withinLimitsXML(body) {
			return body, 0, nil
		}
		return limitXML(body)
	case '{':
		if nodes, items := jsonBounds(body); nodes <= MaxNodes && items <= MaxItems {
			return body, 0, nil // what limitJSON would find, for less
		}
		return limitJSON(body)
	}
	return body, 0, nil
}

// withinLimitsXML reports, from a quick scan of the bytes, whether an XML
// document is certainly within the limits, so that the full check (a
// token pass, costing about half of what parsing does) can be skipped. It
// counts upper bounds: every "<" may be an element and every "=" an
// attribute, every "<item" or "<entry" an item, every "xmlns" in a tag a
// declaration in scope until the tag's element ends; and it follows the
// nesting of tags, skipping comments, CDATA sections and declarations. A
// document with entity declarations is always checked fully.
func withinLimitsXML(body []byte) bool {
	if bytes.Count(body, []byte("<"))+bytes.Count(body, []byte("=")) > MaxNodes ||
		bytes.Count(body, []byte("<item"))+bytes.Count(body, []byte("<entry")) > MaxItems ||
		bytes.Contains(body, []byte("<!ENTITY")) {
		return false
	}
	// Only a document of more "xmlns" than MaxNamespaces in all needs them
	// counted by scope (a podcast feed may declare one on every element).
	byScope := bytes.Count(body, []byte("xmlns")) > MaxNamespaces
	var ns [MaxDepth + 1]int // "xmlns" in the tag of the open element at each depth
	depth, inScope := 0, 0
	for i := 0; i < len(body); i++ {
		if body[i] != '<' {
			continue
		}
		rest := body[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest, []byte("-->"))
			if end < 0 {
				return true // the rest is a comment
			}
			i += end + 2
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest, []byte("]]>"))
			if end < 0 {
				return true
			}
			i += end + 2
		case len(rest) > 1 && (rest[1] == '?' || rest[1] == '!'):
			// a processing instruction or a declaration: no element
		case len(rest) > 1 && rest[1] == '/':
			if depth >= 0 {
				inScope -= ns[depth]
				ns[depth] = 0
			}
			depth--
		default:
			end := tagEnd(rest)
			if end < 0 {
				return true // an unfinished tag ends the document
			}
			n := 0
			if byScope {
				n = bytes.Count(rest[:end], []byte("xmlns"))
				if inScope+n > MaxNamespaces {
					return false
				}
			}
			if rest[end-1] != '/' {
				depth++
				if depth > MaxDepth {
					return false
				}
				if depth >= 0 {
					ns[depth] = n
					inScope += n
				}
			}
			i += end
		}
	}
	return true
}

// tagEnd returns the index of the ">" that ends the tag at the start of b,
// skipping quoted attribute values, or -1.
func tagEnd(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

// firstByte returns the first byte of body after white space and byte
// order marks, as gofeed's type detection sees it.
func firstByte(body []byte) byte {
	for _, c := range body {
		switch c {
		case ' ', '\r', '\n', '\t', 0xFE, 0xFF, 0x00, 0xEF, 0xBB, 0xBF:
			continue
		}
		return c
	}
	return 0
}

// An itemSpan is where an item element is in a document.
type itemSpan struct {
	start, end int64 // byte offsets; end is 0 while the item is open
	nodes      int   // elements and attributes
	date       time.Time
}

// dateElements are the (lower-cased) children of an item that date it.
var dateElements = map[string]bool{"pubdate": true, "published": true, "updated": true, "date": true, "modified": true, "issued": true}

func limitXML(body []byte) ([]byte, int, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	// As gofeed's decoder, so that both read the same tokens; the body is
	// UTF-8 already.
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	type open struct {
		ns   int // namespace declarations
		item int // index in items of the item this element is, or -1
	}
	var (
		stack   []open
		names   []string // lower-cased local names of the open elements
		items   []itemSpan
		cur     = -1 // the item being read
		curAt   = 0  // its depth
		nodes   = 0
		inScope = 0
		dateAt  = 0 // depth of the date element being read, or 0
		dateBuf []byte
	)
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			break // io.EOF, or a syntax error gofeed will report
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, 0, fmt.Errorf("%w: elements nested deeper than %d", ErrTooComplex, MaxDepth)
			}
			ns := 0
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					ns++
				}
			}
			inScope += ns
			if inScope > MaxNamespaces {
				return nil, 0, fmt.Errorf("%w: more than %d namespace declarations in scope", ErrTooComplex, MaxNamespaces)
			}
			n := 1 + len(t.Attr)
			nodes += n
			name := strings.ToLower(t.Name.Local)
			e := open{ns: ns, item: -1}
			if cur >= 0 {
				items[cur].nodes += n
				if len(stack) == curAt && dateElements[name] {
					dateAt, dateBuf = len(stack)+1, dateBuf[:0]
				}
			} else if (name == "item" || name == "entry") && len(names) > 0 && itemParent(names[len(names)-1]) {
				items = append(items, itemSpan{start: off, nodes: n})
				cur, curAt = len(items)-1, len(stack)+1
				e.item = cur
			}
			stack = append(stack, e)
			names = append(names, name)
		case xml.EndElement:
			if len(stack) == 0 {
				break
			}
			if dateAt == len(stack) && cur >= 0 {
				if t, ok := parseDate(string(dateBuf)); ok && t.After(items[cur].date) {
					items[cur].date = t
				}
				dateAt = 0
			}
			e := stack[len(stack)-1]
			stack, names = stack[:len(stack)-1], names[:len(names)-1]
			inScope -= e.ns
			if e.item >= 0 {
				items[e.item].end = d.InputOffset()
				cur = -1
			}
		case xml.CharData:
			if dateAt > 0 && len(dateBuf) < 256 {
				dateBuf = append(dateBuf, t...)
			}
		case xml.Directive:
			if err := checkDTD(t); err != nil {
				return nil, 0, err
			}
		}
		if len(stack) == 0 && nodes > 0 {
			break // the root element ended; gofeed reads no further
		}
	}
	outside := nodes
	for _, it := range items {
		if it.end > 0 {
			outside -= it.nodes
		}
	}
	if outside > MaxNodes {
		return nil, 0, fmt.Errorf("%w: more than %d elements and attributes outside items", ErrTooComplex, MaxNodes)
	}
	if len(items) <= MaxItems && nodes <= MaxNodes {
		return body, 0, nil
	}
	keep := choose(len(items), func(i int) time.Time { return items[i].date }, func(i int) int {
		if items[i].end == 0 {
			return -1 // unfinished: gofeed fails there
		}
		return items[i].nodes
	}, MaxNodes-outside)
	out := make([]byte, 0, len(body))
	pos := int64(0)
	dropped := 0
	for i, it := range items {
		if keep[i] {
			continue
		}
		out = append(out, body[pos:it.start]...)
		pos = it.end
		dropped++
	}
	return append(out, body[pos:]...), dropped, nil
}

// itemParent reports whether an element of that (lower-cased) name holds
// the items of a feed: RSS 2.0's channel, RSS 1.0's rdf:RDF, Atom's feed.
func itemParent(name string) bool {
	return name == "channel" || name == "rdf" || name == "feed" || name == "rss"
}

// entityDecl matches an entity declaration with a literal value.
var entityDecl = regexp.MustCompile(`<!ENTITY\s+(?:%\s+)?[^\s"']+\s+(?:"([^"]*)"|'([^']*)')`)

// entityRef matches a reference to a general or parameter entity (not a
// character reference).
var entityRef = regexp.MustCompile(`[&%][A-Za-z_:]`)

// checkDTD rejects a document type declaration whose entities refer to
// other entities.
func checkDTD(dir xml.Directive) error {
	if !bytes.HasPrefix(dir, []byte("DOCTYPE")) || !bytes.Contains(dir, []byte("<!ENTITY")) {
		return nil
	}
	for _, m := range entityDecl.FindAllSubmatch(dir, -1) {
		if entityRef.Match(m[1]) || entityRef.Match(m[2]) {
			return ErrEntityExpansion
		}
	}
	return nil
}

// choose returns which of n items to keep: the newest first, up to
// MaxItems, as long as their nodes fit in budget. Items of negative nodes
// are kept, and not counted.
func choose(n int, date func(int) time.Time, nodes func(int) int, budget int) []bool {
	keep := make([]bool, n)
	kept := 0
	for _, i := range newestFirst(n, date) {
		switch c := nodes(i); {
		case c < 0:
			keep[i] = true
		case kept < MaxItems && c <= budget:
			keep[i] = true
			kept++
			budget -= c
		}
	}
	return keep
}

// limitJSON keeps the newest items of a JSON Feed within MaxItems and
// MaxNodes (counting the values in arrays and objects as jsonBounds does).
func limitJSON(body []byte) ([]byte, int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return body, 0, nil // gofeed reports it
	}
	var items []json.RawMessage
	if err := json.Unmarshal(top["items"], &items); err != nil {
		items = nil
	}
	total, _ := jsonBounds(body)
	nodes := make([]int, len(items))
	outside := total
	for i, raw := range items {
		nodes[i], _ = jsonBounds(raw)
		outside -= nodes[i]
	}
	if outside > MaxNodes {
		return nil, 0, fmt.Errorf("%w: more than %d values outside items", ErrTooComplex, MaxNodes)
	}
	if len(items) <= MaxItems && total <= MaxNodes {
		return body, 0, nil
	}
	dates := make([]time.Time, len(items))
	for i, raw := range items {
		var d struct {
			Published string `json:"date_published"`
			Modified  string `json:"date_modified"`
		}
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		for _, s := range []string{d.Published, d.Modified} {
			if t, ok := parseDate(s); ok && t.After(dates[i]) {
				dates[i] = t
			}
		}
	}
	keep := choose(len(items), func(i int) time.Time { return dates[i] }, func(i int) int { return nodes[i] }, MaxNodes-outside)
	kept := make([]json.RawMessage, 0, len(items))
	for i, k := range keep {
		if k {
			kept = append(kept, items[i])
		}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return body, 0, nil
	}
	top["items"] = b
	out, err := json.Marshal(top)
	if err != nil {
		return body, 0, nil
	}
	return out, len(items) - len(kept), nil
}

// jsonBounds is the scan of the JSON limits. It returns the values of b in
// arrays and objects, roughly (its commas, brackets and braces outside
// strings), and, for a document that is valid JSON, an upper bound of the
// items of a feed: the most elements of an array that is the value of a
// member of the top-level object (the commas directly in it, plus one).
func jsonBounds(b []byte) (nodes, items int) {
	inString, escaped := false, false
	depth, commas := 0, 0
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			nodes++
			depth++
			if depth == 2 && c == '[' {
				commas = 0
			}
		case ',':
			nodes++
			if depth == 2 {
				commas++
			}
		case '}', ']':
			if depth == 2 && c == ']' {
				items = max(items, commas+1)
			}
			depth--
		}
	}
	return nodes, items
}

// newestFirst returns the indexes 0..n-1 ordered by date, newest first;
// those without a date come last, in their order.
func newestFirst(n int, date func(int) time.Time) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		da, db := date(a), date(b)
		switch {
		case da.IsZero() && db.IsZero():
			return 0
		case da.IsZero():
			return 1
		case db.IsZero():
			return -1
		}
		return db.Compare(da)
	})
	return order
}

// dropControlChars removes the C0 control characters XML does not allow,
// as gofeed does before parsing, so that limitXML reads what gofeed reads.
func dropControlChars(body []byte) []byte {
	i := indexControl(body)
	if i < 0 {
		return body
	}
	out := slices.Clip(slices.Clone(body[:i]))
	out = slices.Grow(out, len(body)-i)
	for _, c := range body[i:] {
		if !badControl(c) {
			out = append(out, c)
		}
	}
	return out
}

func badControl(c byte) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }

// indexControl returns the index of the first control character of b that
// XML does not allow, or -1. It tests eight bytes at a time for one below
// 0x20 (the test may be true of a byte above one that is, never false of
// one that is), and only then looks at them one by one.
func indexControl(b []byte) int {
	const highs, below = 0x8080808080808080, 0x20 * 0x0101010101010101
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if (w-below)&^w&highs == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if badControl(b[j]) {
				return j
			}
		}
	}
	for ; i < len(b); i++ {
		if badControl(b[i]) {
			return i
		}
	}
	return -1
}
