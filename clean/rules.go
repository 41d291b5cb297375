package clean

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"refeed/config"
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
	from, to *regexp.Regexp
	text     *regexp.Regexp
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
		case rm.From != "":
			c.from, err = anchor(rm.From)
			if err == nil && rm.To != "" {
				c.to, err = anchor(rm.To)
			}
		case rm.Text != "":
			c.text, err = lineMatcher(rm.Text)
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

// anchor compiles a from/to anchor: case-insensitive plain text, in which
// any run of white space matches any run of white space, or a /regex/.
func anchor(s string) (*regexp.Regexp, error) {
	if isRegex(s) {
		// ^ and $ mean the start and end of a line (a block).
		return regexp.Compile(`(?m)` + s[1:len(s)-1])
	}
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.Compile(`(?i)` + strings.Join(words, `[\s\x{00A0}]+`))
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

// appliesTo reports whether the rule's sites include host or one of its
// parent domains.
func (r *rule) appliesTo(hosts ...string) bool {
	for _, h := range hosts {
		h = strings.TrimPrefix(strings.ToLower(h), "www.")
		for _, s := range r.sites {
			if h == s || strings.HasSuffix(h, "."+s) {
				return true
			}
		}
	}
	return false
}

// apply runs the rule's removals on the tree under root and returns what
// they removed.
func (r *rule) apply(root *html.Node, field string) []Removal {
	var out []Removal
	for _, rm := range r.removes {
		switch {
		case rm.selector != nil:
			for _, n := range outermost(cascadia.QueryAll(root, rm.selector)) {
				if n == root || n.Parent == nil {
					continue
				}
				out = append(out, Removal{Rule: r.name, Field: field, Text: describe(n)})
				n.Parent.RemoveChild(n)
			}
		case rm.from != nil:
			out = append(out, removeRanges(root, r.name, field, rm.from, rm.to)...)
		case rm.text != nil:
			out = append(out, removeLines(root, r.name, field, rm.text)...)
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
func removeRanges(root *html.Node, name, field string, from, to *regexp.Regexp) []Removal {
	f := flatten(root)
	var out []Removal
	pos := 0
	for pos < len(f.text) {
		m := from.FindStringIndex(f.text[pos:])
		if m == nil || m[1] == m[0] {
			break
		}
		ms, me := pos+m[0], pos+m[1]
		sp := f.blockAt(root, ms, me)
		if to != nil {
			t := to.FindStringIndex(f.text[me:])
			if t == nil {
				break
			}
			toSpan := f.blockAt(root, me+t[0], me+t[1])
			sp.start = min(sp.start, toSpan.start)
			sp.end = max(sp.end, toSpan.end)
		}
		if removed := f.removeSpan(root, sp.start, sp.end); len(removed) > 0 {
			out = append(out, Removal{Rule: name, Field: field, Text: collapse(f.text[sp.start:sp.end])})
		}
		pos = max(sp.end, me)
	}
	return out
}

// removeLines removes every line (a block, or a line of a block) whose
// text, white space collapsed, matches re.
func removeLines(root *html.Node, name, field string, re *regexp.Regexp) []Removal {
	f := flatten(root)
	var out []Removal
	for start := 0; start < len(f.text); {
		end := strings.IndexByte(f.text[start:], '\n')
		if end < 0 {
			end = len(f.text)
		} else {
			end += start
		}
		if line := collapse(f.text[start:end]); line != "" && re.MatchString(line) {
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
