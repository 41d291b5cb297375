package inspect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/refeed/refeed/clean"
)

// render writes segments as text with [-removed-]{rule} and {+added+}.
func renderSegments(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		switch s.Kind {
		case removed:
			fmt.Fprintf(&b, "[-%s-]{%d %s}", s.Text, s.Removal, s.Rule)
		case added:
			fmt.Fprintf(&b, "{+%s+}", s.Text)
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestInPlace(t *testing.T) {
	removals := []clean.Removal{
		{Rule: "tracking-params", Field: "link", Text: "utm_source=rss"},
		{Rule: "tracker", Field: "content", Text: `<img src="https://t.example/p.gif">`, Detail: "1x1 pixel"},
		{Rule: "taz.de", Field: "content", Text: "Jetzt unterstützen! Zahl ich: taz.de/zahlich", Detail: `from "Jetzt unterstützen" to "zahlich"`},
		{Rule: "newsletter", Field: "content", Text: "Abonnieren Sie unseren Newsletter"},
	}
	tests := []struct{ name, before, after, want string }{
		{"a block and a line",
			`<p>Die Nato warnt Nordkorea.</p><p>Jetzt unterstützen! Zahl ich: taz.de/zahlich</p><p>Mehr dazu morgen.</p><p>Abonnieren Sie unseren Newsletter</p><img src="https://t.example/p.gif">`,
			`<p>Die Nato warnt Nordkorea.</p><p>Mehr dazu morgen.</p>`,
			"Die Nato warnt Nordkorea.\n[-Jetzt unterstützen! Zahl ich: taz.de/zahlich-]{3 taz.de}\nMehr dazu morgen.\n[-Abonnieren Sie unseren Newsletter-]{4 newsletter}"},
		{"nothing removed", "<p>Kim Jong Un</p>", "<p>Kim Jong Un</p>", "Kim Jong Un"},
		{"plain text", "Nato  tagt\nheute", "Nato tagt heute", "Nato  tagt\nheute"},
		{"a word removed by no known removal", "<p>eins zwei drei</p>", "<p>eins drei</p>", "eins [-zwei-]{0 } drei"},
		{"a word added", "<p>eins drei</p>", "<p>eins zwei drei</p>", "eins {+zwei +}drei"},
		{"a repeated word", "<p>Nato Nato Nato</p><p>Abonnieren Sie unseren Newsletter</p><p>Nato</p>", "<p>Nato Nato Nato</p><p>Nato</p>",
			"Nato Nato Nato\n[-Abonnieren Sie unseren Newsletter-]{4 newsletter}\nNato"},
	}
	for _, tt := range tests {
		segs, ok := inPlace(tt.before, tt.after, removals, "content")
		got := strings.ReplaceAll(renderSegments(segs), "  ", " ")
		if want := strings.ReplaceAll(tt.want, "  ", " "); !ok || got != want {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, got, want)
		}
	}
	// Too long to compare: the cleaned text alone.
	long := "<p>" + strings.Repeat("Wort ", maxCompared/4) + "</p>"
	if segs, ok := inPlace(long, "<p>Wort</p>", nil, "content"); ok || len(segs) != 1 || segs[0].Text != "Wort" {
		t.Errorf("long text: %v, %d segments", ok, len(segs))
	}
}

func TestTokenizerRunes(t *testing.T) {
	// Enough distinct tokens to pass the surrogates, which a string
	// cannot hold.
	var tk tokenizer
	var b strings.Builder
	for i := range 0xE000 {
		fmt.Fprintf(&b, "w%d ", i)
	}
	text := strings.TrimSpace(b.String())
	rs := tk.runes(text)
	if got := tk.text(string(rs)); got != text {
		t.Fatalf("tokens do not survive a string: %d bytes back of %d", len(got), len(text))
	}
}
