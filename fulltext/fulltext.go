// Package fulltext fetches the article pages that feed items link to and
// extracts their article, for sources whose feeds carry only a teaser.
//
// Item links come from third-party feeds, so a Fetcher refuses to connect
// to loopback, private, link-local, unspecified and multicast addresses
// unless told otherwise: it checks every address it dials, after name
// resolution and on every redirect, so neither a redirect nor a name that
// resolves (or re-resolves) to an internal address gets through. It is
// polite to sites: one request at a time per host, and a pause between
// them. The pipeline is
//
//	page, final, err := fetcher.Page(ctx, it.Link, src.AllowPrivate)
//	page, removed := cleaner.Page(string(page), final, src.Rules)  // package clean
//	content, err := fulltext.Extract([]byte(page), final)
//	it.Content = content; cleaner.Item(it, src.Rules)
package fulltext

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/refeed/refeed/config"
)

// Errors a Fetcher returns, wrapped with the URL and context.
var (
	// ErrPrivateAddress: the link, a redirect or a name resolved to an
	// address that is not public, and private addresses are not allowed.
	ErrPrivateAddress = errors.New("address is not public")
	// ErrTooLarge: the page is larger than the max_body limit.
	ErrTooLarge = errors.New("page exceeds max_body")
	// ErrNotHTML: the link does not lead to an HTML page.
	ErrNotHTML = errors.New("not an HTML page")
	// ErrNoArticle: Extract found no article in the page.
	ErrNoArticle = errors.New("no article found")
)

// Version changes whenever extraction changes what it makes of the same
// page, so that articles cached before are extracted again.
const Version = "2"

// MaxRedirects is how many redirects a Fetcher follows.
const MaxRedirects = 5

// defaultMaxBody limits pages when the configuration sets no limit.
const defaultMaxBody = 20 << 20

// DefaultMinInterval is the least time between the starts of two requests
// to one host.
const DefaultMinInterval = time.Second

// A Fetcher fetches article pages within the fetch limits of the
// configuration. It is safe for concurrent use.
type Fetcher struct {
	public    *http.Client // refuses non-public addresses
	private   *http.Client // for sources with allow_private
	userAgent string
	maxBody   int64
	log       *slog.Logger
	// blocked reports whether an address may not be dialled without
	// allowPrivate; tests replace it.
	blocked func(netip.AddrPort) bool

	mu          sync.Mutex
	minInterval time.Duration
	hosts       map[string]*hostGate
}

// A hostGate serializes the requests to one host and spaces them.
type hostGate struct {
	sem  chan struct{} // holds one token while a request runs
	next time.Time     // earliest start of the next request; guarded by sem
	refs int           // users; guarded by Fetcher.mu
}

// New returns a Fetcher with the timeout, body limit and User-Agent of
// cfg, and its own HTTP clients. log may be nil.
func New(cfg config.Fetch, log *slog.Logger) *Fetcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Fetcher{
		userAgent:   cfg.UserAgent,
		maxBody:     int64(cfg.MaxBody),
		log:         log,
		blocked:     func(ap netip.AddrPort) bool { return notPublic(ap.Addr()) },
		minInterval: DefaultMinInterval,
		hosts:       map[string]*hostGate{},
	}
	if f.maxBody <= 0 {
		f.maxBody = defaultMaxBody
	}
	f.public = f.newClient(cfg.Timeout, true)
	f.private = f.newClient(cfg.Timeout, false)
	return f
}

// SetMinInterval sets the least time between the starts of two requests
// to one host (DefaultMinInterval by default; 0 for none).
func (f *Fetcher) SetMinInterval(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.minInterval = d
}

func (f *Fetcher) newClient(timeout time.Duration, publicOnly bool) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	var proxy func(*http.Request) (*url.URL, error)
	if publicOnly {
		// Checked where it matters: on the address actually dialled,
		// after resolution, for every connection and redirect. No proxy,
		// which would hide the destination.
		dialer.ControlContext = func(_ context.Context, network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, ErrPrivateAddress)
			}
			if f.blocked(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())) {
				return fmt.Errorf("dial %s: %w", address, ErrPrivateAddress)
			}
			return nil
		}
	} else {
		proxy = http.ProxyFromEnvironment
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := &http.Transport{
		Proxy:                 proxy,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("more than %d redirects", MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s: unsupported scheme", req.URL.Redacted())
			}
			if publicOnly {
				if err := f.checkLiteral(req.URL); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// notPublic reports whether a is loopback, private (RFC 1918, RFC 4193),
// link-local, unspecified, multicast, or in the shared address space of
// carrier-grade NAT.
func notPublic(a netip.Addr) bool {
	return !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() ||
		a.IsUnspecified() || cgnat.Contains(a) || thisNetwork.Contains(a)
}

var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// checkLiteral refuses a URL whose host is a literal non-public address,
// before any connection (the dialer checks resolved names).
func (f *Fetcher) checkLiteral(u *url.URL) error {
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil // a name: checked when dialled
	}
	port := uint16(80)
	if u.Scheme == "https" {
		port = 443
	}
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		port = uint16(p)
	}
	if f.blocked(netip.AddrPortFrom(a.Unmap(), port)) {
		return fmt.Errorf("%s: %w", u.Redacted(), ErrPrivateAddress)
	}
	return nil
}

// Page fetches the page at link and returns it as UTF-8 HTML with the URL
// it was finally read from (after redirects). Unless allowPrivate is set,
// it refuses links, redirects and names that lead to addresses that are
// not public (ErrPrivateAddress). It waits its turn for link's host (one
// request at a time, spaced by the minimum interval), follows at most
// MaxRedirects redirects, and fails on HTTP errors, pages that are not
// HTML (ErrNotHTML) and pages larger than max_body (ErrTooLarge).
func (f *Fetcher) Page(ctx context.Context, link string, allowPrivate bool) (html []byte, finalURL string, err error) {
	return f.PageWithHeader(ctx, link, allowPrivate, nil)
}

// PageWithHeader is Page, also sending the fields of header, which replace
// the Fetcher's own User-Agent and Accept (a site config's http_header).
func (f *Fetcher) PageWithHeader(ctx context.Context, link string, allowPrivate bool, header http.Header) (html []byte, finalURL string, err error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return nil, "", fmt.Errorf("fulltext: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, "", fmt.Errorf("fulltext: %s: not an http(s) URL", u.Redacted())
	}
	client := f.private
	if !allowPrivate {
		client = f.public
		if err := f.checkLiteral(u); err != nil {
			return nil, "", fmt.Errorf("fulltext: %w", err)
		}
	}
	release, err := f.wait(ctx, strings.ToLower(u.Host))
	if err != nil {
		return nil, "", fmt.Errorf("fulltext: %s: %w", u.Redacted(), err)
	}
	defer release()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("fulltext: %w", err)
	}
	if f.userAgent != "" {
		req.Header.Set("User-Agent", f.userAgent)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	for k, v := range header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fulltext: %w", err)
	}
	defer resp.Body.Close()
	finalURL = resp.Request.URL.String()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, finalURL, fmt.Errorf("fulltext: %s: status %s", resp.Request.URL.Redacted(), resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return nil, finalURL, fmt.Errorf("fulltext: %s: %w", resp.Request.URL.Redacted(), err)
	}
	if int64(len(raw)) > f.maxBody {
		return nil, finalURL, fmt.Errorf("fulltext: %s: %w (%d bytes)", resp.Request.URL.Redacted(), ErrTooLarge, f.maxBody)
	}
	ct := resp.Header.Get("Content-Type")
	if !isHTML(ct, raw) {
		return nil, finalURL, fmt.Errorf("fulltext: %s: %w (%s)", resp.Request.URL.Redacted(), ErrNotHTML, ct)
	}
	page, err := Decode(raw, ct)
	if err != nil {
		return nil, finalURL, fmt.Errorf("fulltext: %s: %w", resp.Request.URL.Redacted(), err)
	}
	f.log.Debug("fetched article page", "url", finalURL, "bytes", len(raw), "duration", time.Since(start))
	return page, finalURL, nil
}

// isHTML reports whether a response with content type ct and body starts
// as body is an HTML page.
func isHTML(ct string, body []byte) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// wait takes host's turn: it returns when no other request to host runs
// and the minimum interval since the last one has passed, with the
// function that ends the turn.
func (f *Fetcher) wait(ctx context.Context, host string) (release func(), err error) {
	f.mu.Lock()
	g := f.hosts[host]
	if g == nil {
		if len(f.hosts) >= maxIdleGates {
			f.sweep()
		}
		g = &hostGate{sem: make(chan struct{}, 1)}
		f.hosts[host] = g
	}
	g.refs++
	interval := f.minInterval
	f.mu.Unlock()
	done := func() {
		f.mu.Lock()
		g.refs--
		f.mu.Unlock()
	}
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
	if d := time.Until(g.next); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-g.sem
			done()
			return nil, ctx.Err()
		}
	}
	g.next = time.Now().Add(interval)
	return func() {
		<-g.sem
		done()
	}, nil
}

// maxIdleGates bounds the hosts remembered between requests.
const maxIdleGates = 256

// sweep forgets the hosts no request uses or waits for and whose interval
// has passed. f.mu is held. A gate without users is not touched by anyone
// else, so its next time can be read.
func (f *Fetcher) sweep() {
	now := time.Now()
	for h, g := range f.hosts {
		if g.refs == 0 && now.After(g.next) {
			delete(f.hosts, h)
		}
	}
}

// Extract returns the article of an HTML page as HTML, found with
// go-readability (a port of Mozilla's Readability). pageURL makes its
// links and images absolute. Clean the page first (clean's Page) and the
// result afterwards (clean's Item): Extract removes layout, not appeals.
func Extract(page []byte, pageURL string) (content string, err error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return "", fmt.Errorf("fulltext: extract: %w", err)
	}
	article, err := parseArticle(page, u)
	if err != nil {
		return "", fmt.Errorf("fulltext: extract %s: %w", u.Redacted(), err)
	}
	if article.Node == nil {
		return "", fmt.Errorf("fulltext: extract %s: %w", u.Redacted(), ErrNoArticle)
	}
	var b strings.Builder
	if err := article.RenderHTML(&b); err != nil {
		return "", fmt.Errorf("fulltext: extract %s: %w", u.Redacted(), err)
	}
	content = strings.TrimSpace(b.String())
	if content == "" {
		return "", fmt.Errorf("fulltext: extract %s: %w", u.Redacted(), ErrNoArticle)
	}
	return content, nil
}
