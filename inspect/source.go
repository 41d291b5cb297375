package inspect

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/topic"
)

// sourcePage is the data of /inspect/source/NAME.
type sourcePage struct {
	page
	Source    sourceRow
	Live      bool   // the items were fetched now (else: stored)
	Fetched   stamp  // when the document was fetched
	FetchErr  string // why it could not be
	StoreErr  string
	FeedTitle string
	Total     int // items in the document
	Items     []itemView
}

// An itemView is one item as a page shows it.
type itemView struct {
	N         int // 1-based, for anchors
	Title     string
	Link      string
	Published stamp
	// Field is the field shown: content, else summary.
	Field string
	// Text is the field's text: with the removals in place when InPlace,
	// else as cleaned.
	Text     []segment
	InPlace  bool
	Replaced bool // the content is the linked article's (full text)
	Stored   bool // the item is the stored one, cleaned: no removals known
	Removals []removalView
	Joined   []reasonView
	KeptOut  []reasonView
}

// A removalView is one removal of an item.
type removalView struct {
	N                      int
	Rule, Field, Text, Why string
	InPlace                bool // shown struck through in the text
	Draft                  bool // made by the try page's draft rule
}

// A reasonView is a topic an item joined, or was kept out of.
type reasonView struct {
	Name, Slug string
	Href       string // relative to /inspect/ (see withRoot)
	Hits       []topic.Hit
}

// withRoot makes the links of items relative to a page whose path to
// /inspect/ is root, and returns items.
func withRoot(items []itemView, root string) []itemView {
	for i := range items {
		for _, rs := range [][]reasonView{items[i].Joined, items[i].KeptOut} {
			for j := range rs {
				if rs[j].Href != "" {
					rs[j].Href = root + rs[j].Href
				}
			}
		}
	}
	return items
}

// A liveFetch is a fetch of a source's document, shared by the pages
// asking for it within LiveTTL.
type liveFetch struct {
	done chan struct{}
	at   time.Time
	feed *fetch.Feed
	err  error
}

func (h *Handler) source(w http.ResponseWriter, r *http.Request) {
	cfg := h.config()
	src, ok := cfg.Source(r.PathValue("name"))
	if !ok {
		h.notFound(w)
		return
	}
	p := h.pipeline()
	if p.err != nil {
		h.fail(w, http.StatusInternalServerError, "The configuration's stages could not be built: "+p.err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), FetchTimeout)
	defer cancel()
	now := h.now()
	states, serr := h.states(ctx)
	pg := sourcePage{page: page{Root: "../", Title: src.Name}, Source: sourceOf(src, states[src.Name], cfg, now)}
	feed, at, err := h.fetchSource(ctx, p, src)
	if err == nil {
		pg.Live, pg.Fetched, pg.FeedTitle, pg.Total = true, stampOf(at, now), feed.Title, len(feed.Items)
		pg.Items = h.process(ctx, p.ref, p.matcher, src, newest(feed.Items), nil)
	} else {
		pg.FetchErr = redact.Text(err.Error(), src.URL, cfg.Fetch.SecretParams)
		if serr != nil {
			pg.StoreErr = serr.Error()
		} else if items, err := h.storedItems(ctx, cfg, src.Name); err != nil {
			pg.StoreErr = err.Error()
		} else {
			pg.Items = storedViews(items, p.matcher, now)
		}
	}
	withRoot(pg.Items, pg.Root)
	h.render(w, http.StatusOK, "source.html", pg)
}

// fetchSource returns the document of src, fetched now or within LiveTTL,
// and when it was fetched.
func (h *Handler) fetchSource(ctx context.Context, p *pipeline, src config.Source) (*fetch.Feed, time.Time, error) {
	p.mu.Lock()
	p.sweep(h.now())
	lf := p.live[src.Name]
	if lf != nil {
		select {
		case <-lf.done:
			if h.now().Sub(lf.at) >= LiveTTL || lf.err != nil && h.now().Sub(lf.at) >= LiveTTL/6 {
				lf = nil
			}
		default: // being fetched
		}
	}
	if lf == nil {
		lf = &liveFetch{done: make(chan struct{})}
		p.live[src.Name] = lf
		go func() {
			// Not the request's context: others may wait for it.
			fctx, cancel := context.WithTimeout(context.Background(), FetchTimeout)
			defer cancel()
			res, err := p.client.Source(fctx, src.Name, src.URL, fetch.State{})
			if err == nil {
				lf.feed = res.Feed
			}
			lf.err, lf.at = err, h.now()
			close(lf.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-lf.done:
		return lf.feed, lf.at, lf.err
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
}

// sweep forgets the documents fetched LiveTTL ago or earlier, so that
// they are not held for long. p.mu is held.
func (p *pipeline) sweep(now time.Time) {
	for name, lf := range p.live {
		select {
		case <-lf.done:
			if now.Sub(lf.at) >= LiveTTL {
				delete(p.live, name)
			}
		default:
		}
	}
}

// newest returns up to MaxItems of items, newest first, as copies that
// processing may change.
func newest(items []item.Item) []item.Item {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b item.Item) int { return cmp.Compare(dateOf(b).UnixNano(), dateOf(a).UnixNano()) })
	out = out[:min(len(out), MaxItems)]
	for i := range out {
		out[i] = cloneItem(out[i])
	}
	return out
}

func dateOf(it item.Item) time.Time {
	if !it.Published.IsZero() {
		return it.Published
	}
	return it.Updated
}

// cloneItem returns a copy of it that shares no slice with it.
func cloneItem(it item.Item) item.Item {
	it.Sources = slices.Clone(it.Sources)
	it.Authors = slices.Clone(it.Authors)
	it.Categories = slices.Clone(it.Categories)
	it.Enclosures = slices.Clone(it.Enclosures)
	it.Topics = slices.Clone(it.Topics)
	return it
}

// process cleans and tags items of src with ref, as a refresh does, and
// explains them with matcher. draft names the try page's draft rules.
func (h *Handler) process(ctx context.Context, ref *refresh.Refresher, matcher *topic.Matcher, src config.Source, items []item.Item, draft map[string]bool) []itemView {
	var out []itemView
	for i := range items {
		it := &items[i]
		field, before := "content", it.Content
		if strings.TrimSpace(before) == "" {
			field, before = "summary", it.Summary
		}
		removals := ref.Process(ctx, it, src)
		after := it.Content
		if field == "summary" {
			after = it.Summary
		}
		v := view(i+1, it, matcher, h.now())
		v.Field = field
		v.Text, v.InPlace = inPlace(before, after, removals, field)
		// A full-text source's content is the linked article: the feed's
		// text is not what it was cleaned from.
		if src.Fulltext && (mostlyAdded(v.Text) || slices.ContainsFunc(removals, func(r clean.Removal) bool { return r.Field == "page" })) {
			v.Replaced, v.InPlace = true, false
			v.Text = []segment{{Kind: kept, Text: visible(after)}}
		}
		shown := map[int]bool{}
		for k, s := range v.Text {
			if s.Kind == removed && s.Removal > 0 {
				shown[s.Removal] = true
				v.Text[k].Draft = draft[s.Rule]
			}
		}
		for j, rm := range removals {
			v.Removals = append(v.Removals, removalView{N: j + 1, Rule: rm.Rule, Field: rm.Field, Text: clean.Excerpt(rm.Text, 200), Why: rm.Detail, InPlace: shown[j+1], Draft: draft[rm.Rule]})
		}
		out = append(out, v)
	}
	return out
}

// view returns the parts of an item's view that need no original: its
// title, link, date and topics.
func view(n int, it *item.Item, matcher *topic.Matcher, now time.Time) itemView {
	v := itemView{N: n, Title: it.Title, Link: it.Link, Published: stampOf(dateOf(*it), now)}
	if v.Title == "" {
		v.Title = "(no title)"
	}
	for _, r := range matcher.Explain(it) {
		rv := reasonView{Name: cmp.Or(r.Name, r.Topic), Href: "topic/" + url.PathEscape(r.Topic), Slug: r.Topic, Hits: r.Hits}
		if r.Joined {
			v.Joined = append(v.Joined, rv)
		} else {
			v.KeptOut = append(v.KeptOut, rv)
		}
	}
	return v
}

// storedItems returns the newest stored items of the source.
func (h *Handler) storedItems(ctx context.Context, cfg *config.Config, name string) ([]item.Item, error) {
	st := h.store()
	if st == nil {
		return nil, errNoStore
	}
	all, err := st.Feed(ctx, config.AllFeed, cfg.Retention.MaxItems)
	if err != nil {
		return nil, err
	}
	var out []item.Item
	for _, it := range all {
		if it.Source == name || slices.Contains(it.Sources, name) {
			out = append(out, it)
		}
		if len(out) == MaxItems {
			break
		}
	}
	return out, nil
}

// storedViews returns the views of stored (cleaned) items.
func storedViews(items []item.Item, matcher *topic.Matcher, now time.Time) []itemView {
	var out []itemView
	for i := range items {
		it := &items[i]
		v := view(i+1, it, matcher, now)
		v.Field, v.Stored = "content", true
		text := it.Content
		if strings.TrimSpace(text) == "" {
			v.Field, text = "summary", it.Summary
		}
		v.Text = []segment{{Kind: kept, Text: visible(text)}}
		out = append(out, v)
	}
	return out
}

// mostlyAdded reports whether more of the text was added than kept: the
// text is not the original's, cleaned.
func mostlyAdded(segs []segment) bool {
	keptLen, addedLen := 0, 0
	for _, s := range segs {
		switch s.Kind {
		case kept:
			keptLen += len(s.Text)
		case added:
			addedLen += len(s.Text)
		}
	}
	return addedLen > keptLen
}
