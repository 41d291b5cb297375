package refresh

import (
	"context"
	"strings"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
)

// fullText replaces the content of an item of a fulltext source by the
// article its link points to: the page is fetched (politely, refusing
// private addresses unless the source allows them), cleaned with the
// site's rules, and its article extracted. Articles, and failures, are
// kept in the store, so each link is fetched once. On any failure the
// feed's own content stays.
func (r *Refresher) fullText(ctx context.Context, it *item.Item, src config.Source) []clean.Removal {
	if !src.Fulltext || r.fulltext == nil || !strings.HasPrefix(it.Link, "http") {
		return nil
	}
	log := r.log.With("source", src.Name, "link", it.Link)
	if r.store != nil {
		ft, ok, err := r.store.FullText(ctx, it.Link)
		if err != nil {
			log.Warn("full text cache", "err", err)
		}
		if ok {
			if ft.Content != "" {
				it.Content = ft.Content
			}
			return nil
		}
	}
	extract := r.extract
	if r.sites != nil {
		extract = r.extractSite
	}
	content, removed, err := extract(ctx, it.Link, src)
	ft := store.FullText{Content: content, Fetched: r.now()}
	if err != nil {
		ft.Error = err.Error()
		log.Info("full text not available, keeping the feed's content", "err", err)
	} else {
		it.Content = content
	}
	if r.store != nil && ctx.Err() == nil {
		if err := r.store.PutFullText(ctx, it.Link, ft); err != nil {
			log.Warn("full text cache", "err", err)
		}
	}
	return removed
}

// extract fetches the page at link and returns its cleaned article.
func (r *Refresher) extract(ctx context.Context, link string, src config.Source) (string, []clean.Removal, error) {
	page, final, err := r.fulltext.Page(ctx, link, src.AllowPrivate)
	if err != nil {
		return "", nil, err
	}
	return Article(r.cleaner, page, final, src.Rules)
}

// Article returns the article of page, a fetched page (UTF-8 HTML, see
// fulltext.Decode) read from pageURL, as the full text of an item of a
// source naming the given rules: the page cleaned with the site's rules
// (clean's Page), then its article extracted (fulltext.Extract). The item
// holding it is cleaned as any item afterwards (clean's Item). It is what
// a fulltext source does with every page it fetches, and what
// cmd/refeed-extract measures.
func Article(c *clean.Cleaner, page []byte, pageURL string, rules []string) (string, []clean.Removal, error) {
	cleaned, removed := c.Page(string(page), pageURL, rules)
	content, err := fulltext.Extract([]byte(cleaned), pageURL)
	if err != nil {
		return "", removed, err
	}
	return content, removed, nil
}
