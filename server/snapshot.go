package server

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/refeed/refeed/publish"
)

// A snapshot is the immutable state requests are served from. Writers
// build a new one and swap it in; nothing in it changes once published.
type snapshot struct {
	baseURL       string
	maxAge        []string // Cache-Control of public feeds
	privateMaxAge []string // Cache-Control of private feeds

	// private holds the access of each document of a private feed, by
	// path as in docs; a document not in it is public.
	private map[string]*Access

	feeds    []*feedEntry    // in index order
	docs     map[string]*doc // by path without the leading slash: "SLUG.rss"
	indexDoc *doc
	opmlDoc  *doc
	notice   failNotice // of the index page (see freshIndex)
}

// A feedEntry is a Feed prepared for serving.
type feedEntry struct {
	slug, title string
	items       int
	updated     time.Time
	docs        map[publish.Format]*doc
	access      *Access // nil: public
}

// clone returns a shallow copy of the snapshot to modify and publish. The
// feeds slice is shared: replace it, do not write into it.
func (s *snapshot) clone() *snapshot {
	c := *s
	return &c
}

// index returns the position of the feed with the slug, or -1.
func (s *snapshot) index(slug string) int {
	for i, e := range s.feeds {
		if e.slug == slug {
			return i
		}
	}
	return -1
}

// entry returns the feed with the slug, or nil.
func (s *snapshot) entry(slug string) *feedEntry {
	if i := s.index(slug); i >= 0 {
		return s.feeds[i]
	}
	return nil
}

// feedURL returns the URL of a feed document under the base URL.
func (s *snapshot) feedURL(slug string, f publish.Format) string {
	return s.baseURL + "/" + url.PathEscape(slug) + f.Ext()
}

// validSlug reports whether a slug can be served as /SLUG.ext.
func validSlug(slug string) bool {
	return slug != "" && !strings.ContainsAny(slug, "/\x00") && slug != "." && slug != ".."
}

// prepareFeed makes the documents of f ready to serve: hashes, gzip,
// headers. Documents identical to those of prev (the feed currently served
// under the same slug, or nil) are reused as they are, date included. It returns nil, and
// logs why, when the feed cannot be served.
func (s *Server) prepareFeed(f Feed, prev *feedEntry, now time.Time) *feedEntry {
	if !validSlug(f.Slug) {
		s.log.Error("feed not served: invalid slug", "slug", f.Slug)
		return nil
	}
	e := &feedEntry{
		slug:    f.Slug,
		title:   strings.TrimSpace(f.Title),
		items:   f.Items,
		updated: f.Updated,
		docs:    make(map[publish.Format]*doc, len(f.Docs)),
		access:  f.Access,
	}
	if e.title == "" {
		e.title = f.Slug
	}
	for format, body := range f.Docs {
		ct := format.ContentType()
		if ct == "" {
			s.log.Error("feed document not served: unknown format", "slug", f.Slug, "format", string(format))
			continue
		}
		var old *doc
		if prev != nil {
			old = prev.docs[format]
		}
		e.docs[format] = s.prepareDoc(body, ct, f.Updated, now, old)
	}
	return e
}

// prepareDoc returns a doc for body, or old when it serves the same bytes:
// its ETag is the same anyway, and keeping it keeps its date, which matters
// when modified is zero. A zero modified date means now, and so does a date
// in the future (RFC 9110 section 8.8.2.1: Last-Modified is never later
// than the response's Date).
func (s *Server) prepareDoc(body []byte, contentType string, modified, now time.Time, old *doc) *doc {
	if old != nil && bytes.Equal(old.body, body) {
		return old
	}
	if modified.IsZero() || modified.After(now) {
		modified = now
	}
	d, err := newDoc(body, contentType, modified)
	if err != nil {
		// Only the gzip encoding failed; the identity one is complete.
		s.log.Error("serving without gzip", "err", err)
	}
	return d
}

// install completes next (document map, index page, OPML document) and
// makes it the served snapshot. The caller holds s.mu.
func (s *Server) install(next *snapshot) {
	prev := s.cur.Load()
	now := s.now()
	next.docs = make(map[string]*doc, len(next.feeds)*len(publish.Formats))
	next.private = nil
	for _, e := range next.feeds {
		for format, d := range e.docs {
			next.docs[e.slug+format.Ext()] = d
			if e.access != nil {
				if next.private == nil {
					next.private = map[string]*Access{}
				}
				next.private[e.slug+format.Ext()] = e.access
			}
		}
	}
	var oldIndex, oldOPML *doc
	if prev != nil {
		oldIndex, oldOPML = prev.indexDoc, prev.opmlDoc
	}
	page, err := s.renderIndex(next)
	if err != nil {
		// The template is fixed and its data plain: this is a bug.
		s.log.Error("rendering the index page", "err", err)
		page = []byte("index page unavailable\n")
	}
	next.indexDoc = s.prepareDoc(page, htmlType[0], time.Time{}, now, oldIndex)

	// The OPML document carries its creation date: keep the previous one,
	// date included, while the list it describes is unchanged.
	created := now
	if oldOPML != nil {
		created = oldOPML.modTime
	}
	list, err := s.renderOPML(next, created)
	if err == nil && oldOPML != nil && !bytes.Equal(oldOPML.body, list) {
		list, err = s.renderOPML(next, now)
	}
	if err != nil {
		s.log.Error("rendering the OPML document", "err", err)
		list = []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\"><head><title>refeed</title></head><body/></opml>\n")
	}
	next.opmlDoc = s.prepareDoc(list, opmlType[0], time.Time{}, now, oldOPML)
	s.cur.Store(next)
}
