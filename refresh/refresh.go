// Package refresh runs refeed's pipeline: it fetches a source, cleans and
// tags its items, stores them, and publishes the feeds that changed. It is
// the one place that knows the order of the stages.
package refresh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/siteconfig"
	"github.com/refeed/refeed/store"
	"github.com/refeed/refeed/topic"
	"github.com/refeed/refeed/websub"
)

// Backoff bounds: the delay after the first failure, and the longest.
const (
	BackoffBase = time.Minute
	BackoffMax  = 6 * time.Hour
)

// A Refresher runs the pipeline for one configuration.
type Refresher struct {
	cfg     *config.Config
	client  *fetch.Client
	limiter *fetch.Limiter
	// storing holds a slot for each source waiting for its items to be
	// stored: as many as fetches may run at once.
	storing chan struct{}
	cleaner *clean.Cleaner
	matcher *topic.Matcher
	// fulltext fetches the articles of fulltext sources; nil when no
	// source is one.
	fulltext *fulltext.Fetcher
	sites    *siteconfig.Set // fulltext.site_configs; nil for none
	store    store.Store
	log      *slog.Logger
	metrics  *metrics.Metrics // nil: none
	now      func() time.Time

	// publisher writes the public feeds' files under publish.PublicDir,
	// private the private topics' files under publish.PrivateDir.
	publisher *publish.Publisher
	private   *publish.Publisher

	// keep, when set, is given the feeds Publish rendered (see SetKeeper).
	keep func(ctx context.Context, feeds []Rendered) error

	mu        sync.Mutex
	lastPrune time.Time // when retention last ran
}

// New returns a refresher for cfg storing into st.
func New(cfg *config.Config, st store.Store, log *slog.Logger) (*Refresher, error) {
	sites, err := loadSiteConfigs(cfg, log)
	if err != nil {
		return nil, err
	}
	cleaner, err := clean.NewWithOptions(cfg.Rules, clean.Options{TrackerLists: cfg.Trackers.Lists, SiteConfigs: sites})
	if err != nil {
		return nil, err
	}
	for _, l := range cleaner.ListStats() {
		log.Debug("tracker list loaded", "file", l.Path, "filters", l.Filters, "exceptions", l.Exceptions, "malformed", l.Malformed, "first_malformed", l.FirstMalformed)
	}
	matcher, err := topic.Compile(cfg.Topics)
	if err != nil {
		return nil, err
	}
	return &Refresher{
		cfg:       cfg,
		client:    fetch.NewClient(cfg.Fetch),
		limiter:   fetch.NewLimiter(cfg.Fetch.Concurrency, cfg.Fetch.PerHost),
		storing:   make(chan struct{}, max(cfg.Fetch.Concurrency, 1)),
		cleaner:   cleaner,
		matcher:   matcher,
		fulltext:  newFullText(cfg, log),
		sites:     sites,
		store:     st,
		log:       log,
		now:       time.Now,
		publisher: publish.NewPublisher(publish.PublicDir(cfg.DataDir), log),
		private:   publish.NewPublisher(publish.PrivateDir(cfg.DataDir), log),
	}, nil
}

// newFullText returns the article fetcher when some source wants one.
func newFullText(cfg *config.Config, log *slog.Logger) *fulltext.Fetcher {
	for _, src := range cfg.Sources {
		if src.Fulltext {
			return fulltext.New(cfg.Fetch, log)
		}
	}
	return nil
}

// SetMetrics makes the refresher count fetches and removals in m.
func (r *Refresher) SetMetrics(m *metrics.Metrics) { r.metrics = m }

// Config returns the refresher's configuration.
func (r *Refresher) Config() *config.Config { return r.cfg }

// An Outcome says what refreshing one source did.
type Outcome struct {
	Source      string
	NotModified bool
	Skipped     bool // still backing off after failures
	Items       int  // items in the fetched document
	// state is the source's new state, left for the caller to write (see
	// source).
	state     *store.SourceState
	Unchanged int // of those, items unchanged since the last fetch
	Save      *store.SaveResult
	// Stored reports that the source's state was written (with its
	// items, or its failure).
	Stored bool
	Err    error
}

// Source refreshes one source: fetch, clean, tag, store. Unless force is
// set, a source still backing off after failures is skipped. A failure is
// recorded in the store (with the time of the next attempt) and returned
// in the outcome; the source's stored items stay as they were.
func (r *Refresher) Source(ctx context.Context, src config.Source, force bool) *Outcome {
	return r.source(ctx, src, force, false, nil, nil)
}

// Claimed refreshes a source claimed from the store (see
// store.Cluster.Claim) by owner, as Source does with force, writing the
// source's state fenced by the claim, which the write ends: the source is
// next due at its schedule's next time or, after a failure, when its
// backoff ends, whichever is later. When the claim was lost meanwhile,
// nothing is stored and the outcome's error wraps store.ErrLeaseLost.
func (r *Refresher) Claimed(ctx context.Context, src config.Source, owner string, c store.Claim) *Outcome {
	return r.source(ctx, src, true, false, nil, &store.Lease{Owner: owner, Gen: c.Gen})
}

// nextDue returns when src is due after a refresh that ended at now, the
// store's clock, and whose failures, if any, call for waiting delay.
func nextDue(src config.Source, delay time.Duration) func(now time.Time) time.Time {
	sched, err := config.ParseSchedule(src.Schedule)
	return func(now time.Time) time.Time {
		next := now.Add(time.Hour) // a configuration is validated: never
		if err == nil {
			next = sched.Next(now)
		}
		if after := now.Add(delay); after.After(next) {
			next = after
		}
		return next
	}
}

// source refreshes one source. With batch set, the state of a source that
// did not change is left in the outcome for the caller to write with
// others, in one transaction, instead of being written at once. known
// holds stored states read beforehand, by source name; a source not in it
// reads its own. With lease set, the source's state is written fenced by
// it (see Claimed).
func (r *Refresher) source(ctx context.Context, src config.Source, force, batch bool, known map[string]store.SourceState, lease *store.Lease) (out *Outcome) {
	out = &Outcome{Source: src.Name}
	log := r.log.With("source", src.Name)
	// A bug that one document triggers fails that source, not the daemon:
	// sources are refreshed on goroutines of their own.
	defer func() {
		if v := recover(); v != nil {
			out.Err = fmt.Errorf("refresh %s: internal error: %v", src.Name, v)
			log.Error("refresh failed: internal error", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	st, ok := known[src.Name]
	if !ok {
		var err error
		if st, err = r.store.Source(ctx, src.Name); err != nil {
			out.Err = err
			return out
		}
	}
	now := r.now()
	defer func() { r.count(out, now) }()
	if !force && now.Before(st.NextAttempt) {
		out.Skipped = true
		log.Debug("backing off", "until", st.NextAttempt)
		return out
	}
	release, err := r.limiter.Acquire(ctx, src.URL)
	if err != nil {
		out.Err = err
		return out
	}
	// The fetch slot is held until the items are processed, then traded
	// for a storing slot: no more sources are parsed and cleaned at once
	// than fetched at once, and as many wait for the store, so memory
	// stays bounded however many sources wait, while the next sources are
	// fetched and cleaned as these are stored.
	var releaseOnce sync.Once
	releaseFetch := func() { releaseOnce.Do(release) }
	defer releaseFetch()
	start := r.now()
	res, err := r.client.Source(ctx, src.Name, src.URL, fetch.State{ETag: st.ETag, LastModified: st.LastModified, Hash: st.Hash})
	st.URL = src.URL
	st.LastAttempt = start
	if err != nil {
		out.Err = err
		if ctx.Err() != nil {
			// Stopping, not the source's fault: no failure, no backoff.
			log.Info("refresh interrupted", "err", err)
			return out
		}
		if perr := r.recordFailure(ctx, &st, err, start, src, lease); perr != nil {
			log.Error("store failed", "err", perr)
		} else {
			out.Stored = true
		}
		log.Warn("refresh failed", "err", err, "failures", st.Failures, "next_attempt", st.NextAttempt)
		return out
	}
	st.ETag, st.LastModified, st.Hash = res.State.ETag, res.State.LastModified, res.State.Hash
	st.LastSuccess, st.LastError, st.Failures, st.NextAttempt = start, "", 0, time.Time{}
	var items []item.Item
	if lease != nil {
		lease.Next = nextDue(src, 0)
		st.Lease = lease
	}
	if res.NotModified {
		out.NotModified = true
		// One line per refresh, also when the unchanged state is stored
		// in a batch and "refreshed" is not logged.
		if res.Status == http.StatusNotModified {
			log.Debug("source unchanged", "status", res.Status, "reason", "not modified")
		} else {
			log.Debug("source unchanged", "status", res.Status, "reason", "same body")
		}
		if batch {
			out.state = &st
			return out
		}
	} else {
		st.Title, st.Link = res.Feed.Title, res.Feed.Link
		items = res.Feed.Items
		out.Items = len(items)
		if res.Feed.Dropped > 0 {
			log.Warn("items left out to stay within the limits", "kept", len(items), "dropped", res.Feed.Dropped, "max_items", fetch.MaxItems)
		}
		// Logged when the document changed, not at every fetch of it.
		if len(res.Feed.Warnings) > 0 {
			log.Warn("the document was repaired to be read", "repairs", strings.Join(res.Feed.Warnings, "; "))
		}
		items = r.processChanged(ctx, src, items, out)
	}
	// What was fetched is stored even when stopping meanwhile: the write
	// is short, and the next fetch may no longer carry the items.
	r.storing <- struct{}{}
	releaseFetch()
	save, err := r.store.SaveSource(context.WithoutCancel(ctx), st, items, r.now())
	<-r.storing
	if errors.Is(err, store.ErrLeaseLost) {
		out.Err = err
		log.Warn("lease lost while refreshing: the result is discarded, another instance refreshes the source")
		return out
	}
	if err != nil {
		out.Err = err
		log.Error("store failed", "err", err)
		return out
	}
	out.Save, out.Stored = save, true
	log.Info("refreshed", "not_modified", out.NotModified, "items", out.Items, "unchanged", out.Unchanged, "new", save.New, "updated", save.Updated, "merged", save.Merged, "took", r.now().Sub(start).Round(time.Millisecond))
	return out
}

// processChanged cleans and tags the items whose fingerprint (what the
// source sent, and how it is cleaned) differs from the one stored, and
// returns them: an unchanged item would be cleaned and saved to the same
// result, so it is skipped.
func (r *Refresher) processChanged(ctx context.Context, src config.Source, items []item.Item, out *Outcome) []item.Item {
	known, err := r.store.Fingerprints(ctx, src.Name)
	if err != nil {
		r.log.Warn("reading fingerprints", "source", src.Name, "err", err)
	}
	salt := r.salt(src)
	changed := items[:0]
	for i := range items {
		it := &items[i]
		it.Fingerprint = item.Fingerprint(it, salt)
		key := item.Item{GUID: it.GUID, Link: r.cleaner.Link(it.Link, it.SourceURL), Title: it.Title, Published: it.Published}
		if fp, ok := known[item.NewID(src.Name, &key)]; ok && fp == it.Fingerprint {
			out.Unchanged++
			continue
		}
		r.Process(ctx, it, src)
		changed = append(changed, *it)
	}
	return changed
}

// salt is what, besides an item, shapes the result of processing it for
// src: the cleaner, the source's own settings and, for a fulltext source,
// the site configs (whose changes make the articles of their sites stale,
// see extractionRules).
func (r *Refresher) salt(src config.Source) string {
	salt := fmt.Sprintf("%s|%q|%t|%t", r.cleaner.Fingerprint(), src.Rules, src.Fulltext, src.AllowPrivate)
	if src.Fulltext && r.sites != nil {
		salt += "|sites " + r.sites.Digest()
	}
	return salt
}

// count records an outcome in the metrics.
func (r *Refresher) count(o *Outcome, start time.Time) {
	if r.metrics == nil {
		return
	}
	result := metrics.FetchOK
	switch {
	case o.Skipped:
		result = metrics.FetchSkipped
	case o.Err != nil:
		result = metrics.FetchError
	case o.NotModified:
		result = metrics.FetchNotModified
	}
	r.metrics.ObserveFetch(o.Source, result, r.now().Sub(start))
}

// Process cleans and tags one fetched item of src and gives it its id.
// For a fulltext source, the linked article replaces the content first.
func (r *Refresher) Process(ctx context.Context, it *item.Item, src config.Source) []clean.Removal {
	removed := r.fullText(ctx, it, src)
	cleaned, parsed := r.cleaner.ItemParsed(it, src.Rules)
	removed = append(removed, cleaned...)
	if r.metrics != nil {
		for _, rm := range removed {
			r.metrics.Removals.WithLabelValues(rm.Rule).Inc()
		}
	}
	it.ID = item.NewID(src.Name, it)
	it.Topics = r.matcher.MatchTrees(it, parsed.Summary, parsed.Content)
	return removed
}

// recordFailure records a failed refresh of src in st and writes st,
// fenced by lease when set.
func (r *Refresher) recordFailure(ctx context.Context, st *store.SourceState, err error, at time.Time, src config.Source, lease *store.Lease) error {
	st.Failures++
	st.LastError = redact.Text(err.Error(), st.URL, r.cfg.Fetch.SecretParams)
	delay := Backoff(st.Failures)
	var he *fetch.HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		delay = min(max(delay, he.RetryAfter), 24*time.Hour)
	}
	st.NextAttempt = at.Add(delay)
	if lease != nil {
		// The retry is when the source is due next, its schedule's next
		// run if that is later than the backoff: the one time logged as
		// next_attempt, stored and shown by /healthz.
		due := nextDue(src, delay)(r.now())
		st.NextAttempt = due
		lease.Next = func(time.Time) time.Time { return due }
		st.Lease = lease
	}
	return r.store.PutSource(context.WithoutCancel(ctx), *st)
}

// Backoff returns how long to wait after the given number of consecutive
// failures: BackoffBase doubled per failure up to BackoffMax, less up to a
// fifth at random so that sources failing together spread out.
func Backoff(failures int) time.Duration {
	d := BackoffBase
	for i := 1; i < failures && d < BackoffMax; i++ {
		d *= 2
	}
	d = min(d, BackoffMax)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// A Report sums up a refresh of several sources.
type Report struct {
	Outcomes []*Outcome
	// Changed lists the feeds to publish: those whose items changed since
	// they were last published (by this refresh, or before it, when a
	// publication failed or was cut short).
	Changed []string
}

// Failed returns the outcomes that failed.
func (rep *Report) Failed() []*Outcome {
	var out []*Outcome
	for _, o := range rep.Outcomes {
		if o.Err != nil {
			out = append(out, o)
		}
	}
	return out
}

// Sources refreshes the given sources concurrently, within the fetch
// limits, then applies retention. One source failing does not stop the
// others.
func (r *Refresher) Sources(ctx context.Context, srcs []config.Source, force bool) *Report {
	rep := &Report{Outcomes: make([]*Outcome, len(srcs))}
	// A few workers more than fetches may run at once, so that a worker
	// waiting for a busy host does not idle the others; not a goroutine
	// per source, whose stacks, grown by parsing and cleaning, would hold
	// memory in proportion to the number of sources.
	// The sources' states, read at once; a source missing here (new, or
	// when reading failed) reads its own.
	known := map[string]store.SourceState{}
	if states, err := r.store.Sources(ctx); err != nil {
		r.log.Warn("reading the sources' states", "err", err)
	} else {
		for _, st := range states {
			known[st.Name] = st
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(len(srcs), 2*max(r.cfg.Fetch.Concurrency, 1)) {
		wg.Go(func() {
			for i := range next {
				rep.Outcomes[i] = r.source(ctx, srcs[i], force, true, known, nil)
			}
		})
	}
	for i := range srcs {
		next <- i
	}
	close(next)
	wg.Wait()
	var states []store.SourceState
	for _, o := range rep.Outcomes {
		if o.state != nil {
			states = append(states, *o.state)
		}
	}
	if err := r.store.PutSources(context.WithoutCancel(ctx), states); err != nil {
		r.log.Error("store failed", "err", err)
	}
	r.Prune(ctx)
	rep.Changed = r.unpublished(ctx, rep.Outcomes)
	return rep
}

// unpublished returns the feeds the store marked as changed since their
// last publication, sorted; should reading the marks fail, those the
// outcomes changed.
func (r *Refresher) unpublished(ctx context.Context, outcomes []*Outcome) []string {
	changed := map[string]bool{}
	marks, err := r.store.Unpublished(context.WithoutCancel(ctx))
	if err != nil {
		r.log.Error("store failed", "err", err)
		for _, o := range outcomes {
			if o.Save != nil {
				for _, f := range o.Save.Changed {
					changed[f] = true
				}
			}
		}
	}
	for f := range marks {
		changed[f] = true
	}
	return sortedKeys(changed)
}

// PruneInterval is how often at most retention runs: it looks at every
// stored item, too much to do after each source's refresh.
const PruneInterval = time.Minute

// Prune applies retention, unless it ran less than PruneInterval ago; the
// store marks the feeds that changed.
func (r *Refresher) Prune(ctx context.Context) {
	now := r.now()
	r.mu.Lock()
	due := r.lastPrune.IsZero() || now.Sub(r.lastPrune) >= PruneInterval
	if due {
		r.lastPrune = now
	}
	r.mu.Unlock()
	if !due {
		return
	}
	if _, err := r.store.Prune(ctx, r.cfg.Retention.MaxItems, r.cfg.Retention.MaxAge, now); err != nil {
		r.log.Error("retention failed", "err", err)
	}
}

// Retag re-matches every stored item when the configured topics differ
// from those the store was tagged with, and returns the feeds that changed.
func (r *Refresher) Retag(ctx context.Context) ([]string, error) {
	b, err := json.Marshal(r.cfg.Topics)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	fp := hex.EncodeToString(sum[:])
	old, err := r.store.Meta(ctx, "topics")
	if err != nil || old == fp {
		return nil, err
	}
	changed, err := r.store.Retag(ctx, r.matcher.Match)
	if err != nil {
		return nil, err
	}
	if old == "" {
		changed = nil // a new store has nothing to retag
	}
	return changed, r.store.SetMeta(ctx, "topics", fp)
}

// Feeds returns the slugs of every output feed: config.AllFeed and each topic.
func (r *Refresher) Feeds() []string {
	out := []string{config.AllFeed}
	for _, t := range r.cfg.Topics {
		out = append(out, t.Slug)
	}
	return out
}

// Private reports whether the feed slug is a private topic's.
func (r *Refresher) Private(slug string) bool {
	t, ok := r.cfg.Topic(slug)
	return ok && t.IsPrivate()
}

// FeedOf returns the feed with the given slug and its newest items.
//
// No feed names a private topic but its own: the private topics' slugs
// are taken out of the items' topics, so that they become no category
// (the feed of all items, a public topic's feed or another private
// topic's never tells that a private topic exists, nor which items it
// holds). A private topic's feed names no WebSub hub: it is announced to
// none. Its self links are its URLs without any credential.
func (r *Refresher) FeedOf(ctx context.Context, slug string) (*publish.Feed, error) {
	items, err := r.store.Feed(ctx, slug, r.cfg.Retention.MaxItems)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(r.cfg.Topics))
	hidden := map[string]bool{}
	for _, t := range r.cfg.Topics {
		if t.IsPrivate() && t.Slug != slug {
			hidden[t.Slug] = true
			continue
		}
		names[t.Slug] = t.Name
	}
	if len(hidden) > 0 {
		for i := range items {
			it := &items[i]
			if slices.ContainsFunc(it.Topics, func(s string) bool { return hidden[s] }) {
				it.Topics = slices.DeleteFunc(slices.Clone(it.Topics), func(s string) bool { return hidden[s] })
			}
		}
	}
	hubs := r.cfg.WebSub.Hubs
	if r.Private(slug) {
		hubs = nil
	}
	f := &publish.Feed{
		Slug:       slug,
		Topic:      slug != config.AllFeed,
		BaseURL:    r.cfg.BaseURL,
		NoSelf:     r.cfg.NoAddress,
		Hubs:       hubs,
		TopicNames: names,
		Items:      items,
		Sources:    r.sourceInfo(ctx),
	}
	// An item names the feed it came from: never by a URL with secrets,
	// nor by a file source's local path.
	for i := range items {
		it := &items[i]
		if redact.HasSecret(it.SourceURL, r.cfg.Fetch.SecretParams) || !isWebURL(it.SourceURL) {
			if info, ok := f.Sources[it.Source]; ok {
				it.SourceURL = info.URL
			} else {
				it.SourceURL = redact.URL(it.SourceURL, r.cfg.Fetch.SecretParams)
			}
			if !isWebURL(it.SourceURL) {
				it.SourceURL = ""
			}
		}
	}
	if slug == config.AllFeed {
		f.Title = "All items"
		f.Description = "Every item of every source, cleaned by refeed"
	} else {
		f.Title = names[slug]
		f.Description = fmt.Sprintf("Items on %s, cleaned by refeed", names[slug])
	}
	return f, nil
}

// sourceInfo describes every configured source for the feeds: its feed's
// own title (as last fetched), else its name, and its URL, or, when that
// holds a secret (a password, a token), its feed's own site link (as last
// fetched), else its URL without the secrets.
func (r *Refresher) sourceInfo(ctx context.Context) map[string]publish.SourceInfo {
	known := map[string]store.SourceState{}
	if states, err := r.store.Sources(ctx); err == nil {
		for _, st := range states {
			known[st.Name] = st
		}
	}
	out := make(map[string]publish.SourceInfo, len(r.cfg.Sources))
	for _, src := range r.cfg.Sources {
		st := known[src.Name]
		title := st.Title
		if title == "" {
			title = src.Name
		}
		u := src.URL
		switch {
		case !isWebURL(u):
			// A file source: its local path is nobody's business.
			if u = redact.URL(st.Link, r.cfg.Fetch.SecretParams); !isWebURL(u) {
				u = ""
			}
		case redact.HasSecret(u, r.cfg.Fetch.SecretParams):
			if u = redact.URL(st.Link, r.cfg.Fetch.SecretParams); u == "" {
				u = redact.URL(src.URL, r.cfg.Fetch.SecretParams)
			}
		}
		out[src.Name] = publish.SourceInfo{Title: title, URL: u}
	}
	return out
}

// isWebURL reports whether u is an absolute http(s) URL: what a published
// feed may name, unlike a file source's local path.
func isWebURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// A Rendered feed is one feed in every format, as published.
type Rendered struct {
	Slug    string
	Title   string
	Items   int       // items in the feed
	Updated time.Time // the newest item's time
	Docs    map[publish.Format][]byte
	// Changed reports that a file of the feed was written: a document
	// differed from the file in place.
	Changed bool
	// Private reports that the feed is a private topic's: its files are
	// under publish.PrivateDir, and it is served only with a credential.
	Private bool
}

// Publish renders the given feeds (those configured) in every format,
// hands them to the keeper (see SetKeeper), writes the files that changed
// under publish.PublicDir (a private topic's under publish.PrivateDir, a
// folder only the owner may enter) and announces changed public feeds to
// the WebSub hubs. It returns the feeds published. A feed
// that fails to render or write is reported and its previous files stay;
// the others are still published. The store's marks of the feeds published
// are cleared; a feed that failed keeps them, and is published again with
// the next refresh (see Report.Changed). When every feed was published,
// the store remembers what shaped them (see Pending). Every publication
// also removes a private topic's files from publish.PublicDir (left there
// while it was public) and a public topic's from publish.PrivateDir.
//
// Publishing is not cut short when ctx ends (at shutdown, say): items a
// refresh has stored are written out, so that the files never lag behind
// the store; only the announcements to the hubs are. Publications happen
// one at a time.
func (r *Refresher) Publish(ctx context.Context, slugs []string) ([]Rendered, error) {
	wctx := context.WithoutCancel(ctx)
	var errs []error
	// The marks are read before the feeds: a mark made while they render
	// stays, for the next publication.
	marks, err := r.store.Unpublished(wctx)
	if err != nil {
		errs = append(errs, err)
	}
	digest := r.digest()
	errs = append(errs, r.tidyPrivate()...)
	var rendered []Rendered
	for _, slug := range slugs {
		if !slices.Contains(r.Feeds(), slug) {
			continue
		}
		rd, err := r.render(wctx, slug)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rendered = append(rendered, rd)
	}
	// The store keeps what every instance serves before any file is
	// written; a leader that lost its term writes nothing.
	if r.keep != nil && len(rendered) > 0 {
		if err := r.keep(wctx, rendered); err != nil {
			return nil, errors.Join(append(errs, fmt.Errorf("keep the rendered feeds: %w", err))...)
		}
	}
	var out []Rendered
	done := map[string]int64{}
	for _, private := range []bool{false, true} {
		p := r.publisher
		var chosen []int
		for i, rd := range rendered {
			if rd.Private == private {
				chosen = append(chosen, i)
			}
		}
		if private {
			if len(chosen) == 0 {
				continue
			}
			p = r.private
			if err := privateDir(publish.PrivateDir(r.cfg.DataDir)); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		results, err := p.Publish(func(add func(string, [][]byte)) {
			for _, i := range chosen {
				rd := rendered[i]
				docs := make([][]byte, len(publish.Formats))
				for j, format := range publish.Formats {
					docs[j] = rd.Docs[format]
				}
				add(rd.Slug, docs)
			}
		})
		if err != nil {
			errs = append(errs, err)
		}
		for k, res := range results {
			if res.Err == nil {
				rd := rendered[chosen[k]]
				rd.Changed = res.Changed
				out = append(out, rd)
				if m, ok := marks[res.Slug]; ok {
					done[res.Slug] = m
				}
			}
		}
	}
	if err := r.store.Published(wctx, done); err != nil {
		errs = append(errs, err)
	}
	if len(out) == len(r.Feeds()) && len(errs) == 0 {
		if err := r.store.SetMeta(wctx, metaPublished, digest); err != nil {
			errs = append(errs, err)
		}
	}
	r.announce(ctx, out)
	return out, errors.Join(errs...)
}

// render renders the feed with the given slug in every format.
func (r *Refresher) render(ctx context.Context, slug string) (Rendered, error) {
	f, err := r.FeedOf(ctx, slug)
	if err != nil {
		return Rendered{}, err
	}
	docs, err := publish.RenderAll(f)
	if err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", slug, err)
	}
	rd := Rendered{Slug: slug, Title: f.Title, Items: len(f.Items), Updated: newest(f.Items), Docs: map[publish.Format][]byte{}, Private: r.Private(slug)}
	for i, format := range publish.Formats {
		rd.Docs[format] = docs[i]
	}
	return rd, nil
}

// SetKeeper makes Publish hand the feeds it rendered to keep before it
// writes any file (a leader keeps them in the store, for every instance
// to serve); when keep fails, Publish writes nothing and clears no mark.
func (r *Refresher) SetKeeper(keep func(ctx context.Context, feeds []Rendered) error) { r.keep = keep }

// tidyPrivate removes the files of every private topic from the public
// folder, and of every public topic from the private one: a topic that
// became private must not stay readable there, nor one that became public
// linger. It returns what failed.
func (r *Refresher) tidyPrivate() []error {
	var errs []error
	for _, t := range r.cfg.Topics {
		from, where := r.private, "private"
		if t.IsPrivate() {
			from, where = r.publisher, "public"
		}
		if !from.Exists(t.Slug) {
			continue
		}
		removed, err := from.Remove(t.Slug)
		if err != nil {
			errs = append(errs, fmt.Errorf("remove the %s files of %s: %w", where, t.Slug, err))
		}
		if removed {
			r.log.Info("removed a topic's files from the "+where+" folder", "feed", t.Slug)
		}
	}
	return errs
}

// privateDir makes the folder of the private feeds, or narrows an existing
// one, to 0700: only refeed's user may read what is in it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("private feeds: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("private feeds: %w", err)
	}
	return nil
}

// metaPublished is the store's setting holding the digest of what shaped
// the feeds last published in full (see Pending).
const metaPublished = "published"

// Pending returns the feeds a publication must write, sorted: those whose
// items changed since they were last published, those with a file missing,
// those with files left in the other folder (a topic that became private,
// or public), and, when what shapes every feed besides its items (the configuration,
// the program) differs from the last publication of all of them, every
// feed.
func (r *Refresher) Pending(ctx context.Context) ([]string, error) {
	prev, err := r.store.Meta(ctx, metaPublished)
	if err != nil {
		return nil, err
	}
	if prev != r.digest() {
		return r.Feeds(), nil
	}
	marks, err := r.store.Unpublished(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, slug := range r.Feeds() {
		in, other := r.publisher, r.private
		if r.Private(slug) {
			in, other = r.private, r.publisher
		}
		if _, changed := marks[slug]; changed || in.Missing(slug) || other.Exists(slug) {
			out = append(out, slug)
		}
	}
	sort.Strings(out)
	return out, nil
}

// announce pings the WebSub hubs for the public feeds that changed; a
// private feed is announced to none.
func (r *Refresher) announce(ctx context.Context, feeds []Rendered) {
	// A feed without an address a reader reaches is announced to no hub.
	if len(r.cfg.WebSub.Hubs) == 0 || r.cfg.NoAddress {
		return
	}
	p := &websub.Publisher{UserAgent: r.cfg.Fetch.UserAgent}
	for _, rd := range feeds {
		if !rd.Changed || rd.Private || r.Private(rd.Slug) {
			continue
		}
		f := publish.Feed{Slug: rd.Slug, BaseURL: r.cfg.BaseURL}
		var urls []string
		for _, format := range publish.Formats {
			urls = append(urls, f.URL(format))
		}
		if err := p.Announce(ctx, r.cfg.WebSub.Hubs, urls); err != nil {
			r.log.Warn("websub announce failed", "feed", rd.Slug, "err", err)
		}
	}
}

// newest returns the newest time of any item: updated, published or first
// seen.
func newest(items []item.Item) time.Time {
	var t time.Time
	for _, it := range items {
		for _, x := range []time.Time{it.Updated, it.Published, it.FirstSeen} {
			if x.After(t) {
				t = x
			}
		}
	}
	return t
}

// Once refreshes every configured source, then publishes the feeds that
// need it (see Pending): a first run writes every file, a run that changed
// nothing writes none. It returns the report and any publishing error.
func (r *Refresher) Once(ctx context.Context) (*Report, error) {
	if _, err := r.Retag(ctx); err != nil {
		return nil, err
	}
	rep := r.Sources(ctx, r.cfg.Sources, true)
	slugs, err := r.Pending(context.WithoutCancel(ctx))
	if err != nil {
		return rep, err
	}
	if len(slugs) == 0 {
		return rep, nil
	}
	_, err = r.Publish(ctx, slugs)
	return rep, err
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A Preview is one item as a preview shows it: cleaned and tagged, with its
// content before cleaning and what cleaning removed.
type Preview struct {
	Item     item.Item
	Before   string // content (else summary) before cleaning
	Removals []clean.Removal
}

// PreviewSource fetches src, cleans and tags its items and returns them,
// storing nothing.
func (r *Refresher) PreviewSource(ctx context.Context, src config.Source) (*fetch.Feed, []Preview, error) {
	res, err := r.client.Source(ctx, src.Name, src.URL, fetch.State{})
	if err != nil {
		return nil, nil, err
	}
	out := make([]Preview, 0, len(res.Feed.Items))
	for i := range res.Feed.Items {
		it := &res.Feed.Items[i]
		before := it.Content
		if strings.TrimSpace(before) == "" {
			before = it.Summary
		}
		removed := r.Process(ctx, it, src)
		it.FirstSeen = r.now().UTC()
		out = append(out, Preview{Item: *it, Before: before, Removals: removed})
	}
	return res.Feed, out, nil
}
