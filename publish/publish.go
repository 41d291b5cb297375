// Package publish renders refeed's output feeds and writes them to disk.
//
// One [Feed] (a topic, or "all") is rendered as RSS 2.0, Atom 1.0 and JSON
// Feed 1.1 by [Render]. The three documents are built with
// github.com/gorilla/feeds and then extended where that library falls short:
// several categories per item (Atom with a term attribute), rel="self" and
// WebSub rel="hub" links, stable Atom ids, RSS <source url>, Atom
// <published>, every enclosure, author names in RSS (dc:creator), feed-level
// author in Atom, JSON Feed feed_url, hubs and an always present
// content_html.
//
// Rendering is deterministic: the same Feed always gives byte-identical
// output. Nothing depends on the clock or on randomness; the feed's
// updated/lastBuildDate is the newest date found among its items. Text that
// XML 1.0 cannot carry (control characters other than tab, newline and
// carriage return, U+FFFE, U+FFFF, invalid UTF-8) is removed from every
// string before encoding, in every format, so the three formats say the
// same thing.
//
// [WriteFile] replaces a file atomically (temporary file, fsync, rename,
// directory fsync), and [WriteFeed] writes the three formats of a feed,
// skipping files whose content is already current. A [Publisher] owns the
// directory feeds are published into ([PublicDir]): it writes the files of
// a set of feeds with one directory fsync, remembers what it wrote and
// removes the temporary files that a crash left behind.
package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
)

// A Format is an output feed format.
type Format string

// The output formats.
const (
	RSS  Format = "rss"  // RSS 2.0
	Atom Format = "atom" // Atom 1.0 (RFC 4287)
	JSON Format = "json" // JSON Feed 1.1
)

// Formats lists every output format, in the order refeed writes them.
var Formats = []Format{RSS, Atom, JSON}

// Ext returns the file name extension of the format, with its dot: ".rss",
// ".atom" or ".json". It returns "" for an unknown format.
func (f Format) Ext() string {
	switch f {
	case RSS, Atom, JSON:
		return "." + string(f)
	}
	return ""
}

// ContentType returns the HTTP Content-Type of the format, with its charset.
// It returns "" for an unknown format.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return ""
}

// mediaType is ContentType without parameters, as used in link type
// attributes.
func (f Format) mediaType() string {
	ct := f.ContentType()
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return ct
}

// A Feed is one output feed: a topic, or all items.
type Feed struct {
	// Slug names the feed; its files are Slug+Format.Ext().
	Slug string
	// Title is the feed's title; when empty, the display name of Slug in
	// TopicNames, or Slug itself, is used.
	Title string
	// Description describes the feed; when empty, "refeed: TITLE" is used
	// where a description is required.
	Description string
	// BaseURL is where the feeds are served, without a trailing slash, as
	// in "http://localhost:8080".
	BaseURL string
	// NoSelf leaves out the self links (RSS atom:link, Atom link, JSON Feed
	// feed_url) and the hubs: for feeds that have no address a reader
	// reaches. The Atom id is then urn:refeed:feed:SLUG.
	NoSelf bool
	// Hubs lists the WebSub hub URLs announced by the feed; it may be empty.
	Hubs []string
	// TopicNames maps topic slugs to display names; item topics are
	// published as categories under these names.
	TopicNames map[string]string
	// Items holds the feed's items, already ordered newest first.
	Items []item.Item
	// Topic marks the feed of one topic. An item carried by several feeds
	// must have a distinct id in each (readers such as newsboat key items
	// by id across all subscriptions and show one only once), so a topic
	// feed gives each item the id ITEMID#SLUG; the feed of all items, and
	// any feed with Topic unset, keeps the item's own id. Both are stable.
	Topic bool
	// Sources describes the sources named in items' Sources, by name. An
	// item carried by several sources lists each of them (Atom and RSS
	// rel="via" links, JSON Feed "_refeed": {"sources": [...]}).
	Sources map[string]SourceInfo
}

// SourceInfo describes a source feed.
type SourceInfo struct {
	Title string // the feed's own title, or its name
	URL   string // the feed's URL
}

// URL returns the URL at which the feed is served in the given format:
// BaseURL + "/" + Slug + format.Ext().
func (f *Feed) URL(format Format) string {
	return f.baseURL() + "/" + f.Slug + format.Ext()
}

// homeURL is the page that lists the feeds (the alternate link).
func (f *Feed) homeURL() string {
	return f.baseURL() + "/"
}

func (f *Feed) baseURL() string {
	return strings.TrimRight(f.BaseURL, "/")
}

// title returns the feed's title, never empty for a feed with a slug.
func (f *Feed) title() string {
	if t := strings.TrimSpace(f.Title); t != "" {
		return t
	}
	if n := strings.TrimSpace(f.TopicNames[f.Slug]); n != "" {
		return n
	}
	if f.Slug != "" {
		return f.Slug
	}
	return "refeed"
}

// Render encodes the feed in the given format. The output is deterministic
// and ends with a newline.
//
// Dates are written in UTC with second precision. An item's publication date
// is its Published time, else its FirstSeen time (RSS pubDate, JSON
// date_published); Atom's published is written only when Published is known.
// An item's updated date is Updated, else Published, else FirstSeen, else
// the feed's date. The feed's date (RSS lastBuildDate and pubDate, Atom
// updated) is the newest Updated, Published or FirstSeen of its items; a
// feed without any dated item has no RSS dates and an Atom updated of
// 1970-01-01T00:00:00Z, because Atom requires one.
func Render(f *Feed, format Format) ([]byte, error) {
	if f == nil {
		return nil, errors.New("publish: render: nil feed")
	}
	return newModel(f).render(f.Slug, format)
}

// RenderAll renders f in every format of Formats, in that order: what
// Render does for each, with the work the formats share done once.
func RenderAll(f *Feed) ([][]byte, error) {
	if f == nil {
		return nil, errors.New("publish: render: nil feed")
	}
	m := newModel(f)
	out := make([][]byte, len(Formats))
	for i, format := range Formats {
		var err error
		if out[i], err = m.render(f.Slug, format); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// render encodes the model of the feed slug in format.
func (m *model) render(slug string, format Format) ([]byte, error) {
	var doc any
	switch format {
	case RSS:
		doc = buildRSS(m)
	case Atom:
		doc = buildAtom(m)
	case JSON:
		return encodeJSON(buildJSON(m))
	default:
		return nil, fmt.Errorf("publish: render %s: unknown format %q", slug, format)
	}
	var buf bytes.Buffer
	buf.Grow(m.xmlSize)
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("publish: render %s%s: %w", slug, format.Ext(), err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("publish: render %s%s: %w", slug, format.Ext(), err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func encodeJSON(doc any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("publish: render json: %w", err)
	}
	return buf.Bytes(), nil
}

// model is a Feed with every string made XML-safe and every derived value
// (dates, tags, excerpts) computed once, shared by the three encoders.
type model struct {
	title, description string
	self               map[Format]string // empty for a feed without self links
	id                 string            // the Atom id
	home               string
	hubs               []string
	updated            time.Time // zero when no item carries a date
	items              []entry
	gorilla            *feeds.Feed
	// idSuffix is appended to every item id ("#" + slug in a topic feed).
	idSuffix string
	// xmlSize is about the size of the feed in RSS or Atom, a little
	// more rather than less, so that its buffer is allocated once.
	xmlSize int
}

// entry is one item, cleaned, with its derived values.
type entry struct {
	it          item.Item // strings cleaned, dates normalised
	created     time.Time // Published, else FirstSeen
	updated     time.Time // Updated, else created, else the feed's date
	tags        []string  // topic names then own categories, de-duplicated
	summaryHTML string    // Summary, else an escaped excerpt of Content
	summaryText string    // plain-text excerpt of summaryHTML
	contentHTML string    // Content, else Summary
	sourceName  string    // SourceTitle, else Source
	via         []via     // every source that carried the item
}

// via is one source of an item.
type via struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

func newModel(f *Feed) *model {
	m := &model{
		title: cleanText(f.title()),
		home:  cleanText(f.homeURL()),
		self:  map[Format]string{},
	}
	m.description = cleanText(strings.TrimSpace(f.Description))
	if f.Topic && f.Slug != "" {
		m.idSuffix = "#" + cleanText(f.Slug)
	}
	if f.NoSelf {
		m.id = "urn:refeed:feed:" + cleanText(f.Slug)
	} else {
		for _, format := range Formats {
			m.self[format] = cleanText(f.URL(format))
		}
		m.id = m.self[Atom]
		for _, h := range f.Hubs {
			if h = cleanText(strings.TrimSpace(h)); h != "" {
				m.hubs = append(m.hubs, h)
			}
		}
	}
	m.items = make([]entry, 0, len(f.Items))
	for i := range f.Items {
		e := newEntry(&f.Items[i], f.TopicNames)
		e.via = sourcesOf(&f.Items[i], f.Sources)
		for _, t := range []time.Time{e.it.Updated, e.it.Published, e.it.FirstSeen} {
			if t.After(m.updated) {
				m.updated = t
			}
		}
		m.items = append(m.items, e)
		// Escaped HTML grows by about a tenth; the rest of an entry
		// (tags, dates, ids, links, sources) takes about 1 KB.
		m.xmlSize += (len(e.contentHTML)+len(e.summaryHTML))*9/8 + 1024
	}
	for i := range m.items {
		if m.items[i].updated.IsZero() {
			m.items[i].updated = m.atomUpdated()
		}
	}
	m.xmlSize += 2048
	m.gorilla = m.toGorilla()
	return m
}

// atomUpdated is the feed's date, or the Unix epoch for a feed without dates.
func (m *model) atomUpdated() time.Time {
	if m.updated.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return m.updated
}

func newEntry(src *item.Item, topicNames map[string]string) entry {
	it := *src
	it.ID = cleanText(strings.TrimSpace(it.ID))
	if it.ID == "" {
		// Item.ID is always set by the pipeline; derive the same stable
		// id here rather than letting gorilla invent a random one.
		it.ID = item.NewID(src.Source, src)
	}
	it.Source = cleanText(it.Source)
	it.Sources = nil
	it.SourceTitle = cleanText(strings.TrimSpace(it.SourceTitle))
	it.SourceURL = cleanText(strings.TrimSpace(it.SourceURL))
	it.GUID = cleanText(it.GUID)
	it.Link = cleanText(strings.TrimSpace(it.Link))
	it.Title = cleanText(it.Title)
	it.Summary = cleanText(it.Summary)
	it.Content = cleanText(it.Content)
	it.Authors = nil
	for _, a := range src.Authors {
		a = item.Author{
			Name:  cleanText(strings.TrimSpace(a.Name)),
			Email: cleanText(strings.TrimSpace(a.Email)),
			URI:   cleanText(strings.TrimSpace(a.URI)),
		}
		if !strings.Contains(a.Email, "@") {
			a.Email = ""
		}
		if a.Name != "" || a.Email != "" || a.URI != "" {
			it.Authors = append(it.Authors, a)
		}
	}
	it.Enclosures = nil
	for _, enc := range src.Enclosures {
		enc.URL = cleanText(strings.TrimSpace(enc.URL))
		enc.Type = cleanText(strings.TrimSpace(enc.Type))
		if !strings.Contains(enc.Type, "/") {
			enc.Type = ""
		}
		if enc.Length < 0 {
			enc.Length = 0
		}
		if enc.URL != "" {
			it.Enclosures = append(it.Enclosures, enc)
		}
	}
	it.Published = normTime(it.Published)
	it.Updated = normTime(it.Updated)
	it.FirstSeen = normTime(it.FirstSeen)

	e := entry{it: it, tags: tags(src, topicNames)}
	e.created = firstTime(it.Published, it.FirstSeen)
	e.updated = firstTime(it.Updated, e.created)
	switch {
	case strings.TrimSpace(it.Summary) != "":
		e.summaryHTML = it.Summary
		e.summaryText = excerpt(it.Summary, excerptRunes)
	case strings.TrimSpace(it.Content) != "":
		e.summaryText = excerpt(it.Content, excerptRunes)
		e.summaryHTML = escapeHTML(e.summaryText)
	}
	e.contentHTML = it.Content
	if strings.TrimSpace(e.contentHTML) == "" {
		e.contentHTML = it.Summary
	}
	e.sourceName = it.SourceTitle
	if e.sourceName == "" {
		e.sourceName = it.Source
	}
	return e
}

// sourcesOf lists the sources of an item: its Sources, else its Source.
func sourcesOf(it *item.Item, info map[string]SourceInfo) []via {
	names := it.Sources
	if len(names) == 0 && it.Source != "" {
		names = []string{it.Source}
	}
	var out []via
	for _, n := range names {
		v := via{Name: cleanText(n), Title: cleanText(info[n].Title), URL: cleanText(info[n].URL)}
		if n == it.Source {
			v.Title = firstNonEmpty(v.Title, cleanText(it.SourceTitle))
			v.URL = firstNonEmpty(v.URL, cleanText(it.SourceURL))
		}
		out = append(out, v)
	}
	return out
}

// tags returns the display names of the item's topics followed by its own
// categories, as plain text (see plain.Text), without empty ones and
// without case-insensitive duplicates (the first spelling wins).
func tags(it *item.Item, topicNames map[string]string) []string {
	var out []string
	add := func(s string) {
		// Categories are plain text: a topic named with markup too.
		s = plaintext.Text(s)
		if s == "" {
			return
		}
		for _, t := range out {
			if strings.EqualFold(t, s) {
				return
			}
		}
		out = append(out, s)
	}
	for _, slug := range it.Topics {
		if name := strings.TrimSpace(topicNames[slug]); name != "" {
			add(name)
		} else {
			add(slug)
		}
	}
	for _, c := range it.Categories {
		add(c)
	}
	return out
}

// normTime returns t in UTC truncated to the second, or the zero time when t
// is zero or cannot be written as an RFC 3339 date (years 1 to 9999).
func normTime(t time.Time) time.Time {
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}
	}
	t = t.UTC().Truncate(time.Second)
	if t.IsZero() {
		return time.Time{}
	}
	return t
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// toGorilla builds the gorilla feed that the three converters start from.
func (m *model) toGorilla() *feeds.Feed {
	g := &feeds.Feed{
		Title:       m.title,
		Link:        &feeds.Link{Href: m.home},
		Description: m.description,
		Updated:     m.updated,
		Id:          m.id,
	}
	for i := range m.items {
		e := &m.items[i]
		gi := &feeds.Item{
			Title:       e.it.Title,
			Description: e.summaryHTML,
			Id:          e.it.ID + m.idSuffix,
			IsPermaLink: "false",
			Created:     e.created,
			Updated:     e.it.Updated,
			Content:     e.it.Content,
		}
		if e.it.Link != "" {
			gi.Link = &feeds.Link{Href: e.it.Link}
		}
		if len(e.it.Enclosures) > 0 {
			enc := e.it.Enclosures[0]
			gi.Enclosure = &feeds.Enclosure{Url: enc.URL, Type: enc.Type, Length: lengthString(enc.Length)}
		}
		g.Items = append(g.Items, gi)
	}
	return g
}

func lengthString(n int64) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// ETag returns the entity tag of a feed document, without quotes: a hash
// of its bytes, so that every instance serving the same bytes gives the
// same tag.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}
