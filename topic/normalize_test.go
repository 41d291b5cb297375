package topic

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  \n\t ", ""},
		{"NATO", "nato"},
		{"Nato-Sprecherin", "nato sprecherin"},
		{"NATO's NATO’s NATOʼs", "nato s nato s nato s"},
		{"Kim Jong-un", "kim jong un"},
		{"Kim\r\nJong\u00a0Un", "kim jong un"},
		{"und/oder", "und oder"},
		{"„Pjöngjang“ (Pyŏngyang)", "pjongjang pyongyang"},
		{"Ärger Öl Übel äöü", "arger ol ubel aou"},
		{"O\u0308l A\u0308rger", "ol arger"}, // decomposed umlauts
		{"Straße STRASSE Maẞ", "strasse strasse mass"},
		{"Café résumé naïve Citroën", "cafe resume naive citroen"},
		{"Æsop Œuvre Ørsted Łódź Đoković þorn", "aesop oeuvre orsted lodz dokovic thorn"},
		{"Nord\u00adkorea", "nordkorea"},
		{"Nord\u200bkorea Nord\u200ckorea Nord\u200dkorea Nord\u2060korea Nord\ufeffkorea", "nordkorea nordkorea nordkorea nordkorea nordkorea"},
		{"ﬁnanzen Ｎａｔｏ x²", "finanzen nato x2"},
		{"1.500 Soldaten, 21. Jahrhundert", "1 500 soldaten 21 jahrhundert"},
		{"snake_case e-mail", "snake case e mail"},
		{"ΣΟΦΟΣ σοφος", "σοφοσ σοφοσ"},
		{"İstanbul", "istanbul"},
		{"Joe does canoe Michael Israel", "joe does canoe michael israel"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFoldTableMatchesSlowPath checks that the precomputed foldings give the
// same words as decomposing at run time.
func TestFoldTableMatchesSlowPath(t *testing.T) {
	for _, r := range []rune{'ä', 'Ä', 'ö', 'Ü', 'ß', 'é', 'Å', 'æ', 'ø', 'ł', '½', '\u00ad', '\u0308', '\u0301', '’', '–', '\u200b', 'ǅ', 'ŉ'} {
		var a, b joiner
		fa := folder{sink: &a}
		fb := folder{sink: &b}
		feed(&fa, "x"+string(r)+"y")
		fa.brk()
		fb.buf = append(fb.buf, 'x')
		fb.slow(r)
		feed(&fb, "y")
		fb.brk()
		if string(a.out) != string(b.out) || len(fa.ums) != len(fb.ums) {
			t.Errorf("rune %U: table gives %q, slow path %q", r, a.out, b.out)
		}
	}
}

func TestUmlautOffsets(t *testing.T) {
	var c collector
	f := folder{sink: &c}
	feed(&f, "Pjöngjang Überprüfung Joe Gödel Pjo\u0308ngjang")
	f.brk()
	want := []struct {
		base string
		ums  []int32
	}{
		{"pjongjang", []int32{3}},
		{"uberprufung", []int32{1, 7}},
		{"joe", nil},
		{"godel", []int32{2}},
		{"pjongjang", []int32{3}},
	}
	if len(c.words) != len(want) {
		t.Fatalf("got %d words, want %d", len(c.words), len(want))
	}
	for i, w := range want {
		g := c.words[i]
		if g.base != w.base || len(g.umlauts) != len(w.ums) {
			t.Errorf("word %d: got %q %v, want %q %v", i, g.base, g.umlauts, w.base, w.ums)
			continue
		}
		for k := range w.ums {
			if g.umlauts[k] != w.ums[k] {
				t.Errorf("word %d: got %q %v, want %q %v", i, g.base, g.umlauts, w.base, w.ums)
			}
		}
	}
	if got := string(expand(nil, "uberprufung", []int32{1, 7})); got != "ueberpruefung" {
		t.Errorf("expand = %q", got)
	}
}

func TestIsHTML(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"plain text", false},
		{"a < b and c > d", false},
		{"AT&T and Tom & Jerry", false},
		{"x<y", false},
		{"<p", false},
		{"<p class=x", false},
		{"<a <a <a", false},
		{"x > y <p", false},
		{"<p>Hallo</p>", true},
		{"Hallo<br>Welt", true},
		{"Hallo<br/>Welt", true},
		{"Hallo</b>", true},
		{`<a href="x">y</a>`, true},
		{"<!-- c -->", true},
		{"Tom &amp; Jerry", true},
		{"&#8217;", true},
		{"&#x2019;", true},
		{"&shy;", true},
		{"&;", false},
		{"& amp;", false},
	}
	for _, tt := range tests {
		if got := IsHTML(tt.in); got != tt.want {
			t.Errorf("IsHTML(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestVisibleText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"<p>NA</p><p>TO</p>", "NA\nTO"},
		{"<b>NA</b>TO", "NATO"},
		{"Nord<wbr>korea", "Nordkorea"},
		{"NA<br>TO", "NA\nTO"},
		{"<div>  a \n  b  </div>\n\n<div>c</div>", "a b\nc"},
		{"<ul><li>eins</li><li>zwei</li></ul>", "eins\nzwei"},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a\nb"},
		{"Tom &amp; Jerry &uuml;ber&nbsp;alles &#8217; &#x2019;", "Tom & Jerry über alles ’ ’"},
		{"Nord&shy;korea Nord&#8203;korea", "Nordkorea Nordkorea"},
		{`<a href="https://nato.int/korea">Link</a>`, "Link"},
		{`<img src="nato.jpg" alt="NATO" title="NATO">Bild`, "Bild"},
		{`vor<img src=x>nach`, "vor nach"},
		{"a<!-- NATO -->b", "ab"},
		{"<script>var nato = 1;</script>x<style>.nato{}</style>y", "xy"},
		{"<script/>nato</script>x", "x"},
		{"<noscript><img src=piwik.php></noscript>text", "text"},
		{"<template><p>nato</p></template>text", "text"},
		{"<iframe src=x>nato</iframe>text", "text"},
		{"<style>unclosed nato", ""},
		{"<title>NATO</title><p>Text</p>", "Text"},
		{"<html><head><meta charset=utf-8></head><body><h1>Titel</h1><p>Text</p></body></html>", "Titel\nText"},
		{"<p>kaputt <b>fett<p>weiter", "kaputt fett\nweiter"},
	}
	for _, tt := range tests {
		if got := VisibleText(tt.in); got != tt.want {
			t.Errorf("VisibleText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTagAtom(t *testing.T) {
	tests := map[string]string{
		"<p>": "p", "</P>": "p", "<br/>": "br", "<BR />": "br", `<a href="x">`: "a",
		"<blockquote\ncite=x>": "blockquote", "<x-custom-element-long>": "", "<wbr>": "wbr",
	}
	for raw, want := range tests {
		if got := tagAtom([]byte(raw)).String(); got != want {
			t.Errorf("tagAtom(%q) = %q, want %q", raw, got, want)
		}
	}
}
