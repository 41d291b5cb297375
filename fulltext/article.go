package fulltext

import (
	"bytes"
	"net/url"

	readability "codeberg.org/readeck/go-readability/v2"
)

// parseArticle finds the article of page with go-readability, keeping the
// class attributes that tidy reads, drops the other posts and the page's
// own address that came with it (see dropOtherPosts and dropSelfURL), and
// tidies it.
func parseArticle(page []byte, u *url.URL) (readability.Article, error) {
	p := readability.NewParser()
	p.KeepClasses = true
	a, err := p.Parse(bytes.NewReader(page), u)
	if err != nil || a.Node == nil {
		return a, err
	}
	dropOtherPosts(a.Node, u)
	dropSelfURL(a.Node, u)
	tidy(a.Node)
	return a, nil
}
