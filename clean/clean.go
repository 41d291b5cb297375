// Package clean removes what a reader does not want from feed items:
// unsafe HTML, tracking pixels and tracking URL parameters, donation,
// subscription and newsletter appeals (built-in site packs and the
// configuration's own rules), and the empty leftovers of all that.
//
// Trackers are recognized by size (0/1-pixel and hidden images) and by URL:
// the built-in list in trackers.txt, and optionally Adblock-format lists
// such as EasyPrivacy (Options.TrackerLists). Site packs (packs/*.yaml) are
// named after their site's host and apply by themselves to items from it.
// Page applies trackers and rules to a whole article page before its
// article is extracted (package fulltext); Item cleans an item.
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

	"github.com/microcosm-cc/bluemonday"

	"refeed/config"
	"refeed/item"
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
	Field string // title, summary, content, link or page
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
	policy   *bluemonday.Policy
	fp       string // see Fingerprint
}

// Options are the settings of a Cleaner beyond its rules.
type Options struct {
	// TrackerLists are files in the Adblock Plus / EasyPrivacy format
	// (config's trackers.lists). The URLs of images, frames, scripts and
	// media in items and pages are matched against them, as requests from
	// the item's page: "third-party" is relative to the host of the
	// item's link.
	TrackerLists []string
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
		policy:   newPolicy(),
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
func (c *Cleaner) Item(it *item.Item, named []string) []Removal {
	var out []Removal
	if link, removed := c.params.strip(strings.TrimSpace(it.Link)); len(removed) > 0 {
		it.Link = link
		out = append(out, Removal{Rule: RuleParams, Field: "link", Text: strings.Join(removed, "&")})
	}
	for i, e := range it.Enclosures {
		it.Enclosures[i].URL, _ = c.params.strip(e.URL)
	}
	base := baseURL(it.Link, it.SourceURL)
	rules := c.rulesFor(it, named)
	it.Title = plainText(it.Title)
	var rm []Removal
	it.Summary, rm = c.cleanHTML(it.Summary, base, rules, "summary")
	out = append(out, rm...)
	it.Content, rm = c.cleanHTML(it.Content, base, rules, "content")
	out = append(out, rm...)
	return out
}

// rulesFor returns the rules that apply to it: the packs and configured
// rules whose sites match its link or source, then the named ones.
func (c *Cleaner) rulesFor(it *item.Item, named []string) []*rule {
	hosts := []string{hostOf(it.Link), hostOf(it.SourceURL)}
	var out []*rule
	add := func(r *rule) {
		if r != nil && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, p := range c.packs {
		if p.appliesTo(hosts...) {
			add(p)
		}
	}
	for _, r := range c.ordered {
		if r.appliesTo(hosts...) {
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
	for _, r := range c.rulesFor(&item.Item{Link: link, SourceURL: sourceURL}, named) {
		names = append(names, r.name)
	}
	return names
}

// cleanHTML cleans s, an HTML fragment or plain text, with the five steps of
// cleaning: sanitize, trackers, tracking parameters, rules, empty
// leftovers. Plain text comes back as HTML paragraphs.
func (c *Cleaner) cleanHTML(s string, base *url.URL, rules []*rule, field string) (string, []Removal) {
	pageHost := ""
	if base != nil {
		pageHost = base.Hostname()
	}
	s = validText(s)
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	if !hasTags(s) {
		s = textToHTML(s)
	}
	root, err := parseFragment(s)
	if err != nil {
		return c.policy.Sanitize(s), nil
	}
	out := sanitize(root, base, field)
	out = append(out, c.removeTrackers(root, field, pageHost)...)
	out = append(out, c.stripLinkParams(root, field)...)
	tc := newTextCache(root)
	for _, r := range rules {
		out = append(out, r.apply(tc, field)...)
	}
	out = append(out, removeEmpty(root, field)...)
	return strings.TrimSpace(c.policy.Sanitize(render(root))), out
}

// plainText returns the text of a title that may hold markup or entities,
// on one line.
func plainText(s string) string {
	s = validText(s)
	if hasTags(s) || strings.Contains(s, "&") {
		if root, err := parseFragment(s); err == nil {
			return textOf(root)
		}
	}
	return collapse(s)
}

// validText drops bytes that are not UTF-8 and characters that XML does
// not allow (control characters but tab and line breaks, U+FFFE, U+FFFF).
func validText(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for _, r := range s {
			if !xmlChar(r) {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !xmlChar(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r == 0xFFFE || r == 0xFFFF:
		return false
	case unicode.Is(unicode.Cs, r):
		return false
	}
	return true
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
	s = collapse(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
