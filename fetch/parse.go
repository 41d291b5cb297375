package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
)

// A Feed is a parsed document: the feed's own description and its items.
type Feed struct {
	Title    string
	Link     string // the feed's web site
	Language string
	Items    []item.Item
	// Dropped counts the items of the document left out to keep within
	// the limits (MaxItems, MaxNodes).
	Dropped int
	// Warnings say what Parse repaired to read the document (a JSON Feed
	// member of the wrong type, coerced or dropped), each kind of repair
	// once. The document is read all the same; callers log them.
	Warnings []string
}

// ErrNotAFeed is returned for a document that is neither RSS, Atom nor
// JSON Feed (an HTML page, say).
var ErrNotAFeed = errors.New("not an RSS, Atom or JSON feed")

// Parse parses body, a feed document, into items of the named source.
// feedURL is where the document came from; contentType is the HTTP
// Content-Type, used for the charset of documents that declare none.
//
// gofeed parses every document; around it, Parse repairs the charset
// (ToUTF8), brings the document within the limits (MaxItems, MaxNodes,
// MaxDepth, MaxNamespaces), turns a panic of the parser into
// ErrParserPanic, and repairs a JSON Feed that gofeed cannot read for a
// member of the wrong type (see Feed.Warnings).
func Parse(body []byte, contentType, source, feedURL string) (*Feed, error) {
	body = prepare(body, contentType)
	body, dropped, err := limit(body)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	f, warnings, err := read(body)
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, ErrNotAFeed
		}
		return nil, fmt.Errorf("parse: %w", err)
	}
	out := &Feed{
		Title:    plaintext.Text(f.Title), // published as the items' source
		Link:     strings.TrimSpace(f.Link),
		Language: f.Language,
		Warnings: warnings,
	}
	for _, gi := range f.Items {
		if gi != nil {
			amendDates(gi)
		}
	}
	items := newest(f.Items)
	out.Dropped = dropped + len(f.Items) - len(items)
	out.Items = make([]item.Item, 0, len(items))
	for _, gi := range items {
		if gi == nil {
			continue
		}
		it := convert(gi)
		it.Source = source
		it.SourceURL = feedURL
		it.SourceTitle = out.Title
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// prepare returns body in UTF-8 and, for an XML document, without the
// control characters XML does not allow (gofeed drops them too, but the
// limits are checked with encoding/xml, which stops at them).
func prepare(body []byte, contentType string) []byte {
	body = ToUTF8(body, contentTypeCharset(contentType))
	if firstByte(body) == '<' {
		body = dropControlChars(body) // removes ASCII bytes only
	}
	return body
}

// read parses body with gofeed: an XML document repaired by fixXML and
// amended by its notes, a JSON Feed that gofeed cannot read repaired by
// repairJSON (its warnings returned).
func read(body []byte) (*gofeed.Feed, []string, error) {
	switch firstByte(body) {
	case '<':
		fixed, notes, err := fixXML(body)
		if err != nil {
			return nil, nil, err
		}
		f, err := gofeedParse(fixed)
		if err != nil && !sameBytes(fixed, body) {
			f, err = gofeedParse(body) // not for want of a repair
			return f, nil, err
		}
		if err == nil {
			amendXML(f, notes)
		}
		return f, nil, err
	case '{':
		f, err := gofeedParse(body)
		if err == nil {
			return f, nil, nil
		}
		// A member of the wrong type fails gofeed's decoding, a null item
		// or author its translation: repaired, the document is read.
		if fixed, w, rerr := repairJSON(body); rerr == nil {
			if rf, rerr := gofeedParse(fixed); rerr == nil {
				return rf, w, nil
			}
		}
		return nil, nil, err
	}
	f, err := gofeedParse(body)
	return f, nil, err
}

// sameBytes reports whether a and b are the same slice.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// amendXML sets right, by the notes of fixXML, what gofeed reads wrongly
// of the items of f: the rdf:about of an RSS 1.0 item without a guid is
// its GUID (unless it is the item's link, which identifies the item the
// same), the scheme of an Atom id keeps its case; and an Atom entry
// without a link takes its id as its link when that is a web URL.
func amendXML(f *gofeed.Feed, n xmlNotes) {
	if f.FeedType == "atom" {
		for _, gi := range f.Items {
			if gi != nil && gi.Link == "" && len(gi.Links) == 0 {
				gi.Link = webURL(gi.GUID)
			}
		}
	}
	if len(n.about) == len(f.Items) {
		for i, gi := range f.Items {
			if a := n.about[i]; gi != nil && gi.GUID == "" && a != "" && a != strings.TrimSpace(gi.Link) {
				gi.GUID = a
			}
		}
	}
	if len(n.ids) == len(f.Items) {
		for i, gi := range f.Items {
			if gi == nil {
				continue
			}
			if s := schemeOf([]byte(n.ids[i])); s != "" && strings.HasPrefix(gi.GUID, strings.ToLower(s)+":") {
				gi.GUID = s + gi.GUID[len(s):]
			}
		}
	}
}

// ErrParserPanic is returned for a document on which the parser panicked:
// gofeed's JSON translator dereferences a null item or author
// ({"items":[null]}), for one. One hostile document must not take the
// daemon down.
var ErrParserPanic = errors.New("the feed parser failed on this document")

// gofeedParse parses body with gofeed, turning a panic into ErrParserPanic.
func gofeedParse(body []byte) (f *gofeed.Feed, err error) {
	defer func() {
		if v := recover(); v != nil {
			f, err = nil, fmt.Errorf("%w: %v", ErrParserPanic, v)
		}
	}()
	p := gofeed.NewParser()
	p.RSSTranslator = newRSSTranslator()
	return p.Parse(bytes.NewReader(body))
}

// newest returns the MaxItems newest items, in their order (limit has
// done it already for most documents).
func newest(items []*gofeed.Item) []*gofeed.Item {
	if len(items) <= MaxItems {
		return items
	}
	date := func(i int) time.Time {
		var t time.Time
		if gi := items[i]; gi != nil {
			for _, p := range []*time.Time{gi.PublishedParsed, gi.UpdatedParsed} {
				if p != nil && p.After(t) {
					t = *p
				}
			}
		}
		return t
	}
	keep := newestFirst(len(items), date)[:MaxItems]
	slices.Sort(keep)
	out := make([]*gofeed.Item, len(keep))
	for i, k := range keep {
		out[i] = items[k]
	}
	return out
}

func convert(gi *gofeed.Item) item.Item {
	it := item.Item{
		GUID:       strings.TrimSpace(gi.GUID),
		Link:       strings.TrimSpace(gi.Link),
		Title:      gi.Title,
		Summary:    gi.Description,
		Content:    gi.Content,
		Categories: nonEmpty(gi.Categories),
	}
	if it.Link == "" && len(gi.Links) > 0 {
		it.Link = strings.TrimSpace(gi.Links[0])
	}
	if orig := extension(gi, "feedburner", "origLink"); orig != "" {
		it.Link = orig
	}
	if gi.PublishedParsed != nil {
		it.Published = gi.PublishedParsed.UTC()
	}
	if gi.UpdatedParsed != nil {
		it.Updated = gi.UpdatedParsed.UTC()
	}
	for _, p := range gi.Authors {
		if p == nil || (p.Name == "" && p.Email == "") {
			continue
		}
		it.Authors = append(it.Authors, item.Author{Name: strings.TrimSpace(p.Name), Email: strings.TrimSpace(p.Email)})
	}
	if len(it.Authors) == 0 && gi.DublinCoreExt != nil {
		for _, c := range gi.DublinCoreExt.Creator {
			if c = strings.TrimSpace(c); c != "" {
				it.Authors = append(it.Authors, item.Author{Name: c})
			}
		}
	}
	for _, e := range gi.Enclosures {
		if e == nil || strings.TrimSpace(e.URL) == "" {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
		it.Enclosures = append(it.Enclosures, item.Enclosure{URL: strings.TrimSpace(e.URL), Type: e.Type, Length: max(n, 0)})
	}
	return it
}

func extension(gi *gofeed.Item, ns, name string) string {
	if gi.Extensions == nil {
		return ""
	}
	for _, e := range gi.Extensions[ns][name] {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// nonEmpty returns the strings of ss trimmed, without the empty ones and
// the repeated ones (those whose lower case is that of an earlier one).
func nonEmpty(ss []string) []string {
	var out []string
	var seen map[string]bool // once out is long
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if seen == nil && len(out) >= 16 {
			seen = make(map[string]bool, len(ss))
			for _, o := range out {
				seen[strings.ToLower(o)] = true
			}
		}
		if seen != nil {
			if l := strings.ToLower(s); !seen[l] {
				seen[l] = true
				out = append(out, s)
			}
			continue
		}
		if !slices.ContainsFunc(out, func(o string) bool { return sameLower(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// sameLower reports whether strings.ToLower(a) == strings.ToLower(b),
// without making them when both are ASCII.
func sameLower(a, b string) bool {
	if !isASCII(a) || !isASCII(b) {
		return strings.ToLower(a) == strings.ToLower(b)
	}
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
