package fulltext

import (
	"strings"
	"testing"
)

// para returns a paragraph of article text, long enough to count for
// go-readability.
func para(topic string) string {
	return "<p>" + strings.Repeat("The council debated the "+topic+" at length, and the mayor, who had argued for it since spring, won the vote by a narrow margin. ", 3) + "</p>"
}

// TestExtractTidies: what is about the article rather than of it goes,
// the caption of a picture stays with it.
func TestExtractTidies(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Council votes</title></head><body>
<div class="site"><div class="story-body">
<header><h1>Council votes for the new bridge</h1><p class="byline">By Jane Doe</p></header>
<ol class="breadcrumbs"><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ol>
<p><time datetime="2024-05-02">2 May 2024</time></p>
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
	for _, gone := range []string{"By Jane Doe", "Home", "2 May 2024", "Slide 2 of 9", "News agency", "Share on X", "Mayor wins again", "morning briefing", "Advertisement", "covers the city hall", "class="} {
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
