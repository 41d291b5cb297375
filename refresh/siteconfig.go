package refresh

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/siteconfig"
)

// loadSiteConfigs reads the site configs of cfg (fulltext.site_configs),
// nil when it names none. The lines it cannot use are logged, each at
// debug level and counted at info level ('refeed check' prints them).
func loadSiteConfigs(cfg *config.Config, log *slog.Logger) (*siteconfig.Set, error) {
	dir := cfg.Fulltext.SiteConfigs
	if dir == "" {
		return nil, nil
	}
	sites, err := siteconfig.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("fulltext.site_configs: %w", err)
	}
	for _, w := range sites.Warnings {
		log.Debug("site config line not used", "line", w.String())
	}
	log.Info("site configs loaded", "dir", dir, "sites", sites.Len(), "warnings", len(sites.Warnings))
	return sites, nil
}

// extractSite fetches the page at link and returns its article as the
// site config of its host (and global.txt) extracts it, with the title,
// authors and date it finds: see fulltext.Fetcher.Article. Every page read
// is cleaned with the site's rules first, as extract does.
func (r *Refresher) extractSite(ctx context.Context, link string, src config.Source) (fulltext.Article, []clean.Removal, error) {
	var removed []clean.Removal
	host := ""
	if u, err := url.Parse(link); err == nil {
		host = u.Hostname()
	}
	art, err := r.fulltext.Article(ctx, link, fulltext.ArticleOptions{
		AllowPrivate: src.AllowPrivate,
		Site:         r.sites.For(host),
		ExtractOptions: fulltext.ExtractOptions{
			Clean: func(page, pageURL string) string {
				cleaned, rm := r.cleaner.Page(page, pageURL, src.Rules)
				removed = append(removed, rm...)
				return cleaned
			},
		},
	})
	removed = append(removed, clean.SiteConfigRemovals(art.Stripped, clean.FieldPage)...)
	if err != nil {
		return art, removed, err
	}
	if art.Fallback != "" {
		r.log.Info("site config does not fit the page, generic extraction used", "source", src.Name, "link", link, "why", art.Fallback)
	}
	if len(art.Pages) > 1 {
		r.log.Debug("article read from several pages", "source", src.Name, "link", link, "pages", len(art.Pages))
	}
	return art, removed, nil
}
