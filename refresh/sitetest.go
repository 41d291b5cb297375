package refresh

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
)

// A SiteTest is the outcome of one test_url line of a site config: its
// article, as a fulltext source would get it, should hold the texts of the
// test_contains lines after it.
type SiteTest struct {
	File string // the site config's file, such as example.com.txt
	Line int    // the test_url's line
	URL  string
	// Site is the file whose body directive found the article, "" when
	// generic extraction did; Fallback says why, when a body directive
	// found one that did not fit the page (see fulltext.Article).
	Site, Fallback string
	Pages          int      // pages the article was read from
	Missing        []string // test_contains texts the article lacks
	Err            error    // the page could not be read, or held no article
}

// OK reports whether the test passed.
func (t SiteTest) OK() bool { return t.Err == nil && len(t.Missing) == 0 }

// ErrNoSiteConfigs: SiteTests needs fulltext.site_configs.
var ErrNoSiteConfigs = errors.New("no site configs (fulltext.site_configs)")

// SiteTests runs the test_url lines of the site configs named by names
// (a file's name without .txt, or a host, whose file is found as for its
// pages; every file when names is empty): each page is fetched and its
// article extracted and cleaned as for a fulltext source, allowing
// private addresses only with allowPrivate. report is called with each
// outcome, from one goroutine at a time, while at most fetch.concurrency
// run at once; the tests of one host run one after the other.
func (r *Refresher) SiteTests(ctx context.Context, names []string, allowPrivate bool, report func(SiteTest)) error {
	if r.sites == nil {
		return ErrNoSiteConfigs
	}
	files := r.sites.Sites()
	if len(names) > 0 {
		files = nil
		for _, n := range names {
			switch {
			case r.sites.Site(n) != nil:
				files = append(files, strings.ToLower(n))
			case r.sites.Lookup(n) != nil:
				files = append(files, strings.TrimSuffix(r.sites.Lookup(n).Name(), ".txt"))
			default:
				return fmt.Errorf("no site config for %s", n)
			}
		}
		sort.Strings(files)
	}
	f := r.fulltext
	if f == nil {
		f = fulltext.New(r.cfg.Fetch, r.log)
	}
	src := config.Source{Name: "site test", AllowPrivate: allowPrivate}
	var mu sync.Mutex
	sem := make(chan struct{}, max(r.cfg.Fetch.Concurrency, 1))
	var wg sync.WaitGroup
	seen := map[string]bool{}
	for _, name := range files {
		c := r.sites.Site(name)
		if c == nil || seen[name] {
			continue
		}
		seen[name] = true
		for _, tc := range c.Tests {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return ctx.Err()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				res := r.siteTest(ctx, f, src, c.Name(), tc.Line, tc.URL, tc.Contains)
				mu.Lock()
				defer mu.Unlock()
				report(res)
			}()
		}
	}
	wg.Wait()
	return ctx.Err()
}

// siteTest runs one test.
func (r *Refresher) siteTest(ctx context.Context, f *fulltext.Fetcher, src config.Source, file string, line int, link string, contains []string) SiteTest {
	res := SiteTest{File: file, Line: line, URL: link}
	host := ""
	if u, err := url.Parse(link); err == nil {
		host = u.Hostname()
	}
	art, err := f.Article(ctx, link, fulltext.ArticleOptions{
		AllowPrivate: src.AllowPrivate,
		Site:         r.sites.For(host),
		ExtractOptions: fulltext.ExtractOptions{
			Clean: func(page, pageURL string) string {
				cleaned, _ := r.cleaner.Page(page, pageURL, nil)
				return cleaned
			},
		},
	})
	res.Site, res.Fallback, res.Pages = art.Site, art.Fallback, len(art.Pages)
	if err != nil {
		res.Err = err
		return res
	}
	it := item.Item{Link: link, Content: art.Content}
	r.cleaner.Item(&it, nil)
	text := strings.ToLower(plaintext.Text(it.Content))
	for _, want := range contains {
		if !strings.Contains(text, strings.ToLower(plaintext.Collapse(want))) {
			res.Missing = append(res.Missing, want)
		}
	}
	return res
}
