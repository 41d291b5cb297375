package server

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/refeed/refeed/publish"
)

// indexHTML is the template of the index page. html/template escapes every
// value for its context (text, attribute, URL).
const indexHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>refeed</title>
{{range .Feeds}}{{$title := .Title}}{{range .Links}}<link rel="alternate" {{.TypeAttr}} title="{{$title}} ({{.Label}})" href="{{.Href}}">
{{end}}{{end}}<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
p { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e2e2e2; vertical-align: top; }
th { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: #666; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #0645ad; }
.formats a + a::before { content: " · "; color: #999; }
time, .none { color: #555; white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  body { color: #ddd; background: #161616; }
  p, th, time, .none { color: #aaa; }
  th, td { border-color: #333; }
  a { color: #8ab4f8; }
}
</style>
</head>
<body>
<h1>refeed</h1>
<p>{{len .Feeds}} {{if eq (len .Feeds) 1}}feed{{else}}feeds{{end}}. Add a feed to your reader, or import them all: <a href="{{.OPML}}" type="text/x-opml">OPML</a>.</p>
<table>
<thead><tr><th>Feed</th><th>Formats</th><th>Items</th><th>Last update</th></tr></thead>
<tbody>
{{range .Feeds}}<tr>
<td>{{.Title}}</td>
<td class="formats">{{range .Links}}<a href="{{.Href}}" {{.TypeAttr}}>{{.Label}}</a>{{end}}</td>
<td class="num">{{.Items}}</td>
<td>{{if .Updated}}<time datetime="{{.UpdatedISO}}">{{.Updated}}</time>{{else}}<span class="none">–</span>{{end}}</td>
</tr>
{{else}}<tr><td colspan="4" class="none">No feeds yet.</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`

// indexPage is the data of the index template.
type indexPage struct {
	OPML  string
	Feeds []indexFeed
}

type indexFeed struct {
	Title      string
	Items      int
	Updated    string // for people; empty when unknown
	UpdatedISO string // RFC 3339
	Links      []indexLink
}

type indexLink struct {
	Label, Href string
	// TypeAttr is the type attribute, written as it is: html/template would
	// write the "+" of "application/rss+xml" as "&#43;", which is valid
	// HTML but defeats feed readers that look for the media type in the
	// raw page. Its value is one of publish's fixed media types.
	TypeAttr template.HTMLAttr
}

// formatLabel names a format on the index page.
func formatLabel(f publish.Format) string {
	switch f {
	case publish.RSS:
		return "RSS"
	case publish.Atom:
		return "Atom"
	case publish.JSON:
		return "JSON Feed"
	}
	return string(f)
}

// renderIndex renders the index page of a snapshot.
func (s *Server) renderIndex(snap *snapshot) ([]byte, error) {
	page := indexPage{OPML: snap.baseURL + "/opml", Feeds: make([]indexFeed, 0, len(snap.feeds))}
	for _, e := range snap.feeds {
		if e.access != nil {
			continue // a private feed is not listed
		}
		f := indexFeed{Title: e.title, Items: e.items}
		if !e.updated.IsZero() {
			u := e.updated.UTC()
			f.Updated = u.Format("2006-01-02 15:04 UTC")
			f.UpdatedISO = u.Format(time.RFC3339)
		}
		for _, format := range publish.Formats {
			if e.docs[format] == nil {
				continue
			}
			f.Links = append(f.Links, indexLink{
				Label:    formatLabel(format),
				TypeAttr: template.HTMLAttr(`type="` + mediaType(format) + `"`),
				Href:     snap.feedURL(e.slug, format),
			})
		}
		page.Feeds = append(page.Feeds, f)
	}
	var buf bytes.Buffer
	if err := s.index.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("index page: %w", err)
	}
	return buf.Bytes(), nil
}

// mediaType is the format's Content-Type without parameters.
func mediaType(f publish.Format) string {
	mt, _, _ := strings.Cut(f.ContentType(), ";")
	return mt
}
