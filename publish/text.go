package publish

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/refeed/refeed/plaintext"
)

// excerptRunes bounds the plain-text excerpts used as summaries.
const excerptRunes = 300

// cleanText removes from s everything XML 1.0 cannot carry: control
// characters other than tab, newline and carriage return, U+FFFE, U+FFFF,
// surrogates and bytes that are not valid UTF-8. Everything else is kept.
func cleanText(s string) string {
	ok := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r, n) {
			ok = false
			break
		}
		i += n
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if xmlChar(r, n) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// xmlChar reports whether the rune r, decoded from n bytes, is a Char of the
// XML 1.0 grammar.
func xmlChar(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1: // invalid UTF-8, including encoded surrogates
		return false
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r <= 0xDFFF: // surrogates; DecodeRune never yields them, but be safe
		return false
	case r <= 0xFFFD:
		return true
	case r <= 0xFFFF: // U+FFFE, U+FFFF
		return false
	}
	return r <= unicode.MaxRune
}

// blockTags are the HTML elements whose boundaries separate words when HTML
// is flattened to text.
var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true,
	"dd": true, "div": true, "dl": true, "dt": true, "figcaption": true, "figure": true,
	"footer": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"header": true, "hr": true, "img": true, "li": true, "ol": true, "p": true, "pre": true,
	"section": true, "table": true, "td": true, "th": true, "tr": true, "ul": true,
}

// htmlText flattens HTML to plain text: tags are dropped (block-level ones
// become spaces), the content of script and style elements is dropped,
// entities are decoded and white space is collapsed. The input is expected
// to be sanitized HTML; malformed markup degrades gracefully.
func htmlText(s string) string {
	t, _ := htmlTextUpTo(s, -1)
	return t
}

// htmlTextUpTo is htmlText, stopping at the first tag after limit bytes of
// text when limit ≥ 0; cut reports whether it stopped before the end.
func htmlTextUpTo(s string, limit int) (text string, cut bool) {
	var b strings.Builder
	skip := "" // name of the element whose content is being skipped
	for len(s) > 0 {
		if limit >= 0 && b.Len() > limit {
			cut = true
			break
		}
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			if skip == "" {
				b.WriteString(html.UnescapeString(s))
			}
			break
		}
		if skip == "" {
			b.WriteString(html.UnescapeString(s[:lt]))
		}
		s = s[lt:]
		if strings.HasPrefix(s, "<!--") {
			end := strings.Index(s, "-->")
			if end < 0 {
				break
			}
			s = s[end+3:]
			continue
		}
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			// A lone "<" in text: keep it.
			if skip == "" {
				b.WriteString(html.UnescapeString(s))
			}
			break
		}
		tag := s[1:gt]
		s = s[gt+1:]
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToLower(strings.TrimLeft(tag, "/"))
		if i := strings.IndexAny(name, " \t\r\n/"); i >= 0 {
			name = name[:i]
		}
		switch {
		case skip != "":
			if closing && name == skip {
				skip = ""
			}
		case !closing && (name == "script" || name == "style"):
			skip = name
		case blockTags[name]:
			b.WriteByte(' ')
		}
	}
	// Entities may decode to characters XML cannot carry (&#1;).
	return collapseXMLText(b.String()), cut
}

// collapseXMLText is strings.Join(strings.Fields(cleanText(s)), " ") in one
// pass.
func collapseXMLText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case !xmlChar(r, n):
		case r < utf8.RuneSelf && asciiSpace[r] || r >= utf8.RuneSelf && unicode.IsSpace(r):
			space = b.Len() > 0
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(s[i-n : i])
		}
	}
	return b.String()
}

// asciiSpace are the ASCII characters unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// excerpt returns the text of the HTML s, cut to at most max runes at a word
// boundary, with an ellipsis when cut. It is plain text that reads the
// same as HTML: text that spelled out markup ("&lt;img onerror=...&gt;")
// loses it, since readers may take a JSON Feed summary for HTML.
func excerpt(s string, max int) string {
	// The text of a long item is flattened only as far as the excerpt
	// needs: 16 bytes a rune leaves room for what white space and spelled
	// out markup take away. When they took more, the whole text is used.
	t, partial := htmlTextUpTo(s, 16*max)
	if plaintext.HasTags(t) {
		t = plaintext.Text(t)
	}
	if partial && utf8.RuneCountInString(t) <= max {
		if t = htmlText(s); plaintext.HasTags(t) {
			t = plaintext.Text(t)
		}
	}
	return cutText(t, max)
}

// cutText cuts t to at most max runes at a word boundary, with an ellipsis
// when cut.
func cutText(t string, max int) string {
	if utf8.RuneCountInString(t) <= max {
		return t
	}
	cut, n := 0, 0
	for i := range t {
		if n == max {
			cut = i
			break
		}
		n++
	}
	if sp := strings.LastIndexByte(t[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(t[:cut], " ,;:.-") + "…"
}

// escapeHTML escapes plain text for use as HTML.
func escapeHTML(s string) string {
	return html.EscapeString(s)
}
