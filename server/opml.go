package server

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/refeed/refeed/publish"
)

// OPML 2.0 (http://opml.org/spec2.opml), the subset refeed writes.
type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    opmlHead `xml:"head"`
	Body    opmlBody `xml:"body"`
}

type opmlHead struct {
	Title       string `xml:"title"`
	DateCreated string `xml:"dateCreated"`
	Docs        string `xml:"docs"`
}

type opmlBody struct {
	Outlines []opmlOutline `xml:"outline"`
}

type opmlOutline struct {
	Type    string `xml:"type,attr"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr"`
}

// renderOPML renders the OPML document of a snapshot: one outline per
// public feed, pointing at its RSS document.
func (s *Server) renderOPML(snap *snapshot, created time.Time) ([]byte, error) {
	d := opmlDoc{
		Version: "2.0",
		Head: opmlHead{
			Title:       "refeed",
			DateCreated: created.UTC().Format(http.TimeFormat), // RFC 822 with a 4-digit year
			Docs:        "http://opml.org/spec2.opml",
		},
	}
	for _, e := range snap.feeds {
		if e.docs[publish.RSS] == nil || e.access != nil {
			continue // a private feed is not listed
		}
		d.Body.Outlines = append(d.Body.Outlines, opmlOutline{
			Type:    "rss",
			Text:    e.title,
			Title:   e.title,
			XMLURL:  snap.feedURL(e.slug, publish.RSS),
			HTMLURL: snap.baseURL + "/",
		})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("opml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("opml: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
