package publish

import (
	"time"

	"github.com/gorilla/feeds"
)

// atomFeed extends gorilla's feed: several links (self, alternate, hubs)
// instead of its single one, and the extended entries. encoding/xml resolves
// fields of the same XML name by depth, so these shallower fields hide
// gorilla's Link and Entries.
type atomFeed struct {
	*feeds.AtomFeed
	Links   []feeds.AtomLink `xml:"link"`
	Entries []*atomEntry     `xml:"entry"`
}

// atomEntry extends gorilla's entry: a typed title, its links (alternate and
// every enclosure; gorilla writes an alternate link with an empty href when
// the item has none, and one enclosure only), every author, categories
// with the term attribute Atom requires (gorilla writes one category as
// text), and a structured <source> (gorilla's is a plain string).
type atomEntry struct {
	Title atomText `xml:"title"`
	// Links has the Go name of gorilla's untagged field, which is also its
	// XML field name, so it hides it.
	Links []feeds.AtomLink
	*feeds.AtomEntry
	Authors    []*feeds.AtomAuthor `xml:"author"`
	Categories []atomCategory      `xml:"category"`
	Source     *atomSource         `xml:"source"`
	// Via links every source of an entry carried by several.
	Via []atomLink `xml:"link"`
}

// atomLink is a link with a title, which gorilla's AtomLink lacks.
type atomLink struct {
	Href  string `xml:"href,attr"`
	Rel   string `xml:"rel,attr"`
	Title string `xml:"title,attr,omitempty"`
}

// atomText is an Atom text construct.
type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// atomCategory is <category term="..."/>.
type atomCategory struct {
	Term string `xml:"term,attr"`
}

// atomSource is the metadata of the feed an entry was copied from.
type atomSource struct {
	Title string           `xml:"title,omitempty"`
	Links []feeds.AtomLink `xml:"link"`
}

func buildAtom(m *model) *atomFeed {
	af := (&feeds.Atom{Feed: m.gorilla}).AtomFeed()
	// gorilla takes the id from the feed's link; the id is the self URL
	// (or a URN for a feed without one).
	af.Id = m.id
	af.Updated = m.atomUpdated().Format(time.RFC3339)
	af.Link = nil
	// Entries need an author unless the feed has one; most items have none.
	af.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: "refeed"}}
	out := &atomFeed{AtomFeed: af, Entries: make([]*atomEntry, 0, len(m.items))}
	if self := m.self[Atom]; self != "" {
		out.Links = append(out.Links, feeds.AtomLink{Href: self, Rel: "self", Type: Atom.mediaType()})
	}
	out.Links = append(out.Links, feeds.AtomLink{Href: m.home, Rel: "alternate", Type: "text/html"})
	for _, h := range m.hubs {
		out.Links = append(out.Links, feeds.AtomLink{Href: h, Rel: "hub"})
	}
	for i, ge := range af.Entries {
		e := &m.items[i]
		ae := &atomEntry{AtomEntry: ge, Title: atomText{Type: "text", Text: e.it.Title}}
		ge.Links = nil
		ge.Author = nil
		ge.Updated = e.updated.Format(time.RFC3339)
		if !e.it.Published.IsZero() {
			ge.Published = e.it.Published.Format(time.RFC3339)
		}
		if e.it.Link != "" {
			ae.Links = append(ae.Links, feeds.AtomLink{Href: e.it.Link, Rel: "alternate", Type: "text/html"})
		}
		for _, enc := range e.it.Enclosures {
			ae.Links = append(ae.Links, feeds.AtomLink{Href: enc.URL, Rel: "enclosure", Type: enc.Type, Length: lengthString(enc.Length)})
		}
		if len(e.via) > 1 {
			for _, v := range e.via {
				if v.URL != "" {
					ae.Via = append(ae.Via, atomLink{Href: v.URL, Rel: "via", Title: firstNonEmpty(v.Title, v.Name)})
				}
			}
		}
		if ge.Content == nil && e.it.Link == "" {
			// An entry without an alternate link must have content.
			ge.Content = &feeds.AtomContent{Type: "html", Content: e.contentHTML}
		}
		for _, a := range e.it.Authors {
			p := feeds.AtomPerson{Name: a.Name, Uri: a.URI, Email: a.Email}
			if p.Name == "" {
				p.Name = firstNonEmpty(a.Email, a.URI)
			}
			ae.Authors = append(ae.Authors, &feeds.AtomAuthor{AtomPerson: p})
		}
		for _, t := range e.tags {
			ae.Categories = append(ae.Categories, atomCategory{Term: t})
		}
		if e.it.SourceURL != "" {
			ae.Source = &atomSource{
				Title: e.sourceName,
				Links: []feeds.AtomLink{{Href: e.it.SourceURL, Rel: "self"}},
			}
		}
		out.Entries = append(out.Entries, ae)
	}
	af.Entries = nil
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
