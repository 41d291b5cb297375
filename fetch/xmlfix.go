package fetch

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// What gofeed reads wrongly in RSS and Atom, fixXML repairs in the bytes
// before gofeed reads them, or notes for amend to set right after:
//
//   - references to the entities an internal DTD declares (gofeed expands
//     none, so a guid of "&id;" stays that) are replaced by their values,
//     as text, within maxEntityGrowth (nested entities are refused
//     before, by the limits), and the DTD is removed;
//   - Atom 0.3 text of mode="escaped" or mode="base64" that gofeed leaves
//     as it is (its type is not one gofeed decodes that way) is given a
//     type that gofeed does decode so;
//   - URL attributes (href, src, uri, scheme) with white space around the
//     URL, which gofeed would resolve as a relative URL ("%20" and all),
//     are trimmed;
//   - an RSS item's <xhtml:body> (content in XHTML, which gofeed keeps as
//     a tree of extension elements only) becomes its content:encoded, in
//     HTML, unless the item has one;
//   - noted: the rdf:about of RSS 1.0 items, their identity, which gofeed
//     drops, and the scheme of Atom ids, which gofeed turns to lower case
//     (ids compare case-sensitively).
//
// Each repair is looked for only when a quick scan of the bytes finds
// what it needs, so a document that needs none is left as it is, and
// costs a few scans.

// maxEntityGrowth bounds how many bytes replacing entity references may
// add to a document; a document that needs more is refused.
const maxEntityGrowth = 1 << 20

// xmlNotes is what fixXML notes of a document for amend: for each item
// as gofeed translates them, in its order.
type xmlNotes struct {
	// about holds the rdf:about of each RSS item without a guid ("" for
	// the others), when the document is RSS.
	about []string
	// ids holds the text of the id of each Atom entry, when the document
	// is Atom.
	ids []string
}

// What fixXML looks for, found by fixGates.
type fixGates struct {
	entities bool // <!ENTITY
	modes    bool // mode=, and Atom 0.3
	urls     bool // a URL attribute with white space around its value
	xhtml    bool // the XHTML namespace and a body element
	about    bool // about= (RSS 1.0)
	ids      bool // an id whose scheme has upper case
}

func (g fixGates) any() bool {
	return g.entities || g.modes || g.urls || g.xhtml || g.about || g.ids
}

func gatesOf(body []byte) fixGates {
	return fixGates{
		entities: bytes.Contains(body, []byte("<!ENTITY")),
		modes:    bytes.Contains(body, []byte("mode=")) && (bytes.Contains(body, []byte("purl.org/atom/ns#")) || bytes.Contains(body, []byte(`version="0.3"`))),
		urls:     spacedURLAttr(body),
		xhtml:    bytes.Contains(body, []byte(xhtmlNS)) && (bytes.Contains(body, []byte("<body")) || bytes.Contains(body, []byte(":body"))),
		about:    bytes.Contains(body, []byte("about=")),
		ids:      upperSchemeID(body),
	}
}

const (
	xhtmlNS   = "http://www.w3.org/1999/xhtml"
	rdfNS     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	contentNS = "http://purl.org/rss/1.0/modules/content/"
)

// uriAttrs are the attributes gofeed resolves as URLs (lower-cased).
var uriAttrs = []string{"href", "src", "uri", "scheme"}

// spacedURLAttr reports whether body may have a URL attribute whose
// value starts or ends with white space.
func spacedURLAttr(b []byte) bool {
	for _, name := range uriAttrs {
		pat := []byte(name + "=")
		for rest := b; ; {
			i := bytes.Index(rest, pat)
			if i < 0 {
				break
			}
			rest = rest[i+len(pat):]
			if len(rest) < 2 || (rest[0] != '"' && rest[0] != '\'') {
				continue
			}
			end := bytes.IndexByte(rest[1:], rest[0])
			if end < 0 {
				break
			}
			if v := rest[1 : 1+end]; len(v) > 0 && (isXMLSpace(v[0]) || isXMLSpace(v[len(v)-1])) {
				return true
			}
		}
	}
	return false
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// schemeUpper matches, at the start of an id's text, a URI scheme with a
// letter in upper case.
var schemeUpper = regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9+.-]*:`)

// upperSchemeID reports whether body may hold an <id> (or <prefix:id>)
// whose text starts with a scheme that has upper case.
func upperSchemeID(b []byte) bool {
	for rest := b; ; {
		i := bytes.Index(rest, []byte("id>"))
		if i < 0 {
			return false
		}
		prev := byte(0)
		if i > 0 {
			prev = rest[i-1]
		}
		rest = rest[i+3:]
		if prev != '<' && prev != ':' {
			continue
		}
		if s := schemeOf(rest[:min(len(rest), 64)]); s != "" && s != strings.ToLower(s) {
			return true
		}
	}
}

// schemeOf returns the URI scheme at the start of b (after white space),
// or "".
func schemeOf(b []byte) string {
	m := schemeUpper.Find(b)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[:len(m)-1]))
}

// An xmlEdit replaces body[start:end] by text.
type xmlEdit struct {
	start, end int64
	text       []byte
}

// An openElement is an element of the document being read.
type openElement struct {
	local string            // lower-cased local name
	ns    string            // namespace (the prefix when undeclared)
	scope map[string]string // namespace declarations of the element
	item  *itemNote         // the RSS item or Atom entry the element is
}

// An itemNote is what fixXML notes of an RSS item or Atom entry.
type itemNote struct {
	about      string
	hasGUID    bool
	hasEncoded bool     // content:encoded
	body       *xmlEdit // its xhtml:body, to become content:encoded
	id         []byte   // the text of its last id
}

// fixXML returns body, an XML document in UTF-8 within the limits, with
// the repairs above, and its notes.
func fixXML(body []byte) ([]byte, xmlNotes, error) {
	g := gatesOf(body)
	if !g.any() {
		return body, xmlNotes{}, nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false // as gofeed's decoder
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		stack    []openElement
		edits    []xmlEdit
		entities map[string]string
		growth   int
		root     string
		chanIt   []*itemNote // the items of the last channel
		rootIt   []*itemNote // the items outside channels
		entries  []*itemNote
		inID     *itemNote // the entry whose id is being read
		inBody   *itemNote // the item whose xhtml:body is being read
		bodyAt   int       // the depth of that body
		html     []byte    // the body as HTML
		skipEnd  []bool    // of the elements of the body: write no end tag
		bodyFrom int64     // where the body starts
		prevOff  int64     // where the last token started
		off      int64     // where the next one starts
		parentOf = func(depth int) *openElement {
			if depth < 1 || depth > len(stack) {
				return nil
			}
			return &stack[depth-1]
		}
	)
	for {
		prevOff = off
		tok, err := d.RawToken()
		off = d.InputOffset()
		if err != nil {
			break // io.EOF, or an error where gofeed stops too
		}
		if inBody != nil {
			switch t := tok.(type) {
			case xml.StartElement:
				stack = append(stack, openElement{local: strings.ToLower(t.Name.Local)})
				html, skipEnd = appendHTMLStart(html, t), append(skipEnd, voidElements[strings.ToLower(t.Name.Local)])
				continue
			case xml.EndElement:
				if len(stack) > bodyAt {
					stack = stack[:len(stack)-1]
					if !skipEnd[len(skipEnd)-1] {
						html = append(html, "</"+t.Name.Local+">"...)
					}
					skipEnd = skipEnd[:len(skipEnd)-1]
					continue
				}
				var b bytes.Buffer
				b.WriteString(`<content:encoded xmlns:content="` + contentNS + `">`)
				_ = xml.EscapeText(&b, html)
				b.WriteString("</content:encoded>")
				inBody.body = &xmlEdit{start: bodyFrom, end: off, text: b.Bytes()}
				inBody, html, skipEnd = nil, html[:0], skipEnd[:0]
				stack = stack[:len(stack)-1]
				continue
			case xml.CharData:
				html = appendEscaped(html, t)
			}
			continue
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := openElement{local: strings.ToLower(t.Name.Local), scope: declarations(t)}
			stack = append(stack, e)
			top := &stack[len(stack)-1]
			top.ns = resolve(stack, t.Name.Space)
			depth := len(stack)
			parent := parentOf(depth - 1)
			if depth == 1 {
				root = top.local
			}
			if edit, ok := fixStartTag(body, prevOff, off, t, g, root, parent); ok {
				edits = append(edits, edit)
			}
			switch {
			case (root == "rss" || root == "rdf") && top.local == "item" && (depth == 2 || depth == 3 && parent.local == "channel"):
				n := &itemNote{about: attrIn(stack, t, rdfNS, "about")}
				top.item = n
				if depth == 2 {
					rootIt = append(rootIt, n)
				} else {
					chanIt = append(chanIt, n)
				}
			case (root == "rss" || root == "rdf") && top.local == "channel" && depth == 2:
				chanIt = nil // gofeed keeps the last channel
			case root == "feed" && top.local == "entry" && depth == 2:
				top.item = &itemNote{}
				entries = append(entries, top.item)
			case parent != nil && parent.item != nil:
				it := parent.item
				switch {
				case top.local == "guid":
					it.hasGUID = true
				case top.local == "encoded" && top.ns == contentNS:
					it.hasEncoded = true
				case top.local == "id" && root == "feed":
					it.id, inID = it.id[:0], it
				case g.xhtml && top.local == "body" && top.ns == xhtmlNS && root != "feed":
					inBody, bodyAt, bodyFrom = it, depth, prevOff
				}
			}
		case xml.EndElement:
			if len(stack) == 0 {
				break
			}
			if e := stack[len(stack)-1]; e.item != nil && e.item.body != nil && !e.item.hasEncoded {
				edits = append(edits, *e.item.body)
			}
			inID = nil
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if inID != nil && len(inID.id) < 64 {
				inID.id = append(inID.id, t...)
			}
			if len(entities) > 0 && !bytes.HasPrefix(body[prevOff:], []byte("<![CDATA[")) {
				if text, ok := expandEntities(body[prevOff:off], entities); ok {
					growth += len(text) - int(off-prevOff)
					if growth > maxEntityGrowth {
						return nil, xmlNotes{}, fmt.Errorf("%w: entities expand beyond %d bytes", ErrEntityExpansion, maxEntityGrowth)
					}
					edits = append(edits, xmlEdit{start: prevOff, end: off, text: text})
				}
			}
		case xml.Directive:
			if g.entities && len(stack) == 0 {
				if entities = declaredEntities(t); len(entities) > 0 {
					// Once they are replaced, the declarations are of no
					// use; and gofeed finds the root element only within
					// the first few kilobytes.
					edits = append(edits, xmlEdit{start: prevOff, end: off})
				}
			}
		}
		if len(stack) == 0 && root != "" {
			break // the root element ended; gofeed reads no further
		}
	}
	var notes xmlNotes
	if g.about && (root == "rss" || root == "rdf") {
		notes.about = make([]string, 0, len(chanIt)+len(rootIt))
		for _, it := range append(chanIt, rootIt...) {
			about := ""
			if !it.hasGUID {
				about = strings.TrimSpace(it.about)
			}
			notes.about = append(notes.about, about)
		}
	}
	if g.ids && root == "feed" {
		notes.ids = make([]string, len(entries))
		for i, it := range entries {
			notes.ids[i] = string(it.id)
		}
	}
	return applyEdits(body, edits), notes, nil
}

// fixStartTag returns the edit that rewrites the start tag t, found at
// body[start:end], when it needs one: in an Atom document, a text of
// mode="escaped" or mode="base64" that gofeed would not decode so; a URL
// attribute with white space around its value.
func fixStartTag(body []byte, start, end int64, t xml.StartElement, g fixGates, root string, parent *openElement) (xmlEdit, bool) {
	changed := false
	attrs := slices.Clone(t.Attr)
	if g.urls {
		for i, a := range attrs {
			if slices.Contains(uriAttrs, strings.ToLower(a.Name.Local)) {
				if v := strings.Trim(a.Value, " \t\r\n"); v != a.Value {
					attrs[i].Value, changed = v, true
				}
			}
		}
	}
	if g.modes && root == "feed" && parent != nil && (parent.local == "entry" || parent.local == "feed") {
		mode, typ := "", ""
		for _, a := range attrs {
			switch {
			case a.Name.Space != "":
			case a.Name.Local == "mode":
				mode = strings.ToLower(strings.TrimSpace(a.Value))
			case a.Name.Local == "type":
				typ = strings.ToLower(strings.TrimSpace(a.Value))
			}
		}
		// gofeed decodes entities for these types, base64 for none of them.
		decodes := typ == "text" || typ == "html" || strings.HasPrefix(typ, "text/")
		switch {
		case mode == "escaped" && !decodes:
			attrs = setAttr(attrs, "type", "html")
			changed = true
		case mode == "base64" && (decodes || strings.Contains(typ, "xhtml")):
			attrs = setAttr(attrs, "type", "")
			changed = true
		}
	}
	if !changed {
		return xmlEdit{}, false
	}
	t.Attr = attrs
	selfClosing := end-start >= 2 && body[end-2] == '/' && body[end-1] == '>'
	return xmlEdit{start: start, end: end, text: rawStartTag(t, selfClosing)}, true
}

// setAttr returns attrs with the attribute name (of no namespace) set to
// value, or removed when value is "".
func setAttr(attrs []xml.Attr, name, value string) []xml.Attr {
	attrs = slices.DeleteFunc(attrs, func(a xml.Attr) bool { return a.Name.Space == "" && a.Name.Local == name })
	if value != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
	}
	return attrs
}

// rawStartTag writes the start tag t as RawToken read it (names with
// their prefixes).
func rawStartTag(t xml.StartElement, selfClosing bool) []byte {
	var b bytes.Buffer
	b.WriteString("<" + qualified(t.Name))
	for _, a := range t.Attr {
		b.WriteString(" " + qualified(a.Name) + `="`)
		_ = xml.EscapeText(&b, []byte(a.Value))
		b.WriteByte('"')
	}
	if selfClosing {
		b.WriteByte('/')
	}
	b.WriteByte('>')
	return b.Bytes()
}

func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// declarations returns the namespace declarations of a start tag read
// by RawToken: prefix ("" for the default namespace) to URI.
func declarations(t xml.StartElement) map[string]string {
	var m map[string]string
	for _, a := range t.Attr {
		prefix, ok := "", false
		switch {
		case a.Name.Space == "xmlns":
			prefix, ok = a.Name.Local, true
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			ok = true
		}
		if ok {
			if m == nil {
				m = map[string]string{}
			}
			m[prefix] = strings.TrimSpace(a.Value)
		}
	}
	return m
}

// resolve returns the namespace of prefix in the scope of the open
// elements, the prefix itself when it is not declared (as encoding/xml
// does; but rdf and content are theirs, as for gofeed), "" for no prefix
// and no default namespace.
func resolve(stack []openElement, prefix string) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if ns, ok := stack[i].scope[prefix]; ok {
			return ns
		}
	}
	switch prefix { // undeclared, but as gofeed reads them
	case "rdf":
		return rdfNS
	case "content":
		return contentNS
	}
	return prefix
}

// attrIn returns the value of the attribute local in the namespace ns of
// the start tag t, or "".
func attrIn(stack []openElement, t xml.StartElement, ns, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space != "" && resolve(stack, a.Name.Space) == ns {
			return a.Value
		}
	}
	return ""
}

// applyEdits returns body with the edits, in document order and not
// overlapping, made.
func applyEdits(body []byte, edits []xmlEdit) []byte {
	if len(edits) == 0 {
		return body
	}
	slices.SortStableFunc(edits, func(a, b xmlEdit) int { return int(a.start - b.start) })
	out := make([]byte, 0, len(body)+len(body)/16)
	pos := int64(0)
	for _, e := range edits {
		if e.start < pos {
			continue // within an edit made already (an xhtml:body)
		}
		out = append(out, body[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, body[pos:]...)
}
