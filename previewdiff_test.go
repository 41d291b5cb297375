package main

import (
	"slices"
	"strings"
	"testing"
)

func TestVisibleLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"First paragraph.\n\nSecond  one,\nthird line. &amp; more", []string{"First paragraph.", "Second one,", "third line. & more"}},
		{`<p>One <b>bold</b>
		word.</p><p><noscript><img src="https://t.example/p.gif"></noscript></p><div>Two<br>lines</div>
		<ul><li>a</li><li>b <a href="x">link</a></li></ul><script>var x;</script><style>p{}</style>Tail &amp; end`,
			[]string{"One bold word.", "Two", "lines", "a", "b link", "Tail & end"}},
		{"", nil},
		{"<p> </p>", nil},
	} {
		if got := visibleLines(c.in); !slices.Equal(got, c.want) {
			t.Errorf("visibleLines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteDiff(t *testing.T) {
	before := `<p>Intro.</p><p>One.</p><p>Two.</p><p>Three.</p><p>Four.</p><p>Five.</p><p>Unterstützen Sie uns!</p>`
	after := `<p>Intro.</p><p>One.</p><p>Two.</p><p>Three.</p><p>Four.</p><p>Five.</p>`
	var b strings.Builder
	if err := writeDiff(&b, before, after); err != nil {
		t.Fatal(err)
	}
	want := `  diff of the visible text (-before +after):
    @@ -4,4 +4,3 @@
     Three.
     Four.
     Five.
    -Unterstützen Sie uns!
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	writeDiff(&b, `<p>Same.</p><img src="https://t.example/p.gif" width="1">`, `<p>Same.</p>`)
	if want := "  diff: the visible text is unchanged\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
