package clean

import (
	"net/url"
	"strings"
	"testing"

	"refeed/internal/xsscheck"
)

// urlSamples are URLs for the fast paths' tests: the hostile ones and
// odd spellings of schemes.
func urlSamples() []string {
	out := append([]string{}, xsscheck.URLs...)
	for _, s := range []string{"", " ", "javascript:x", " \tJaVa\nScRiPt:x", "java\x00script:x", "jav&#x09;ascript:x",
		"JAVASCRİPT:x", "javascrİpt:x", "vbscript:x", "VBScript :x", "data:image/png;base64,AA", "DATA:IMAGE/SVG+xml,x",
		"data: image/svg", "data:image/sv", "data:", "dat", "data:text/html,x", "https://ok.example/a", "/rel", "rel:x",
		"1http:x", ":x", "a:b", "+a:b", "a+b.c-d:x", "\xffjavascript:x", "j\xffavascript:x", "ｊavascript:x",
		"https://ok.example/\u212a", "http://[::1]:80/x", "//cdn.example/x", "?q=1", "#f", "a/b:c"} {
		out = append(out, s)
	}
	return out
}

// TestUnsafeURLFastPath holds unsafeURL's ASCII path to the Unicode one.
func TestUnsafeURLFastPath(t *testing.T) {
	slow := func(v string, imageOK bool) bool {
		v = slowFold(v)
		switch {
		case strings.HasPrefix(v, "javascript:"), strings.HasPrefix(v, "vbscript:"):
			return true
		case strings.HasPrefix(v, "data:"):
			return !imageOK || !strings.HasPrefix(v, "data:image/") || strings.HasPrefix(v, "data:image/svg")
		}
		return false
	}
	for _, v := range urlSamples() {
		for _, ok := range []bool{false, true} {
			if got, want := unsafeURL(v, ok), slow(v, ok); got != want {
				t.Errorf("unsafeURL(%q, %v) = %v, want %v", v, ok, got, want)
			}
		}
	}
}

// TestHasScheme: a reference hasScheme sees a scheme in is absolute or
// does not parse, so resolve may leave it as it is.
func TestHasScheme(t *testing.T) {
	for _, v := range urlSamples() {
		if !hasScheme(v) {
			continue
		}
		if u, err := url.Parse(v); err == nil && !u.IsAbs() {
			t.Errorf("hasScheme(%q), but it parses as a relative URL", v)
		}
	}
}

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
		if !residue.MatchString(collapse(line)) {
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
