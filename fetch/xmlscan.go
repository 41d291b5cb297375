package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errFallback reports that the fast path does not handle a document the way
// gofeed does (or cannot be sure it does): Parse then runs the gofeed path.
var errFallback = errors.New("fast path: document not handled")

// tokKind is the kind of a token of xmlScanner.
type tokKind uint8

const (
	tokStart tokKind = iota + 1 // a start tag (also of an empty element)
	tokEnd                      // an end tag (also the implied one of an empty element)
	tokText                     // character data
	tokCDATA                    // a CDATA section
)

// An xmlAttr is an attribute of the current start tag.
type xmlAttr struct {
	prefix, local []byte
	raw           []byte // the value between the quotes, undecoded
}

// An openElem is an element being read.
type openElem struct {
	qname  []byte // the name as written, prefix included
	nsMark int    // len(xmlScanner.ns) before the element's declarations
	base   bool   // it has an xml:base attribute
}

// An nsDecl is a namespace declaration in scope.
type nsDecl struct {
	prefix string
	uri    string // decoded, not trimmed (as encoding/xml keeps it)
}

// xmlScanner is a pull tokenizer over a document in UTF-8 that accepts a
// subset of what encoding/xml (in its non-strict mode, as gofeed uses it)
// accepts, and reads it the same way: elements whose end tags match, quoted
// attributes, comments, processing instructions, CDATA sections, a DOCTYPE
// without an internal subset, and character and predefined entity
// references. Anything else (a non-ASCII or odd name, an unquoted
// attribute, a mismatched end tag, a document near a structural limit)
// makes it return fallback().
type xmlScanner struct {
	b     []byte
	pos   int
	stack []openElem
	ns    []nsDecl
	decls []cachedDecl // namespace declarations met
	bases int          // open elements with an xml:base attribute
	nodes int          // elements and attributes, as limitXML counts them
	items int          // elements named item or entry (any case), an upper bound of what limitXML counts

	// The current token.
	kind       tokKind
	prefix     []byte // of a start tag
	local      []byte
	attrs      []xmlAttr
	empty      bool   // the start tag ends with "/>"
	hasBase    bool   // the start tag has an xml:base attribute
	baseRaw    []byte // its value, undecoded
	pendingEnd bool   // the implied end tag of an empty element is next
	innerStart int    // offset just after the current start tag
	endAt      int    // offset of the "<" of the current end tag
	text       []byte
}

// next reads the next token, skipping comments, processing instructions and
// a DOCTYPE.
func (s *xmlScanner) next() (tokKind, error) {
	if s.pendingEnd {
		s.pendingEnd = false
		s.endAt = s.pos
		s.pop()
		s.kind = tokEnd
		return tokEnd, nil
	}
	for {
		b := s.b
		if s.pos >= len(b) {
			return 0, fallback() // the document ends inside an element
		}
		if b[s.pos] != '<' {
			i := bytes.IndexByte(b[s.pos:], '<')
			if i < 0 {
				return 0, fallback()
			}
			t := b[s.pos : s.pos+i]
			if !validCharData(t) {
				return 0, fallback()
			}
			s.text = t
			s.pos += i
			s.kind = tokText
			return tokText, nil
		}
		rest := b[s.pos:]
		if len(rest) < 2 {
			return 0, fallback()
		}
		switch rest[1] {
		case '/':
			return s.endTag()
		case '?':
			if err := s.procInst(); err != nil {
				return 0, err
			}
		case '!':
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				i := bytes.Index(rest[4:], []byte("--"))
				if i < 0 || 4+i+2 >= len(rest) || rest[4+i+2] != '>' {
					return 0, fallback()
				}
				s.pos += 4 + i + 3
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				i := bytes.Index(rest[9:], []byte("]]>"))
				if i < 0 {
					return 0, fallback()
				}
				s.text = rest[9 : 9+i]
				s.pos += 9 + i + 3
				s.kind = tokCDATA
				return tokCDATA, nil
			case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
				if err := s.doctype(); err != nil {
					return 0, err
				}
			default:
				return 0, fallback()
			}
		default:
			return s.startTag()
		}
	}
}

// procInst skips a processing instruction; the XML declaration must
// declare version 1.0 (or none) and UTF-8 (or no encoding).
func (s *xmlScanner) procInst() error {
	p := s.pos + 2
	name, p := scanName(s.b, p)
	if name == nil {
		return fallback()
	}
	end := bytes.Index(s.b[p:], []byte("?>"))
	if end < 0 {
		return fallback()
	}
	if string(name) == "xml" {
		content := s.b[p : p+end]
		if v := string(procInstParam("version", content)); v != "" && v != "1.0" {
			return fallback()
		}
		if e := string(procInstParam("encoding", content)); e != "" && !strings.EqualFold(e, "utf-8") {
			return fallback()
		}
	}
	s.pos = p + end + 2
	return nil
}

// procInstParam returns the quoted value of param in the content of a
// processing instruction, found the way encoding/xml finds it: after the
// first `param=` that is followed by a quote.
func procInstParam(param string, s []byte) []byte {
	for i := 0; i < len(s); {
		k := bytes.Index(s[i:], []byte(param+"="))
		if k < 0 || i+k+len(param)+1 >= len(s) {
			return nil
		}
		i += k + len(param) + 1
		if q := s[i]; q == '"' || q == '\'' {
			j := bytes.IndexByte(s[i+1:], q)
			if j < 0 {
				return nil
			}
			return s[i+1 : i+1+j]
		}
		i++
	}
	return nil
}

// doctype skips a document type declaration without an internal subset.
func (s *xmlScanner) doctype() error {
	var quote byte
	for i := s.pos + 2; i < len(s.b); i++ {
		c := s.b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '<':
			return fallback()
		case c == '>':
			s.pos = i + 1
			return nil
		}
	}
	return fallback()
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isNameStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':'
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// scanName returns the ASCII name at b[p:] and the offset after it, or nil
// when there is none or it has a non-ASCII character.
func scanName(b []byte, p int) ([]byte, int) {
	if p >= len(b) || !isNameStart(b[p]) {
		return nil, p
	}
	i := p + 1
	for i < len(b) && isNameByte(b[i]) {
		i++
	}
	if i < len(b) && b[i] >= utf8.RuneSelf {
		return nil, p
	}
	return b[p:i], i
}

// splitName splits a qualified name at its colon; ok is false for a name
// encoding/xml would read otherwise than as prefix:local.
func splitName(name []byte) (prefix, local []byte, ok bool) {
	i := bytes.IndexByte(name, ':')
	if i < 0 {
		return nil, name, true
	}
	if i == 0 || i == len(name)-1 || bytes.IndexByte(name[i+1:], ':') >= 0 {
		return nil, nil, false
	}
	return name[:i], name[i+1:], true
}

func (s *xmlScanner) skipSpace(p int) int {
	for p < len(s.b) && isSpace(s.b[p]) {
		p++
	}
	return p
}

func (s *xmlScanner) startTag() (tokKind, error) {
	b := s.b
	name, p := scanName(b, s.pos+1)
	if name == nil {
		return 0, fallback()
	}
	prefix, local, ok := splitName(name)
	if !ok || string(prefix) == "xmlns" || string(prefix) == "xml" || len(prefix) == 0 && string(local) == "xmlns" {
		return 0, fallback()
	}
	s.attrs = s.attrs[:0]
	empty, hasBase := false, false
	var baseRaw []byte
	for {
		p = s.skipSpace(p)
		if p >= len(b) {
			return 0, fallback()
		}
		if c := b[p]; c == '>' {
			p++
			break
		} else if c == '/' {
			if p+1 >= len(b) || b[p+1] != '>' {
				return 0, fallback()
			}
			p += 2
			empty = true
			break
		}
		an, q := scanName(b, p)
		if an == nil {
			return 0, fallback()
		}
		ap, al, ok := splitName(an)
		if !ok {
			return 0, fallback()
		}
		q = s.skipSpace(q)
		if q >= len(b) || b[q] != '=' {
			return 0, fallback()
		}
		q = s.skipSpace(q + 1)
		if q >= len(b) || b[q] != '"' && b[q] != '\'' {
			return 0, fallback()
		}
		j := bytes.IndexByte(b[q+1:], b[q])
		if j < 0 {
			return 0, fallback()
		}
		raw := b[q+1 : q+1+j]
		if bytes.IndexByte(raw, '<') >= 0 || !validRefs(raw) {
			return 0, fallback()
		}
		// One attribute of a local name: gofeed reads them by local name,
		// in ways that differ when there are two. (Few attributes, so
		// that checking stays cheap.)
		if len(s.attrs) >= 64 {
			return 0, fallback()
		}
		for _, a := range s.attrs {
			if bytes.Equal(a.local, al) {
				return 0, fallback()
			}
		}
		if string(al) == "base" && len(ap) > 0 {
			if string(ap) != "xml" {
				return 0, fallback() // maybe xml:base under another prefix
			}
			hasBase, baseRaw = true, raw
		}
		s.attrs = append(s.attrs, xmlAttr{prefix: ap, local: al, raw: raw})
		p = q + 1 + j + 1
	}
	if len(s.stack) >= MaxDepth {
		return 0, fallback()
	}
	s.nodes += 1 + len(s.attrs)
	if s.nodes > MaxNodes {
		return 0, fallback()
	}
	if len(local) == 4 && bytes.EqualFold(local, []byte("item")) || len(local) == 5 && bytes.EqualFold(local, []byte("entry")) {
		s.items++
		if s.items > MaxItems {
			return 0, fallback()
		}
	}
	mark := len(s.ns)
	for _, a := range s.attrs {
		switch {
		case string(a.prefix) == "xmlns":
			if string(a.local) == "xml" || string(a.local) == "xmlns" || len(a.raw) == 0 {
				return 0, fallback()
			}
			s.ns = append(s.ns, s.decl(a.local, a.raw))
		case len(a.prefix) == 0 && string(a.local) == "xmlns":
			s.ns = append(s.ns, s.decl(nil, a.raw))
		}
	}
	if len(s.ns) > MaxNamespaces {
		return 0, fallback()
	}
	s.stack = append(s.stack, openElem{qname: name, nsMark: mark, base: hasBase})
	s.hasBase, s.baseRaw = hasBase, baseRaw
	if hasBase {
		s.bases++
	}
	s.prefix, s.local = prefix, local
	s.empty = empty
	s.pendingEnd = empty
	s.pos = p
	s.innerStart = p
	s.kind = tokStart
	return tokStart, nil
}

// decl returns the declaration of prefix (nil for the default namespace)
// to the namespace of raw, an attribute value; the same strings for the
// same declarations (feeds repeat theirs on every item).
func (s *xmlScanner) decl(prefix, raw []byte) nsDecl {
	for _, c := range s.decls {
		if string(c.prefix) == string(prefix) && (prefix == nil) == (c.prefix == nil) && string(c.raw) == string(raw) {
			return c.d
		}
	}
	d := nsDecl{prefix: string(prefix), uri: decodeXMLString(raw)}
	if len(s.decls) < 16 {
		s.decls = append(s.decls, cachedDecl{prefix, raw, d})
	}
	return d
}

type cachedDecl struct {
	prefix, raw []byte
	d           nsDecl
}

func (s *xmlScanner) endTag() (tokKind, error) {
	b := s.b
	name, p := scanName(b, s.pos+2)
	if name == nil || len(s.stack) == 0 {
		return 0, fallback()
	}
	p = s.skipSpace(p)
	if p >= len(b) || b[p] != '>' || !bytes.Equal(name, s.stack[len(s.stack)-1].qname) {
		return 0, fallback()
	}
	s.endAt = s.pos
	s.pos = p + 1
	s.pop()
	s.kind = tokEnd
	return tokEnd, nil
}

func (s *xmlScanner) pop() {
	e := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.ns = s.ns[:e.nsMark]
	if e.base {
		s.bases--
	}
}

// space returns the namespace of the current start tag as encoding/xml
// resolves it: the URI bound to its prefix, or the prefix itself when it is
// not declared.
func (s *xmlScanner) space() string {
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == string(s.prefix) {
			return s.ns[i].uri
		}
	}
	return string(s.prefix)
}

// prefixFor returns the prefix most recently declared for uri that is still
// bound to it, as goxpp's PrefixForURI.
func (s *xmlScanner) prefixFor(uri string) (string, bool) {
	for i := len(s.ns) - 1; i >= 0; i-- {
		d := s.ns[i]
		if trimSpace(d.uri) != uri {
			continue
		}
		for j := len(s.ns) - 1; j >= 0; j-- {
			if s.ns[j].prefix == d.prefix {
				if trimSpace(s.ns[j].uri) == uri {
					return d.prefix, true
				}
				break
			}
		}
	}
	return "", false
}

// ownBase reports whether the only xml:base in scope is the current start
// tag's.
func (s *xmlScanner) ownBase() bool { return s.bases == 1 && s.hasBase }

// attr returns the raw value of the current start tag's attribute of that
// local name.
func (s *xmlScanner) attr(local string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(a.local) == local {
			return a.raw, true
		}
	}
	return nil, false
}

// attrValue returns the decoded value of an attribute, or "".
func (s *xmlScanner) attrValue(local string) string {
	raw, ok := s.attr(local)
	if !ok {
		return ""
	}
	return decodeXMLString(raw)
}

// decodeXMLString returns t decoded as decodeXML does.
func decodeXMLString(t []byte) string {
	if bytes.IndexByte(t, '&') < 0 && bytes.IndexByte(t, '\r') < 0 {
		return string(t)
	}
	return string(decodeXML(nil, t))
}

// skip reads through the end of the current element.
func (s *xmlScanner) skip() error {
	depth := len(s.stack)
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		if k == tokEnd && len(s.stack) < depth {
			return nil
		}
	}
}

// inner reads through the end of the current element and returns what is
// between its tags, as written (encoding/xml's innerxml).
func (s *xmlScanner) inner() ([]byte, error) {
	start := s.innerStart
	if err := s.skip(); err != nil {
		return nil, err
	}
	if s.endAt < start {
		return nil, nil
	}
	return s.b[start:s.endAt], nil
}

// charData reads through the end of the current element and returns its
// own character data (not that of its children), decoded, as gofeed's
// extension parser collects it.
func (s *xmlScanner) charData(buf []byte) ([]byte, error) {
	depth := len(s.stack)
	for {
		k, err := s.next()
		if err != nil {
			return buf, err
		}
		switch k {
		case tokText:
			if len(s.stack) == depth {
				buf = decodeXML(buf, s.text)
			}
		case tokCDATA:
			if len(s.stack) == depth {
				buf = appendCR(buf, s.text)
			}
		case tokEnd:
			if len(s.stack) < depth {
				return buf, nil
			}
		}
	}
}

// validCharData reports whether encoding/xml accepts t as character data
// (its bytes are valid, which isValidDocument checked).
func validCharData(t []byte) bool {
	return bytes.Index(t, []byte("]]>")) < 0 && validRefs(t)
}

// validRefs reports whether the character references in t are of
// characters XML allows (encoding/xml rejects the document otherwise).
func validRefs(t []byte) bool {
	for {
		i := bytes.IndexByte(t, '&')
		if i < 0 {
			return true
		}
		t = t[i+1:]
		if r, n := charRef(t); n > 0 && !inCharRange(r) {
			return false
		}
	}
}

// charRef decodes the character reference at the start of t (after the
// "&") as encoding/xml does: "#" decimal digits or "#x" hex digits, and
// ";". It returns the rune and the bytes read, or n == 0 when encoding/xml
// would keep the text as it is.
func charRef(t []byte) (rune, int) {
	if len(t) == 0 || t[0] != '#' {
		return 0, 0
	}
	i, base := 1, 10
	if len(t) > 1 && t[1] == 'x' {
		i, base = 2, 16
	}
	start := i
	for i < len(t) && (isDigit(t[i]) || base == 16 && isHexLetter(t[i])) {
		i++
	}
	if i >= len(t) || t[i] != ';' {
		return 0, 0
	}
	n, err := strconv.ParseUint(string(t[start:i]), base, 64)
	if err != nil || n > utf8.MaxRune {
		return 0, 0
	}
	r := rune(n)
	if 0xD800 <= r && r <= 0xDFFF {
		r = utf8.RuneError
	}
	return r, i + 1
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isHexLetter(c byte) bool { return 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// predefined are XML's predefined entities.
var predefined = [...]struct {
	name string
	r    byte
}{{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"apos", '\''}, {"quot", '"'}}

// decodeXML appends t, character data or an attribute value, to dst as
// encoding/xml decodes it in non-strict mode: character and predefined
// entity references replaced, others kept as written, line ends
// normalized.
func decodeXML(dst, t []byte) []byte {
	if bytes.IndexByte(t, '&') < 0 && bytes.IndexByte(t, '\r') < 0 {
		return append(dst, t...)
	}
	for len(t) > 0 {
		i := bytes.IndexAny(t, "&\r")
		if i < 0 {
			return append(dst, t...)
		}
		dst = append(dst, t[:i]...)
		if t[i] == '\r' {
			dst = append(dst, '\n')
			t = t[i+1:]
			if len(t) > 0 && t[0] == '\n' {
				t = t[1:]
			}
			continue
		}
		t = t[i+1:]
		if r, n := charRef(t); n > 0 {
			dst = utf8.AppendRune(dst, r)
			t = t[n:]
			continue
		}
		replaced := false
		for _, e := range predefined {
			if len(t) > len(e.name) && string(t[:len(e.name)]) == e.name && t[len(e.name)] == ';' {
				dst = append(dst, e.r)
				t = t[len(e.name)+1:]
				replaced = true
				break
			}
		}
		if !replaced {
			dst = append(dst, '&')
		}
	}
	return dst
}

// appendCR appends t to dst with its line ends normalized.
func appendCR(dst, t []byte) []byte {
	for {
		i := bytes.IndexByte(t, '\r')
		if i < 0 {
			return append(dst, t...)
		}
		dst = append(dst, t[:i]...)
		dst = append(dst, '\n')
		t = t[i+1:]
		if len(t) > 0 && t[0] == '\n' {
			t = t[1:]
		}
	}
}

// fallback returns errFallback, with where the fast path gave up (for
// tests and profiles of what falls back).
func fallback() error {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Errorf("%w (%s:%d)", errFallback, filepath.Base(file), line)
}
