package fulltext

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// parseBody parses a fragment of a page's body as go-readability's
// article would hold it.
func parseBody(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader("<html><body><div id=readability-page-1>" + body + "</div></body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func render(t *testing.T, n *html.Node) string {
	t.Helper()
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestDropOtherPosts: the <article> elements after the article that are
// posts of their own (shorter, linking to other pages and not to this
// one) go; the article, the entries of a live blog, an <article> longer
// than the one before it and one without links stay.
func TestDropOtherPosts(t *testing.T) {
	page, _ := url.Parse("https://blog.example/2024/the-article")
	for _, c := range []struct {
		name       string
		body       string
		keep, gone []string
	}{{
		name: "teaser cards after the article",
		body: `<article>` + para("bridge") + para("budget") + `<p><a href="https://blog.example/tag/city">City</a></p></article>
<section><article><a href="https://blog.example/2024/koalas"><img src="/k.jpg"></a><p>Koalas flee the fires, and one is rescued.</p></article>
<article><a href="https://other.example/story"><img src="/o.jpg"></a><p>A story elsewhere, worth reading today.</p></article></section>`,
		keep: []string{"debated the bridge", "debated the budget", "City"},
		gone: []string{"Koalas flee", "story elsewhere"},
	}, {
		name: "the next posts of a list, shared by their own addresses",
		body: `<article>` + para("bridge") + `<a href="https://share.example/?u=https://blog.example/2024/the-article">Share</a></article>
<article><p>Optimism is what the next post is about, and it is cut short…</p><a href="https://share.example/?u=https://blog.example/2024/optimism">Share</a></article>
<article><a href="https://blog.example/2024/family">Family</a><p>A family stays together, says another post.</p></article>`,
		keep: []string{"debated the bridge"},
		gone: []string{"Optimism", "A family stays together"},
	}, {
		name: "a live blog's entries, with their own anchors",
		body: `<article>` + para("bridge") + `<a href="#post-1">Link to this post</a></article>
<article id="post-2"><p>12:05 The mayor speaks, <a href="https://news.example/quote">as reported</a>.</p><a href="https://blog.example/2024/the-article#post-2">Link to this post</a></article>
<article id="post-3"><p>12:10 The vote is close.</p><a href="/2024/the-article/#post-3">Link to this post</a></article>`,
		keep: []string{"debated the bridge", "The mayor speaks", "The vote is close"},
	}, {
		name: "longer, or without links",
		body: `<article><p>A short opening of the article, linking <a href="https://other.example/">elsewhere</a>.</p></article>
<article>` + para("bridge") + para("budget") + `<a href="https://other.example/more">More</a></article>
<article><p>A last part of the article, short and without a link.</p></article>`,
		keep: []string{"A short opening", "debated the bridge", "A last part"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			doc := parseBody(t, c.body)
			dropOtherPosts(doc, page)
			got := render(t, doc)
			for _, want := range c.keep {
				if !strings.Contains(got, want) {
					t.Errorf("lost %q:\n%s", want, got)
				}
			}
			for _, bad := range c.gone {
				if strings.Contains(got, bad) {
					t.Errorf("kept %q:\n%s", bad, got)
				}
			}
		})
	}
}

// TestDropSelfURL: an element whose whole text is the page's own address
// goes (a print header's); another address, or the page's in a sentence,
// stays.
func TestDropSelfURL(t *testing.T) {
	page, _ := url.Parse("https://www.news.example/news/article/Cat-found-14848175.php")
	doc := parseBody(t, `<div><img src="/print-logo.png"><span>https://www.news.example/news/article/Cat-found-14848175.php</span></div>
<p>http://news.example/news/article/Cat-found-14848175.php/</p>
`+para("cat")+`
<p>https://amzn.example/2iJFhRj</p>
<p>Read it at https://www.news.example/news/article/Cat-found-14848175.php today.</p>
<div><p>https://www.news.example/news/article/Cat-found-14848175.php</p><p>A block around it stays with its other text.</p></div>`)
	dropSelfURL(doc, page)
	got := render(t, doc)
	if n := strings.Count(got, "Cat-found-14848175.php"); n != 1 {
		t.Errorf("%d mentions of the page's address left, want the one in a sentence:\n%s", n, got)
	}
	for _, want := range []string{"print-logo.png", "debated the cat", "https://amzn.example/2iJFhRj", "Read it at https://www.news.example", "A block around it stays"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q:\n%s", want, got)
		}
	}
}

// TestExtractDropsOtherPosts: through Extract, the posts that
// go-readability takes along with the article are not in it.
func TestExtractDropsOtherPosts(t *testing.T) {
	teaser := func(slug, text string) string {
		return `<article><a href="https://blog.example/2024/` + slug + `"><img src="/` + slug + `.jpg" width="350" height="190"></a><p>` + text + `</p></article>`
	}
	page := `<!DOCTYPE html><html><head><title>Council votes</title></head><body><div class="content">
<article><h1>Council votes</h1>` + para("bridge") + para("budget") + para("timetable") + `</article>
<section>` + teaser("koalas", "Dozens of bushfires are spreading across the region, burning more than two million acres, and one koala, caught on camera trying to flee the flames, was quickly rescued by a wildlife technician.") +
		teaser("babies", "No diet has been more obsessively studied, more fiercely controlled, or more anxiously stage-managed than baby food, and yet, say the researchers, we still get it wrong.") +
		teaser("trains", "Almost half of the engineers have operated a train that killed someone on the tracks, and afterward, many of them suffer nightmares, anxiety and worse, for years.") + `</section>
</div></body></html>`
	got, err := Extract([]byte(page), "https://blog.example/2024/council")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"debated the bridge", "debated the budget", "debated the timetable"} {
		if !strings.Contains(got, want) {
			t.Errorf("the article lost %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"koala", "baby food"} {
		if strings.Contains(got, bad) {
			t.Errorf("the article kept the other post's %q:\n%s", bad, got)
		}
	}
}
