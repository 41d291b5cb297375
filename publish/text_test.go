package publish

import (
	"strings"
	"testing"

	"github.com/refeed/refeed/plaintext"
)

func TestCollapseXMLText(t *testing.T) {
	for _, s := range []string{
		"", " ", "a", "  a  b\t\nc  ", "\u00a0x\u2003y\u0085z\u3000", "a\x01b \x00 c",
		"bad\xffutf8 \xed\xa0\x80 here", "\ufffe\uffff x", "ends with space\u2028",
		strings.Repeat("wörd \t", 50),
	} {
		want := strings.Join(strings.Fields(cleanText(s)), " ")
		if got := collapseXMLText(s); got != want {
			t.Errorf("collapseXMLText(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestExcerptLong checks that flattening only the start of a long text
// gives the excerpt of the whole text, also when white space or spelled out
// markup take most of the start.
func TestExcerptLong(t *testing.T) {
	whole := func(s string) string { // excerpt from the whole text
		text := htmlText(s)
		if plaintext.HasTags(text) {
			text = plaintext.Text(text)
		}
		return cutText(text, excerptRunes)
	}
	words := strings.Repeat("Ein Wort und noch eins, ", 400)
	for name, s := range map[string]string{
		"long":       "<p>" + words + "</p>",
		"paragraphs": strings.Repeat("<p>kurz</p>", 2000),
		"spaces":     "<p>" + strings.Repeat(" \n ", 5000) + words + "</p>",
		"markup":     "<p>" + strings.Repeat("&lt;img src=x onerror=alert(1)&gt;", 300) + "</p><p>" + words + "</p>",
		"short":      "<p>nur das</p>",
	} {
		if got, want := excerpt(s, excerptRunes), whole(s); got != want {
			t.Errorf("%s: excerpt = %.80q…, want %.80q…", name, got, want)
		}
	}
}
