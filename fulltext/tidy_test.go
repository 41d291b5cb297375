package fulltext

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// para returns a paragraph of article text, long enough to count for
// go-readability.
func para(topic string) string {
	return "<p>" + strings.Repeat("The council debated the "+topic+" at length, and the mayor, who had argued for it since spring, won the vote by a narrow margin. ", 3) + "</p>"
}

// TestExtractTidies: what is about the article rather than of it goes,
// the caption of a picture stays with it, datelines go without a <time>.
func TestExtractTidies(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Council votes</title></head><body>
<div class="site"><div class="story-body">
<header><h1>Council votes for the new bridge</h1><p class="byline">By Jane Doe</p></header>
<ol class="breadcrumbs"><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ol>
<p><time datetime="2024-05-02">2 May 2024</time></p>
<p>Updated 4:10 pm CET, May 3, 2024</p>
` + para("bridge") + `
<figure><img src="/bridge.jpg" alt="The bridge"><figcaption>The old bridge in 1950. Photo: City archive</figcaption></figure>
<figure><figcaption>Slide 2 of 9: the new bridge</figcaption></figure>
<p class="image-credit">Photo: News agency</p>
<div class="share-buttons"><a href="https://share.example/x">Share on X</a> <a href="https://share.example/m">Mail</a></div>
` + para("budget") + `
<div class="related-articles"><h3>Related</h3><ul><li><a href="/a">Mayor wins again</a></li><li><a href="/b">Bridges of the region</a></li></ul></div>
<div id="newsletter-signup"><p>Get the morning briefing in your inbox every day.</p></div>
` + para("timetable") + `
<span class="visually-hidden" hidden>Advertisement</span>
<div class="author-bio"><p>Jane Doe covers the city hall.</p></div>
</div></div></body></html>`
	got, err := Extract([]byte(page), "https://news.example/council")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"debated the bridge", "debated the budget", "debated the timetable", `src="https://news.example/bridge.jpg"`, "The old bridge in 1950. Photo: City archive"} {
		if !strings.Contains(got, want) {
			t.Errorf("the article lost %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"By Jane Doe", "Home", "2 May 2024", "May 3, 2024", "Slide 2 of 9", "News agency", "Share on X", "Mayor wins again", "morning briefing", "Advertisement", "covers the city hall", "class="} {
		if strings.Contains(got, gone) {
			t.Errorf("the article kept %q:\n%s", gone, got)
		}
	}
}

// TestExtractKeepsArticleNamedLikeBoilerplate: an element whose name says
// boilerplate but that holds most of the article stays.
func TestExtractKeepsArticleNamedLikeBoilerplate(t *testing.T) {
	page := `<html><body><div class="post has-author-box related-content comments-open">` +
		para("bridge") + para("budget") + para("timetable") + `</div></body></html>`
	got, err := Extract([]byte(page), "https://news.example/council")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"debated the bridge", "debated the budget", "debated the timetable"} {
		if !strings.Contains(got, want) {
			t.Errorf("the article lost %q:\n%s", want, got)
		}
	}
}

func TestIsDateline(t *testing.T) {
	for text, want := range map[string]bool{
		"Published 4:00 am CST, Wednesday, November 20, 2019":    true,
		"Updated Nov 19, 9:41 AM; Posted Nov 18, 8:19 PM":        true,
		"Posted: Fri 6:45 PM, Feb 16, 2018 |":                    true,
		"November 18, 2019 | 4:10pm":                             true,
		"Updated at 1:23 p.m.":                                   true,
		"Veröffentlicht am 19.11.2019 um 08:57 Uhr":              true,
		"Stand: 02.05.2024, 14:12 Uhr":                           true,
		"2. Mai 2024":                                            true,
		"By Jane Doe":                                            true,
		"Von Max Muster und Erika Mustermann":                    true,
		"By Justine Coleman - 11/18/19 11:04 PM EST":             true,
		"By then, the bridge had been closed for a year.":        false,
		"By 2027 the bridge will be open, the mayor said.":       false,
		"The bridge opened on November 18, 2019, after a delay.": false,
		"Von Montag an ist die Brücke gesperrt.":                 false,
		"November 2019 was the wettest month in years":           false,
	} {
		n := parseBlock(t, "<p>"+text+"</p>")
		if got := isDateline(n); got != want {
			t.Errorf("isDateline(%q) = %v, want %v", text, got, want)
		}
	}
}

// parseBlock returns the element of the HTML fragment s.
func parseBlock(t *testing.T, s string) *html.Node {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("parse %q: %v", s, err)
	}
	return nodes[0]
}
