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
.notice { border: 1px solid #d9a400; background: #fff8e1; padding: .6rem 1rem; margin: 1rem 0; border-radius: 4px; }
.notice p { color: #222; margin: 0; }
.notice ul { margin: .4rem 0 0; padding-left: 1.2rem; }
.fails { color: #555; }
@media (prefers-color-scheme: dark) {
  body { color: #ddd; background: #161616; }
  p, th, time, .none { color: #aaa; }
  th, td { border-color: #333; }
  a { color: #8ab4f8; }
  .notice { background: #2b2310; border-color: #8a6d00; }
  .notice p { color: #eee; }
  .fails { color: #aaa; }
}
</style>
</head>
<body>
<h1>refeed</h1>
{{with .Notice}}{{if .Failing}}<div class="notice" role="status">
<p><strong>{{.Headline}}</strong>{{if .AllFailing}}: no source was ever fetched, so the feeds are empty{{end}}.</p>
<ul>
{{range .Sources}}<li>{{.Name}}{{if .Error}}: {{.Error}}{{end}} <span class="fails">({{.Failures}} {{if eq .Failures 1}}failure{{else}}failures in a row{{end}})</span></li>
{{end}}{{if .More}}<li>and {{.More}} more</li>
{{end}}</ul>
</div>
{{end}}{{end}}<p>{{len .Feeds}} {{if eq (len .Feeds) 1}}feed{{else}}feeds{{end}}. Add a feed to your reader, or import them all: <a href="{{.OPML}}" type="text/x-opml">OPML</a>.</p>
<table>
<thead><tr><th>Feed</th><th>Formats</th><th>Items</th><th>Last update</th></tr></thead>
<tbody>
{{range .Feeds}}<tr>
<td>{{if .Href}}<a href="{{.Href}}" {{.TypeAttr}}>{{.Title}}</a>{{else}}{{.Title}}{{end}}</td>
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
	OPML   string
	Notice failNotice // of failing sources; says nothing when zero
	Feeds  []indexFeed
}

type indexFeed struct {
	Title      string
	Items      int
	Updated    string // for people; empty when unknown
	UpdatedISO string // RFC 3339
	Links      []indexLink
	// Href and TypeAttr are those of the feed's first format, which its
	// title links to.
	Href     string
	TypeAttr template.HTMLAttr
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
	page := indexPage{OPML: snap.baseURL + "/opml", Notice: snap.notice, Feeds: make([]indexFeed, 0, len(snap.feeds))}
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
		if len(f.Links) > 0 {
			f.Href, f.TypeAttr = f.Links[0].Href, f.Links[0].TypeAttr
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
