package inspect

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// topicPage is the data of /inspect/topic/SLUG.
type topicPage struct {
	page
	Topic    topicRow
	StoreErr string
	Items    []itemView
}

func (h *Handler) topic(w http.ResponseWriter, r *http.Request) {
	cfg := h.config()
	t, ok := publicTopic(cfg, r.PathValue("slug"))
	if !ok {
		h.notFound(w) // a private topic is not told from an unknown one
		return
	}
	p := h.pipeline()
	if p.err != nil {
		h.fail(w, http.StatusInternalServerError, "The configuration's stages could not be built: "+p.err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	pg := topicPage{page: page{Root: "../", Title: t.Name}, Topic: topicRow{
		Name: t.Name, Slug: t.Slug, Href: "topic/" + url.PathEscape(t.Slug),
		Any: t.Match.Any, All: t.Match.All, None: t.Match.None, In: t.In, Sources: t.Sources,
	}}
	if st := h.store(); st == nil {
		pg.StoreErr = errNoStore.Error()
	} else if n, err := st.Count(ctx, t.Slug); err != nil {
		pg.StoreErr = err.Error()
	} else if items, err := st.Feed(ctx, t.Slug, MaxItems); err != nil {
		pg.StoreErr = err.Error()
	} else {
		pg.Topic.Items = n
		pg.Items = storedViews(items, p.matcher, h.now())
	}
	withRoot(pg.Items, pg.Root)
	h.render(w, http.StatusOK, "topic.html", pg)
}
