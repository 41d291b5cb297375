package fetch

import (
	"bytes"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/refeed/refeed/item"
)

// The fast path: fastParse reads the RSS and Atom documents gofeed would
// read, into what Parse makes of gofeed's result, without gofeed: with
// xmlScanner instead of encoding/xml and goxpp, and no intermediate feed.
// It follows gofeed's rules (which element gives which field, how text is
// decoded, how dates are read) and declines (errFallback) every document
// it is not sure to read the same way; Parse then uses gofeed. The
// differential tests and FuzzFastParse hold it to gofeed's results.

// Namespaces the fast path knows.
const (
	nsAtom10     = "http://www.w3.org/2005/Atom"
	nsAtom03     = "http://purl.org/atom/ns#"
	nsRDF        = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsRSS10      = "http://purl.org/rss/1.0/"
	nsRSS09      = "http://channel.netscape.com/rdf/simple/0.9/"
	nsRSS09Alt   = "http://my.netscape.com/rdf/simple/0.9/"
	nsContent    = "http://purl.org/rss/1.0/modules/content/"
	nsDC         = "http://purl.org/dc/elements/1.1/"
	nsFeedburner = "http://rssnamespace.org/feedburner/ext/1.0"
	nsITunes     = "http://www.itunes.com/DTDs/PodCast-1.0.dtd"
	nsITunesAlt  = "http://example.com/DTDs/PodCast-1.0.dtd"
)

// detectWindow is how much of a document gofeed reads to detect its type:
// the root element's start tag must end within it.
const detectWindow = 4096

func trimSpace(s string) string { return strings.TrimSpace(s) }

// fastParse parses body, in UTF-8 without control characters, into a Feed
// (Title not yet made plain text, items without their source), or returns
// errFallback. valid reports that body is known to be valid UTF-8.
func fastParse(body []byte, valid bool) (*Feed, error) {
	if !valid && !utf8.Valid(body) || bytes.Contains(body, []byte("\uFFFE")) || bytes.Contains(body, []byte("\uFFFF")) {
		return nil, fallback()
	}
	p := &fastParser{s: xmlScanner{b: body}}
	s := &p.s
	// The prolog: anything up to the root element.
	for {
		k, err := s.next()
		if err != nil {
			return nil, err
		}
		if k == tokStart {
			break
		}
	}
	if s.pos > detectWindow {
		return nil, fallback()
	}
	var root [8]byte
	switch string(lower(root[:0], s.local)) {
	case "rss", "rdf":
		return p.rss()
	case "feed":
		return p.atom()
	}
	return nil, fallback() // not a feed: gofeed says so
}

// lower appends the ASCII lower case of name to dst.
func lower(dst, name []byte) []byte {
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

type fastParser struct {
	s         xmlScanner
	buf       []byte // scratch
	rootSpace string // a namespace gofeed takes as RSS's, besides its own
}

// A fastItem holds what Parse takes of a gofeed item, before convert's
// finishing.
type fastItem struct {
	guid, link  string
	link0       string // the first of the links
	hasLinks    bool
	origLink    string // feedburner:origLink
	title       string
	description string
	content     string
	categories  []string
	published   time.Time
	updated     time.Time
	authors     []item.Author
	creators    []string // dc:creator, when there is no author
	enclosures  []item.Enclosure
}

func (fi *fastItem) item() item.Item {
	it := item.Item{
		GUID:       trimSpace(fi.guid),
		Link:       trimSpace(fi.link),
		Title:      fi.title,
		Summary:    fi.description,
		Content:    fi.content,
		Categories: nonEmpty(fi.categories),
		Published:  fi.published,
		Updated:    fi.updated,
		Enclosures: fi.enclosures,
	}
	if it.Link == "" && fi.hasLinks {
		it.Link = trimSpace(fi.link0)
	}
	if fi.origLink != "" {
		it.Link = fi.origLink
	}
	for _, a := range fi.authors {
		if a.Name == "" && a.Email == "" {
			continue
		}
		it.Authors = append(it.Authors, item.Author{Name: trimSpace(a.Name), Email: trimSpace(a.Email)})
	}
	if len(it.Authors) == 0 {
		for _, c := range fi.creators {
			if c = trimSpace(c); c != "" {
				it.Authors = append(it.Authors, item.Author{Name: c})
			}
		}
	}
	return it
}

func (fi *fastItem) addEnclosure(url, typ, length string) {
	if trimSpace(url) == "" {
		return
	}
	n, _ := strconv.ParseInt(trimSpace(length), 10, 64)
	fi.enclosures = append(fi.enclosures, item.Enclosure{URL: trimSpace(url), Type: typ, Length: max(n, 0)})
}

// text reads the current element as gofeed's ParseText: its inner XML,
// trimmed, CDATA sections unwrapped and entities decoded.
func (p *fastParser) text() (string, error) {
	raw, err := p.s.inner()
	if err != nil {
		return "", err
	}
	return parseText(bytes.TrimSpace(raw)), nil
}

var cdataStart = []byte("<![CDATA[")

func parseText(raw []byte) string {
	if bytes.Contains(raw, cdataStart) {
		return stripCDATA(raw)
	}
	return decodeEntities(raw)
}

// stripCDATA unwraps the CDATA sections of raw, decoding the entities of
// the text around them.
func stripCDATA(raw []byte) string {
	var b strings.Builder
	for len(raw) > 0 {
		i := bytes.Index(raw, cdataStart)
		if i < 0 {
			b.WriteString(decodeEntities(raw))
			break
		}
		b.WriteString(decodeEntities(raw[:i]))
		end := bytes.Index(raw[i+len(cdataStart):], []byte("]]>"))
		if end < 0 {
			b.WriteString(decodeEntities(raw[i:]))
			break
		}
		b.Write(raw[i+len(cdataStart) : i+len(cdataStart)+end])
		raw = raw[i+len(cdataStart)+end+3:]
	}
	return b.String()
}

// maxEntity is how far from its "&" the ";" of an entity may be, for
// gofeed.
const maxEntity = 64

// decodeEntities decodes the HTML entities of s as gofeed's DecodeEntities:
// a reference counts only when it ends in ";" within maxEntity bytes,
// holds no white space, and decodes otherwise than without its ";".
func decodeEntities(s []byte) string {
	i := bytes.IndexByte(s, '&')
	if i < 0 {
		return string(s)
	}
	var out strings.Builder
	out.Grow(len(s))
	for {
		out.Write(s[:i])
		s = s[i:]
		window := s[:min(len(s), maxEntity)]
		end := bytes.IndexByte(window, ';')
		switch {
		case end < 0 && len(window) == len(s):
			out.Write(s)
			return out.String()
		case end < 0 || hasSpace(s[1:end]):
			out.WriteByte('&')
			s = s[1:]
		default:
			if r, ok := simpleEntity(s[1:end]); ok {
				out.WriteString(r)
				s = s[end+1:]
				break
			}
			if r, ok := numericEntity(s[1:end]); ok {
				out.WriteRune(r)
				s = s[end+1:]
				break
			}
			span := string(s[:end+1])
			dec := html.UnescapeString(span)
			if dec == html.UnescapeString(span[:len(span)-1])+";" {
				out.WriteByte('&')
				s = s[1:]
				break
			}
			out.WriteString(dec)
			s = s[end+1:]
		}
		i = bytes.IndexByte(s, '&')
		if i < 0 {
			out.Write(s)
			return out.String()
		}
	}
}

// hasSpace reports whether b holds an ASCII space, tab, CR or LF.
func hasSpace(b []byte) bool {
	for _, c := range b {
		if isSpace(c) {
			return true
		}
	}
	return false
}

// simpleEntity decodes the commonest entities (between "&" and ";") as
// html.UnescapeString does; ok is false for the others.
func simpleEntity(name []byte) (string, bool) {
	switch string(name) {
	case "amp":
		return "&", true
	case "lt":
		return "<", true
	case "gt":
		return ">", true
	case "quot":
		return `"`, true
	case "apos":
		return "'", true
	case "nbsp":
		return "\u00a0", true
	}
	return "", false
}

// numericEntity decodes a character reference (between "&" and ";") as
// html.UnescapeString does; ok is false for those it maps otherwise than
// to their code point (C1 controls), and for odd ones.
func numericEntity(name []byte) (rune, bool) {
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		switch {
		case isDigit(c):
			r = r*base + rune(c-'0')
		case base == 16 && 'a' <= c && c <= 'f':
			r = r*base + rune(c-'a'+10)
		case base == 16 && 'A' <= c && c <= 'F':
			r = r*base + rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	switch {
	case 0x80 <= r && r <= 0x9F:
		return 0, false
	case r == 0 || 0xD800 <= r && r <= 0xDFFF || r > utf8.MaxRune:
		return utf8.RuneError, true
	}
	return r, true
}

// extKey returns the key gofeed files an extension element of that
// namespace under, when it is one the fast path reads (atom, atom10,
// atom03, content, dc, feedburner, itunes); "" for another. For a
// namespace it does not know that the document binds to one of those
// prefixes, it cannot tell (gofeed would use a canonical prefix for a
// namespace of its list) and returns errFallback.
func (p *fastParser) extKey(space string) (string, error) {
	sp := trimSpace(space)
	switch sp {
	case nsAtom10:
		return "atom", nil
	case nsAtom03:
		return "atom03", nil
	case nsContent:
		return "content", nil
	case nsDC:
		return "dc", nil
	case nsFeedburner:
		return "feedburner", nil
	case nsITunes, nsITunesAlt:
		return "itunes", nil
	}
	key := sp
	if pfx, ok := p.s.prefixFor(sp); ok && pfx != "" {
		key = pfx
	}
	switch key {
	case "atom", "atom10", "atom03", "content", "dc", "feedburner", "itunes":
		// Every namespace of gofeed's list is a URL: one without a colon
		// (an undeclared prefix stands for itself) is not in it.
		if nonCanonical[sp] || !strings.Contains(sp, ":") {
			return key, nil
		}
		return "", fallback()
	}
	return "", nil
}

// nonCanonical are namespaces of real feeds that are not in gofeed's list of
// namespaces with a canonical prefix: gofeed files their elements under the
// prefix the document declares, and takes the root's namespace, when it is
// one of them, as RSS's own.
var nonCanonical = map[string]bool{
	"http://www.itunes.com/dtds/podcast-1.0.dtd": true, // the list has it capitalized only
	"http://backend.userland.com/rss2":           true,
	"http://backend.userland.com/rss":            true,
}

// hrefAttr returns the href attribute as gofeed's resolveAttrs leaves it
// without xml:base: parsed and formatted as a URL.
func (p *fastParser) hrefAttr() string {
	return normalizeURL(p.s.attrValue("href"))
}

func normalizeURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(strings.TrimLeft(s, " "))
	if err != nil {
		return s
	}
	return u.String()
}

// rssExt collects the extension elements of an RSS item or channel that
// gofeed's translator reads.
type rssExt struct {
	hasDC                                        bool
	dcTitle, dcDesc, dcCreator, dcAuthor, dcDate []string
	dcSubject, dcLanguage                        []string
	hasDCDesc, hasDCAuthor                       bool
	hasDCCreator, hasDCDate                      bool
	itSummary, itAuthor, itKeywords              *string
	atom                                         [3]atomExt // keys atom, atom10, atom03
	origLinks                                    []string
}

type atomExt struct {
	content, summary, published, updated *string
	authorSeen                           bool
	authorName, authorEmail              *string
	terms                                []string
	links                                []atomLink
}

type atomLink struct{ rel, href, typ, length string }

func firstOf(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// ext reads an extension element (the current start tag) of an RSS
// channel or item into e.
func (p *fastParser) ext(e *rssExt) error {
	s := &p.s
	key, err := p.extKey(s.space())
	if err != nil {
		return err
	}
	name := string(s.local)
	switch key {
	case "dc":
		e.hasDC = true
		var dst *[]string
		switch name {
		case "title":
			dst = &e.dcTitle
		case "description":
			dst, e.hasDCDesc = &e.dcDesc, true
		case "creator":
			dst, e.hasDCCreator = &e.dcCreator, true
		case "author":
			dst, e.hasDCAuthor = &e.dcAuthor, true
		case "date":
			dst, e.hasDCDate = &e.dcDate, true
		case "subject":
			dst = &e.dcSubject
		case "language":
			dst = &e.dcLanguage
		default:
			return s.skip()
		}
		v, err := p.extValue()
		if err != nil {
			return err
		}
		*dst = append(*dst, v)
		return nil
	case "itunes":
		var dst **string
		switch name {
		case "summary":
			dst = &e.itSummary
		case "author":
			dst = &e.itAuthor
		case "keywords":
			dst = &e.itKeywords
		default:
			return s.skip()
		}
		return p.firstExtValue(dst)
	case "feedburner":
		if name != "origLink" {
			return s.skip()
		}
		v, err := p.extValue()
		if err != nil {
			return err
		}
		e.origLinks = append(e.origLinks, v)
		return nil
	case "atom", "atom10", "atom03":
		a := &e.atom[0]
		switch key {
		case "atom10":
			a = &e.atom[1]
		case "atom03":
			a = &e.atom[2]
		}
		var dst **string
		switch name {
		case "content":
			dst = &a.content
		case "summary":
			dst = &a.summary
		case "published":
			dst = &a.published
		case "updated":
			dst = &a.updated
		case "category":
			if t := s.attrValue("term"); t != "" {
				a.terms = append(a.terms, t)
			}
			return s.skip()
		case "link":
			a.links = append(a.links, atomLink{rel: s.attrValue("rel"), href: p.hrefAttr()})
			return s.skip()
		case "author":
			first := !a.authorSeen
			a.authorSeen = true
			return p.atomExtAuthor(a, first)
		default:
			return s.skip()
		}
		return p.firstExtValue(dst)
	}
	return s.skip()
}

// atomExtAuthor reads an atom:author in RSS: the first one's first name and
// email children count.
func (p *fastParser) atomExtAuthor(a *atomExt, first bool) error {
	s := &p.s
	depth := len(s.stack)
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case tokEnd:
			if len(s.stack) < depth {
				return nil
			}
		case tokStart:
			if !first || len(s.stack) != depth+1 {
				continue
			}
			var dst **string
			switch string(s.local) {
			case "name":
				dst = &a.authorName
			case "email":
				dst = &a.authorEmail
			}
			if dst == nil || *dst != nil {
				continue
			}
			v, err := p.extValue()
			if err != nil {
				return err
			}
			*dst = &v
		}
	}
}

// extValue reads the current element as gofeed's extension parser: its own
// character data, trimmed.
// firstExtValue reads an extension element's value into *dst, unless an
// earlier element of the same name set it.
func (p *fastParser) firstExtValue(dst **string) error {
	v, err := p.extValue()
	if err != nil {
		return err
	}
	if *dst == nil {
		*dst = &v
	}
	return nil
}

func (p *fastParser) extValue() (string, error) {
	var err error
	p.buf, err = p.s.charData(p.buf[:0])
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(p.buf)), nil
}

func (e *rssExt) atomValue(get func(*atomExt) *string) string {
	for i := range e.atom {
		if v := get(&e.atom[i]); v != nil {
			return *v
		}
	}
	return ""
}

// rssNative reports whether an element of that namespace is RSS's own.
func rssNative(space string) bool {
	switch trimSpace(space) {
	case "", "rss", "rdf", nsRDF, nsRSS10, nsRSS09, nsRSS09Alt:
		return true
	}
	return false
}

// native reports whether an element of that namespace is RSS's own in
// this document.
func (p *fastParser) native(space string) bool {
	return rssNative(space) || p.rootSpace != "" && trimSpace(space) == p.rootSpace
}

func (p *fastParser) rss() (*Feed, error) {
	s := &p.s
	if root := trimSpace(s.space()); nonCanonical[root] {
		p.rootSpace = root
	} else if !rssNative(root) {
		return nil, fallback() // gofeed may take the root's namespace as RSS's
	}
	var (
		channel   bool
		chanItems []item.Item
		rootItems []item.Item
		title     string
		link      string
		language  string
		ext       rssExt
	)
	for {
		k, err := s.next()
		if err != nil {
			return nil, err
		}
		if k == tokEnd {
			break
		}
		if k != tokStart {
			continue
		}
		if s.bases > 0 {
			return nil, fallback() // xml:base in RSS
		}
		if !p.native(s.space()) {
			if err := s.skip(); err != nil {
				return nil, err
			}
			continue
		}
		var name [16]byte
		switch string(lower(name[:0], s.local)) {
		case "channel":
			if channel {
				return nil, fallback() // gofeed keeps the last channel only
			}
			channel = true
			if chanItems, title, link, language, err = p.rssChannel(&ext); err != nil {
				return nil, err
			}
		case "item":
			it, err := p.rssItem()
			if err != nil {
				return nil, err
			}
			rootItems = append(rootItems, it)
		default:
			if err := s.skip(); err != nil {
				return nil, err
			}
		}
	}
	f := &Feed{Title: title, Link: link, Language: language}
	if f.Title == "" && ext.hasDC {
		f.Title = firstOf(ext.dcTitle)
	}
	if f.Language == "" && ext.hasDC {
		f.Language = firstOf(ext.dcLanguage)
	}
	if f.Link == "" {
	links:
		for _, a := range ext.atom {
			for _, l := range a.links {
				if l.rel == "" || l.rel == "alternate" {
					f.Link = l.href
					break links
				}
			}
		}
	}
	f.Link = trimSpace(f.Link)
	f.Items = append(chanItems, rootItems...)
	return f, nil
}

func (p *fastParser) rssChannel(ext *rssExt) (items []item.Item, title, link, language string, err error) {
	s := &p.s
	for {
		k, err := s.next()
		if err != nil {
			return nil, "", "", "", err
		}
		if k == tokEnd {
			return items, title, link, language, nil
		}
		if k != tokStart {
			continue
		}
		if s.bases > 0 {
			return nil, "", "", "", fallback()
		}
		if !p.native(s.space()) {
			if err := p.ext(ext); err != nil {
				return nil, "", "", "", err
			}
			continue
		}
		var name [16]byte
		switch string(lower(name[:0], s.local)) {
		case "title":
			title, err = p.text()
		case "link":
			link, err = p.rssLink()
		case "language":
			language, err = p.text()
		case "item":
			var it item.Item
			if it, err = p.rssItem(); err == nil {
				items = append(items, it)
			}
		default:
			err = s.skip()
		}
		if err != nil {
			return nil, "", "", "", err
		}
	}
}

// rssLink reads a link element: its text, or its href.
func (p *fastParser) rssLink() (string, error) {
	href := ""
	if _, ok := p.s.attr("href"); ok {
		href = p.hrefAttr()
	}
	u, err := p.text()
	if u == "" {
		u = href
	}
	return u, err
}

func (p *fastParser) rssItem() (item.Item, error) {
	s := &p.s
	var (
		fi                 fastItem
		ext                rssExt
		author             string
		pubOK              bool
		cats               []string
		description, title string
	)
	for {
		k, err := s.next()
		if err != nil {
			return item.Item{}, err
		}
		if k == tokEnd {
			break
		}
		if k != tokStart {
			continue
		}
		if s.bases > 0 {
			return item.Item{}, fallback()
		}
		var name [16]byte
		lname := lower(name[:0], s.local)
		space := s.space()
		if string(lname) == "encoded" && space != "" {
			key, err := p.extKey(space)
			if err != nil {
				return item.Item{}, err
			}
			if key == "content" {
				if fi.content, err = p.text(); err != nil {
					return item.Item{}, err
				}
				continue
			}
		}
		if !p.native(space) {
			if err := p.ext(&ext); err != nil {
				return item.Item{}, err
			}
			continue
		}
		switch string(lname) {
		case "title":
			title, err = p.text()
		case "description":
			description, err = p.text()
		case "link":
			if fi.link, err = p.rssLink(); err == nil && !fi.hasLinks {
				fi.hasLinks, fi.link0 = true, fi.link
			}
		case "author":
			author, err = p.text()
		case "pubdate":
			var d string
			if d, err = p.text(); err == nil {
				t, ok, sure := fastDate(d)
				if !sure {
					return item.Item{}, fallback()
				}
				if ok {
					fi.published, pubOK = t, true
				}
			}
		case "enclosure":
			fi.addEnclosure(s.attrValue("url"), s.attrValue("type"), s.attrValue("length"))
			err = s.skip()
		case "guid":
			fi.guid, err = p.text()
		case "category":
			var c string
			if c, err = p.text(); err == nil {
				cats = append(cats, c)
			}
		default:
			err = s.skip()
		}
		if err != nil {
			return item.Item{}, err
		}
	}

	// The translator's choices.
	fi.title = title
	if fi.title == "" && ext.hasDC {
		fi.title = firstOf(ext.dcTitle)
	}
	switch {
	case description != "":
		fi.description = description
	case ext.hasDCDesc:
		fi.description = firstOf(ext.dcDesc)
	case ext.itSummary != nil && *ext.itSummary != "":
		fi.description = *ext.itSummary
	}
	if fi.description == "" {
		fi.description = ext.atomValue(func(a *atomExt) *string { return a.summary })
	}
	if fi.content == "" {
		fi.content = ext.atomValue(func(a *atomExt) *string { return a.content })
	}
	// Dates.
	dcDate := ""
	if ext.hasDCDate {
		dcDate = firstOf(ext.dcDate)
	}
	if !pubOK {
		text := dcDate
		if text == "" {
			text = ext.atomValue(func(a *atomExt) *string { return a.published })
		}
		t, _, sure := fastDate(text)
		if !sure {
			return item.Item{}, fallback()
		}
		fi.published = t
	}
	updText := dcDate
	if updText == "" {
		updText = ext.atomValue(func(a *atomExt) *string { return a.updated })
	}
	t, _, sure := fastDate(updText)
	if !sure {
		return item.Item{}, fallback()
	}
	fi.updated = t
	// Author.
	switch {
	case author != "":
		fi.authors = []item.Author{personFromText(author)}
	case ext.hasDCAuthor:
		fi.authors = []item.Author{personFromText(firstOf(ext.dcAuthor))}
	case ext.hasDCCreator:
		fi.authors = []item.Author{personFromText(firstOf(ext.dcCreator))}
	case ext.itAuthor != nil && *ext.itAuthor != "":
		fi.authors = []item.Author{personFromText(*ext.itAuthor)}
	default:
		name := ext.atomValue(func(a *atomExt) *string { return a.authorName })
		email := ext.atomValue(func(a *atomExt) *string { return a.authorEmail })
		if name != "" || email != "" {
			fi.authors = []item.Author{{Name: name, Email: email}}
		}
	}
	fi.creators = ext.dcCreator
	// Categories.
	if ext.itKeywords != nil && *ext.itKeywords != "" {
		cats = append(cats, strings.Split(*ext.itKeywords, ",")...)
	}
	cats = append(cats, ext.dcSubject...)
	for _, a := range ext.atom {
		cats = append(cats, a.terms...)
	}
	fi.categories = cats
	for _, l := range ext.origLinks {
		if l = trimSpace(l); l != "" {
			fi.origLink = l
			break
		}
	}
	return fi.item(), nil
}

// personFromText reads "Name (email)", "email (Name)", a name or an email
// as gofeed's ParseNameAddress.
func personFromText(s string) item.Author {
	if s == "" {
		return item.Author{}
	}
	if !strings.ContainsAny(s, "@()") {
		return item.Author{Name: s}
	}
	if !strings.Contains(s, "@") {
		return item.Author{}
	}
	switch {
	case emailNameRE.MatchString(s):
		m := emailNameRE.FindStringSubmatch(s)
		return item.Author{Name: m[2], Email: m[1]}
	case nameEmailRE.MatchString(s):
		m := nameEmailRE.FindStringSubmatch(s)
		return item.Author{Name: m[1], Email: m[2]}
	case emailOnlyRE.MatchString(s):
		return item.Author{Email: s}
	}
	return item.Author{}
}

// The forms of gofeed's ParseNameAddress that hold an email.
var (
	emailNameRE = regexp.MustCompile(`^([^@]+@[^\s]+)\s+\(([^@]+)\)$`)
	nameEmailRE = regexp.MustCompile(`^([^@]+)\s+\(([^@]+@[^)]+)\)$`)
	emailOnlyRE = regexp.MustCompile(`^([^@()]+@[^@()]+)$`)
)

// atomNative reports whether an element of that namespace is Atom's own.
func atomNative(space string) bool {
	switch trimSpace(space) {
	case "", nsAtom10, nsAtom03:
		return true
	}
	return false
}

func (p *fastParser) atom() (*Feed, error) {
	s := &p.s
	f := &Feed{Language: s.attrValue("lang")}
	linkSet := false
	for {
		k, err := s.next()
		if err != nil {
			return nil, err
		}
		if k == tokEnd {
			break
		}
		if k != tokStart {
			continue
		}
		if !atomNative(s.space()) {
			if err := s.skip(); err != nil {
				return nil, err
			}
			continue
		}
		var name [16]byte
		lname := lower(name[:0], s.local)
		if s.bases > 0 && !(s.ownBase() && string(lname) != "link" && string(lname) != "entry") {
			return nil, fallback() // xml:base where it would change URLs
		}
		switch string(lname) {
		case "title":
			f.Title, err = p.atomText("title")
		case "link":
			rel, href := p.atomRel(), p.hrefAttr()
			if rel == "alternate" && !linkSet {
				f.Link, linkSet = href, true
			}
			err = s.skip()
		case "entry":
			var it item.Item
			if it, err = p.atomEntry(); err == nil {
				f.Items = append(f.Items, it)
			}
		default:
			err = s.skip()
		}
		if err != nil {
			return nil, err
		}
	}
	f.Link = trimSpace(f.Link)
	return f, nil
}

func (p *fastParser) atomRel() string {
	if rel := p.s.attrValue("rel"); rel != "" {
		return rel
	}
	return "alternate"
}

// atomText reads the current element as gofeed's parseAtomText; name is
// its lower-case name.
func (p *fastParser) atomText(name string) (string, error) {
	s := &p.s
	var typ, mode [32]byte
	rawType, _ := s.attr("type")
	rawMode, _ := s.attr("mode")
	if len(rawType) > len(typ) || len(rawMode) > len(mode) {
		return "", fallback()
	}
	lt := string(lower(typ[:0], decodeXML(typ[:0], rawType)))
	lm := string(lower(mode[:0], decodeXML(mode[:0], rawMode)))
	var base *url.URL
	if s.hasBase {
		// Its own, the only one in scope (see the callers); an
		// unparsable one counts as none.
		if u, err := url.Parse(string(decodeXML(nil, s.baseRaw))); err == nil {
			base = u
		}
	}
	raw, err := s.inner()
	if err != nil {
		return "", err
	}
	raw = bytes.TrimSpace(raw)
	var out string
	switch {
	case bytes.Contains(raw, cdataStart):
		out = stripCDATA(raw)
		if lt == "html" || strings.Contains(lt, "xhtml") {
			out = resolveHTML(base, out)
		}
	case lt == "text" || strings.HasPrefix(lt, "text/") || lt == "" && lm == "":
		out = decodeEntities(raw)
	case strings.Contains(lt, "xhtml"):
		out = resolveHTML(base, stripWrappingDiv(string(raw)))
	case lt == "html":
		if bytes.IndexByte(raw, '<') >= 0 {
			out = resolveHTML(base, decodeEntities([]byte(stripWrappingDiv(string(raw)))))
		} else {
			out = resolveHTML(base, decodeEntities(raw))
		}
	case lm == "base64" || lt != "" && !strings.Contains(lt, "xml"):
		return "", fallback() // base64, or a type that may be binary
	default:
		out = string(raw)
	}
	switch name {
	case "icon", "id", "logo", "uri", "url":
		if base != nil {
			return "", fallback()
		}
		out = normalizeURL(out)
	}
	return out, nil
}

func (p *fastParser) atomEntry() (item.Item, error) {
	s := &p.s
	var (
		fi                           fastItem
		published, updated           string
		hasPublished, hasUpdated     bool
		alternate                    bool
		cats                         []string
		origLinks                    []string
		title, summary, content, gid string
	)
	for {
		k, err := s.next()
		if err != nil {
			return item.Item{}, err
		}
		if k == tokEnd {
			break
		}
		if k != tokStart {
			continue
		}
		if !atomNative(s.space()) {
			key, err := p.extKey(s.space())
			if err != nil {
				return item.Item{}, err
			}
			if key == "feedburner" && string(s.local) == "origLink" {
				v, err := p.extValue()
				if err != nil {
					return item.Item{}, err
				}
				origLinks = append(origLinks, v)
				continue
			}
			if err := s.skip(); err != nil {
				return item.Item{}, err
			}
			continue
		}
		var name [16]byte
		lname := string(lower(name[:0], s.local))
		if s.bases > 0 && !(s.ownBase() && lname != "id" && lname != "author" && lname != "link") {
			return item.Item{}, fallback() // xml:base where it would change URLs
		}
		switch lname {
		case "title":
			title, err = p.atomText(lname)
		case "id":
			gid, err = p.atomText(lname)
		case "summary":
			summary, err = p.atomText(lname)
		case "content":
			content, err = p.atomText(lname)
		case "updated", "modified":
			updated, err = p.atomText(lname)
			hasUpdated = true
		case "published", "issued":
			published, err = p.atomText(lname)
			hasPublished = true
		case "author":
			var a item.Author
			if a, err = p.atomPerson(); err == nil {
				fi.authors = append(fi.authors, a)
			}
		case "category":
			c := s.attrValue("label")
			if c == "" {
				c = s.attrValue("term")
			}
			cats = append(cats, c)
			err = s.skip()
		case "link":
			rel, href := p.atomRel(), p.hrefAttr()
			switch rel {
			case "alternate":
				if !alternate {
					fi.link, alternate = href, true
				}
			case "enclosure":
				fi.addEnclosure(href, s.attrValue("type"), s.attrValue("length"))
			}
			if (rel == "alternate" || rel == "self") && !fi.hasLinks {
				fi.hasLinks, fi.link0 = true, href
			}
			err = s.skip()
		default:
			err = s.skip()
		}
		if err != nil {
			return item.Item{}, err
		}
	}
	fi.title, fi.description, fi.content, fi.guid = title, summary, content, gid
	var pubOK, updOK bool
	if hasPublished {
		t, ok, sure := fastDate(published)
		if !sure {
			return item.Item{}, fallback()
		}
		fi.published, pubOK = t, ok
	}
	if hasUpdated {
		t, ok, sure := fastDate(updated)
		if !sure {
			return item.Item{}, fallback()
		}
		fi.updated, updOK = t, ok
	}
	if !pubOK && updOK {
		fi.published = fi.updated
	}
	fi.categories = cats
	for _, l := range origLinks {
		if l = trimSpace(l); l != "" {
			fi.origLink = l
			break
		}
	}
	return fi.item(), nil
}

// atomPerson reads an author: its name and email.
func (p *fastParser) atomPerson() (item.Author, error) {
	s := &p.s
	var a item.Author
	for {
		k, err := s.next()
		if err != nil {
			return a, err
		}
		if k == tokEnd {
			return a, nil
		}
		if k != tokStart {
			continue
		}
		if s.bases > 0 {
			return a, fallback()
		}
		var name [16]byte
		switch lname := string(lower(name[:0], s.local)); lname {
		case "name":
			a.Name, err = p.atomText(lname)
		case "email":
			a.Email, err = p.atomText(lname)
		default:
			err = s.skip()
		}
		if err != nil {
			return a, err
		}
	}
}
