package siteconfig

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// unapplied are the directives of the format (as Full-Text RSS and
// wallabag's graby read it) that refeed reads past without applying them.
var unapplied = map[string]bool{
	"login_uri": true, "login_username_field": true, "login_password_field": true,
	"login_extra_fields": true, "not_logged_in_xpath": true, "requires_login": true,
	"native_ad_clue": true, "insert_detected_image": true, "convert_double_br_tags": true,
	"dissolve": true, "skip_json_ld": true, "footnotes": true, "parser": true,
	"autodetect_next_page": true, "strip_comments": true,
	"skip_id_or_class": true, "src_lazy_load_attr": true, "single_page_link_in_feed": true,
	"post_strip_attr": true, "wrap_in": true, "move_into": true,
}

// directiveName is what a directive's name looks like.
var directiveName = regexp.MustCompile(`^[a-z0-9_]+$`)

// maxLine bounds the lines of a file: longer ones are skipped.
const maxLine = 64 << 10

// Parse reads the site config data of the file called name (such as
// "example.com.txt"). It returns the config with what it could not use as
// warnings; nothing in data is an error.
func Parse(name string, data []byte) (*Config, []Warning) {
	p := &parser{c: &Config{Files: []string{name}}, name: name}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	line := 0
	for sc.Scan() {
		line++
		p.line(line, sc.Text())
	}
	if err := sc.Err(); err != nil {
		p.warn(line+1, "%v: the rest of the file is skipped", err)
	}
	p.pairFinds()
	p.c.digest = fileDigest(name, data)
	return p.c, p.warnings
}

type parser struct {
	c        *Config
	name     string
	warnings []Warning
	// finds and replaces are the find_string and replace_string lines,
	// paired in order at the end (pairFinds).
	finds, replaces []Match
	// pairs holds, in file order, the replace_string(find) lines and the
	// indexes of the find_string lines, so that the pairs keep the order
	// of the file.
	order []replaceSlot
	// link is the last single_page_link or next_page_link, which an
	// if_page_contains line conditions.
	link *Expr
}

// A replaceSlot is a replacement in file order: a replace_string(find)
// pair, or the nth find_string line (pair nil).
type replaceSlot struct {
	pair *Replace
	nth  int
}

func (p *parser) warn(line int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Pos: Pos{File: p.name, Line: line}, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) line(n int, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF"))
	if s == "" || s[0] == '#' {
		return
	}
	pos := Pos{File: p.name, Line: n}
	// name(argument): value, where the argument may hold colons: it ends
	// at the first "):".
	if open := strings.IndexByte(s, '('); open > 0 && directiveName.MatchString(strings.TrimSpace(s[:open])) {
		if end := strings.Index(s[open:], "):"); end >= 0 {
			name := strings.TrimSpace(s[:open])
			arg := s[open+1 : open+end]
			val := strings.TrimSpace(s[open+end+2:])
			p.call(pos, name, arg, val)
			return
		}
	}
	name, val, ok := strings.Cut(s, ":")
	if !ok {
		p.warn(n, "not a directive (no colon): %q", excerpt(s))
		return
	}
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if !directiveName.MatchString(name) {
		p.warn(n, "unknown directive %q", excerpt(name))
		return
	}
	p.directive(pos, name, val)
}

// call reads a directive with an argument: replace_string(find) and
// http_header(name).
func (p *parser) call(pos Pos, name, arg, val string) {
	switch name {
	case "replace_string":
		if arg == "" {
			p.warn(pos.Line, "replace_string(): nothing to find")
			return
		}
		r := Replace{Pos: pos, Find: arg, Replace: val}
		p.order = append(p.order, replaceSlot{pair: &r})
	case "http_header":
		h := strings.ToLower(strings.TrimSpace(arg))
		switch h {
		case "user-agent", "referer", "cookie", "accept":
		default:
			p.warn(pos.Line, "http_header(%s): only user-agent, referer, cookie and accept are sent", excerpt(arg))
			return
		}
		if val == "" || strings.ContainsAny(val, "\r\n") {
			p.warn(pos.Line, "http_header(%s): empty or invalid value", h)
			return
		}
		if p.c.HTTPHeader == nil {
			p.c.HTTPHeader = map[string]string{}
		}
		p.c.HTTPHeader[h] = val
	default:
		if unapplied[name] {
			p.unapplied(name + "(…)")
			return
		}
		p.warn(pos.Line, "unknown directive %q", excerpt(name+"("+arg+")"))
	}
}

func (p *parser) unapplied(name string) {
	if p.c.Unapplied == nil {
		p.c.Unapplied = map[string]int{}
	}
	p.c.Unapplied[name]++
}

// directive reads a directive without an argument.
func (p *parser) directive(pos Pos, name, val string) {
	switch name {
	case "find_string":
		p.order = append(p.order, replaceSlot{nth: len(p.finds)})
		p.finds = append(p.finds, Match{Pos: pos, Value: val})
		return
	case "replace_string":
		// May be empty: the found text is removed.
		p.replaces = append(p.replaces, Match{Pos: pos, Value: val})
		return
	case "prune", "tidy", "autodetect_on_failure":
		var b bool
		switch strings.ToLower(val) {
		case "yes", "true":
			b = true
		case "no", "false":
		default:
			p.warn(pos.Line, "%s: want yes or no, got %q", name, excerpt(val))
			return
		}
		switch name {
		case "prune":
			p.c.Prune = &b
		case "tidy":
			p.c.Tidy = &b
		default:
			p.c.AutodetectOnFailure = &b
		}
		return
	}
	if unapplied[name] {
		p.unapplied(name)
		return
	}
	var list *[]*Expr
	switch name {
	case "title":
		list = &p.c.Title
	case "body":
		list = &p.c.Body
	case "author":
		list = &p.c.Author
	case "date":
		list = &p.c.Date
	case "strip", "strip_attr":
		list = &p.c.Strip
	case "single_page_link":
		list = &p.c.SinglePageLink
	case "next_page_link":
		list = &p.c.NextPageLink
	case "strip_id_or_class", "strip_image_src", "test_url", "test_contains", "if_page_contains":
	default:
		p.warn(pos.Line, "unknown directive %q", excerpt(name))
		return
	}
	if val == "" {
		p.warn(pos.Line, "%s: empty value", name)
		return
	}
	switch name {
	case "strip_id_or_class":
		// FiveFilters drops quotes, which its XPath could not hold.
		if val = strings.NewReplacer(`"`, "", "'", "").Replace(val); val == "" {
			p.warn(pos.Line, "%s: empty value", name)
			return
		}
		p.c.StripIDOrClass = append(p.c.StripIDOrClass, Match{Pos: pos, Value: val})
	case "strip_image_src":
		p.c.StripImageSrc = append(p.c.StripImageSrc, Match{Pos: pos, Value: val})
	case "test_url":
		p.c.Tests = append(p.c.Tests, Test{Pos: pos, URL: val})
	case "test_contains":
		if len(p.c.Tests) == 0 {
			p.warn(pos.Line, "test_contains without a test_url before it")
			return
		}
		t := &p.c.Tests[len(p.c.Tests)-1]
		t.Contains = append(t.Contains, val)
	default:
		e, err := compile(val, pos)
		if err != nil {
			p.warn(pos.Line, "%s: bad XPath %q: %v", name, excerpt(val), err)
			return
		}
		if name == "if_page_contains" {
			if p.link == nil {
				p.warn(pos.Line, "if_page_contains without a single_page_link or next_page_link before it")
				return
			}
			p.link.If = e
			return
		}
		if name == "single_page_link" || name == "next_page_link" {
			p.link = e
		}
		*list = append(*list, e)
	}
}

// pairFinds pairs the nth find_string with the nth replace_string, as
// FiveFilters does, and puts the pairs in file order among the
// replace_string(find) lines.
func (p *parser) pairFinds() {
	for _, s := range p.order {
		switch {
		case s.pair != nil:
			p.c.Replace = append(p.c.Replace, *s.pair)
		case s.nth < len(p.replaces):
			f := p.finds[s.nth]
			if f.Value == "" {
				p.warn(f.Line, "find_string: empty value")
				continue
			}
			p.c.Replace = append(p.c.Replace, Replace{Pos: f.Pos, Find: f.Value, Replace: p.replaces[s.nth].Value})
		default:
			p.warn(p.finds[s.nth].Line, "find_string without its replace_string")
		}
	}
	for _, r := range p.replaces[min(len(p.finds), len(p.replaces)):] {
		p.warn(r.Line, "replace_string without its find_string")
	}
}

// excerpt shortens s for a warning.
func excerpt(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}
