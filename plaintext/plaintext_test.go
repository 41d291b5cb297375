package plaintext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/refeed/refeed/internal/xsscheck"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"Nato warnt Nordkorea":            "Nato warnt Nordkorea",
		"  two\n\tlines  ":                "two lines",
		"<b>Bold</b> &amp; <i>italic</i>": "Bold & italic",
		"Caf&eacute;":                     "Café",
		"x < y, a<3":                      "x < y, a<3",
		"AT&T":                            "AT&T",
		"&lt;script&gt;alert(1)&lt;/script&gt;Hi":   "Hi",
		"&amp;lt;b&amp;gt;twice&amp;lt;/b&amp;gt;":  "twice",
		"<xmp><img src=x onerror=alert(1)></xmp>ok": "ok",
		"<title><script>alert(1)</script></title>":  "",
		"bad\x00\x01bytes\xff":                      "badbytes",
		strings.Repeat("&amp;", 20) + "lt;b&gt;x":   strings.Repeat("&", 19) + " x",
		// A tag named, not used (escaped once in the feed's XML): text.
		"History of the <blink> tag":        "History of the <blink> tag",
		"Test with self-closing <tag/>":     "Test with self-closing <tag/>",
		"Use <b> for bold, <i> for italics": "Use <b> for bold, <i> for italics",
		// Markup: an end tag, an attribute, an entity, a harmful element.
		"The <blink>tag</blink> again": "The tag again",
		"A <img src=x> picture":        "A picture",
		"The <script> element":         "The", // a script's content is never text
		"Escaped &lt;blink&gt; twice":  "Escaped twice",
		"Tom &amp; <b> bold":           "Tom & bold",
		"<a>link</a> and <em>x</em>":   "link and x",
		"<svg> drawing":                "drawing",
		"A <scr<x> trick":              "A trick",
		"<keygen> and <portal>":        "and",
		"Literal <p> in a &quot;title": "Literal in a \"title",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTextIsPlain: whatever the input, the result reads as text in HTML,
// and is its own plain text.
func TestTextIsPlain(t *testing.T) {
	inputs := append(xsscheck.Markup, strings.Repeat("&amp;", 50)+"lt;script&gt;x", "&lt;"+strings.Repeat("&amp;lt;", 30)+"i>",
		"&"+strings.Repeat("amp;", 12)+"lt;img src=x onerror=alert(1)&gt;x") // escaped beyond maxPasses
	for _, in := range inputs {
		got := Text(in)
		if p := xsscheck.Text(got); p != nil {
			t.Errorf("Text(%q) = %q: %v", in, got, p)
		}
		if again := Text(got); again != got {
			t.Errorf("Text(%q) = %q, then %q", in, got, again)
		}
	}
}

func TestTextGivesUp(t *testing.T) {
	in := "&" + strings.Repeat("amp;", 12) + "lt;img src=x onerror=alert(1)&gt;x"
	if got := Text(in); strings.ContainsAny(got, "<&") {
		t.Errorf("Text(%q) = %q", in, got)
	}
}

// TestIsValidText holds the fast check of ValidText to its definition:
// UTF-8 of characters XML allows.
func TestIsValidText(t *testing.T) {
	// Every byte at every place of an eight-byte word.
	for c := 0; c < 256; c++ {
		for at := 0; at < 9; at++ {
			b := []byte("abcdefghijklmnop")
			b[at] = byte(c)
			s := string(b)
			want := utf8.ValidString(s)
			for _, r := range s {
				want = want && xmlChar(r)
			}
			if got := isValidText(s); got != want {
				t.Errorf("isValidText(%q) = %v, want %v", s, got, want)
			}
		}
	}
	for _, s := range []string{"", "plain", "tab\tline\nret\r", "nul\x00", "del\x7f", "\x1f", "é ü ß", "\uFFFD", "\uFFFE", "\uFFFF",
		"bad \xff utf8", "\xed\xa0\x80", "\U0001F600", "\u0085", "x\u2028y", "trail\xe2\x82",
		"0123456789abcdefghij", "0123456\x7f89abcdefghij", "01234567\x1f9abcdefghij", "0123456789abcdef\x00",
		"\x20\x20\x20\x20\x20\x20\x20\x20\x7e\x7e\x7e\x7e\x7e\x7e\x7e\x7e", "abcdefg\x80", "abcdefgh\xc3\xa9abcdefgh",
		"a\x01\x00\x00\x00\x00\x00\x00\x00", "\x21\x20\x1f\x20\x20\x20\x20\x20\x20"} {
		want := utf8.ValidString(s)
		for _, r := range s {
			want = want && xmlChar(r)
		}
		if got := isValidText(s); got != want {
			t.Errorf("isValidText(%q) = %v, want %v", s, got, want)
		}
		if IsCollapsed(s) != (strings.Join(strings.Fields(s), " ") == s) {
			t.Errorf("IsCollapsed(%q) = %v", s, IsCollapsed(s))
		}
	}
}

// collapseInputs are texts for Collapse: white space of every kind, at the
// ends and in runs, invalid UTF-8 next to it.
var collapseInputs = []string{"", " ", "  \t\n ", "plain", " lead", "trail ", "a  b", "a\tb\nc\r\nd\ve\ff",
	"\u00a0nbsp\u00a0\u00a0x\u00a0", "x\u2028y\u2029z\u3000w", "\u0085next", "bad \xff  utf8\xe2\x82 ", "\xff\xfe",
	"é  ü\n\nß ", "\U0001F600 \U0001F600", "Eine Koalition, die was bewegt:\n taz.de und ihre Leser:innen  "}

// Collapse is strings.Join(strings.Fields(s), " ").
func TestCollapse(t *testing.T) {
	for _, s := range collapseInputs {
		if got, want := Collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("Collapse(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzCollapse(f *testing.F) {
	for _, s := range collapseInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("Collapse(%q) = %q, want %q", s, got, want)
		}
	})
}
