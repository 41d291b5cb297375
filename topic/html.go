package topic

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// IsHTML reports whether s looks like HTML rather than plain text: whether it
// contains something shaped like a tag ("<p>", "</b>", "<br/>", "<!--") or a
// character reference ("&amp;", "&#8217;", "&#x2019;"). Plain text such as
// "a < b", "AT&T" or "Tom & Jerry" is not HTML.
func IsHTML(s string) bool {
	lastGT := strings.LastIndexByte(s, '>')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			if i < lastGT && tagAt(s[i+1:lastGT+1]) {
				return true
			}
		case '&':
			if entityAt(s[i+1:]) {
				return true
			}
		}
	}
	return false
}

// tagAt reports whether s, which follows a '<' and ends with a '>', starts
// a tag or comment.
func tagAt(s string) bool {
	if strings.HasPrefix(s, "!--") {
		return true
	}
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "!") {
		s = s[1:]
	}
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	i := 1
	for i < len(s) && (isASCIILetter(s[i]) || isASCIIDigit(s[i]) || s[i] == '-') {
		i++
	}
	// The name must be followed by the end of the tag or by attributes.
	if i == len(s) {
		return false
	}
	switch s[i] {
	case '>', '/', ' ', '\t', '\n', '\r', '\f':
		return true // s ends with '>'
	}
	return false
}

// entityAt reports whether s, which follows a '&', starts a character
// reference ending in ';'.
func entityAt(s string) bool {
	i := 0
	if strings.HasPrefix(s, "#x") || strings.HasPrefix(s, "#X") {
		i = 2
		for i < len(s) && i < 10 && isHexDigit(s[i]) {
			i++
		}
		return i > 2 && i < len(s) && s[i] == ';'
	}
	if strings.HasPrefix(s, "#") {
		i = 1
		for i < len(s) && i < 9 && isASCIIDigit(s[i]) {
			i++
		}
		return i > 1 && i < len(s) && s[i] == ';'
	}
	for i < len(s) && i < 33 && (isASCIILetter(s[i]) || i > 0 && isASCIIDigit(s[i])) {
		i++
	}
	return i > 0 && i < len(s) && s[i] == ';'
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isASCIIDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isHexDigit(c byte) bool {
	return isASCIIDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// VisibleText returns the text a reader sees of the HTML fragment or
// document h: the contents of text nodes with character references decoded,
// without tags, attributes (so neither URLs nor alt texts), comments, or the
// contents of script, style, noscript, template, iframe, noembed, noframes
// and title elements.
//
// Block-level elements (p, div, li, h1-h6, td, blockquote, ...) and <br>
// start a new line; images and other replaced elements separate words with a
// space; inline elements (a, b, span, ...) and <wbr> join their text to their
// neighbours', as a browser renders it: "<b>NA</b>TO" is "NATO" but
// "<p>NA</p><p>TO</p>" is two lines. Runs of white space collapse to one
// space, lines are trimmed, empty lines are dropped, and the invisible soft
// hyphen (U+00AD), zero-width space (U+200B), word joiner (U+2060) and byte
// order mark (U+FEFF) are removed.
func VisibleText(h string) string {
	var v visible
	walkHTML(h, &v)
	return string(v.out)
}

// VisibleTextOf is VisibleText of the rendering of the children of n, a
// parsed HTML fragment.
func VisibleTextOf(n *html.Node) string {
	var v visible
	walkTree(n, &v)
	return string(v.out)
}

// visible is the textSink of VisibleText.
type visible struct {
	out     []byte
	pending byte // separator owed before the next character: 0, ' ' or '\n'
}

func (v *visible) str(s string) { v.text([]byte(s)) }

func (v *visible) text(b []byte) {
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		i += size
		switch {
		case r == '\u00ad' || r == '\u200b' || r == '\u2060' || r == '\ufeff':
		case unicode.IsSpace(r):
			v.sep(' ')
		default:
			if v.pending != 0 && len(v.out) > 0 {
				v.out = append(v.out, v.pending)
			}
			v.pending = 0
			v.out = utf8.AppendRune(v.out, r)
		}
	}
}

func (v *visible) sep(c byte) {
	if c == '\n' || v.pending == 0 {
		v.pending = c
	}
}

func (v *visible) brk(block bool) {
	if block {
		v.sep('\n')
	} else {
		v.sep(' ')
	}
}

// A textSink receives the visible text of HTML: text, in pieces that may
// split words, and breaks between words (block is true for line breaks).
type textSink interface {
	text(b []byte)
	str(s string) // text, as a string
	brk(block bool)
}

// walkHTML hands the visible text of h to sink (see VisibleText).
func walkHTML(h string, sink textSink) {
	z := html.NewTokenizer(strings.NewReader(h))
	skipDepth := 0   // depth inside template elements
	skipRaw := false // the next text token is the content of a hidden raw-text element
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if !skipRaw && skipDepth == 0 {
				sink.text(z.Text())
			}
			skipRaw = false
			continue
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			a := tagAtom(z.Raw())
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Iframe, atom.Noembed, atom.Noframes, atom.Title:
				// The tokenizer reads their content as one raw text token,
				// even after a self-closing start tag.
				skipRaw = tt != html.EndTagToken
				if a == atom.Iframe && skipDepth == 0 {
					sink.brk(false) // a visible box, though its content is not ours
				}
				continue
			case atom.Template:
				if tt == html.StartTagToken {
					skipDepth++
				} else if tt == html.EndTagToken && skipDepth > 0 {
					skipDepth--
				}
			default:
				if skipDepth == 0 {
					switch breakOf(a) {
					case breakLine:
						sink.brk(true)
					case breakSpace:
						sink.brk(false)
					}
				}
			}
		}
		skipRaw = false
	}
}

// walkTree hands the visible text of the children of n, a parsed HTML
// fragment, to sink: what walkHTML hands it for the rendering of those
// children, without tokenizing it again.
func walkTree(n *html.Node, sink textSink) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			sink.str(c.Data)
		case html.ElementNode:
			switch c.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Noembed, atom.Noframes, atom.Title:
				continue
			case atom.Iframe:
				sink.brk(false)
				continue
			case atom.Template:
				continue
			}
			b := breakOf(c.DataAtom)
			if b != breakNone {
				sink.brk(b == breakLine)
			}
			walkTree(c, sink)
			if b != breakNone {
				sink.brk(b == breakLine)
			}
		}
	}
}

// tagAtom returns the atom of the tag whose source is raw ("<p class=x>",
// "</P>", "<br/>"), or 0 for unknown names. Unlike the tokenizer's TagName it
// does not allocate.
func tagAtom(raw []byte) atom.Atom {
	i := 1 // after '<'
	if i < len(raw) && raw[i] == '/' {
		i++
	}
	var buf [16]byte
	n := 0
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>' {
			break
		}
		if n == len(buf) {
			return 0 // longer than any name we look for
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return atom.Lookup(buf[:n])
}

const (
	breakNone = iota
	breakSpace
	breakLine
)

// breakOf tells how an element's tags separate the text around them.
func breakOf(a atom.Atom) int {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Br,
		atom.Caption, atom.Center, atom.Dd, atom.Details, atom.Dialog, atom.Dir, atom.Div,
		atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header,
		atom.Hgroup, atom.Hr, atom.Html, atom.Legend, atom.Li, atom.Main, atom.Menu, atom.Nav,
		atom.Ol, atom.Optgroup, atom.Option, atom.P, atom.Pre, atom.Section, atom.Summary,
		atom.Table, atom.Tbody, atom.Td, atom.Tfoot, atom.Th, atom.Thead, atom.Tr, atom.Ul,
		atom.Plaintext, atom.Xmp, atom.Listing, atom.Textarea:
		return breakLine
	case atom.Img, atom.Picture, atom.Video, atom.Audio, atom.Canvas, atom.Embed,
		atom.Object, atom.Svg, atom.Math, atom.Input, atom.Select, atom.Button,
		atom.Meter, atom.Progress:
		return breakSpace
	}
	return breakNone
}
