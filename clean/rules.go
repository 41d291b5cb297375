package clean

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/plaintext"
)

// A rule is a compiled cleaning rule: a built-in site pack or one of the
// configuration's rules.
type rule struct {
	name    string
	sites   []string
	removes []removal
}

// A removal is one compiled entry of a rule's remove list.
type removal struct {
	selector cascadia.SelectorGroup
	from, to *anchorRE
	text     *regexp.Regexp
	hint     string // a lower-case word every match of from contains, or ""
	source   string // the entry as written, for Removal.Detail
}

func compileRule(r config.Rule) (*rule, error) {
	out := &rule{name: r.Name}
	for _, s := range r.Sites {
		out.sites = append(out.sites, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "www.")))
	}
	for i, rm := range r.Remove {
		var c removal
		var err error
		switch {
		case rm.Selector != "":
			c.selector, err = cascadia.ParseGroup(rm.Selector)
			c.source = "selector " + rm.Selector
		case rm.From != "":
			c.from, err = anchor(rm.From)
			c.hint = anchorHint(rm.From)
			c.source = "from " + strconv.Quote(rm.From)
			if err == nil && rm.To != "" {
				c.to, err = anchor(rm.To)
				c.source += " to " + strconv.Quote(rm.To)
			}
		case rm.Text != "":
			c.text, err = lineMatcher(rm.Text)
			c.source = "text " + strconv.Quote(rm.Text)
		default:
			err = fmt.Errorf("empty removal")
		}
		if err != nil {
			return nil, fmt.Errorf("rule %s: remove[%d]: %w", r.Name, i, err)
		}
		out.removes = append(out.removes, c)
	}
	return out, nil
}

// isRegex reports whether a rule's text is written /like this/.
func isRegex(s string) bool {
	return len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/'
}

// An anchorRE finds a from/to anchor in flattened text.
type anchorRE struct {
	re    *regexp.Regexp // on the text as it is
	lower *regexp.Regexp // for plain-text anchors: the same on lower-cased text, without case folding (faster)
}

// anchor compiles a from/to anchor: case-insensitive plain text, in which
// any run of white space matches any run of white space, or a /regex/.
func anchor(s string) (*anchorRE, error) {
	if isRegex(s) {
		// ^ and $ mean the start and end of a line (a block).
		re, err := regexp.Compile(`(?m)` + s[1:len(s)-1])
		if err != nil {
			return nil, err
		}
		return &anchorRE{re: re}, nil
	}
	words := strings.Fields(s)
	lower := make([]string, len(words))
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
		lower[i] = regexp.QuoteMeta(strings.ToLower(w))
	}
	re, err := regexp.Compile(`(?i)` + strings.Join(words, `[\s\x{00A0}]+`))
	if err != nil {
		return nil, err
	}
	lre, err := regexp.Compile(strings.Join(lower, `[\s\x{00A0}]+`))
	if err != nil {
		return nil, err
	}
	return &anchorRE{re: re, lower: lre}, nil
}

// find returns the position of the first match in f.text at or after
// from, or nil.
func (a *anchorRE) find(f *flat, from int) []int {
	text := f.text
	re := a.re
	if a.lower != nil {
		if lower, ok := f.lowered(); ok {
			text, re = lower, a.lower
		}
	}
	m := re.FindStringIndex(text[from:])
	if m == nil {
		return nil
	}
	return []int{from + m[0], from + m[1]}
}

// anchorHint returns the longest word of a plain-text anchor in lower
// case: text without it cannot match, which spares running the
// case-insensitive expression over every item.
func anchorHint(s string) string {
	if isRegex(s) {
		return ""
	}
	hint := ""
	for _, w := range strings.Fields(s) {
		if len(w) > len(hint) {
			hint = w
		}
	}
	return strings.ToLower(hint)
}

// A textCache holds the flattened text of a tree between the removals
// that change it, so that rules that remove nothing share one flattening.
type textCache struct {
	root *html.Node
	flat *flat
}

func newTextCache(root *html.Node) *textCache {
	return &textCache{root: root}
}

func (tc *textCache) get() *flat {
	if tc.flat == nil {
		tc.flat = flatten(tc.root)
	}
	return tc.flat
}

// changed notes that the tree changed.
func (tc *textCache) changed() {
	tc.flat = nil
}

// lineMatcher compiles a text rule: a /regex/ matched against a block's
// or line's text with white space collapsed, or plain text equal to it,
// ignoring case.
func lineMatcher(s string) (*regexp.Regexp, error) {
	if isRegex(s) {
		return regexp.Compile(s[1 : len(s)-1])
	}
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.Compile(`(?i)^` + strings.Join(words, ` `) + `$`)
}

// siteOf returns host as rule sites are written: in lower case, without
// "www.".
func siteOf(host string) string {
	return strings.TrimPrefix(strings.ToLower(host), "www.")
}

// appliesToSite reports whether the rule's sites include h (from siteOf)
// or one of its parent domains.
func (r *rule) appliesToSite(h string) bool {
	for _, s := range r.sites {
		if h == s || len(h) > len(s) && h[len(h)-len(s)-1] == '.' && strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// apply runs the rule's removals on the tree of tc and returns what they
// removed.
func (r *rule) apply(tc *textCache, field string) []Removal {
	var out []Removal
	for _, rm := range r.removes {
		first := len(out)
		switch {
		case rm.selector != nil:
			for _, n := range outermost(cascadia.QueryAll(tc.root, rm.selector)) {
				if n == tc.root || n.Parent == nil {
					continue
				}
				out = append(out, Removal{Rule: r.name, Field: field, Text: describe(n)})
				n.Parent.RemoveChild(n)
			}
		case rm.from != nil:
			if lower, _ := tc.get().lowered(); rm.hint != "" && !strings.Contains(lower, rm.hint) {
				continue
			}
			out = append(out, removeRanges(tc.root, tc.get(), r.name, field, rm.from, rm.to)...)
		case rm.text != nil:
			out = append(out, removeLines(tc.root, tc.get(), r.name, field, rm.text)...)
		}
		if len(out) > first {
			tc.changed()
		}
		for i := first; i < len(out); i++ {
			out[i].Detail = rm.source
		}
	}
	return out
}

// outermost drops the nodes that are inside another node of ns.
func outermost(ns []*html.Node) []*html.Node {
	in := make(map[*html.Node]bool, len(ns))
	for _, n := range ns {
		in[n] = true
	}
	var out []*html.Node
	for _, n := range ns {
		inside := false
		for p := n.Parent; p != nil; p = p.Parent {
			if in[p] {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, n)
		}
	}
	return out
}

// removeRanges removes, for every occurrence of from, the block holding it
// through the block holding the next occurrence of to (only the from block
// when to is nil). When to is set but does not follow, nothing is removed.
func removeRanges(root *html.Node, f *flat, name, field string, from, to *anchorRE) []Removal {
	var out []Removal
	pos := 0
	for pos < len(f.text) {
		m := from.find(f, pos)
		if m == nil || m[1] == m[0] {
			break
		}
		ms, me := m[0], m[1]
		sp := f.blockAt(root, ms, me)
		if to != nil {
			t := to.find(f, me)
			if t == nil {
				break
			}
			toSpan := f.blockAt(root, t[0], t[1])
			sp.start = min(sp.start, toSpan.start)
			sp.end = max(sp.end, toSpan.end)
		}
		if removed := f.removeSpan(root, sp.start, sp.end); len(removed) > 0 {
			out = append(out, Removal{Rule: name, Field: field, Text: plaintext.Collapse(f.text[sp.start:sp.end])})
			if !slices.ContainsFunc(removed, isBlock) {
				f.removeBreakAround(sp.start, sp.end)
			}
		}
		pos = max(sp.end, me)
	}
	return out
}

// removeLines removes every line (a block, or a line of a block) whose
// text, white space collapsed, matches re.
func removeLines(root *html.Node, f *flat, name, field string, re *regexp.Regexp) []Removal {
	var out []Removal
	for start := 0; start < len(f.text); {
		end := strings.IndexByte(f.text[start:], '\n')
		if end < 0 {
			end = len(f.text)
		} else {
			end += start
		}
		line := plaintext.Collapse(f.text[start:end])
		if line != "" && re.MatchString(line) {
			if removed := f.removeSpan(root, start, end); len(removed) > 0 {
				out = append(out, Removal{Rule: name, Field: field, Text: line})
				if !slices.ContainsFunc(removed, isBlock) {
					f.removeBreakAround(start, end)
				}
			}
		}
		start = end + 1
	}
	return out
}
