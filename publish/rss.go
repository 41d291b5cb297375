package publish

import (
	"encoding/xml"

	"github.com/gorilla/feeds"
)

// XML namespaces used by the RSS output besides gorilla's content module.
const (
	nsAtom = "http://www.w3.org/2005/Atom"
	nsDC   = "http://purl.org/dc/elements/1.1/"
)

// rssDoc extends gorilla's <rss> wrapper with the atom and dc namespace
// declarations, and replaces its channel by the extended rssChannel.
// encoding/xml resolves fields of the same XML name by depth, so the
// shallower Channel here hides gorilla's.
type rssDoc struct {
	*feeds.RssFeedXml
	AtomNS  string      `xml:"xmlns:atom,attr"`
	DCNS    string      `xml:"xmlns:dc,attr"`
	Channel *rssChannel `xml:"channel"`
}

// rssChannel adds the atom:link elements (self, hubs) gorilla lacks and
// replaces its items by the extended rssItem.
type rssChannel struct {
	*feeds.RssFeed
	AtomLinks []rssAtomLink
	Items     []*rssItem `xml:"item"`
}

// rssAtomLink is an <atom:link> inside an RSS channel.
type rssAtomLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr,omitempty"`
	Title   string   `xml:"title,attr,omitempty"`
}

// rssItem overrides gorilla's item where it falls short: an empty link is
// omitted rather than written as <link></link>; every category instead of a
// single one; authors as dc:creator (RSS <author> must be an e-mail
// address); <source> with its required url attribute.
type rssItem struct {
	Title string `xml:"title"`
	Link  string `xml:"link,omitempty"`
	*feeds.RssItem
	Categories []string   `xml:"category"`
	Creators   []string   `xml:"dc:creator"`
	Source     *rssSource `xml:"source"`
	// Via links every source of an item carried by several.
	Via []rssAtomLink
}

// rssSource is the RSS 2.0 <source url="...">name</source> element.
type rssSource struct {
	URL  string `xml:"url,attr"`
	Name string `xml:",chardata"`
}

func buildRSS(m *model) *rssDoc {
	ch := (&feeds.Rss{Feed: m.gorilla}).RssFeed()
	ch.Description = m.description
	if ch.Description == "" {
		ch.Description = "refeed: " + m.title
	}
	ch.Generator = "refeed"
	out := &rssChannel{RssFeed: ch, Items: make([]*rssItem, 0, len(m.items))}
	if self := m.self[RSS]; self != "" {
		out.AtomLinks = append(out.AtomLinks, rssAtomLink{Href: self, Rel: "self", Type: RSS.mediaType()})
	}
	for _, h := range m.hubs {
		out.AtomLinks = append(out.AtomLinks, rssAtomLink{Href: h, Rel: "hub"})
	}
	for i, gi := range ch.Items {
		e := &m.items[i]
		ri := &rssItem{RssItem: gi, Title: e.it.Title, Link: e.it.Link, Categories: e.tags}
		// gorilla writes an enclosure only when type and length are known;
		// RSS requires both, so supply defaults. RSS allows one enclosure
		// per item: the first one.
		gi.Enclosure = nil
		if len(e.it.Enclosures) > 0 {
			enc := e.it.Enclosures[0]
			typ := enc.Type
			if typ == "" {
				typ = "application/octet-stream"
			}
			gi.Enclosure = &feeds.RssEnclosure{Url: enc.URL, Type: typ, Length: itoa(enc.Length)}
		}
		gi.Author = ""
		for _, a := range e.it.Authors {
			switch {
			case a.Name != "":
				ri.Creators = append(ri.Creators, a.Name)
			case a.Email != "":
				ri.Creators = append(ri.Creators, a.Email)
			}
			if gi.Author == "" && a.Email != "" {
				gi.Author = a.Email
				if a.Name != "" {
					gi.Author += " (" + a.Name + ")"
				}
			}
		}
		if e.it.SourceURL != "" {
			ri.Source = &rssSource{URL: e.it.SourceURL, Name: e.sourceName}
			if ri.Source.Name == "" {
				ri.Source.Name = e.it.SourceURL
			}
		}
		if len(e.via) > 1 {
			for _, v := range e.via {
				if v.URL != "" {
					ri.Via = append(ri.Via, rssAtomLink{Href: v.URL, Rel: "via", Title: firstNonEmpty(v.Title, v.Name)})
				}
			}
		}
		out.Items = append(out.Items, ri)
	}
	ch.Items = nil
	doc := &rssDoc{RssFeedXml: ch.FeedXml().(*feeds.RssFeedXml), AtomNS: nsAtom, DCNS: nsDC, Channel: out}
	doc.RssFeedXml.Channel = nil
	return doc
}

func itoa(n int64) string {
	if s := lengthString(n); s != "" {
		return s
	}
	return "0"
}
