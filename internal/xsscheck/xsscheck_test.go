package xsscheck

import (
	"html"
	"strings"
	"testing"
)

// TestVectorsAreCaught: the checks are not vacuous: every vector, left as
// it is, fails them (read as HTML, or as text once or twice unescaped,
// as a reader that decodes entities again would read it).
func TestVectorsAreCaught(t *testing.T) {
	// How careless readers may read a text: entities decoded again, CDATA
	// markers and conditional comments taken as XML or by old browsers,
	// followed by more markup.
	readings := []func(string) string{
		func(s string) string { return s },
		html.UnescapeString,
		func(s string) string { return html.UnescapeString(html.UnescapeString(s)) },
		strings.NewReplacer("<![CDATA[", "", "]]>", "", "<!--[if gte IE 4]>", "", "<![endif]-->", "").Replace,
		func(s string) string { return s + "><p>x</p>" },
	}
	for _, v := range Markup {
		caught := false
		for _, read := range readings {
			caught = caught || HTML(read(v)) != nil || Text(read(v)) != nil
		}
		if !caught {
			t.Errorf("not caught: %q", v)
		}
	}
	for _, u := range URLs {
		if Link(u) == nil {
			t.Errorf("link not caught: %q", u)
		}
	}
}

// TestSafeHTMLPasses: what the cleaner keeps passes.
func TestSafeHTMLPasses(t *testing.T) {
	for _, s := range []string{
		`<p>Text &amp; <a href="https://ex.org/a?b=1&amp;c=2">link</a>, <a href="mailto:x@ex.org">mail</a></p>`,
		`<figure><img src="https://ex.org/a.png" srcset="https://ex.org/a,w_100.png 1x, https://ex.org/b.png 2x" alt="x"/><figcaption>c</figcaption></figure>`,
		`<img src="data:image/png;base64,iVBORw0KGgo="/>`,
		`<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>`,
		`<video src="https://ex.org/v.mp4" poster="https://ex.org/p.jpg" controls=""></video>`,
		`<p>x &lt;script&gt; y</p><pre>if a < b {}</pre>`,
	} {
		if p := HTML(s); p != nil {
			t.Errorf("%s: %v", s, p)
		}
	}
	for _, l := range []string{"", "https://ex.org/", "http://ex.org/a?b=c#d", "https://ex.org/O'Brien"} {
		if p := Link(l); p != nil {
			t.Errorf("%q: %v", l, p)
		}
	}
}
