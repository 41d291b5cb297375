// Package clean removes what a reader does not want from feed items:
// unsafe HTML, tracking pixels and tracking URL parameters, donation,
// subscription and newsletter appeals (built-in site packs and the
// configuration's own rules), and the empty leftovers of all that.
//
// Trackers are recognized by size (0/1-pixel and hidden images) and by URL:
// the built-in list in trackers.txt, and optionally Adblock-format lists
// such as EasyPrivacy (Options.TrackerLists). Site packs (packs/*.yaml) are
// named after their site's host and apply by themselves to items from it.
// Generic boilerplate (boilerplate.go) is recognized on every site, in
// English and German: cookie notices, newsletter sign-ups, "Read more" and
// "Mehr zum Thema" teasers with their lists, consent boxes of embedded
// content, comment counters, affiliate notices, error-report boxes,
// breadcrumbs, reading times, JavaScript notices, advertisement labels
// and sharing prompts, each removed as whole lines or blocks and never
// when it is most of the text. Page applies trackers and rules to a whole
// article page before its article is extracted (package fulltext); Item
// cleans an item, its feed content or the full text that replaced it.
//
// Every removal is recorded with the rule that made it, the text it
// removed and, where useful, why (Removal.Detail). Each item's HTML is
// parsed once; all steps work on that one tree, and a strict sanitizing
// policy runs last.
package clean

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
	"github.com/refeed/refeed/siteconfig"
)

// Rule names of the built-in steps, as they appear in removals.
const (
	RuleSanitize = "sanitize"
	RuleTracker  = "tracker"
	RuleParams   = "tracking-params"
	RuleEmpty    = "empty"
)

// A Removal is one thing cleaning removed.
type Removal struct {
	Rule  string // the step or rule that removed it
	Field string // title, summary, content, link, enclosure or page
	Text  string // the removed text, or a description of a removed element
	// Detail says why, where the rule alone does not: for trackers the
	// matching entry of the built-in list or "file:line: filter" of an
	// Adblock list. Often empty.
	Detail string
}

// A Cleaner cleans items. It is safe for concurrent use.
type Cleaner struct {
	packs    []*rule          // built-in site packs
	rules    map[string]*rule // configured rules and packs, by name
	ordered  []*rule          // configured rules in file order
	trackers *trackerList
	lists    *adblockList // nil without Options.TrackerLists
	params   paramMatcher
	sites    *siteconfig.Set // nil without Options.SiteConfigs
	fp       string          // see Fingerprint
}

// Options are the settings of a Cleaner beyond its rules.
type Options struct {
	// TrackerLists are files in the Adblock Plus / EasyPrivacy format
	// (config's trackers.lists). The URLs of images, frames, scripts and
	// media in items and pages are matched against them, as requests from
	// the item's page: "third-party" is relative to the host of the
	// item's link.
	TrackerLists []string
	// SiteConfigs are site configs in the FiveFilters format (config's
	// fulltext.site_configs): the strip rules of a site's own file apply
	// to the items whose link is on that site, beside the site packs.
	SiteConfigs *siteconfig.Set
}

// New returns a cleaner with the built-in packs and trackers and the
// configuration's own rules.
func New(rules []config.Rule) (*Cleaner, error) {
	return NewWithOptions(rules, Options{})
}

// NewWithOptions returns a cleaner with the built-in packs and trackers,
// the configuration's own rules, and the tracker lists of opt, read now.
// An unreadable list is an error; malformed filters in a list are skipped
// and counted in ListStats.
func NewWithOptions(rules []config.Rule, opt Options) (*Cleaner, error) {
	c := &Cleaner{
		rules:    map[string]*rule{},
		trackers: builtinTrackerList,
		params:   builtinParams,
	}
	if len(opt.TrackerLists) > 0 {
		lists, err := loadAdblockLists(opt.TrackerLists)
		if err != nil {
			return nil, err
		}
		c.lists = lists
	}
	packs, err := loadPacks()
	if err != nil {
		return nil, err
	}
	for _, p := range packs {
		c.packs = append(c.packs, p)
		c.rules[p.name] = p
	}
	for _, r := range rules {
		cr, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("clean: %w", err)
		}
		c.rules[cr.name] = cr
		c.ordered = append(c.ordered, cr)
	}
	c.fp = fingerprint(rules, opt.TrackerLists)
	c.setSiteConfigs(opt.SiteConfigs)
	return c, nil
}

// ListStats describes the tracker lists the cleaner loaded, in the order
// of Options.TrackerLists.
func (c *Cleaner) ListStats() []ListStats {
	if c.lists == nil {
		return nil
	}
	return slices.Clone(c.lists.stats)
}

// Item cleans it in place: its title, summary, content and link. named
// are the rules its source names in the configuration, applied on top of
// the packs and rules whose sites match the item's link or source URL.
// Links and enclosure URLs are made absolute against the source URL and
// dropped unless they are web (http, https) URLs; titles, author names
// and categories become plain text (see [plain.Text]).
func (c *Cleaner) Item(it *item.Item, named []string) []Removal {
	out, _ := c.ItemParsed(it, named)
	return out
}

// Parsed holds the trees of an item's cleaned summary and content, for the
// stages after cleaning that read HTML (matching topics), so that they need
// not parse it again. A tree is the root element of a fragment whose
// children render as the field's HTML, and may be read but not changed.
// It is nil where the field is empty or its HTML is not exactly such a
// rendering.
type Parsed struct {
	Summary, Content *html.Node
}

// ItemParsed is Item, also returning the trees of the cleaned summary and
// content.
func (c *Cleaner) ItemParsed(it *item.Item, named []string) ([]Removal, Parsed) {
	var out []Removal
	if link, removed := c.params.strip(strings.TrimSpace(it.Link)); len(removed) > 0 {
		it.Link = link
		out = append(out, Removal{Rule: RuleParams, Field: "link", Text: strings.Join(removed, "&")})
	}
	for i, e := range it.Enclosures {
		it.Enclosures[i].URL, _ = c.params.strip(e.URL)
	}
	// The source URL and the link are parsed once, for all that follows.
	src := sourceURL{raw: it.SourceURL}
	link, linkURL, ok := webURLOf(it.Link, &src)
	if !ok {
		out = append(out, Removal{Rule: RuleSanitize, Field: "link", Text: Excerpt(it.Link, 80)})
		it.Link = ""
	} else {
		it.Link = link
	}
	encs := it.Enclosures[:0]
	for _, e := range it.Enclosures {
		if u, _, ok := webURLOf(e.URL, &src); ok && u != "" {
			e.URL = u
			encs = append(encs, e)
		} else {
			out = append(out, Removal{Rule: RuleSanitize, Field: "enclosure", Text: Excerpt(e.URL, 80)})
		}
	}
	it.Enclosures = encs
	// baseURL(it.Link, it.SourceURL): the link is a web URL or empty.
	base, linkHost := linkURL, ""
	if linkURL != nil {
		linkHost = linkURL.Hostname()
	} else {
		base = src.base()
	}
	rules := c.rulesFor(linkHost, src.host(), named)
	it.Title = plaintext.Text(it.Title)
	it.SourceTitle = plaintext.Text(it.SourceTitle)
	it.Authors = cleanAuthors(it.Authors, &src)
	it.Categories = cleanCategories(it.Categories)
	var rm []Removal
	var p Parsed
	it.Summary, p.Summary, rm = c.cleanParsed(it.Summary, base, rules, "summary")
	out = append(out, rm...)
	it.Content, p.Content, rm = c.cleanParsed(it.Content, base, rules, "content")
	out = append(out, rm...)
	return out, p
}

// rulesFor returns the rules that apply to an item whose link and source
// URL have the given hosts: the packs and configured rules whose sites
// match either, then the named ones.
func (c *Cleaner) rulesFor(linkHost, sourceHost string, named []string) []*rule {
	link, source := siteOf(linkHost), siteOf(sourceHost)
	var out []*rule
	add := func(r *rule) {
		if r != nil && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, p := range c.packs {
		if p.appliesToSite(link) || p.appliesToSite(source) {
			add(p)
		}
	}
	for _, r := range c.ordered {
		if r.appliesToSite(link) || r.appliesToSite(source) {
			add(r)
		}
	}
	for _, n := range named {
		add(c.rules[n])
	}
	return out
}

// Rules returns the rules for a source naming the given rules, for an item
// with the given link and source URL: what Item would apply.
func (c *Cleaner) Rules(link, sourceURL string, named []string) []string {
	var names []string
	for _, r := range c.rulesFor(hostOf(link), hostOf(sourceURL), named) {
		names = append(names, r.name)
	}
	return names
}

// cleanHTML cleans s, an HTML fragment or plain text, with the six steps of
// cleaning: sanitize, trackers, tracking parameters, rules, generic
// boilerplate, empty leftovers; then the final policy. Plain text comes back as HTML
// paragraphs, and so does HTML that sanitizing leaves without tags.
func (c *Cleaner) cleanHTML(s string, base *url.URL, rules []*rule, field string) (string, []Removal) {
	out, _, rm := c.cleanParsed(s, base, rules, field)
	return out, rm
}

// cleanParsed is cleanHTML, also returning the cleaned tree when the
// cleaned HTML is its rendering (see Parsed), else nil.
func (c *Cleaner) cleanParsed(s string, base *url.URL, rules []*rule, field string) (string, *html.Node, []Removal) {
	root, out := c.cleanTree(s, base, rules, field)
	if root == nil {
		return "", nil, out
	}
	applyPolicy(root)
	// Only a numeric character reference (&#1;) can give the tree a
	// character XML cannot carry: cleanTree dropped those of s.
	rendered := render(root, len(s))
	cleaned := finish(rendered, !strings.Contains(s, "&#"))
	if cleaned == "" || cleaned != strings.TrimSpace(rendered) {
		// Emptied, or changed after rendering: the tree is not what the
		// HTML says.
		root = nil
	}
	return cleaned, root, out
}

// cleanTree parses s and runs the six steps of cleaning on its tree. It
// returns a nil tree for blank text.
func (c *Cleaner) cleanTree(s string, base *url.URL, rules []*rule, field string) (*html.Node, []Removal) {
	pageHost := ""
	if base != nil {
		pageHost = base.Hostname()
	}
	s = plaintext.ValidText(s)
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var root *html.Node
	if plaintext.HasTags(s) {
		var err error
		if root, err = parseFragment(s); err != nil {
			// Nested deeper than x/net/html allows (512 elements).
			return nil, []Removal{{Rule: RuleSanitize, Field: field, Text: Excerpt(s, 80)}}
		}
	} else {
		// Text: paragraphs, as textToHTML writes them.
		root = textTree(s)
	}
	out := sanitize(root, base, field)
	out = append(out, c.removeTrackers(root, field, pageHost)...)
	out = append(out, c.stripLinkParams(root, field)...)
	tc := newTextCache(root)
	for _, r := range rules {
		out = append(out, r.apply(tc, field)...)
	}
	out = append(out, c.siteStrip(root, pageHost, field)...)
	out = append(out, removeBoilerplate(tc, field)...)
	out = append(out, removeEmpty(root, field)...)
	return root, out
}

// finish makes the rendering of a cleaned tree the cleaned HTML. valid
// says s is known to hold only characters XML allows.
func finish(s string, valid bool) string {
	if !valid {
		// Entities may stand for characters XML cannot carry (&#1;).
		s = plaintext.ValidText(s)
	}
	s = strings.TrimSpace(s)
	if s != "" && !plaintext.HasTags(s) {
		// Sanitized down to bare text: paragraphs, as any text, so that
		// cleaning the result again gives the result.
		s = textToHTML(s)
	}
	return s
}

// webURL returns the absolute http or https URL of ref (resolved against
// base when relative), and false for any other URL: javascript:, data:,
// file: and other schemes, and what does not parse, is not UTF-8 or holds
// control characters (url.Parse lets them through in a fragment). An
// empty ref is ok. Spaces, quotes and angle brackets are percent-encoded.
func webURL(ref, base string) (string, bool) {
	u, _, ok := webURLOf(ref, &sourceURL{raw: base})
	return u, ok
}

// webURLOf is webURL against the source URL base, also returning the
// parsed URL (nil for an empty ref or one that is not ok).
func webURLOf(ref string, base *sourceURL) (string, *url.URL, bool) {
	ref = urlUnsafe.Replace(strings.TrimSpace(ref))
	if ref == "" {
		return "", nil, true
	}
	u, err := url.Parse(ref)
	if err != nil || !utf8.ValidString(ref) || strings.ContainsFunc(ref, unicode.IsControl) {
		return "", nil, false
	}
	if !u.IsAbs() {
		b := base.base()
		if b == nil {
			return "", nil, false
		}
		ref = b.ResolveReference(u).String()
		// What a reference resolves to may not parse ("//::0").
		if u, err = url.Parse(ref); err != nil {
			return "", nil, false
		}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, false
	}
	return ref, u, true
}

// A sourceURL is an item's source URL, parsed when first needed and only
// once.
type sourceURL struct {
	raw    string
	parsed bool
	u      *url.URL // nil when raw does not parse
}

func (s *sourceURL) parse() *url.URL {
	if !s.parsed {
		s.parsed = true
		s.u, _ = url.Parse(s.raw)
	}
	return s.u
}

// base returns what baseURL(raw, "") does: the URL when it is a web URL
// with a host, else nil.
func (s *sourceURL) base() *url.URL {
	if u := s.parse(); u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u
	}
	return nil
}

// host returns what hostOf(raw) does.
func (s *sourceURL) host() string {
	if u := s.parse(); u != nil {
		return u.Hostname()
	}
	return ""
}

// urlUnsafe percent-encodes the characters that URLs may not hold and
// that could end an attribute or a tag in a reader careless with links,
// as browsers encode them when following the link.
var urlUnsafe = strings.NewReplacer(" ", "%20", `"`, "%22", "<", "%3C", ">", "%3E", "`", "%60")

// cleanAuthors makes author names plain text, keeps e-mail addresses only
// when they look like one and URIs only when they are web URLs, and drops
// authors left empty.
func cleanAuthors(as []item.Author, base *sourceURL) []item.Author {
	out := as[:0]
	for _, a := range as {
		a.Name = plaintext.Text(a.Name)
		a.Email = strings.TrimSpace(a.Email)
		if !plausibleEmail(a.Email) {
			a.Email = ""
		}
		a.URI, _, _ = webURLOf(a.URI, base)
		if a.Name != "" || a.Email != "" || a.URI != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// plausibleEmail reports whether s looks like a plain address
// (local@domain): no white space, quotes, brackets or markup.
func plausibleEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || len(s) > 254 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || strings.ContainsRune("<>\"'`()[]\\,;:&", r)
	})
}

// cleanCategories makes categories plain text and drops empty ones and
// duplicates (ignoring case).
func cleanCategories(cs []string) []string {
	var out []string
next:
	for _, c := range cs {
		c = plaintext.Text(c)
		if c == "" {
			continue
		}
		for _, o := range out {
			if strings.EqualFold(o, c) {
				continue next
			}
		}
		if out == nil {
			out = make([]string, 0, len(cs))
		}
		out = append(out, c)
	}
	return out
}

func baseURL(link, source string) *url.URL {
	for _, s := range []string{link, source} {
		if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return u
		}
	}
	return nil
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// String formats a removal for people: its rule, field and the first 80
// characters of what it removed.
func (r Removal) String() string {
	return fmt.Sprintf("%s (%s): %s", r.Rule, r.Field, Excerpt(r.Text, 80))
}

// Excerpt returns the first n characters of s, with "…" when cut.
func Excerpt(s string, n int) string {
	s = plaintext.Collapse(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
