package fulltext

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// feedAccept is the Accept header of Document.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

// Document fetches the document at link as Page fetches a page, with the
// same guard and limits (unless allowPrivate is set, no link, redirect or
// name leading to an address that is not public; at most MaxRedirects
// redirects; the timeout; max_body; one request at a time per host,
// spaced), but of any type and as it was sent: for a feed named by someone
// other than the configuration's author, such as a visitor of the
// inspector's try page. It returns the body, its Content-Type and the URL
// it was finally read from.
func (f *Fetcher) Document(ctx context.Context, link string, allowPrivate bool) (body []byte, contentType, finalURL string, err error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return nil, "", "", fmt.Errorf("fetch: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, "", "", fmt.Errorf("fetch %s: not an http(s) URL", u.Redacted())
	}
	client := f.private
	if !allowPrivate {
		client = f.public
		if err := f.checkLiteral(u); err != nil {
			return nil, "", "", fmt.Errorf("fetch: %w", err)
		}
	}
	release, err := f.wait(ctx, strings.ToLower(u.Host))
	if err != nil {
		return nil, "", "", fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", "", fmt.Errorf("fetch: %w", err)
	}
	if f.userAgent != "" {
		req.Header.Set("User-Agent", f.userAgent)
	}
	req.Header.Set("Accept", feedAccept)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", "", fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	finalURL = resp.Request.URL.String()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", finalURL, fmt.Errorf("fetch %s: status %s", resp.Request.URL.Redacted(), resp.Status)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return nil, "", finalURL, fmt.Errorf("fetch %s: %w", resp.Request.URL.Redacted(), err)
	}
	if int64(len(body)) > f.maxBody {
		return nil, "", finalURL, fmt.Errorf("fetch %s: %w (%d bytes)", resp.Request.URL.Redacted(), ErrTooLarge, f.maxBody)
	}
	return body, resp.Header.Get("Content-Type"), finalURL, nil
}
