package siteconfig

import (
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const page = `<!DOCTYPE html>
<html><head><title>Page title</title>
<meta property="og:title" content="  Open   Graph title ">
<meta name="author" content="Ann Author">
<link rel="next" href="/story?page=2">
</head>
<body class="single-post">
<header><h1 class="headline">The headline</h1>
<span class="byline">Ann Author</span><span class="byline">Bo Writer</span><span class="byline">Ann Author</span>
<time datetime="2024-03-01T10:00:00Z">1 March</time></header>
<div id="story" class="story-body">
<p class="lede">The first paragraph.</p>
<div class="ad">Buy things</div>
<div id="share-tools"><a href="https://social.example/">Share</a></div>
<p>The second paragraph. <img src="https://cdn.example/photo.jpg" srcset="a.jpg 1x, b.jpg 2x"> <img src="https://track.example/pixel.gif"></p>
<div class="instapaper_ignore">Ignore me</div>
<div style="color: red; display : none !important">Hidden</div>
<p><a href="https://example.com/x"> </a>Third.</p>
</div>
<div class="pager"><a class="next" href="/story?page=2">Next page</a><a class="print" href="https://example.com/print/story">Print</a></div>
</body></html>`

func parsePage(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func mustParse(t *testing.T, lines string) *Config {
	t.Helper()
	c, warnings := Parse("example.com.txt", []byte(lines))
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	return c
}

func render(t *testing.T, n *html.Node) string {
	t.Helper()
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestReplaceHTML(t *testing.T) {
	c := mustParse(t, "find_string: <amp-img\nreplace_string: <img\nreplace_string(</amp-img>):\nreplace_string(<img): <img loading=lazy\n")
	got := c.ReplaceHTML(`<amp-img src="a.jpg"></amp-img>`)
	if want := `<img loading=lazy src="a.jpg">`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var none *Config
	if none.ReplaceHTML("x") != "x" {
		t.Error("a nil config changed the page")
	}
}

func TestStripTree(t *testing.T) {
	c := mustParse(t, `strip: //div[@class='ad']
strip: //div[@class='ad']/text()
strip: //img/@srcset
strip: //body
strip: //p[@class='lede']
strip_id_or_class: share
strip_id_or_class: single
strip_id_or_class: story-bo
strip_image_src: pixel.gif
`)
	doc := parsePage(t, page)
	story := findID(doc, "story")
	got := c.StripTree(doc, story)
	var what []string
	for _, s := range got {
		what = append(what, s.Directive+" "+s.Rule+" "+s.Attr)
	}
	want := []string{
		"strip //div[@class='ad'] ",
		"strip //img/@srcset srcset",
		"strip //p[@class='lede'] ",
		"strip_id_or_class share ",
		"strip_image_src pixel.gif ",
	}
	if !reflect.DeepEqual(what, want) {
		t.Errorf("stripped:\n%s\nwant:\n%s", strings.Join(what, "\n"), strings.Join(want, "\n"))
	}
	out := render(t, doc)
	for _, gone := range []string{"Buy things", "srcset", "The first paragraph", "Share", "pixel.gif"} {
		if strings.Contains(out, gone) {
			t.Errorf("%q is still in the page", gone)
		}
	}
	// The body (html and body elements, which strip_id_or_class single
	// matches) and the kept article (story-bo) stay.
	for _, kept := range []string{"The second paragraph", "photo.jpg", `class="single-post"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("%q was stripped", kept)
		}
	}
	if got[0].Line != 1 || got[0].File != "example.com.txt" {
		t.Errorf("position of the first removal: %v", got[0].Pos)
	}
}

func TestStripFragment(t *testing.T) {
	// Feed content: a fragment, whose root is never removed.
	c := mustParse(t, "strip: //div\nstrip: //p[contains(., 'Advertisement')]\n")
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(`<p>Text.</p><p>Advertisement</p><div><div>inner</div></div>`), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	got := c.StripTree(root)
	if len(got) != 2 {
		t.Errorf("removed %d nodes, want 2 (the outer div and the paragraph): %v", len(got), got)
	}
	if out := render(t, root); out != "<div><p>Text.</p></div>" {
		t.Errorf("got %s", out)
	}
}

func TestStripPage(t *testing.T) {
	c := mustParse(t, "body: //div[@id='story']\n")
	doc := parsePage(t, page)
	got := c.StripPage(doc)
	var rules []string
	for _, s := range got {
		rules = append(rules, s.Rule)
	}
	if want := []string{"instapaper_ignore", "display:none", "empty link"}; !reflect.DeepEqual(rules, want) {
		t.Errorf("stripped %q, want %q", rules, want)
	}
	out := render(t, doc)
	if strings.Contains(out, "Ignore me") || strings.Contains(out, "Hidden") || !strings.Contains(out, "Third.") {
		t.Errorf("got %s", out)
	}
}

func TestTitleAuthorDate(t *testing.T) {
	doc := parsePage(t, page)
	tests := []struct {
		lines      string
		title      string
		node       bool
		authors    []string
		date       string
		nextPage   string
		singlePage string
	}{
		{lines: "title: //h1\nauthor: //span[@class='byline']\ndate: //time/@datetime\n",
			title: "The headline", node: true, authors: []string{"Ann Author", "Bo Writer"}, date: "2024-03-01T10:00:00Z"},
		{lines: "title: //h2\ntitle: //meta[@property='og:title']/@content\nauthor: //meta[@name='author']/@content\ndate: string(//time)\n",
			title: "Open Graph title", authors: []string{"Ann Author"}, date: "1 March"},
		{lines: "title: string(//h2)\ntitle: concat(//h1, ' — ', //title)\nauthor: //nobody\nauthor: substring-before(//span[@class='byline'], ' ')\n",
			title: "The headline — Page title", authors: []string{"Ann"}},
		{lines: "title: //h1 | //title\n", title: "Page title"}, // document order
		{lines: "title: //nothing\n"},
	}
	for _, tt := range tests {
		c := mustParse(t, tt.lines)
		title, node := c.TitleOf(doc)
		if title != tt.title || (node != nil) != tt.node {
			t.Errorf("%q: title %q (node %v), want %q (node %v)", tt.lines, title, node != nil, tt.title, tt.node)
		}
		if got := c.AuthorsOf(doc); !reflect.DeepEqual(got, tt.authors) {
			t.Errorf("%q: authors %q, want %q", tt.lines, got, tt.authors)
		}
		if got := c.DateOf(doc); got != tt.date {
			t.Errorf("%q: date %q, want %q", tt.lines, got, tt.date)
		}
	}
}

func TestBodyOf(t *testing.T) {
	doc := parsePage(t, page)
	tests := []struct {
		lines string
		want  []string // ids or classes of the nodes
		line  int
	}{
		{"body: //article\nbody: //div[@id='story']\nbody: //body\n", []string{"storystory-body"}, 2},
		{"body: //p[@class='lede'] | //div[@id='story'] | //header\n", []string{"", "storystory-body"}, 1},
		{"body: //span[@class='byline']\n", []string{"byline", "byline", "byline"}, 1},
		{"body: //div[@id='story']/@class\nbody: //nothing\n", nil, 0},
	}
	for _, tt := range tests {
		c := mustParse(t, tt.lines)
		nodes, e := c.BodyOf(doc)
		var got []string
		for _, n := range nodes {
			got = append(got, attr(n, "id")+attr(n, "class"))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: body %q, want %q", tt.lines, got, tt.want)
		}
		if tt.line > 0 && (e == nil || e.Line != tt.line) {
			t.Errorf("%q: the expression that found it: %v, want line %d", tt.lines, e, tt.line)
		}
	}
}

func TestPageLinks(t *testing.T) {
	doc := parsePage(t, page)
	base, _ := url.Parse("https://www.example.com/story")
	tests := []struct {
		lines, next, single string
	}{
		{"next_page_link: //a[@class='next']\nsingle_page_link: //a[@class='print']\n",
			"https://www.example.com/story?page=2", "https://example.com/print/story"},
		{"next_page_link: //link[@rel='next']/@href\nsingle_page_link: concat(//link[@rel='next']/@href, '&all=1')\n",
			"https://www.example.com/story?page=2", "https://www.example.com/story?page=2&all=1"},
		{"next_page_link: //link[@rel='next']\nif_page_contains: //div[@class='pagination']\nnext_page_link: //nothing\n", "", ""},
		{"single_page_link: //a[@class='print']\nif_page_contains: //div[@class='pager']\n", "", "https://example.com/print/story"},
		{"next_page_link: string('javascript:alert(1)')\nsingle_page_link: string('mailto:a@example.com')\n", "", ""},
	}
	for _, tt := range tests {
		c := mustParse(t, tt.lines)
		if got := c.NextPageURL(doc, base); got != tt.next {
			t.Errorf("%q: next page %q, want %q", tt.lines, got, tt.next)
		}
		if got := c.SinglePageURL(doc, base); got != tt.single {
			t.Errorf("%q: single page %q, want %q", tt.lines, got, tt.single)
		}
	}
}

// findID returns the element of id under n.
func findID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode && attr(n, "id") == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func TestStripContent(t *testing.T) {
	// A feed item's content: the rules that would take most of it (the
	// whole article, in a wrapper the site's pages also use) are skipped.
	c := mustParse(t, `strip_id_or_class: snippet
strip: //p
strip: //p[@class='promo']
strip_image_src: pixel
`)
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(`<div class="snippet"><p>The whole article, which is long enough to be most of the content.</p>
<p class="promo">Subscribe now</p><img src="https://t.example/pixel.gif"></div>`), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	var what []string
	for _, s := range c.StripContent(root) {
		what = append(what, s.Directive+" "+s.Rule)
	}
	if want := []string{"strip //p[@class='promo']", "strip_image_src pixel"}; !reflect.DeepEqual(what, want) {
		t.Errorf("stripped %q, want %q", what, want)
	}
	if out := render(t, root); !strings.Contains(out, "The whole article") || strings.Contains(out, "Subscribe") {
		t.Errorf("got %s", out)
	}
}

// TestConcurrentUse: one config serves many pages at once (the library's
// compiled expressions keep state while they run).
func TestConcurrentUse(t *testing.T) {
	c := mustParse(t, "title: concat(//h1, '!')\nbody: //div[@id='story'] | //p[@class='lede']\nstrip: //div[@class='ad']\nnext_page_link: //link[@rel='next']/@href\nif_page_contains: //div[@class='pager']\n")
	base, _ := url.Parse("https://example.com/story")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				doc, err := html.Parse(strings.NewReader(page))
				if err != nil {
					t.Error(err)
					return
				}
				if title, _ := c.TitleOf(doc); title != "The headline!" {
					t.Errorf("title %q", title)
				}
				if c.NextPageURL(doc, base) != "https://example.com/story?page=2" {
					t.Error("no next page")
				}
				c.StripTree(doc)
				if body, _ := c.BodyOf(doc); len(body) != 1 {
					t.Errorf("body: %d nodes", len(body))
				}
			}
		}()
	}
	wg.Wait()
}
