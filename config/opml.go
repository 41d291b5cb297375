package config

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"golang.org/x/net/html/charset"
)

// An opmlFeed is one outline of an OPML file that names a feed.
type opmlFeed struct {
	Title string // the title attribute, else the text attribute
	URL   string // the xmlUrl attribute
}

type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Body    struct {
		Outlines []opmlOutline `xml:"outline"`
	} `xml:"body"`
}

type opmlOutline struct {
	Attrs    []xml.Attr    `xml:",any,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

// attr returns the value of the attribute name, matched regardless of case
// as not every OPML writer spells xmlUrl the same.
func (o opmlOutline) attr(name string) string {
	for _, a := range o.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// readOPML returns the feeds of the OPML file at path, in document order:
// every outline, at any depth, that has an xmlUrl attribute.
func readOPML(path string) ([]opmlFeed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	dec.CharsetReader = charset.NewReaderLabel
	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not an OPML file: %w", path, err)
	}
	var feeds []opmlFeed
	var walk func([]opmlOutline)
	walk = func(outlines []opmlOutline) {
		for _, o := range outlines {
			if u := o.attr("xmlUrl"); u != "" {
				title := o.attr("title")
				if title == "" {
					title = o.attr("text")
				}
				feeds = append(feeds, opmlFeed{Title: title, URL: u})
			}
			walk(o.Outlines)
		}
	}
	walk(doc.Body.Outlines)
	return feeds, nil
}
