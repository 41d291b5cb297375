// Package inspect serves refeed's inspector: HTML pages, rendered on the
// server and readable without JavaScript, that show what refeed does with
// the configured sources and why.
//
//	/inspect/              every source with its health and stored items, every topic with its terms
//	/inspect/source/NAME   a source's newest items: each as a reader sees it after cleaning, with what
//	                       cleaning removed struck through in place (the rule, and why), and the topics
//	                       it joined with the terms that matched (see topic.Matcher.Explain)
//	/inspect/topic/SLUG    a topic's terms and its newest stored items, with the terms that matched
//	/inspect/try           a draft rule or topic, in YAML, tried on a source's items or a feed URL's
//
// A source's page fetches the source live, as 'refeed preview' does
// (within FetchTimeout, and at most once per LiveTTL for all pages and
// visitors): only the document as sent holds what cleaning removes. When
// the fetch fails, the page says why and shows the items stored instead,
// without removals. Full-text articles are read from the store when it
// has them, else fetched; the inspector writes nothing, anywhere.
//
// The try page parses the draft with the configuration's own parser, as
// part of a file with the configured sources, so that what it accepts is
// what config.yaml accepts, and applies it to the items as if configured:
// a draft rule to the chosen source (replacing a configured rule of the
// same name), a draft topic instead of the configured topics. A feed URL
// given there is fetched as full-text pages are, through
// fulltext.Fetcher.Document: never from a non-public address, within the
// fetch limits, one at a time.
//
// The inspector shows nothing of a private topic (it is neither listed nor
// named in any explanation) and no secret: source URLs are shown as
// internal/redact leaves them. Every value is escaped by html/template.
// The try form is a POST guarded against cross-site requests
// (http.CrossOriginProtection), and every page answers only requests for
// the host of base_url, localhost or an IP address, so that a web page
// cannot read it through a rebound DNS name.
package inspect

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
	"github.com/refeed/refeed/topic"
)

// Limits of the inspector.
const (
	// FetchTimeout bounds a live fetch of a source or of a feed URL, with
	// the full-text articles of its items.
	FetchTimeout = 15 * time.Second
	// LiveTTL is how long the document of a live fetch is reused.
	LiveTTL = time.Minute
	// MaxItems is how many of a feed's newest items a page shows.
	MaxItems = 10
	// MaxDraft bounds the draft of the try page, in bytes.
	MaxDraft = 16 << 10
	// maxForm bounds the try form's body.
	maxForm = 64 << 10
	// tries is how many try pages may fetch at once.
	tries = 2
)

// Options configure a Handler.
type Options struct {
	// Config returns the running configuration; it is called for every
	// request. The inspector answers 404 while its Inspector is false.
	Config func() *config.Config
	// Store returns the store, nil while there is none (not open, or
	// damaged). It is only read.
	Store func() store.Store
	// Log receives the inspector's messages; nil discards them.
	Log *slog.Logger
}

// A Handler serves the inspector's pages. It is safe for concurrent use.
type Handler struct {
	opt     Options
	log     *slog.Logger
	handler http.Handler
	pages   *template.Template
	now     func() time.Time
	// allowPrivate lets the try page fetch feeds from non-public
	// addresses (tests on loopback).
	allowPrivate bool
	trying       chan struct{}

	mu   sync.Mutex
	pipe *pipeline // for the configuration last seen
}

//go:embed templates/*.html
var templateFiles embed.FS

// New returns the inspector's handler, to serve at /inspect/.
func New(opt Options) *Handler {
	h := &Handler{opt: opt, log: opt.Log, now: time.Now, trying: make(chan struct{}, tries)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.pages = template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /inspect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "inspect/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /inspect/{$}", h.overview)
	mux.HandleFunc("GET /inspect/source/{name}", h.source)
	mux.HandleFunc("GET /inspect/topic/{slug}", h.topic)
	mux.HandleFunc("GET /inspect/try", h.tryForm)
	mux.HandleFunc("POST /inspect/try", h.try)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w) })
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, http.StatusForbidden, "Cross-origin request refused: the try form is sent from the inspector's own page.")
	}))
	h.handler = cop.Handler(mux)
	return h
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := h.config()
	if cfg == nil || !cfg.Inspector {
		h.notFound(w)
		return
	}
	if !allowedHost(r.Host, cfg) {
		h.fail(w, http.StatusForbidden, "The inspector answers only for the host of base_url, localhost or an IP address.")
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	h.handler.ServeHTTP(w, r)
}

// config returns the running configuration.
func (h *Handler) config() *config.Config {
	if h.opt.Config == nil {
		return nil
	}
	return h.opt.Config()
}

// store returns the store, or nil.
func (h *Handler) store() store.Store {
	if h.opt.Store == nil {
		return nil
	}
	return h.opt.Store()
}

// allowedHost reports whether a request for host (the Host header) is for
// the inspector: the host of base_url or of an address refeed listens on,
// localhost, or an IP address.
func allowedHost(host string, cfg *config.Config) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.ToLower(strings.TrimSuffix(strings.Trim(name, "[]"), "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") || net.ParseIP(name) != nil {
		return true
	}
	if u, err := url.Parse(cfg.BaseURL); err == nil && strings.EqualFold(u.Hostname(), name) {
		return true
	}
	for _, addr := range []string{cfg.Listen, cfg.AdminListen} {
		if h, _, err := net.SplitHostPort(addr); err == nil && strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// A pipeline is what the pages of one configuration use: the stages as
// the refresh runs them (reading, not writing, the store), the public
// topics' matcher and the fetchers.
type pipeline struct {
	cfg     *config.Config
	ref     *refresh.Refresher // nil when err
	err     error
	matcher *topic.Matcher // the public topics
	client  *fetch.Client
	guarded *fulltext.Fetcher // for feed URLs of the try page
	st      store.Store

	mu   sync.Mutex
	live map[string]*liveFetch // by source name
}

// pipeline returns the pipeline of the running configuration and store.
func (h *Handler) pipeline() *pipeline {
	cfg, st := h.config(), h.store()
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.pipe; p != nil && p.cfg == cfg && p.st == st {
		return p
	}
	p := &pipeline{cfg: cfg, st: st, client: fetch.NewClient(cfg.Fetch), guarded: fulltext.New(cfg.Fetch, h.log), live: map[string]*liveFetch{}}
	p.ref, p.err = newRefresher(cfg, st, h.log)
	if p.err == nil {
		p.matcher, p.err = topic.Compile(publicTopics(cfg.Topics))
	}
	h.pipe = p
	return p
}

// newRefresher returns a refresher of cfg that reads full-text articles
// from st, when not nil, but writes nothing to it.
func newRefresher(cfg *config.Config, st store.Store, log *slog.Logger) (*refresh.Refresher, error) {
	if st == nil {
		return refresh.New(cfg, nil, log)
	}
	return refresh.New(cfg, readOnly{st}, log)
}

// readOnly is a store whose full-text articles are read but never
// written: the one write of processing an item.
type readOnly struct{ store.Store }

func (readOnly) PutFullText(context.Context, string, store.FullText) error { return nil }

// publicTopics returns the topics that are not private.
func publicTopics(ts []config.Topic) []config.Topic {
	var out []config.Topic
	for _, t := range ts {
		if !t.IsPrivate() {
			out = append(out, t)
		}
	}
	return out
}

// publicTopic returns the public topic with the slug.
func publicTopic(cfg *config.Config, slug string) (config.Topic, bool) {
	t, ok := cfg.Topic(slug)
	return t, ok && !t.IsPrivate()
}

// render writes the page tmpl with data.
func (h *Handler) render(w http.ResponseWriter, code int, tmpl string, data any) {
	var b strings.Builder
	if err := h.pages.ExecuteTemplate(&b, tmpl, data); err != nil {
		h.log.Error("inspector: rendering a page", "page", tmpl, "err", err)
		h.fail(w, http.StatusInternalServerError, "The page could not be rendered.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, b.String())
}

// fail writes an error page.
func (h *Handler) fail(w http.ResponseWriter, code int, msg string) {
	var b strings.Builder
	if err := h.pages.ExecuteTemplate(&b, "error.html", errorPage{page: page{Root: "/inspect/", Title: http.StatusText(code)}, Message: msg}); err != nil {
		http.Error(w, msg, code)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, b.String())
}

func (h *Handler) notFound(w http.ResponseWriter) {
	h.fail(w, http.StatusNotFound, "There is no such page, source or topic.")
}

// page is what every page has.
type page struct {
	Root  string // the relative path to /inspect/: "./" or "../"
	Title string
}

type errorPage struct {
	page
	Message string
}

// funcs are the templates' functions.
var funcs = template.FuncMap{
	"join":         strings.Join,
	"draftExample": func() string { return draftExample },
}

// knownRules returns the names of the built-in rules, for parsing drafts.
func knownRules() []string { return clean.PackNames() }
