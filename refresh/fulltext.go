package refresh

import (
	"context"
	"net/url"
	"strings"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
)

// fullText replaces the content of an item of a fulltext source by the
// article its link points to: the page is fetched (politely, refusing
// private addresses unless the source allows them), cleaned with the
// site's rules, and its article extracted. The title, authors and date
// that the site config of the link's host finds in the page replace the
// feed's (see useArticle). Articles, and failures, are kept in the store
// with the rules they were extracted with (see extractionRules), so each
// link is fetched once while those rules stay the same. On any failure
// the feed's own content stays.
func (r *Refresher) fullText(ctx context.Context, it *item.Item, src config.Source) []clean.Removal {
	if !src.Fulltext || r.fulltext == nil || !strings.HasPrefix(it.Link, "http") {
		return nil
	}
	log := r.log.With("source", src.Name, "link", it.Link)
	rules := r.extractionRules(it.Link)
	if r.store != nil {
		ft, ok, err := r.store.FullText(ctx, it.Link)
		if err != nil {
			log.Warn("full text cache", "err", err)
		}
		if ok && ft.Rules == rules {
			if ft.Content != "" {
				useArticle(it, ft)
			}
			return nil
		}
		if ok {
			log.Debug("full text extracted with other rules, extracting it again")
		}
	}
	extract := r.extract
	if r.sites != nil {
		extract = r.extractSite
	}
	art, removed, err := extract(ctx, it.Link, src)
	ft := store.FullText{Content: art.Content, Fetched: r.now(), Rules: rules}
	if err != nil {
		ft.Content = ""
		ft.Error = err.Error()
		log.Info("full text not available, keeping the feed's content", "err", err)
	} else {
		ft.Title, ft.Authors, ft.Date = art.Title, art.Authors, art.Date
		useArticle(it, ft)
	}
	if r.store != nil && ctx.Err() == nil {
		if err := r.store.PutFullText(ctx, it.Link, ft); err != nil {
			log.Warn("full text cache", "err", err)
		}
	}
	return removed
}

// useArticle gives it the article ft: its content, and the title, authors
// and date its site config found, where it found them (a date only when it
// reads as one, see fetch.ParseDate); the feed's stay where it found
// nothing.
func useArticle(it *item.Item, ft store.FullText) {
	it.Content = ft.Content
	if ft.Title != "" {
		it.Title = ft.Title
	}
	if len(ft.Authors) > 0 {
		it.Authors = make([]item.Author, len(ft.Authors))
		for i, a := range ft.Authors {
			it.Authors[i] = item.Author{Name: a}
		}
	}
	if t, ok := fetch.ParseDate(ft.Date); ok {
		it.Published = t
	}
}

// extractionRules identifies what the article at link is extracted with:
// the version of the extraction (fulltext.Version) and the site config of
// the link's host (its files' names and contents, see
// siteconfig.Config.Digest). An article cached with other rules is stale:
// a site config that was changed, added or removed, or another
// site_configs directory, has the pages of its site extracted again.
func (r *Refresher) extractionRules(link string) string {
	rules := "fulltext " + fulltext.Version
	if r.sites == nil {
		return rules
	}
	host := ""
	if u, err := url.Parse(link); err == nil {
		host = u.Hostname()
	}
	if d := r.sites.For(host).Digest(); d != "" {
		rules += " site " + d
	}
	return rules
}

// extract fetches the page at link and returns its cleaned article.
func (r *Refresher) extract(ctx context.Context, link string, src config.Source) (fulltext.Article, []clean.Removal, error) {
	page, final, err := r.fulltext.Page(ctx, link, src.AllowPrivate)
	if err != nil {
		return fulltext.Article{}, nil, err
	}
	content, removed, err := Article(r.cleaner, page, final, src.Rules)
	return fulltext.Article{Content: content, Pages: []string{final}}, removed, err
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
