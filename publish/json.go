package publish

import "github.com/gorilla/feeds"

// jsonFeed replaces gorilla's items, which it omits when there are none
// (JSON Feed requires the items array), by the extended jsonItem.
// encoding/json resolves fields of the same JSON name by depth, so this
// shallower Items hides gorilla's.
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem makes content_html always present (gorilla omits it when empty;
// a JSON Feed item needs content_html or content_text) and writes attachment
// sizes above 2 GiB, which gorilla's int32 size cannot hold.
type jsonItem struct {
	*feeds.JSONItem
	ContentHTML string           `json:"content_html"`
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	Refeed      *jsonExtension   `json:"_refeed,omitempty"`
}

// jsonExtension is refeed's JSON Feed extension object of an item: every
// source that carried it.
type jsonExtension struct {
	Sources []via `json:"sources"`
}

// jsonAttachment is a JSON Feed attachment.
type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

func buildJSON(m *model) *jsonFeed {
	jf := (&feeds.JSON{Feed: m.gorilla}).JSONFeed()
	jf.HomePageUrl = m.home
	jf.FeedUrl = m.self[JSON]
	// The deprecated single author is never set: gorilla only fills it
	// from Feed.Author and Item.Author, which are left nil.
	jf.Author = nil
	for _, h := range m.hubs {
		jf.Hubs = append(jf.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	out := &jsonFeed{JSONFeed: jf, Items: make([]*jsonItem, 0, len(m.items))}
	for i, gi := range jf.Items {
		e := &m.items[i]
		// JSON Feed's summary is plain text, gorilla copies the HTML.
		gi.Summary = e.summaryText
		gi.ContentHTML = ""
		gi.Author = nil
		updated := e.updated
		gi.ModifiedDate = &updated
		for _, a := range e.it.Authors {
			ja := &feeds.JSONAuthor{Name: firstNonEmpty(a.Name, a.Email), Url: a.URI}
			if ja.Url == "" && a.Email != "" {
				ja.Url = "mailto:" + a.Email
			}
			gi.Authors = append(gi.Authors, ja)
		}
		gi.Tags = e.tags
		ji := &jsonItem{JSONItem: gi, ContentHTML: e.contentHTML}
		gi.Attachments = nil
		for _, enc := range e.it.Enclosures {
			att := jsonAttachment{URL: enc.URL, MIMEType: enc.Type, Size: enc.Length}
			if att.MIMEType == "" {
				att.MIMEType = "application/octet-stream"
			}
			ji.Attachments = append(ji.Attachments, att)
		}
		if len(e.via) > 0 {
			ji.Refeed = &jsonExtension{Sources: e.via}
		}
		out.Items = append(out.Items, ji)
	}
	jf.Items = nil
	return out
}
