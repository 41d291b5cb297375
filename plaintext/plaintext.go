// Package plaintext turns text that may hold markup into plain text: the
// titles, author names and categories that package clean cleans, the
// titles of feeds that package fetch reads, the categories and excerpts
// that package publish writes. It is no stage of the pipeline, but a tool
// several stages share, like package item.
package plaintext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxPasses bounds how often Text reads its text as HTML again.
const maxPasses = 8

// Text returns the text of s, a title (or a name, a category) that may
// hold markup or entities, on one line, without characters XML cannot
// carry. Markup that was escaped (even twice) is read and removed too, so
// that no entity is left in it, and Text of the result is the result.
//
// Text that mentions a tag rather than holding markup keeps it, as
// feedparser reads it: "History of the <blink> tag" (see literal). No
// other tag is left, and no tag that could be harmful when a reader takes
// the result for HTML.
func Text(s string) string {
	s = Collapse(ValidText(s))
	// Only the text as given: tags that come out of decoding it were
	// escaped markup, read as markup (escaped twice, say).
	if literal(s) {
		return s
	}
	for range maxPasses {
		if !HasTags(s) && !strings.Contains(s, "&") {
			return s
		}
		t := Collapse(ValidText(textOf(s)))
		if t == s {
			return s
		}
		s = t
	}
	// Escaped over and over: drop what is left of markup.
	return Collapse(strings.NewReplacer("<", " ", "&", " ").Replace(s))
}

// literal reports whether s is text that names tags rather than markup:
// it has start tags, but no end tag, comment, declaration, entity or
// attribute (feedparser's test of HTML: an end tag or an entity), and none
// of its tags is one in neverLiteral or has a name other than letters,
// digits and hyphens.
func literal(s string) bool {
	if strings.Contains(s, "&") && html.UnescapeString(s) != s {
		return false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	tags := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tags
		case html.TextToken:
		case html.StartTagToken, html.SelfClosingTagToken:
			name, attrs := z.TagName()
			if attrs || neverLiteral[string(name)] || !plainName(name) {
				return false
			}
			tags = true
		default: // end tags, comments, declarations
			return false
		}
	}
}

// plainName reports whether name is a tag name a text would mention:
// letters, digits and hyphens ("<scr<script>" is a trick, not a name).
func plainName(name []byte) bool {
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return len(name) > 0
}

// neverLiteral holds the elements Text never leaves as literal tags: those
// whose content is not text, those that embed, link or submit anything,
// those that change how a page is read, and the void ones (a <br> in a
// title is a line break, not a word). Names, not atoms: some of them
// (portal, import) have no atom.
var neverLiteral = map[string]bool{
	"br": true, "hr": true, "wbr": true, "area": true, "col": true, "param": true, "track": true,
	"keygen": true, "bgsound": true, "isindex": true, "script": true, "style": true, "textarea": true,
	"title": true, "xmp": true, "iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"plaintext": true, "frame": true, "frameset": true, "object": true, "embed": true, "applet": true,
	"portal": true, "import": true, "xml": true, "svg": true, "math": true, "template": true, "base": true,
	"meta": true, "link": true, "form": true, "img": true, "image": true, "video": true, "audio": true,
	"source": true, "picture": true, "input": true, "button": true, "select": true, "option": true,
	"marquee": true, "a": true,
}

// textOf returns the text of the HTML fragment s: its text nodes, entities
// decoded, without the content of script and style elements.
func textOf(s string) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), body, html.ParseOptionEnableScripting(false))
	if err != nil {
		return html.UnescapeString(s)
	}
	var b strings.Builder
	for _, n := range nodes {
		WriteText(&b, n)
	}
	return b.String()
}

// WriteText writes the text of the tree under n to b: each text node
// followed by a space, without the content of script and style elements.
func WriteText(b *strings.Builder, n *html.Node) {
	switch {
	case n.Type == html.TextNode:
		b.WriteString(n.Data)
		b.WriteByte(' ')
	case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			WriteText(b, c)
		}
	}
}

// HasTags reports whether s looks like HTML rather than plain text: it
// has a "<" that starts a tag, an end tag, a comment or a declaration.
func HasTags(s string) bool {
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '<' {
			c := s[i+1]
			if c == '/' || c == '!' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
				return true
			}
		}
	}
	return false
}

// Collapse trims s and replaces every run of white space by one space:
// strings.Join(strings.Fields(s), " "), in one pass and one allocation.
func Collapse(s string) string {
	if IsCollapsed(s) {
		return s
	}
	var b strings.Builder // grown at the first word: blank s allocates nothing
	start := -1           // of the current word; -1 in white space
	for i := 0; i < len(s); {
		c, size := s[i], 1
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
		}
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			if b.Len() > 0 {
				b.WriteByte(' ')
			} else {
				b.Grow(len(s) - start)
			}
			b.WriteString(s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[start:])
	}
	return b.String()
}

// IsCollapsed reports whether s has single spaces between words, none at
// its ends and no other white space: what Collapse returns unchanged.
func IsCollapsed(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return false
			}
			i += size - 1
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return false
		}
	}
	return true
}

// ValidText drops bytes that are not UTF-8 and characters that XML does
// not allow (control characters but tab and line breaks, U+FFFE, U+FFFF).
func ValidText(s string) string {
	if isValidText(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !xmlChar(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// isValidText reports whether ValidText returns s unchanged: s is UTF-8
// and holds only characters XML allows. ASCII is checked byte by byte.
func isValidText(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			// Eight bytes at once: none with the high bit (non-ASCII),
			// below 0x20 or equal to 0x7f; else byte by byte.
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			del := x ^ ones*0x7f
			if (x|(x-ones*0x20)|(del-ones)&^del)&highs == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !xmlChar(r) {
			return false
		}
		i += size
	}
	return true
}

func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r == 0xFFFE || r == 0xFFFF:
		return false
	case r >= 0xD800 && r <= 0xDFFF: // surrogates
		return false
	}
	return true
}
