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
	root, _ := parseFragment("<p>no scr<script>x</script>ipt</p><p>descriptive</p>")
	if !mayHoldResidue(root) {
		t.Error("descriptive: no residue seen")
	}
}

// corpusURLs returns the URLs of the corpus items' links, images and
// frames, with the samples.
func corpusURLs(t testing.TB) []string {
	out := urlSamples()
	for _, s := range []string{"https://a.example", "https://a.example/", "https://a.example/?", "https://a.example/#",
		"https://a.example/#x", "https://a.example/#x#y", "https://a.example:8080/x", "https://a.example:/x", "https://:80/x",
		"https://a.example:8o/x", "http://A.Example/P(1)?q='x'&r=*#!f", "https://a.example//x//y", "https://a.example?x",
		"https://a.example#x", "https://a@b.example/", "https://a.example/%41", "https://a.example/x y", "HTTPS://a.example/",
		"https://a.example/~user/;p=1,2:3@4$5!6", "https://a.example/?q=a?b/c#d?e/f", "https://xn--mnchen-3ya.example/"} {
		out = append(out, s)
	}
	if parsed, err := parsedCorpus(); err == nil {
		for _, its := range parsed {
			for _, it := range its {
				out = append(out, it.Link)
				for _, f := range []string{it.Summary, it.Content} {
					for _, n := range elements(f) {
						for _, a := range n.Attr {
							if a.Key == "href" || a.Key == "src" {
								out = append(out, a.Val, strings.TrimSpace(a.Val))
							}
						}
					}
				}
			}
		}
	}
	return out
}

// checkSplitWebURL checks splitWebURL on raw against net/url.
func checkSplitWebURL(t *testing.T, raw string) bool {
	host, path, ok := splitWebURL(raw)
	if !ok {
		return false
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		t.Errorf("splitWebURL(%q) ok, but url.Parse fails: %v", raw, err)
	case u.String() != raw || u.Host != host || u.EscapedPath() != path || u.Scheme != "http" && u.Scheme != "https":
		t.Errorf("splitWebURL(%q) = %q, %q; net/url: %q, %q, %q", raw, host, path, u.String(), u.Host, u.EscapedPath())
	}
	return true
}

// TestSplitWebURL holds splitWebURL to net/url on the corpus's URLs.
func TestSplitWebURL(t *testing.T) {
	urls := corpusURLs(t)
	fast := 0
	for _, raw := range urls {
		if checkSplitWebURL(t, raw) {
			fast++
		}
	}
	t.Logf("%d of %d URLs split without net/url", fast, len(urls))
}

// FuzzSplitWebURL holds splitWebURL to net/url.
func FuzzSplitWebURL(f *testing.F) {
	for _, raw := range urlSamples() {
		f.Add(raw)
	}
	f.Add("https://a.example/x?y#z")
	f.Fuzz(func(t *testing.T, raw string) {
		checkSplitWebURL(t, raw)
	})
}
