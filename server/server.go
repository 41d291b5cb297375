// Package server serves refeed's outputs over HTTP, from memory.
//
// A [Server] is an [http.Handler] for:
//
//	/SLUG.rss, /SLUG.atom, /SLUG.json   the feeds, as rendered by package publish
//	/                                    an HTML index of the feeds, with autodiscovery links
//	/opml                                an OPML 2.0 list of the feeds (RSS format)
//	/healthz                             JSON health of the sources
//	/metrics                             Prometheus metrics
//	/inspect/                            the inspector (Options.Inspector), when given
//
// Only GET and HEAD are allowed (anything else gets 405 with Allow), but
// under /inspect/, whose handler decides; other paths get 404, whatever
// the method.
//
// The index page says when sources fail ("3 of 5 sources are failing",
// naming them, with their errors unless Options.AdminApart keeps the
// sources' state off this server), asking Options.Health at most every
// NoticeInterval.
//
// /healthz answers 503 with status "unavailable" while sources are
// configured but none has ever succeeded, else 200 with status "ok"; with
// no source configured it answers 200, since there is nothing to wait for.
//
// # Serving feeds
//
// Everything that can be computed ahead is computed when feeds are handed to
// the server ([Server.SetFeeds], [Server.UpdateFeed]), not per request: the
// strong ETag (a hash of the body), the gzip encoding of the body (at the
// best compression, kept only when smaller), the Last-Modified date, the
// Content-Length values, the index page and the OPML document. Serving a
// feed is then a map lookup, a few header assignments of preallocated
// values and one write.
//
// Responses carry Content-Type (with charset), ETag, Last-Modified,
// Cache-Control and Vary: Accept-Encoding. Conditional requests are
// evaluated as RFC 9110 says: If-None-Match (a list of tags or "*", weak
// comparison) and, only when If-None-Match is absent, If-Modified-Since;
// either yields 304 Not Modified. A gzip response has its own entity tag
// (the identity tag with a "-gz" suffix, since its bytes differ), and
// If-None-Match accepts either tag of a document.
//
// # Private feeds
//
// A feed with an [Access] is private: it is served only to a request with
// one of its credentials, HTTP basic auth (https://NAME:PASSWORD@host/SLUG.rss)
// or the token in the query (/SLUG.rss?token=TOKEN), checked before
// anything else; a request without one gets 401 with WWW-Authenticate:
// Basic realm="refeed" (404 when the feed has a token only), and nothing of
// the feed: no title, no ETag, no date. A private feed is listed neither
// on the index page nor in the OPML document, and its responses have
// Cache-Control "private, max-age=N", which no shared cache keeps.
//
// Public feeds have Cache-Control "public, max-age=N" with N from
// [Options.MaxAge]; the index and the OPML document have "no-cache" (they
// are revalidated with their ETag); /healthz has "no-store".
//
// # Concurrency
//
// The served set is an immutable snapshot behind an atomic pointer. Writers
// (SetFeeds, UpdateFeed, SetMaxAge, SetBaseURL) build a new snapshot
// (copy-on-write) and swap it in, so requests never take a lock and always
// see one consistent set: a body with its own ETag, and an index matching
// the feeds.
package server

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/publish"
)

// DefaultMaxAge is the Cache-Control max-age of feeds when Options.MaxAge
// is not positive.
const DefaultMaxAge = 5 * time.Minute

// A Feed is one published feed (a topic, or "all") with its rendered
// documents.
//
// The server keeps the Docs byte slices without copying them: callers must
// not modify them afterwards (publish.Render returns a fresh slice each
// time, which is fine).
type Feed struct {
	// Slug names the feed; it is served at /SLUG.rss, /SLUG.atom and
	// /SLUG.json. It must not be empty nor contain a slash.
	Slug string
	// Title is shown on the index page and in the OPML document; the slug
	// is used when it is empty.
	Title string
	// Items is the number of items in the feed.
	Items int
	// Updated is the date of the newest item. It is the Last-Modified date
	// of the feed's documents; when zero or in the future, the time the
	// documents were first handed to the server is used instead. A document
	// handed over again with the same bytes keeps its ETag and date.
	Updated time.Time
	// Docs holds the rendered documents by format (publish.Render output).
	// A format missing here is not served (404).
	Docs map[publish.Format][]byte
	// Access, when not nil, makes the feed private: it is served only to
	// requests with one of its credentials, with Cache-Control "private",
	// and is listed neither on the index page nor in the OPML document.
	Access *Access
}

// SourceHealth is the state of one source, as reported by /healthz.
type SourceHealth struct {
	Name        string
	URL         string
	LastSuccess time.Time // zero: never succeeded
	LastAttempt time.Time // zero: never tried
	NextRun     time.Time // zero: unknown
	LastError   string    // of the last attempt; empty when it succeeded
	Failures    int       // consecutive failures
}

// Options configure a Server. Every field is optional.
type Options struct {
	// BaseURL is where the server is reached, without a trailing slash, as
	// in "http://localhost:8080"; it prefixes the links of the index page
	// and the OPML document. When empty, links are relative to the root.
	BaseURL string
	// Log receives the server's messages; nil discards them.
	Log *slog.Logger
	// Metrics counts the requests. When nil, New creates one on Registry
	// (or on a registry of its own when Registry is nil too).
	Metrics *metrics.Metrics
	// Registry is served at /metrics. When nil, /metrics serves the
	// registry of the Metrics New creates, or 404 when Metrics was given.
	Registry *prometheus.Registry
	// Health returns the state of every configured source; it is called
	// for each /healthz request and must be safe for concurrent use. When
	// nil, there are no sources.
	Health func() []SourceHealth
	// Alerts returns the state of the alert deliveries, reported by
	// /healthz as "alerts" (encoded as JSON); it does not change the
	// status. When nil, /healthz has no alerts.
	Alerts func() any
	// StoreError reports why the store is unavailable (damaged, or not
	// open yet), nil when it is not; it is called for each /healthz
	// request and must be safe for concurrent use. While it returns an
	// error, /healthz answers 503 with the error. When nil, the store is
	// taken as available.
	StoreError func() error
	// Cluster returns the instance's part in a cluster, reported by
	// /healthz as "cluster" (encoded as JSON), and a problem that makes
	// it unavailable (503, the problem as "error"), nil when there is
	// none. When nil, /healthz has no cluster.
	Cluster func() (any, error)
	// MaxAge is the Cache-Control max-age of the feeds; DefaultMaxAge when
	// not positive. It is rounded to whole seconds.
	MaxAge time.Duration
	// AdminApart moves /healthz and /metrics, which show the sources'
	// state, from the server's handler to Admin's, to be served on an
	// address of their own (admin_listen): the feeds can then be public
	// while operations stay on loopback.
	AdminApart bool
	// Inspector, when not nil, serves /inspect and every path under
	// /inspect/, whatever the method, where /healthz is served: on Admin's
	// handler with AdminApart, else on the server's.
	Inspector http.Handler
}

// A Server serves refeed's outputs. Create it with New; it is safe for
// concurrent use.
type Server struct {
	log        *slog.Logger
	health     func() []SourceHealth
	alerts     func() any
	storeError func() error
	cluster    func() (any, error)
	promhttp   http.Handler // nil: no /metrics
	apart      bool         // /healthz and /metrics only on Admin's handler
	inspector  http.Handler // nil: no /inspect/
	index      *template.Template
	now        func() time.Time
	instr      [numHandlers]handlerInstr

	// noticeMu is held while the index's notice of failing sources is
	// made; noticeAt is when it was last made, in Unix nanoseconds.
	noticeMu sync.Mutex
	noticeAt atomic.Int64

	mu  sync.Mutex // serialises writers; readers only Load cur
	cur atomic.Pointer[snapshot]
}

// New returns a server serving no feeds yet (the index is empty and every
// feed path is 404) until SetFeeds or UpdateFeed is called.
func New(opt Options) *Server {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg, m := opt.Registry, opt.Metrics
	if m == nil {
		if reg == nil {
			reg = prometheus.NewRegistry()
		}
		m = metrics.New(reg)
	}
	s := &Server{
		log:        log,
		health:     opt.Health,
		alerts:     opt.Alerts,
		storeError: opt.StoreError,
		cluster:    opt.Cluster,
		apart:      opt.AdminApart,
		inspector:  opt.Inspector,
		index:      template.Must(template.New("index").Parse(indexHTML)),
		now:        time.Now,
	}
	if reg != nil {
		s.promhttp = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
			ErrorLog:            promLogger{log},
			ErrorHandling:       promhttp.ContinueOnError,
			MaxRequestsInFlight: 4,
			Timeout:             10 * time.Second,
		})
	}
	s.initInstr(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.install(&snapshot{
		baseURL:       strings.TrimRight(opt.BaseURL, "/"),
		maxAge:        cacheControl("public", opt.MaxAge),
		privateMaxAge: cacheControl("private", opt.MaxAge),
		docs:          map[string]*doc{},
	})
	return s
}

// HTTPServer returns an http.Server listening on addr with s as its handler
// and timeouts suited to a public server: 5 s to read the request headers,
// 10 s for the whole request, 30 s to write the response, 120 s for idle
// keep-alive connections, and 64 KiB of request headers at most. Its error
// log goes to the server's logger.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// SetFeeds replaces the whole set of served feeds: feeds not in the list
// stop being served. The index lists the feeds in the given order. A feed
// with an invalid slug is logged and left out; of two feeds with the same
// slug, the later one wins.
func (s *Server) SetFeeds(feeds []Feed) {
	prev := s.cur.Load()
	now := s.now()
	entries := make([]*feedEntry, 0, len(feeds))
	pos := make(map[string]int, len(feeds))
	for _, f := range feeds {
		e := s.prepareFeed(f, prev.entry(f.Slug), now)
		if e == nil {
			continue
		}
		if i, dup := pos[f.Slug]; dup {
			s.log.Warn("duplicate feed slug; the later one is served", "slug", f.Slug)
			entries[i] = e
			continue
		}
		pos[f.Slug] = len(entries)
		entries = append(entries, e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur.Load().clone()
	next.feeds = entries
	s.install(next)
	s.log.Debug("feeds set", "feeds", len(entries))
}

// UpdateFeed replaces the feed with the same slug, or adds it after the
// others. A feed with an invalid slug is logged and ignored.
func (s *Server) UpdateFeed(f Feed) {
	e := s.prepareFeed(f, s.cur.Load().entry(f.Slug), s.now())
	if e == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur.Load().clone()
	next.feeds = append([]*feedEntry(nil), next.feeds...)
	if i := next.index(f.Slug); i >= 0 {
		next.feeds[i] = e
	} else {
		next.feeds = append(next.feeds, e)
	}
	s.install(next)
	s.log.Debug("feed updated", "slug", f.Slug, "items", f.Items)
}

// SetMaxAge changes the Cache-Control max-age of the feeds (DefaultMaxAge
// when not positive), as after a configuration reload changed the
// schedules.
func (s *Server) SetMaxAge(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur.Load().clone()
	next.maxAge = cacheControl("public", d)
	next.privateMaxAge = cacheControl("private", d)
	s.install(next)
}

// SetBaseURL changes the base URL of the links of the index page and the
// OPML document, as after a configuration reload changed it. The feeds
// themselves carry the base URL they were rendered with.
func (s *Server) SetBaseURL(baseURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur.Load().clone()
	next.baseURL = strings.TrimRight(baseURL, "/")
	s.install(next)
}

// ServeHTTP serves one request: a feed, the index page, the OPML document
// and, unless Options.AdminApart is set, /healthz and /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r, true, !s.apart) }

// Admin returns the handler of the operations endpoints, /healthz and
// /metrics, alone: every other path is 404. With Options.AdminApart, it is
// the only handler serving them.
func (s *Server) Admin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, false, true) })
}

// serve serves one request, of the feeds and pages when public is set, of
// the operations endpoints when admin is.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, public, admin bool) {
	start := time.Now()
	snap := s.cur.Load()
	var h handlerID
	var d *doc
	switch path := r.URL.Path; path {
	case "/":
		snap = s.freshIndex(snap)
		h, d = hIndex, snap.indexDoc
	case "/opml":
		h, d = hOPML, snap.opmlDoc
	case "/healthz":
		h = hHealthz
	case "/metrics":
		h = hMetrics
		if s.promhttp == nil {
			h = hOther
		}
	default:
		h = hOther
		if s.inspector != nil && (path == "/inspect" || strings.HasPrefix(path, "/inspect/")) {
			h = hInspect
		} else if len(path) > 1 && path[0] == '/' {
			if d = snap.docs[path[1:]]; d != nil {
				h = hFeed
			}
		}
	}
	if isAdmin := h == hHealthz || h == hMetrics || h == hInspect; isAdmin && !admin || !isAdmin && !public {
		h = hOther
	}
	// A private feed's credentials are checked first: without them,
	// nothing of the feed is told, not even which methods it allows.
	maxAge := snap.maxAge
	var access *Access
	if h == hFeed && len(snap.private) > 0 {
		if access = snap.private[r.URL.Path[1:]]; access != nil {
			maxAge = snap.privateMaxAge
		}
	}
	var code int
	switch {
	case access != nil && !access.allows(r):
		code = access.deny(w)
	case h == hOther:
		code = plainError(w, http.StatusNotFound)
	case h == hInspect:
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		s.inspector.ServeHTTP(sw, r)
		code = sw.code
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header()["Allow"] = allowGetHead
		code = plainError(w, http.StatusMethodNotAllowed)
	case h == hHealthz:
		code = s.serveHealth(w, r)
	case h == hMetrics:
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		s.promhttp.ServeHTTP(sw, r)
		code = sw.code
	case h == hFeed:
		code = d.serve(w, r, maxAge)
	case h == hIndex:
		w.Header()["Content-Security-Policy"] = indexCSP
		code = d.serve(w, r, noCache)
	default:
		code = d.serve(w, r, noCache)
	}
	s.instr[h].observe(code, time.Since(start))
}

// Preallocated header values. They are shared by every response, and net/http
// only reads them; each has len == cap, so that a Header.Add by a wrapping
// handler copies rather than writes into them.
var (
	allowGetHead = []string{"GET, HEAD"}
	noCache      = []string{"no-cache"}
	noStore      = []string{"no-store"}
	nosniff      = []string{"nosniff"}
	varyAE       = []string{"Accept-Encoding"}
	gzipEnc      = []string{"gzip"}
	textPlain    = []string{"text/plain; charset=utf-8"}
	htmlType     = []string{"text/html; charset=utf-8"}
	jsonType     = []string{"application/json; charset=utf-8"}
	opmlType     = []string{"text/x-opml; charset=utf-8"}
	indexCSP     = []string{"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
)

// cacheControl returns the Cache-Control value of feeds for max-age d:
// scope "public" for public feeds, "private" for private ones (which a
// shared cache must not keep: it would serve them to anyone).
func cacheControl(scope string, d time.Duration) []string {
	if d <= 0 {
		d = DefaultMaxAge
	}
	secs := int64((d + time.Second/2) / time.Second)
	return []string{scope + ", max-age=" + strconv.FormatInt(max(secs, 1), 10)}
}

// plainError writes a short plain-text error response and returns its code.
func plainError(w http.ResponseWriter, code int) int {
	h := w.Header()
	h["Content-Type"] = textPlain
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(code)
	fmt.Fprintf(w, "%d %s\n", code, http.StatusText(code))
	return code
}

// statusWriter records the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// promLogger adapts slog to promhttp's Logger.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("serving metrics", "err", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// handlerID is the handler label of a request.
type handlerID int

const (
	hFeed handlerID = iota
	hIndex
	hOPML
	hHealthz
	hMetrics
	hInspect
	hOther
	numHandlers
)

var handlerNames = [numHandlers]string{
	hFeed:    metrics.HandlerFeed,
	hIndex:   metrics.HandlerIndex,
	hOPML:    metrics.HandlerOPML,
	hHealthz: metrics.HandlerHealthz,
	hMetrics: metrics.HandlerMetrics,
	hInspect: metrics.HandlerInspect,
	hOther:   metrics.HandlerOther,
}

// handlerInstr holds the resolved metrics of one handler, so that counting
// a request does not look up label values.
type handlerInstr struct {
	name     string
	requests *prometheus.CounterVec
	byCode   map[int]prometheus.Counter // read-only after New
	duration prometheus.Observer
}

// initInstr resolves the series of every handler and of the status codes
// it usually answers with; these series are exported from the start, at 0.
func (s *Server) initInstr(m *metrics.Metrics) {
	codes := [numHandlers][]int{
		hFeed:    {200, 304, 401, 405},
		hIndex:   {200, 304, 405},
		hOPML:    {200, 304, 405},
		hHealthz: {200, 503, 405},
		hMetrics: {200, 405},
		hInspect: {200, 303, 400, 403, 404, 405},
		hOther:   {404},
	}
	for h := range numHandlers {
		name := handlerNames[h]
		hi := handlerInstr{
			name:     name,
			requests: m.HTTPRequests,
			byCode:   map[int]prometheus.Counter{},
			duration: m.HTTPDuration.WithLabelValues(name),
		}
		for _, c := range codes[h] {
			hi.byCode[c] = m.HTTPRequests.WithLabelValues(name, strconv.Itoa(c))
		}
		s.instr[h] = hi
	}
}

func (hi *handlerInstr) observe(code int, took time.Duration) {
	c := hi.byCode[code]
	if c == nil {
		c = hi.requests.WithLabelValues(hi.name, strconv.Itoa(code))
	}
	c.Inc()
	hi.duration.Observe(took.Seconds())
}
