package fetch

import (
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	gofeedrss "github.com/mmcdole/gofeed/rss"
)

// rssTranslator is gofeed's translator of RSS, which refeed extends: an
// item without a link takes the href of its atom:link (of rel alternate,
// or none), else its guid when the guid is a permalink (isPermaLink
// absent, as RSS 2.0 defaults it, or "true") and a web URL. RSS content is not scanned for images (refeed uses no item
// image).
type rssTranslator struct {
	gofeed.DefaultRSSTranslator
}

func newRSSTranslator() *rssTranslator {
	return &rssTranslator{gofeed.DefaultRSSTranslator{DisableContentImageScan: true}}
}

// Translate translates an *rss.Feed of gofeed.
func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultRSSTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	rf, ok := feed.(*gofeedrss.Feed)
	if !ok || len(rf.Items) != len(f.Items) {
		return f, nil // gofeed translates item by item, in order
	}
	for i, ri := range rf.Items {
		if gi := f.Items[i]; ri != nil && gi != nil && gi.Link == "" && len(gi.Links) == 0 {
			gi.Link = atomLink(ri)
			if gi.Link == "" {
				gi.Link = permalink(ri.GUID)
			}
		}
	}
	return f, nil
}

// permalink returns the guid g as a link, or "" when it is none: not a
// permalink or not an absolute http(s) URL.
func permalink(g *gofeedrss.GUID) string {
	if g == nil || !strings.EqualFold(strings.TrimSpace(g.IsPermalink), "true") {
		return ""
	}
	return webURL(g.Value)
}

// webURL returns s trimmed if it is an absolute http(s) URL, else "".
func webURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// atomLink returns the href of the first atom:link of an item of rel
// alternate (or none), or "".
func atomLink(ri *gofeedrss.Item) string {
	for _, e := range ri.Extensions["atom"]["link"] {
		if rel := strings.TrimSpace(e.Attrs["rel"]); rel != "" && rel != "alternate" {
			continue
		}
		if href := strings.TrimSpace(e.Attrs["href"]); href != "" {
			return href
		}
	}
	return ""
}
