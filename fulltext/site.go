package fulltext

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/plaintext"
	"github.com/refeed/refeed/siteconfig"
)

// MaxPages bounds the pages of one article that Article reads when a site
// config's next_page_link leads from page to page: the first and at most
// MaxPages-1 more.
const MaxPages = 4

// An Article is an article extracted from a page (and its next pages).
type Article struct {
	Content string // HTML
	// Title, Authors and Date are what the site config's title, author and
	// date directives found, as written in the page; empty without them.
	Title   string
	Authors []string
	Date    string
	// Site is the name of the site config file whose body directive found
	// the article, "" when generic extraction did.
	Site string
	// Pages are the URLs the article was read from, the first page's
	// first.
	Pages []string
	// Next is the URL of the next page, as next_page_link found it in the
	// last page read; "" for none.
	Next string
	// Fallback says why the article of a site config's body directive
	// was not taken, when generic extraction found a different one (see
	// ExtractSite); "" when it was taken, or there was none.
	Fallback string
	// Stripped is what the site config removed from the pages.
	Stripped []siteconfig.Stripped
}

// ExtractOptions are the steps around the site config of ExtractSite.
type ExtractOptions struct {
	// Clean, when set, cleans a page after the site config's find and
	// replace pairs and before its article is extracted (clean's Page).
	Clean func(page, pageURL string) string
	// Generic extracts the article of a page the site config finds none
	// in, when it lets generic extraction try (autodetect_on_failure);
	// nil means Extract.
	Generic func(page []byte, pageURL string) (string, error)
}

// ExtractSite returns the article of page (UTF-8 HTML) read from pageURL,
// with the rules of site (nil: none), as Full-Text RSS extracts it: the
// site's find and replace pairs are applied to the HTML, the next page's
// link, the title, authors and date are read, the strip directives
// applied, and the article is what the body directive selects (several
// elements in a <div>), pruned unless the site says prune: no. When no
// body directive selects anything, generic extraction runs on the
// stripped page, unless the site says autodetect_on_failure: no
// (ErrNoArticle). The title's element is removed from the page, unless
// it holds the article.
func ExtractSite(page []byte, pageURL string, site *siteconfig.Config, opt ExtractOptions) (Article, error) {
	generic := opt.Generic
	if generic == nil {
		generic = Extract
	}
	text := site.ReplaceHTML(string(page))
	if opt.Clean != nil {
		text = opt.Clean(text, pageURL)
	}
	art := Article{Pages: []string{pageURL}}
	if site == nil {
		content, err := generic([]byte(text), pageURL)
		art.Content = content
		return art, err
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return art, fmt.Errorf("fulltext: extract: %w", err)
	}
	doc, err := html.ParseWithOptions(strings.NewReader(text), html.ParseOptionEnableScripting(false))
	if err != nil {
		return art, fmt.Errorf("fulltext: extract %s: %w", base.Redacted(), err)
	}
	art.Next = site.NextPageURL(doc, base)
	title, titleNode := site.TitleOf(doc)
	art.Title = title
	art.Authors = site.AuthorsOf(doc)
	art.Date = site.DateOf(doc)
	// What the body directive finds before stripping is kept from strips
	// that would take it (a class or id that changed since the rule was
	// written): the article is never stripped whole.
	keep, _ := site.BodyOf(doc)
	art.Stripped = site.StripPage(doc, keep...)
	body, expr := site.BodyOf(doc)
	if titleNode != nil && titleNode.Parent != nil && !holdsAny(titleNode, body) {
		titleNode.Parent.RemoveChild(titleNode)
	}
	if body == nil && len(site.Body) > 0 && !site.Autodetects() {
		return art, fmt.Errorf("fulltext: extract %s: %w (site config %s)", base.Redacted(), ErrNoArticle, site.Name())
	}
	// The stripped page, for generic extraction.
	var stripped strings.Builder
	if err := html.Render(&stripped, doc); err != nil {
		return art, fmt.Errorf("fulltext: extract %s: %w", base.Redacted(), err)
	}
	var content string
	if body == nil {
		content, err = generic([]byte(stripped.String()), pageURL)
		if err != nil || !site.Autodetects() {
			art.Content = content
			return art, err
		}
	} else {
		var b strings.Builder
		if len(body) > 1 {
			b.WriteString("<div>")
		}
		for _, n := range body {
			if site.Prunes() {
				prune(n)
			}
			if err := html.Render(&b, n); err != nil {
				return art, fmt.Errorf("fulltext: extract %s: %w", base.Redacted(), err)
			}
		}
		if len(body) > 1 {
			b.WriteString("</div>")
		}
		content = strings.TrimSpace(b.String())
		if strings.TrimSpace(nodesText(body)) == "" && !site.Autodetects() {
			return art, fmt.Errorf("fulltext: extract %s: %w (site config %s: empty body)", base.Redacted(), ErrNoArticle, expr.Pos)
		}
		if !site.Autodetects() {
			art.Site, art.Content = expr.File, content
			return art, nil
		}
	}
	// A rule written for the site's pages of some year may not fit this
	// page: what the site config makes of it is taken where it agrees with
	// generic extraction of the page as it came (mostly inside it, holding
	// most of it), which it then refines.
	g, gerr := generic([]byte(text), pageURL)
	if gerr != nil {
		if plaintext.Text(content) == "" {
			return art, gerr
		}
	} else if why := disagreement(plaintext.Text(content), plaintext.Text(g)); why != "" {
		art.Content = g
		if expr != nil {
			art.Fallback = fmt.Sprintf("site config %s: %s", expr.Pos, why)
		} else {
			art.Fallback = fmt.Sprintf("site config %s: after its strips, %s", site.Name(), why)
		}
		return art, nil
	}
	if expr != nil {
		art.Site = expr.File
	}
	art.Content = content
	return art, nil
}

// The least agreement of a site config's article with the generic one:
// the share of its words the generic article has, and the share of the
// generic article's words it has.
const (
	minInside = 0.85
	minCover  = 0.6
)

// disagreement says how the text site, extracted by a site config,
// disagrees with gen, extracted by generic extraction, or returns "" when
// they agree: most of site's words are in gen (minInside) and site holds
// most of gen's (minCover). Words are counted with their repetitions.
func disagreement(site, gen string) string {
	s, g := wordCounts(site), wordCounts(gen)
	ns, ng, both := 0, 0, 0
	for w, n := range s {
		ns += n
		both += min(n, g[w])
	}
	for _, n := range g {
		ng += n
	}
	switch {
	case ns == 0:
		return "its article is empty"
	case float64(both) < minInside*float64(ns):
		return fmt.Sprintf("only %d%% of its article's %d words are in the generic article", 100*both/ns, ns)
	case float64(both) < minCover*float64(ng):
		return fmt.Sprintf("its article holds only %d%% of the generic article's %d words", 100*both/ng, ng)
	}
	return ""
}

// wordCounts counts the words of s in lower case: runs of letters and
// digits.
func wordCounts(s string) map[string]int {
	out := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out[w]++
	}
	return out
}

// holdsAny reports whether one of nodes is n or inside n.
func holdsAny(n *html.Node, nodes []*html.Node) bool {
	for _, b := range nodes {
		for p := b; p != nil; p = p.Parent {
			if p == n {
				return true
			}
		}
	}
	return false
}

// nodesText returns the text of nodes.
func nodesText(nodes []*html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return b.String()
}

// ArticleOptions say how Article reads an article.
type ArticleOptions struct {
	ExtractOptions
	// AllowPrivate lets the pages be at addresses that are not public.
	AllowPrivate bool
	// Site is the site config of the link's host (siteconfig.Set's For),
	// nil for none.
	Site *siteconfig.Config
}

// Article fetches the page at link and returns its article (see
// ExtractSite), with the site config of opt: its http_header lines are
// sent with every request; a page whose single_page_link leads to another
// page of the same host is replaced by that page; and the article is
// followed from page to page by next_page_link, on the same host, for at
// most MaxPages pages, each page's article appended to the first's. A
// next page that cannot be read ends the article where it is (logged).
func (f *Fetcher) Article(ctx context.Context, link string, opt ArticleOptions) (Article, error) {
	header := siteHeader(opt.Site)
	page, final, err := f.PageWithHeader(ctx, link, opt.AllowPrivate, header)
	if err != nil {
		return Article{}, err
	}
	if opt.Site != nil && len(opt.Site.SinglePageLink) > 0 {
		if single := singlePageURL(opt.Site, page, final); single != "" && single != final && sameHost(single, final) {
			p, fin, err := f.PageWithHeader(ctx, single, opt.AllowPrivate, header)
			if err == nil {
				page, final = p, fin
			} else {
				f.log.Info("single-page view not available, reading the page itself", "url", final, "err", err)
			}
		}
	}
	art, err := ExtractSite(page, final, opt.Site, opt.ExtractOptions)
	if err != nil {
		return art, err
	}
	seen := map[string]bool{link: true, final: true}
	for len(art.Pages) < MaxPages && art.Next != "" {
		next := art.Next
		art.Next = ""
		if seen[next] || !sameHost(next, final) {
			break
		}
		seen[next] = true
		p, fin, err := f.PageWithHeader(ctx, next, opt.AllowPrivate, header)
		if err != nil {
			f.log.Info("next page not available, the article ends before it", "url", next, "err", err)
			break
		}
		seen[fin] = true
		more, err := ExtractSite(p, fin, opt.Site, opt.ExtractOptions)
		if err != nil {
			f.log.Info("no article in the next page, the article ends before it", "url", fin, "err", err)
			break
		}
		art.Content += "\n" + more.Content
		art.Pages = append(art.Pages, fin)
		art.Stripped = append(art.Stripped, more.Stripped...)
		art.Next = more.Next
	}
	return art, nil
}

// singlePageURL returns the single-page view's URL that site finds in page.
func singlePageURL(site *siteconfig.Config, page []byte, pageURL string) string {
	base, err := url.Parse(pageURL)
	if err != nil {
		return ""
	}
	doc, err := html.ParseWithOptions(strings.NewReader(site.ReplaceHTML(string(page))), html.ParseOptionEnableScripting(false))
	if err != nil {
		return ""
	}
	return site.SinglePageURL(doc, base)
}

// siteHeader returns the http_header lines of site as a header.
func siteHeader(site *siteconfig.Config) http.Header {
	if site == nil || len(site.HTTPHeader) == 0 {
		return nil
	}
	h := http.Header{}
	for k, v := range site.HTTPHeader {
		h.Set(k, v)
	}
	return h
}

// sameHost reports whether the URLs a and b have the same host, but for a
// www. before one of them.
func sameHost(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	ha := strings.TrimPrefix(strings.ToLower(ua.Host), "www.")
	hb := strings.TrimPrefix(strings.ToLower(ub.Host), "www.")
	return ha != "" && ha == hb
}
