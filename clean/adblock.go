package clean

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// This file reads filter lists in the Adblock Plus / EasyPrivacy format and
// matches the URLs of images, frames, scripts and media against them.
//
// Supported: network filters with "||host^" domain anchors, "|" start and
// end anchors, "*" wildcards and "^" separators, /regex/ filters (RE2
// syntax only), "@@" exceptions (which always win), and the options
// $image, $script, $subdocument, $media, $object and the other request
// types (negated with "~"), $third-party/$3p, $~third-party/$1p,
// $domain=, $important, $match-case, $badfilter. Element hiding rules
// ("##", "#@#", "#?#", "#$#"), comments ("!") and the "[Adblock ...]"
// header are ignored; filters whose options are unknown or that never
// apply to an element in content (xmlhttprequest, ping, csp, removeparam,
// ...) are skipped and counted.
//
// Matching one URL does not scan the lists: filters anchored on a host
// ("||host^...") are indexed by that host and looked up by every suffix of
// the URL's host; the others are indexed by one literal token of their
// pattern that every matching URL must contain as a whole token (as
// uBlock Origin does), and looked up by the tokens of the URL.

// A ListStats describes one loaded filter list.
type ListStats struct {
	Path       string // the file
	Lines      int    // lines read
	Filters    int    // blocking filters in use
	Exceptions int    // exception (@@) filters in use
	Cosmetic   int    // element hiding rules, ignored
	Irrelevant int    // filters that never apply to images, frames, scripts or media
	Regex      int    // /regex/ filters in use
	Skipped    int    // regex filters RE2 cannot compile, badfiltered filters
	Malformed  int    // lines that are not valid filters
	// FirstMalformed is the position and text of the first malformed line,
	// "file:line: text", to help fix a list; empty when none.
	FirstMalformed string
}

// requestType is a bit set of the request types of filter options.
type requestType uint16

const (
	typeImage requestType = 1 << iota
	typeScript
	typeSubdocument
	typeMedia
	typeObject
	typeStylesheet
	typeXHR
	typePing
	typeFont
	typeWebsocket
	typeOther
	typeDocument
	typePopup

	typeAll = 1<<iota - 1
	// typeContent are the types of the elements refeed checks.
	typeContent = typeImage | typeScript | typeSubdocument | typeMedia | typeObject
)

var typeOptions = map[string]requestType{
	"image": typeImage, "script": typeScript, "subdocument": typeSubdocument, "frame": typeSubdocument,
	"media": typeMedia, "object": typeObject, "object-subrequest": typeObject,
	"stylesheet": typeStylesheet, "css": typeStylesheet, "xmlhttprequest": typeXHR, "xhr": typeXHR,
	"ping": typePing, "beacon": typePing, "font": typeFont, "websocket": typeWebsocket,
	"other": typeOther, "webrtc": typeOther, "document": typeDocument, "doc": typeDocument,
	"popup": typePopup, "popunder": typePopup,
	"elemhide": typeDocument, "ehide": typeDocument, "generichide": typeDocument, "ghide": typeDocument,
	"specifichide": typeDocument, "shide": typeDocument, "genericblock": typeDocument,
	"inline-script": typeDocument, "inline-font": typeDocument,
}

// ignoredOptions change nothing about whether an element is a tracker.
var ignoredOptions = map[string]bool{
	"important": true, "match-case": true, "redirect": true, "redirect-rule": true,
	"rewrite": true, "empty": true, "mp4": true, "collapse": true, "~collapse": true,
}

// unsupportedOptions make a filter irrelevant here: it does not block a
// request (csp, removeparam, ...) or needs what refeed does not know
// (method, header, to, denyallow).
var unsupportedOptions = map[string]bool{
	"csp": true, "removeparam": true, "queryprune": true, "header": true, "method": true,
	"permissions": true, "to": true, "denyallow": true, "cname": true, "replace": true,
	"urltransform": true, "uritransform": true, "urlskip": true, "ipaddress": true,
	"sitekey": true, "rewrite:abp-resource": true,
}

// A netFilter is one compiled network filter.
type netFilter struct {
	pattern     string // lower-case, without anchors; for host filters the part after the host
	host        string // for filters indexed by host
	hostAnchor  bool   // "||"
	startAnchor bool   // "|" at the start
	endAnchor   bool   // "|" at the end
	re          *regexp.Regexp
	types       requestType
	party       int8 // 0 any, 1 third-party only, -1 first-party only
	domains     []string
	notDomains  []string
	origin      string // "file:line: text", for removals
}

// filterIndex holds filters by host and by token.
type filterIndex struct {
	hosts  map[string][]*netFilter
	tokens map[string][]*netFilter
	rest   []*netFilter // no usable token
}

func newFilterIndex() *filterIndex {
	return &filterIndex{hosts: map[string][]*netFilter{}, tokens: map[string][]*netFilter{}}
}

// An adblockList is a set of compiled filter lists. It is read-only once
// built, and safe for concurrent use.
type adblockList struct {
	block, allow *filterIndex
	stats        []ListStats
}

// loadAdblockLists reads and compiles the lists at paths. Unreadable files
// are errors; malformed filters are skipped and counted.
func loadAdblockLists(paths []string) (*adblockList, error) {
	l := &adblockList{block: newFilterIndex(), allow: newFilterIndex()}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("tracker list: %w", err)
		}
		st, err := l.read(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
		l.stats = append(l.stats, st)
	}
	return l, nil
}

// read compiles the filters of one list. name identifies the list in
// errors and removals.
func (l *adblockList) read(r io.Reader, name string) (ListStats, error) {
	st := ListStats{Path: name}
	base := filepath.Base(name)
	type parsed struct {
		f         *netFilter
		exception bool
		key       string
	}
	var filters []parsed
	bad := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		st.Lines++
		line := strings.TrimSpace(sc.Text())
		if st.Lines == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		switch {
		case line == "" || line[0] == '!' || line[0] == '[' && strings.HasSuffix(line, "]"):
			continue
		case isCosmetic(line):
			st.Cosmetic++
			continue
		}
		origin := fmt.Sprintf("%s:%d: %s", base, st.Lines, line)
		f, exception, key, err := parseFilter(line)
		switch {
		case errors.Is(err, errIrrelevant):
			st.Irrelevant++
			continue
		case errors.Is(err, errBadfilter):
			bad[key] = true
			continue
		case errors.Is(err, errRegex):
			st.Skipped++
			continue
		case err != nil:
			st.Malformed++
			if st.FirstMalformed == "" {
				st.FirstMalformed = fmt.Sprintf("%s:%d: %s", name, st.Lines, line)
			}
			continue
		}
		f.origin = origin
		filters = append(filters, parsed{f, exception, key})
	}
	if err := sc.Err(); err != nil {
		return st, fmt.Errorf("tracker list %s:%d: %w", name, st.Lines+1, err)
	}
	for _, p := range filters {
		if bad[p.key] {
			st.Skipped++
			continue
		}
		idx := l.block
		if p.exception {
			idx = l.allow
			st.Exceptions++
		} else {
			st.Filters++
		}
		if p.f.re != nil {
			st.Regex++
		}
		idx.add(p.f)
	}
	return st, nil
}

// isCosmetic reports whether line is an element hiding or scriptlet rule.
func isCosmetic(line string) bool {
	for _, sep := range []string{"##", "#@#", "#?#", "#$#", "#%#", "#@?#", "#@$#"} {
		if strings.Contains(line, sep) {
			return true
		}
	}
	return false
}

// optionsStart matches the start of a filter's options, after its "$".
var optionsStart = regexp.MustCompile(`^~?[A-Za-z0-9-]+(?:=|,|$)`)

var (
	errIrrelevant = errors.New("filter never applies to content elements")
	errBadfilter  = errors.New("badfilter")
	errRegex      = errors.New("regular expression not supported")
)

// parseFilter compiles one network filter line. key identifies the filter
// for $badfilter.
func parseFilter(line string) (f *netFilter, exception bool, key string, err error) {
	if rest, ok := strings.CutPrefix(line, "@@"); ok {
		exception, line = true, rest
	}
	pattern, opts := line, ""
	if strings.HasPrefix(line, "/") && regexEnd(line) > 0 {
		end := regexEnd(line)
		pattern, opts = line[:end+1], strings.TrimPrefix(line[end+1:], "$")
	} else if i := strings.LastIndexByte(line, '$'); i >= 0 && optionsStart.MatchString(line[i+1:]) {
		pattern, opts = line[:i], line[i+1:]
	}
	f = &netFilter{}
	badfilter := false
	var positive, negative requestType
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			o = strings.TrimSpace(o)
			name, val, _ := strings.Cut(o, "=")
			lname := strings.ToLower(name)
			neg := strings.HasPrefix(lname, "~")
			bare := strings.TrimPrefix(lname, "~")
			switch {
			case lname == "badfilter":
				badfilter = true
			case bare == "third-party" || bare == "3p" || bare == "strict3p":
				f.party = 1
				if neg {
					f.party = -1
				}
			case bare == "first-party" || bare == "1p" || bare == "strict1p":
				f.party = -1
				if neg {
					f.party = 1
				}
			case lname == "domain" || lname == "from":
				for _, d := range strings.Split(strings.ToLower(val), "|") {
					if d, ok := strings.CutPrefix(d, "~"); ok {
						f.notDomains = append(f.notDomains, d)
					} else if d != "" {
						f.domains = append(f.domains, d)
					}
				}
			case lname == "all":
				positive |= typeAll
			case typeOptions[bare] != 0:
				if neg {
					negative |= typeOptions[bare]
				} else {
					positive |= typeOptions[bare]
				}
			case ignoredOptions[lname]:
			case unsupportedOptions[bare]:
				return nil, exception, "", errIrrelevant
			default:
				return nil, exception, "", fmt.Errorf("unknown option %q", o)
			}
		}
	}
	switch {
	case positive != 0:
		f.types = positive &^ negative
	case negative != 0:
		f.types = typeAll &^ negative
	default:
		f.types = typeAll
	}
	if badfilter {
		key = filterKey(exception, pattern, opts)
		return nil, exception, key, errBadfilter
	}
	if f.types&typeContent == 0 {
		return nil, exception, "", errIrrelevant
	}
	key = filterKey(exception, pattern, opts)
	if strings.HasPrefix(pattern, "/") && len(pattern) > 2 && strings.HasSuffix(pattern, "/") {
		re, err := regexp.Compile("(?i)" + pattern[1:len(pattern)-1])
		if err != nil {
			return nil, exception, "", errRegex
		}
		f.re = re
		return f, exception, key, nil
	}
	p := strings.ToLower(pattern)
	switch {
	case strings.HasPrefix(p, "||"):
		f.hostAnchor, p = true, p[2:]
	case strings.HasPrefix(p, "|"):
		f.startAnchor, p = true, p[1:]
	}
	if strings.HasSuffix(p, "|") {
		f.endAnchor, p = true, p[:len(p)-1]
	}
	// Leading and trailing wildcards change nothing.
	if !f.hostAnchor && !f.startAnchor {
		p = strings.TrimLeft(p, "*")
	}
	if !f.endAnchor {
		p = strings.TrimRight(p, "*")
	}
	if strings.Trim(p, "*^") == "" || strings.ContainsAny(p, " \t|") {
		return nil, exception, "", fmt.Errorf("no usable pattern")
	}
	f.pattern = p
	if f.hostAnchor {
		// "||host^", "||host/path", "||host:port": index by host.
		end := strings.IndexAny(p, "^/:*")
		host := p
		if end >= 0 {
			host = p[:end]
		}
		if host != "" && (end >= 0 && p[end] != '*') && validHost(host) {
			f.host, f.pattern = host, p[len(host):]
		}
	}
	return f, exception, key, nil
}

// regexEnd returns the index of the "/" closing a /regex/ filter, or -1.
func regexEnd(line string) int {
	if strings.HasSuffix(line, "/") && len(line) > 2 {
		return len(line) - 1
	}
	if i := strings.LastIndex(line, "/$"); i > 0 {
		return i
	}
	return -1
}

func filterKey(exception bool, pattern, opts string) string {
	var kept []string
	for _, o := range strings.Split(opts, ",") {
		if o != "" && !strings.EqualFold(o, "badfilter") {
			kept = append(kept, o)
		}
	}
	k := pattern + "$" + strings.Join(kept, ",")
	if exception {
		k = "@@" + k
	}
	return strings.ToLower(k)
}

func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return !strings.HasPrefix(h, ".") && !strings.HasSuffix(h, ".")
}

// badTokens are so common in URLs that indexing a filter under them would
// make every URL test it.
var badTokens = map[string]bool{
	"http": true, "https": true, "www": true, "com": true, "net": true, "org": true, "de": true,
	"js": true, "html": true, "php": true, "gif": true, "png": true, "jpg": true, "static": true,
	"cdn": true, "min": true, "img": true, "images": true, "assets": true, "api": true, "v1": true,
	"v2": true, "v3": true, "json": true, "uk": true, "co": true, "io": true, "en": true,
}

// add indexes f.
func (x *filterIndex) add(f *netFilter) {
	switch {
	case f.re != nil:
		x.rest = append(x.rest, f)
	case f.host != "":
		x.hosts[f.host] = append(x.hosts[f.host], f)
	default:
		if tok := bestToken(f); tok != "" {
			x.tokens[tok] = append(x.tokens[tok], f)
		} else {
			x.rest = append(x.rest, f)
		}
	}
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '%'
}

// bestToken returns the longest literal token of f's pattern that every
// URL matching f contains as a whole token, or "".
func bestToken(f *netFilter) string {
	p := f.pattern
	best := ""
	bestScore := 0
	for i := 0; i < len(p); {
		if !isTokenChar(p[i]) {
			i++
			continue
		}
		j := i
		for j < len(p) && isTokenChar(p[j]) {
			j++
		}
		// The token must be bounded on both sides by a separator that
		// the URL must have too, or by an anchor.
		leftOK := i > 0 && p[i-1] != '*' || i == 0 && (f.startAnchor || f.hostAnchor)
		rightOK := j < len(p) && p[j] != '*' || j == len(p) && f.endAnchor
		if leftOK && rightOK && j-i >= 2 {
			tok := p[i:j]
			score := len(tok)
			if badTokens[tok] {
				score = 1
			}
			if score > bestScore {
				best, bestScore = tok, score
			}
		}
		i = j
	}
	return best
}

// A request is an element URL to match, with its context.
type request struct {
	url        string // lower-case
	raw        string // as written, for match-case regexes
	host       string
	hostStart  int
	hostEnd    int
	typ        requestType
	pageHost   string
	thirdParty bool
}

// newRequest prepares rawURL, an absolute http(s) or protocol-relative
// URL, for matching. pageHost is the host of the item's page ("" when
// unknown: everything counts as third-party).
func newRequest(rawURL string, typ requestType, pageHost string) (request, bool) {
	raw := strings.TrimSpace(rawURL)
	if strings.HasPrefix(raw, "//") {
		raw = "https:" + raw
	}
	u := strings.ToLower(raw)
	i := strings.Index(u, "://")
	if i <= 0 || !strings.HasPrefix(u, "http") {
		return request{}, false
	}
	start := i + 3
	end := start
	for end < len(u) && !strings.ContainsRune("/?#", rune(u[end])) {
		end++
	}
	authority := u[start:end]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		start += at + 1
		authority = authority[at+1:]
	}
	hostLen := len(authority)
	if strings.HasPrefix(authority, "[") {
		if k := strings.IndexByte(authority, ']'); k >= 0 {
			hostLen = k + 1
		}
	} else if k := strings.IndexByte(authority, ':'); k >= 0 {
		hostLen = k
	}
	host := authority[:hostLen]
	if host == "" {
		return request{}, false
	}
	r := request{url: u, raw: raw, host: host, hostStart: start, hostEnd: start + hostLen, typ: typ, pageHost: pageHost}
	r.thirdParty = pageHost == "" || registrable(host) != registrable(pageHost)
	return r, true
}

// registrable returns the registrable domain (eTLD+1) of host, or host.
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// match returns the filter that blocks r, or nil when none does or an
// exception allows it.
func (l *adblockList) match(r request) *netFilter {
	if l == nil {
		return nil
	}
	f := l.block.find(r)
	if f == nil || l.allow.find(r) != nil {
		return nil
	}
	return f
}

// find returns the first filter of x matching r.
func (x *filterIndex) find(r request) *netFilter {
	for h := r.host; h != ""; {
		for _, f := range x.hosts[h] {
			if f.matches(r) {
				return f
			}
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	if len(x.tokens) > 0 {
		u := r.url
		for i := 0; i < len(u); {
			if !isTokenChar(u[i]) {
				i++
				continue
			}
			j := i
			for j < len(u) && isTokenChar(u[j]) {
				j++
			}
			for _, f := range x.tokens[u[i:j]] {
				if f.matches(r) {
					return f
				}
			}
			i = j
		}
	}
	for _, f := range x.rest {
		if f.matches(r) {
			return f
		}
	}
	return nil
}

// matches reports whether f applies to r: its options, then its pattern.
func (f *netFilter) matches(r request) bool {
	if f.types&r.typ == 0 {
		return false
	}
	if f.party == 1 && !r.thirdParty || f.party == -1 && r.thirdParty {
		return false
	}
	if len(f.domains) > 0 && !domainIn(r.pageHost, f.domains) {
		return false
	}
	if len(f.notDomains) > 0 && domainIn(r.pageHost, f.notDomains) {
		return false
	}
	switch {
	case f.re != nil:
		return f.re.MatchString(r.raw)
	case f.host != "":
		if r.host != f.host && !strings.HasSuffix(r.host, "."+f.host) {
			return false
		}
		return globMatch(f.pattern, r.url[r.hostEnd:], true, f.endAnchor)
	case f.hostAnchor:
		// The pattern starts at the host or at one of its labels.
		for i := r.hostStart; i < r.hostEnd; i++ {
			if (i == r.hostStart || r.url[i-1] == '.') && globMatch(f.pattern, r.url[i:], true, f.endAnchor) {
				return true
			}
		}
		return false
	default:
		return globMatch(f.pattern, r.url, f.startAnchor, f.endAnchor)
	}
}

// domainIn reports whether host is one of domains or a subdomain of one.
// "example.*" stands for example under any public suffix.
func domainIn(host string, domains []string) bool {
	if host == "" {
		return false
	}
	for _, d := range domains {
		if base, ok := strings.CutSuffix(d, ".*"); ok {
			reg := registrable(host)
			if strings.HasPrefix(reg, base+".") {
				return true
			}
			continue
		}
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// isSeparator reports whether c matches "^": anything but a letter, a
// digit or one of "_-.%".
func isSeparator(c byte) bool {
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '%')
}

// globMatch matches an Adblock pattern ("*" any run, "^" a separator or
// the end) against s, anchored at the start and/or the end.
func globMatch(p, s string, anchorStart, anchorEnd bool) bool {
	pos := 0
	for i := 0; ; i++ {
		seg, rest, more := strings.Cut(p, "*")
		p = rest
		first, last := i == 0, !more
		switch {
		case seg == "":
		case first && anchorStart:
			n, ok := segMatch(seg, s, 0)
			if !ok || last && anchorEnd && n != len(s) {
				return false
			}
			pos = n
		case last && anchorEnd:
			for start := len(s); start >= pos; start-- {
				if n, ok := segMatch(seg, s, start); ok && n == len(s) {
					return true
				}
			}
			return false
		default:
			n, ok := segFind(seg, s, pos)
			if !ok {
				return false
			}
			pos = n
		}
		if last {
			return true
		}
	}
}

// segFind finds the leftmost match of seg in s at or after from and
// returns its end.
func segFind(seg, s string, from int) (int, bool) {
	lit := seg
	if k := strings.IndexByte(seg, '^'); k >= 0 {
		lit = seg[:k]
	}
	for start := from; start <= len(s); start++ {
		if lit != "" {
			k := strings.Index(s[start:], lit)
			if k < 0 {
				return 0, false
			}
			start += k
		}
		if n, ok := segMatch(seg, s, start); ok {
			return n, true
		}
	}
	return 0, false
}

// segMatch matches a pattern segment without "*" at s[i:] and returns the
// end of the match. "^" matches one separator, or the end of s.
func segMatch(seg, s string, i int) (int, bool) {
	for k := 0; k < len(seg); k++ {
		c := seg[k]
		if c == '^' {
			if i == len(s) {
				// The end of the URL matches any remaining "^".
				if strings.Trim(seg[k:], "^") == "" {
					return i, true
				}
				return 0, false
			}
			if !isSeparator(s[i]) {
				return 0, false
			}
			i++
			continue
		}
		if i >= len(s) || s[i] != c {
			return 0, false
		}
		i++
	}
	return i, true
}
