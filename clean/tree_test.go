package clean

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/plaintext"
)

// TestResidueAcrossElements: the residue check follows text across
// inline elements, as the flattened text does.
func TestResidueAcrossElements(t *testing.T) {
	c := newCleaner(t)
	for _, in := range []string{
		"<p>Piwik no<b>scr</b>ipt image</p><p>Text</p>",
		"<p>VG Wort NoScri<i>pt</i> Pixel</p><p>Text</p>",
		"<p>ivw <span>no</span>-<span>SCRIPT</span></p><p>Text</p>",
	} {
		root, err := parseFragment(in)
		if err != nil {
			t.Fatal(err)
		}
		if !mayHoldResidue(root) {
			t.Errorf("%q: no residue seen", in)
		}
		if got, _ := c.cleanHTML(in, nil, nil, "content"); got != "<p>Text</p>" {
			t.Errorf("%q: cleaned to %q", in, got)
		}
	}
	for _, line := range []string{"Piwik noscript image", "matomo no-script", "IVW NoScript Pixel", "vg wort noscript",
		"VGWort no_script tracking", "MATOMO NOSCRIPT", "piwik  no script img", "Matomo - No Script - Image Tracker"} {
		if !residue.MatchString(plaintext.Collapse(line)) {
			t.Fatalf("%q is no residue", line)
		}
		root, _ := parseFragment("<p>" + line + "</p>")
		if !mayHoldResidue(root) {
			t.Errorf("%q: no residue seen", line)
		}
	}
	for _, in := range []string{"<p>A description of the subscription</p>", "<p>Antwort: JavaScript</p><p>ivw</p>"} {
		root, _ := parseFragment(in)
		if got := mayHoldResidue(root); got != strings.Contains(in, "ivw") {
			t.Errorf("%q: mayHoldResidue %v", in, got)
		}
	}
}

// dump writes the tree under n, node by node, for comparing trees.
func dump(b *strings.Builder, n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		fmt.Fprintf(b, "%*s%d %q %d %q %v\n", depth, "", c.Type, c.Data, c.DataAtom, c.Namespace, c.Attr)
		dump(b, c, depth+1)
	}
}

// checkTextTree checks textTree(s) against parsing textToHTML(s).
func checkTextTree(t *testing.T, s string) {
	s = plaintext.ValidText(s)
	if plaintext.HasTags(s) {
		return
	}
	parsed, err := parseFragment(textToHTML(s))
	if err != nil {
		t.Fatal(err)
	}
	var want, got strings.Builder
	dump(&want, parsed, 0)
	dump(&got, textTree(s), 0)
	if got.String() != want.String() {
		t.Errorf("textTree(%q):\n%s\nparsed textToHTML:\n%s", s, got.String(), want.String())
	}
}

// TestTextTree holds textTree to parsing textToHTML on the corpus's
// summaries and contents without tags.
func TestTextTree(t *testing.T) {
	for _, s := range []string{"a\r\nb\n\nc", "&nbsp;\nx", "Caf&eacute; &amp; Bar &lt;3\n\nx < y", "a&#13;b\rc", "&#0;&#1;", " \t \n x \n\n\n y \u00a0"} {
		checkTextTree(t, s)
	}
	if parsed, err := parsedCorpus(); err == nil {
		for _, its := range parsed {
			for _, it := range its {
				checkTextTree(t, it.Summary)
				checkTextTree(t, it.Content)
			}
		}
	}
}

// FuzzTextTree holds textTree to parsing textToHTML.
func FuzzTextTree(f *testing.F) {
	f.Add("a\r\nb\n\nc &amp; d &lt;e&gt;")
	f.Add("&#13;&#0;&#x1;\x00\r\n\r")
	f.Fuzz(checkTextTree)
}

// TestCharacterReferences: references to characters XML cannot carry
// are dropped, in text and attributes, plain text and HTML.
func TestCharacterReferences(t *testing.T) {
	c := newCleaner(t)
	for in, want := range map[string]string{
		// The policy drops the title (\x01 is not text to it), and
		// ValidText any U+FFFD of a string it had to clean.
		`<p title="x&#1;y">a&#1;b&#xFFFE;c&#0;d</p>`:                `<p>abcd</p>`,
		`<p><a href="https://ok.example/" title="a&#1;b">x</a></p>`: `<p><a href="https://ok.example/">x</a></p>`,
		"a&#x1f;b &amp;#1;": "<p>ab &amp;#1;</p>",
		"<p>a\x01b</p>":     "<p>ab</p>",
	} {
		if got, _ := c.cleanHTML(in, nil, nil, "content"); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestLowerKeepingOffsets holds lowerKeepingOffsets to strings.Map with
// unicode.ToLower.
func TestLowerKeepingOffsets(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC def", "Größe ÄÖÜ ẞ", "\u212a Kelvin", "İstanbul", "\xffbad", "日本", "ǅ ǈ", "Σ ΣΑ"} {
		same := true
		want := strings.Map(func(r rune) rune {
			l := unicode.ToLower(r)
			if utf8.RuneLen(l) != utf8.RuneLen(r) {
				same = false
			}
			return l
		}, s)
		same = same && len(want) == len(s)
		if got, gotSame := lowerKeepingOffsets(s); got != want || gotSame != same {
			t.Errorf("lowerKeepingOffsets(%q) = %q, %v; want %q, %v", s, got, gotSame, want, same)
		}
	}
}
