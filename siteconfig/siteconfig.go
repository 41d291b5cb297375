// Package siteconfig reads site configs in the FiveFilters format, the one
// Full-Text RSS and wallabag read: one text file per site with XPath 1.0
// rules saying where a page's article, title, author and date are and
// what to strip from it. The public set (github.com/fivefilters/ftr-site-config)
// has some two thousand of them.
//
// A file is named after the host it is for: example.com.txt applies to
// example.com and www.example.com, .example.com.txt to the subdomains of
// example.com (news.example.com, but not www.example.com nor example.com),
// news.example.com.txt to that host alone. global.txt holds rules for
// every site, merged into a site's rules as FiveFilters merges them (see
// Set.For).
//
// Each line is "directive: value"; lines starting with # are comments.
// The directives read are body, title, author, date, strip, strip_attr
// (the same as strip), strip_id_or_class, strip_image_src, find_string
// and replace_string pairs, replace_string(find): replace,
// http_header(name): value, single_page_link and next_page_link (with the
// if_page_contains line that conditions them), prune, tidy,
// autodetect_on_failure, test_url and test_contains. Other directives of
// the format (login_uri, wrap_in(…), …) are counted and left alone;
// anything else, an XPath that does not compile or a line that is not a
// directive is a Warning, never an error: one bad line costs only itself.
//
// XPath is evaluated by github.com/antchfx/xpath over golang.org/x/net/html
// trees (through github.com/antchfx/htmlquery).
package siteconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// A Pos is where a directive was written: the file's name (such as
// "example.com.txt") and its line, from 1.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// A Warning is a line of a site config that was not understood, or a
// directive that was dropped.
type Warning struct {
	Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": " + w.Msg }

// A Match is a directive whose value is a plain string, matched as a
// substring (strip_id_or_class, strip_image_src).
type Match struct {
	Pos
	Value string
}

// A Replace is a find_string and replace_string pair, or a
// replace_string(find): replace line: the page's HTML has every Find
// replaced by Replace before it is parsed.
type Replace struct {
	Pos
	Find, Replace string
}

// A Test is a test_url with the test_contains lines that follow it: the
// article extracted from URL should contain each of Contains.
type Test struct {
	Pos
	URL      string
	Contains []string
}

// A Config is the rules of one site: one file, or a file merged with
// global.txt. Its expressions are compiled; it is not changed after it is
// read and is safe for concurrent use.
type Config struct {
	// Files names the files it was read from, the site's first.
	Files []string

	Title, Body, Author, Date []*Expr
	// Strip are XPath expressions of elements to remove, or of
	// attributes (//img/@srcset) to remove from their elements.
	Strip          []*Expr
	StripIDOrClass []Match // elements whose id or class contains the value
	StripImageSrc  []Match // images whose src contains the value
	Replace        []Replace
	SinglePageLink []*Expr
	NextPageLink   []*Expr
	// HTTPHeader holds the headers to send for the site's pages, by
	// lower-case name: user-agent, referer, cookie or accept.
	HTTPHeader map[string]string

	// Prune, Tidy and AutodetectOnFailure are nil when the file does not
	// say; see the methods of the same names for their defaults.
	Prune, Tidy, AutodetectOnFailure *bool

	Tests []Test

	// Unapplied counts the lines of directives of the format that refeed
	// does not apply (login_uri, wrap_in(…), …), by directive.
	Unapplied map[string]int

	// digest identifies the files c was read from (see Digest).
	digest string
}

// Digest identifies the rules of c by the names and contents of the files
// it was read from, global.txt included when merged: two configs with the
// same digest were read from the same texts. It is "" for a nil Config
// (no site config). What was extracted from a page with one config is
// stale once the config for that page has another digest.
func (c *Config) Digest() string {
	if c == nil {
		return ""
	}
	return c.digest
}

// fileDigest returns the digest of a site config file named name holding
// data.
func fileDigest(name string, data []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Name returns the name of the site's file (the first of Files), or "" for
// a config without one.
func (c *Config) Name() string {
	if c == nil || len(c.Files) == 0 {
		return ""
	}
	return c.Files[0]
}

// Prunes reports whether the article found with Body is to be cleaned of
// what does not look like content (prune: yes, the default).
func (c *Config) Prunes() bool { return c == nil || c.Prune == nil || *c.Prune }

// Tidies reports tidy (yes by default). It changes nothing in refeed: pages
// are parsed by an HTML5 parser, which repairs markup as browsers do.
func (c *Config) Tidies() bool { return c == nil || c.Tidy == nil || *c.Tidy }

// Autodetects reports whether the article is to be found by generic
// extraction when no Body expression finds it (autodetect_on_failure: yes,
// the default), and whether global.txt is merged into the site's rules.
func (c *Config) Autodetects() bool {
	return c == nil || c.AutodetectOnFailure == nil || *c.AutodetectOnFailure
}

// HasStrip reports whether c strips anything from feed content: it has
// strip, strip_id_or_class or strip_image_src lines.
func (c *Config) HasStrip() bool {
	return c != nil && (len(c.Strip) > 0 || len(c.StripIDOrClass) > 0 || len(c.StripImageSrc) > 0)
}

// merge returns c with the rules of g appended, as FiveFilters merges a
// site's config with another (ContentExtractor's append): lists are
// appended without duplicates, find and replace pairs appended, headers
// and yes/no settings kept where c has them. Tests stay c's own.
func (c *Config) merge(g *Config) *Config {
	out := *c
	sum := sha256.Sum256([]byte(c.digest + "\x00merged with\x00" + g.digest))
	out.digest = hex.EncodeToString(sum[:16])
	out.Files = append(append([]string(nil), c.Files...), g.Files...)
	out.Title = appendExprs(c.Title, g.Title)
	out.Body = appendExprs(c.Body, g.Body)
	out.Author = appendExprs(c.Author, g.Author)
	out.Date = appendExprs(c.Date, g.Date)
	out.Strip = appendExprs(c.Strip, g.Strip)
	out.SinglePageLink = appendExprs(c.SinglePageLink, g.SinglePageLink)
	out.NextPageLink = appendExprs(c.NextPageLink, g.NextPageLink)
	out.StripIDOrClass = appendMatches(c.StripIDOrClass, g.StripIDOrClass)
	out.StripImageSrc = appendMatches(c.StripImageSrc, g.StripImageSrc)
	out.Replace = append(append([]Replace(nil), c.Replace...), g.Replace...)
	if len(g.HTTPHeader) > 0 {
		out.HTTPHeader = map[string]string{}
		for k, v := range g.HTTPHeader {
			out.HTTPHeader[k] = v
		}
		for k, v := range c.HTTPHeader {
			out.HTTPHeader[k] = v
		}
	}
	if out.Prune == nil {
		out.Prune = g.Prune
	}
	if out.Tidy == nil {
		out.Tidy = g.Tidy
	}
	if out.AutodetectOnFailure == nil {
		out.AutodetectOnFailure = g.AutodetectOnFailure
	}
	return &out
}

func appendExprs(a, b []*Expr) []*Expr {
	return appendNew(a, b, func(e *Expr) string { return e.Source })
}

func appendMatches(a, b []Match) []Match {
	return appendNew(a, b, func(m Match) string { return m.Value })
}

// appendNew returns a copy of a with the elements of b whose key none of
// a has.
func appendNew[T any](a, b []T, key func(T) string) []T {
	out := append([]T(nil), a...)
	have := make(map[string]bool, len(a))
	for _, x := range a {
		have[key(x)] = true
	}
	for _, x := range b {
		if k := key(x); !have[k] {
			have[k] = true
			out = append(out, x)
		}
	}
	return out
}

// normalizeHost returns host in lower case, without a port's brackets or a
// final dot.
func normalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	host = strings.TrimSuffix(host, ".")
	return strings.Trim(host, "[]")
}
