package topic_test

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/topic"
)

// fragment parses s as the content of a <body>, as cleaning does.
func fragment(t *testing.T, s string) *html.Node {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), body, html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}

// TestVisibleTextOf checks that reading a parsed fragment gives the text
// of its rendering.
func TestVisibleTextOf(t *testing.T) {
	for _, s := range []string{
		"<p>NA</p><p>TO</p>", "<b>NA</b>TO", "a<br>b<br/>c", "x<img src=y>z",
		"<p>a<script>nato</script>b<style>p{}</style>c</p>",
		"<noscript><img src=pixel> nato</noscript>after", "<iframe src=x>nato</iframe>after",
		"<template><p>nato</p></template>after", "<title>nato</title>after",
		"<table><tr><td>a</td><td>b</td></tr></table>", "<ul><li>a<li>b</ul>",
		"<textarea>a <b> c</textarea>", "<xmp>a <b> c</xmp>", "<svg><title>nato</title><text>x</text></svg>y",
		"<math><mi>x</mi></math>y", "caf&eacute; &amp; &lt;b&gt;", "<p>\u00adNA\u200bTO</p>",
		"<pre>a\n\nb</pre>", "<!-- nato -->x", "<div>a<div>b</div>c</div>",
		"<p>unclosed <b>bold <i>both</p> after", "<a href=x>link</a><span>s</span>",
	} {
		root := fragment(t, s)
		var b strings.Builder
		for c := root.FirstChild; c != nil; c = c.NextSibling {
			if err := html.Render(&b, c); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := topic.VisibleTextOf(root), topic.VisibleText(b.String()); got != want {
			t.Errorf("%q: VisibleTextOf = %q, VisibleText of its rendering %q = %q", s, got, b.String(), want)
		}
	}
}

// TestMatchTreesCorpus checks, over every corpus and taz item, that
// matching the trees cleaning leaves of the summary and content (and the
// cleaned HTML parsed again) gives what matching their HTML gives, and that
// their text reads the same.
func TestMatchTreesCorpus(t *testing.T) {
	c, m, err := benchdata.Stages()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, set := range benchdata.Sets {
		feeds, _, _, err := benchdata.Feeds(set)
		if err != nil {
			t.Skipf("corpus not available: %v", err)
		}
		for _, f := range feeds {
			for _, it := range benchdata.CloneItems(f.Items) {
				_, parsed := c.ItemParsed(&it, nil)
				// The cleaner's own trees, and the cleaned HTML parsed again.
				for _, trees := range [][2]*html.Node{
					{parsed.Summary, parsed.Content},
					{fragment(t, it.Summary), fragment(t, it.Content)},
				} {
					if got, want := m.MatchTrees(&it, trees[0], trees[1]), m.Match(&it); !slices.Equal(got, want) {
						t.Errorf("%s %q: MatchTrees = %v, Match = %v", f.Name, it.Title, got, want)
					}
					if con := trees[1]; con != nil {
						if got, want := topic.VisibleTextOf(con), topic.VisibleText(it.Content); got != want {
							t.Errorf("%s %q: content text differs:\n tree %.200q\n html %.200q", f.Name, it.Title, got, want)
						}
					}
				}
				if it.Content != "" && parsed.Content == nil {
					t.Errorf("%s %q: no tree for the content", f.Name, it.Title)
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d items checked", n)
	}
}
