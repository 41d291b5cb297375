// Package daemon runs refeed as a long-lived service: every source is
// refreshed on its cron schedule (claimed from the store, so that several
// instances sharing one store refresh each source once; see package
// cluster), the instance that leads publishes the changed feeds to the
// store and to files, every instance serves them over HTTP, the
// configuration is reloaded on request, and systemd is kept informed
// (readiness, reloads, stopping, watchdog).
package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/cluster"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/lockfile"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/server"
	"github.com/refeed/refeed/store"
)

// ShutdownTimeout bounds how long stopping may take.
const ShutdownTimeout = 8 * time.Second

// AlertInterval is how often alert deliveries that wait are tried.
const AlertInterval = 30 * time.Second

// ErrConfig marks a configuration that could not be loaded at start.
var ErrConfig = errors.New("invalid configuration")

// Options configure Run.
type Options struct {
	ConfigPath string
	Log        *slog.Logger
	// Reload receives a value for every reload request (SIGHUP).
	Reload <-chan struct{}
	// Notify sends a state to the service manager; nil sends to systemd
	// when NOTIFY_SOCKET is set.
	Notify func(state string)
}

// daemon is one running service.
type daemon struct {
	opt     Options
	log     *slog.Logger
	store   store.Store
	server  *server.Server
	metrics *metrics.Metrics
	alerts  *alert.Dispatcher
	jobCtx  context.Context
	set     settings // the instance's cluster settings (kept by reloads)

	claimer *cluster.Claimer
	leader  *cluster.Leader
	// loops runs the claimer, the leader, the watcher and the alerts'
	// deliveries; everSynced reports that the store's schedules were
	// synced once.
	loops      sync.WaitGroup
	everSynced atomic.Bool
	// stopClaims ends the claimer's loop, once started, and returns a
	// channel closed once its refreshes returned.
	stopClaims func() <-chan struct{}

	publishMu sync.Mutex // one feed publication at a time

	// The HTTP servers, once listening, and their errors.
	servers  []*http.Server
	serveErr chan error

	damageOnce sync.Once // the damage is logged once

	// storeFailure holds the last error of the store's coordination calls
	// (nil once one succeeds), for /healthz.
	storeFailure atomic.Pointer[error]

	mu  sync.Mutex
	ref *refresh.Refresher
	// access holds the credentials of ref's private topics, by slug; it
	// changes with ref.
	access  map[string]*server.Access
	cfg     *config.Config // the configuration until ref exists
	openErr error          // why the store could not be opened, while it cannot
	// rendered holds the newest rendering of every feed the store gave,
	// by slug; synced reports that the store's schedules are those of
	// ref's configuration; tagged is the refresher the leader last
	// retagged for.
	rendered map[string]store.RenderedFeed
	synced   bool
	tagged   *refresh.Refresher
	hash     string // ref's configuration's SharedHash
}

// Run runs the daemon until ctx ends, then stops it: the scheduler stops,
// refreshes in flight end, the server shuts down and the store is closed.
// It returns an error wrapping ErrConfig when the configuration is invalid.
func Run(ctx context.Context, opt Options) error {
	if opt.Notify == nil {
		opt.Notify = func(state string) { _, _ = sd.SdNotify(false, state) }
	}
	log := opt.Log
	cfg, err := config.Load(opt.ConfigPath, config.Options{KnownRules: clean.PackNames()})
	if err != nil {
		return fmt.Errorf("%w:\n%v", ErrConfig, err)
	}
	// One process at a time uses a data directory (a reload keeps it).
	lock, err := lockfile.Acquire(cfg.DataDir)
	if err != nil {
		return err
	}
	defer lock.Release()
	access, err := accessOf(cfg)
	if err != nil {
		return fmt.Errorf("%w:\n%v", ErrConfig, err)
	}
	reg := prometheus.NewRegistry()
	d := &daemon{opt: opt, log: log, cfg: cfg, access: access, set: settingsOf(cfg), metrics: metrics.New(reg), serveErr: make(chan error, 2), rendered: map[string]store.RenderedFeed{}}
	d.server = server.New(server.Options{
		BaseURL:    cfg.BaseURL,
		Log:        log,
		Metrics:    d.metrics,
		Registry:   reg,
		Health:     d.health,
		Alerts:     d.alertHealth,
		StoreError: d.storeError,
		Cluster:    d.clusterHealth,
		MaxAge:     maxAge(cfg, time.Now()),
		// With admin_listen, /healthz and /metrics are served there only.
		AdminApart: cfg.AdminListen != "",
		Inspector:  d.inspector(),
	})
	// Should the store not open, the last published feeds are served
	// meanwhile (see openStore).
	st, err := d.openStore(ctx, cfg)
	if err != nil || st == nil {
		return errors.Join(err, d.shutdown(func() {}))
	}
	defer st.Close()
	d.mu.Lock()
	d.store = st
	d.mu.Unlock()
	// A SQLite file is this process's alone (the data directory's lock):
	// what a killed process left leased or led is void.
	if sq, ok := st.(*store.SQLite); ok && sq.Damaged() == nil {
		if err := sq.Alone(ctx); err != nil {
			log.Error("voiding the leases left by an earlier process failed", "err", err)
		}
	}

	ref, err := refresh.New(cfg, st, log)
	if err != nil {
		d.shutdown(func() {})
		return err
	}
	d.setRefresher(ref, access)
	alerts := alert.New(cfg, st, d.metrics, log)
	alerts.Claims, alerts.Owner, alerts.Lease = st, d.set.instance, d.set.lease
	d.mu.Lock()
	d.alerts = alerts
	d.mu.Unlock()
	jobCtx, cancelJobs := context.WithCancel(context.Background())
	defer cancelJobs()
	d.jobCtx = jobCtx
	d.claimer = &cluster.Claimer{
		Store: st, Owner: d.set.instance, Slots: cfg.Fetch.Concurrency, Lease: d.set.lease, Poll: d.set.poll,
		PerHost: cfg.Fetch.PerHost, Refresh: d.refreshClaim, Allowed: d.mayFetch, Status: d.storeStatus, Log: log,
	}
	d.leader = &cluster.Leader{
		Store: st, Owner: d.set.instance, TTL: d.set.leaderTTL, Candidate: d.set.publish,
		Hash: d.configHash, Poll: d.set.poll, Round: d.leadRound, Status: d.storeStatus, Log: log,
		// The first election, or the end of a skew, may let it fetch.
		Changed: func(store.Leader, bool) { d.claimer.Wake() },
	}
	watcher := &cluster.Watcher{Store: st, Poll: d.set.poll, Apply: d.apply, Status: d.storeStatus, Log: log}

	// Before serving: the feeds the store holds, published first when
	// the instance leads, as the loops below would soon after.
	d.start(ctx)
	if err := d.listen(cfg); err != nil {
		d.shutdown(cancelJobs)
		return err
	}

	// The store closes (deferred above) only after the loops stop.
	defer d.loops.Wait()
	defer cancelJobs()
	d.loops.Go(func() { d.leader.Run(jobCtx) })
	if d.set.serve {
		d.loops.Go(func() { watcher.Run(jobCtx) })
	}
	// Refreshes stop first at shutdown, so that the leader's last round
	// publishes what they saved.
	claimCtx, cancelClaims := context.WithCancel(jobCtx)
	claimsDone := make(chan struct{})
	d.stopClaims = func() <-chan struct{} { cancelClaims(); return claimsDone }
	if d.set.fetch {
		d.loops.Go(func() { d.claimer.Run(claimCtx); close(claimsDone) })
	} else {
		close(claimsDone)
	}
	if d.set.alert {
		// The leader that queues deliveries wakes its own dispatcher; the
		// others look every few polls.
		d.loops.Go(func() { alerts.Serve(jobCtx, min(AlertInterval, max(5*d.set.poll, time.Second))) })
	}
	opt.Notify(sd.SdNotifyReady)
	log.Info("refeed running", "sources", len(cfg.Sources), "topics", len(cfg.Topics), "data_dir", cfg.DataDir, "instance", d.set.instance, "roles", d.set.roles())
	stopWatchdog := d.watchdog()
	defer stopWatchdog()

	for {
		select {
		case <-ctx.Done():
			return d.shutdown(cancelJobs)
		case err := <-d.serveErr:
			if err := d.serveFailed(err); err != nil {
				d.shutdown(cancelJobs)
				return err
			}
		case <-opt.Reload:
			d.reload(ctx)
		}
	}
}

// start makes the instance ready to serve: it takes part in the first
// election, runs a first leader's round when it leads (retagging and
// publishing what needs it), and serves the feeds the store holds. A store
// that fails here is left to the loops, which retry.
func (d *daemon) start(ctx context.Context) {
	if d.damaged() != nil {
		d.servePublished(d.config())
		return
	}
	ld, err := d.store.Lead(ctx, store.Candidate{Owner: d.set.instance, Hash: d.configHash(), TTL: d.set.leaderTTL, Candidate: d.set.publish})
	d.storeStatus(err)
	if err != nil {
		d.log.Error("electing the leader failed", "err", err)
	} else if ld.Self {
		d.leadRound(store.WithTerm(ctx, d.set.instance, ld.Term), true)
	}
	feeds, _, err := d.store.Rendered(ctx, 0)
	d.storeStatus(err)
	if err != nil {
		d.log.Error("reading the rendered feeds failed", "err", err)
		return
	}
	d.apply(feeds)
}

// listen starts serving on the configured addresses, once.
func (d *daemon) listen(cfg *config.Config) error {
	if d.servers != nil {
		return nil
	}
	d.servers = []*http.Server{}
	serve := func(addr string, h http.Handler, what string, attrs ...any) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", addr, err)
		}
		hs := d.server.HTTPServer(addr)
		hs.Handler = h
		d.servers = append(d.servers, hs)
		go func() { d.serveErr <- hs.Serve(ln) }()
		d.log.Info(what, append([]any{"addr", ln.Addr().String()}, attrs...)...)
		return nil
	}
	if cfg.Listen != "" {
		// An instance that does not serve feeds answers for its health.
		if !d.set.serve {
			if err := serve(cfg.Listen, d.server.Admin(), "serving /healthz and /metrics only (no serve role)"); err != nil {
				return err
			}
		} else if err := serve(cfg.Listen, d.server, "serving feeds", "base_url", cfg.BaseURL); err != nil {
			return err
		}
	}
	if cfg.AdminListen != "" {
		if err := serve(cfg.AdminListen, d.server.Admin(), "serving /healthz and /metrics"); err != nil {
			return err
		}
	}
	return nil
}

// serveFailed returns the error of a server that stopped serving, nil
// when it was shut down.
func (d *daemon) serveFailed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

func (d *daemon) current() *refresh.Refresher {
	ref, _ := d.currentAccess()
	return ref
}

// currentAccess returns the current refresher and the credentials of its
// private topics.
func (d *daemon) currentAccess() (*refresh.Refresher, map[string]*server.Access) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ref, d.access
}

// accessOf returns the credentials of the private topics of cfg, by slug.
func accessOf(cfg *config.Config) (map[string]*server.Access, error) {
	out := map[string]*server.Access{}
	for _, t := range cfg.Topics {
		if !t.IsPrivate() {
			continue
		}
		users := make([]server.User, len(t.Private.Users))
		for i, u := range t.Private.Users {
			users[i] = server.User{Name: u.Name, Password: u.Password, PasswordBcrypt: u.PasswordBcrypt}
		}
		a, err := server.NewAccess(users, t.Private.Token)
		if err != nil {
			return nil, fmt.Errorf("topic %s: %w", t.Slug, err)
		}
		out[t.Slug] = a
	}
	return out, nil
}

// config returns the running configuration.
func (d *daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ref != nil {
		return d.ref.Config()
	}
	return d.cfg
}

// setRefresher makes ref, with the credentials of its private topics,
// the running configuration: the store's schedules are synced to it
// before the next claim (see mayFetch).
func (d *daemon) setRefresher(ref *refresh.Refresher, access map[string]*server.Access) {
	ref.SetMetrics(d.metrics)
	ref.SetKeeper(d.keep)
	hash := ref.Config().SharedHash() // costly on purpose: once per load
	d.mu.Lock()
	d.ref, d.access, d.synced, d.hash = ref, access, false, hash
	d.mu.Unlock()
}

// configHash returns the hash of what must be equal in the configurations
// of instances sharing a store (see config.Config.SharedHash).
func (d *daemon) configHash() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hash
}

// schedules returns the sources of cfg as the store's claims see them.
func schedules(cfg *config.Config) []store.Schedule {
	out := make([]store.Schedule, len(cfg.Sources))
	for i, src := range cfg.Sources {
		// What a refresh of the source depends on: a change makes it due
		// at once, as when it is new.
		sum := sha256.Sum256(fmt.Appendf(nil, "%q|%q|%q|%t|%t", src.URL, src.Schedule, src.Rules, src.Fulltext, src.AllowPrivate))
		out[i] = store.Schedule{Name: src.Name, Host: hostOf(src.URL), Digest: hex.EncodeToString(sum[:])}
	}
	return out
}

// hostOf returns the host of a source's URL, for the per-host limit.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// mayFetch reports whether the instance may claim sources now: not while
// the store is damaged or the configuration differs from the leader's,
// nor before an election told whether it does (syncing the store's
// schedules to a skewed configuration would change them for every
// instance), and only once the store's schedules are those of the
// configuration.
func (d *daemon) mayFetch() bool {
	if d.damaged() != nil || !d.leader.Known() || d.leader.Skewed() {
		return false
	}
	d.mu.Lock()
	ref, synced := d.ref, d.synced
	d.mu.Unlock()
	if synced {
		return true
	}
	// One instance alone (SQLite) refreshes every source at start; one of
	// several, only those due (a restart must not refresh them twice).
	_, shared := d.store.(*store.Postgres)
	err := d.store.SyncSources(d.jobCtx, schedules(ref.Config()), !shared && !d.startedSync())
	d.storeStatus(err)
	if err != nil {
		d.log.Error("scheduling the sources failed", "err", err)
		return false
	}
	d.mu.Lock()
	if d.ref == ref {
		d.synced = true
	}
	d.mu.Unlock()
	return true
}

// startedSync reports whether the store's schedules were synced before by
// this process, and records that they were.
func (d *daemon) startedSync() bool { return d.everSynced.Swap(true) }

// refreshClaim refreshes a source claimed from the store with the current
// configuration, and reports whether its state was written.
func (d *daemon) refreshClaim(ctx context.Context, c store.Claim) bool {
	ref := d.current()
	src, ok := ref.Config().Source(c.Name)
	if !ok {
		return false
	}
	o := ref.Claimed(ctx, src, d.set.instance, c)
	if o.Save != nil && len(o.Save.Changed) > 0 {
		d.leader.Wake()
	}
	return o.Stored
}

// leadRound runs one round of the leader's work with ctx, which carries
// its term: retagging after a reload (and at a term's start), retention,
// publishing the feeds that need it, and collecting alerts.
func (d *daemon) leadRound(ctx context.Context, first bool) {
	if d.damaged() != nil || d.leader != nil && d.leader.Skewed() {
		return
	}
	ref, access := d.currentAccess()
	d.mu.Lock()
	retag := first || d.tagged != ref
	d.mu.Unlock()
	if retag {
		if _, err := ref.Retag(ctx); err != nil {
			d.leadFailed("retagging failed", err)
			return
		}
		d.mu.Lock()
		d.tagged = ref
		d.mu.Unlock()
	}
	ref.Prune(ctx)
	slugs, err := ref.Pending(ctx)
	if err != nil {
		d.leadFailed("publishing failed", err)
		return
	}
	if first {
		// A feed the store has no rendering of (a store older than
		// renderings, say) is rendered too.
		have, _, err := d.store.Rendered(ctx, 0)
		if err != nil {
			d.leadFailed("publishing failed", err)
			return
		}
		names := map[string]bool{}
		for _, f := range have {
			names[f.Slug] = true
		}
		for _, slug := range ref.Feeds() {
			if !names[slug] && !slices.Contains(slugs, slug) {
				slugs = append(slugs, slug)
			}
		}
	}
	if len(slugs) > 0 {
		if err := d.publish(ctx, ref, access, slugs); err != nil {
			d.leadFailed("publishing failed", err)
		}
	}
	if d.alerts != nil {
		if err := d.alerts.Collect(ctx); err != nil {
			d.leadFailed("collecting alerts failed", err)
		}
	}
}

// leadFailed logs a failure of the leader's work: as a lost lead when
// that is why.
func (d *daemon) leadFailed(msg string, err error) {
	if errors.Is(err, store.ErrNotLeader) {
		d.log.Warn(msg+": the lead was lost", "err", err)
		return
	}
	d.log.Error(msg, "err", err)
}

// publish publishes the given feeds of ref (to the store, whence every
// instance serves them, and to files).
func (d *daemon) publish(ctx context.Context, ref *refresh.Refresher, access map[string]*server.Access, slugs []string) error {
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	_, err := ref.Publish(ctx, slugs)
	return err
}

// keep stores the feeds a publication rendered, fenced by the leader's
// term that ctx carries.
func (d *daemon) keep(ctx context.Context, feeds []refresh.Rendered) error {
	out := make([]store.RenderedFeed, len(feeds))
	for i, f := range feeds {
		rf := store.RenderedFeed{Slug: f.Slug, Title: f.Title, Items: f.Items, Updated: f.Updated, Private: f.Private,
			Docs: map[string][]byte{}, ETags: map[string]string{}}
		for format, body := range f.Docs {
			rf.Docs[string(format)] = body
			rf.ETags[string(format)] = publish.ETag(body)
		}
		out[i] = rf
	}
	return d.store.PutRendered(ctx, out)
}

// apply serves the feeds the store rendered (those configured).
func (d *daemon) apply(feeds []store.RenderedFeed) {
	d.mu.Lock()
	for _, f := range feeds {
		d.rendered[f.Slug] = f
	}
	ref, access := d.ref, d.access
	d.mu.Unlock()
	for _, f := range feeds {
		if sf, ok := d.serverFeed(ref, f, access); ok {
			d.server.UpdateFeed(sf)
			d.countItems(ref.Config(), f)
		}
	}
}

// serveAll serves exactly the configured feeds the store rendered, as
// after a reload.
func (d *daemon) serveAll() {
	d.mu.Lock()
	ref, access := d.ref, d.access
	feeds := make([]store.RenderedFeed, 0, len(d.rendered))
	for _, f := range d.rendered {
		feeds = append(feeds, f)
	}
	d.mu.Unlock()
	var sf []server.Feed
	for _, slug := range ref.Feeds() {
		i := slices.IndexFunc(feeds, func(f store.RenderedFeed) bool { return f.Slug == slug })
		if i < 0 {
			continue
		}
		if feed, ok := d.serverFeed(ref, feeds[i], access); ok {
			sf = append(sf, feed)
			d.countItems(ref.Config(), feeds[i])
		}
	}
	d.server.SetFeeds(sf)
}

// serverFeed returns f to serve with ref's configuration, with its
// access when it is private. A feed ref does not configure is not served,
// nor a private feed without an access (it cannot happen: the access is
// made from the same configuration), nor one that became private or
// public since it was rendered (the next rendering serves it).
func (d *daemon) serverFeed(ref *refresh.Refresher, f store.RenderedFeed, access map[string]*server.Access) (server.Feed, bool) {
	if !slices.Contains(ref.Feeds(), f.Slug) || ref.Private(f.Slug) != f.Private {
		return server.Feed{}, false
	}
	sf := server.Feed{Slug: f.Slug, Title: f.Title, Items: f.Items, Updated: f.Updated, Docs: map[publish.Format][]byte{}}
	for _, format := range publish.Formats {
		if b, ok := f.Docs[string(format)]; ok {
			sf.Docs[format] = b
		}
	}
	if f.Private {
		if sf.Access = access[f.Slug]; sf.Access == nil {
			d.log.Error("private feed not served: no credentials", "feed", f.Slug)
			return server.Feed{}, false
		}
	}
	return sf, true
}

// countItems sets the item gauge of a published feed. A private topic's
// feed has none while /metrics is served on listen, beside the feeds: it
// would tell anyone that the topic exists.
func (d *daemon) countItems(cfg *config.Config, f store.RenderedFeed) {
	if f.Private && cfg.AdminListen == "" {
		d.metrics.ForgetFeed(f.Slug)
		return
	}
	d.metrics.TopicItems.WithLabelValues(f.Slug).Set(float64(f.Items))
}

// reload loads the configuration again. An invalid file is logged and the
// running configuration stays.
func (d *daemon) reload(ctx context.Context) {
	d.opt.Notify(sd.SdNotifyReloading + "\n" + sd.SdNotifyMonotonicUsec())
	defer d.opt.Notify(sd.SdNotifyReady)
	old := d.current()
	cfg, err := config.Load(d.opt.ConfigPath, config.Options{KnownRules: clean.PackNames()})
	if err != nil {
		d.log.Error("reload: invalid configuration, keeping the running one", "file", d.opt.ConfigPath, "errors", err.Error())
		return
	}
	oc := old.Config()
	// The store and the server's socket stay: a new data_dir or listen
	// address takes effect at the next start.
	if cfg.Listen != oc.Listen || cfg.AdminListen != oc.AdminListen || cfg.DataDir != oc.DataDir {
		d.log.Warn("reload: listen, admin_listen and data_dir take effect at the next restart", "listen", oc.Listen, "admin_listen", oc.AdminListen, "data_dir", oc.DataDir)
		cfg.Listen, cfg.AdminListen, cfg.DataDir = oc.Listen, oc.AdminListen, oc.DataDir
	}
	ref, err := refresh.New(cfg, d.store, d.log)
	if err != nil {
		d.log.Error("reload failed, keeping the running configuration", "err", err)
		return
	}
	access, err := accessOf(cfg)
	if err != nil {
		d.log.Error("reload failed, keeping the running configuration", "err", err)
		return
	}
	d.alerts.SetConfig(cfg)
	d.server.SetBaseURL(cfg.BaseURL)
	d.setRefresher(ref, access)
	for _, src := range oc.Sources {
		if _, ok := cfg.Source(src.Name); !ok {
			d.metrics.ForgetSource(src.Name)
		}
	}
	for _, t := range oc.Topics {
		if _, ok := cfg.Topic(t.Slug); !ok {
			d.metrics.ForgetFeed(t.Slug)
		}
	}
	// Serve the feeds of the new configuration as rendered so far; the
	// leader retags and renders what the reload changed, and the sources
	// it changed are due at once (unchanged ones keep their times).
	d.serveAll()
	d.server.SetMaxAge(maxAge(cfg, time.Now()))
	d.leader.Wake()
	d.claimer.Wake()
	d.log.Info("configuration reloaded", "sources", len(cfg.Sources), "topics", len(cfg.Topics))
}

// shutdown stops scheduling and refreshing, then the servers.
func (d *daemon) shutdown(cancelJobs context.CancelFunc) error {
	d.opt.Notify(sd.SdNotifyStopping)
	d.log.Info("stopping")
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if d.stopClaims != nil {
		select {
		case <-d.stopClaims():
		case <-ctx.Done():
		}
	}
	cancelJobs()
	stopped := make(chan struct{})
	go func() { d.loops.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-ctx.Done():
		d.log.Warn("refreshes did not stop in time")
	}
	for _, hs := range d.servers {
		if err := hs.Shutdown(ctx); err != nil {
			d.log.Warn("server shutdown", "addr", hs.Addr, "err", err)
		}
	}
	d.log.Info("stopped")
	return nil
}

// watchdog pings systemd's watchdog at half its interval, when enabled.
func (d *daemon) watchdog() (stop func()) {
	interval, err := sd.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				d.opt.Notify(sd.SdNotifyWatchdog)
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}

// health reports every configured source for /healthz.
func (d *daemon) health() []server.SourceHealth {
	cfg := d.config()
	d.mu.Lock()
	st := d.store
	d.mu.Unlock()
	var states []store.SourceState
	if st != nil && d.damaged() == nil {
		var err error
		if states, err = st.Sources(context.Background()); err != nil {
			d.log.Error("healthz: reading sources", "err", err)
		}
	}
	byName := map[string]store.SourceState{}
	for _, s := range states {
		byName[s.Name] = s
	}
	out := make([]server.SourceHealth, 0, len(cfg.Sources))
	for _, src := range cfg.Sources {
		s := byName[src.Name]
		next := s.NextDue
		out = append(out, server.SourceHealth{
			Name: src.Name, URL: redact.URL(src.URL, cfg.Fetch.SecretParams),
			LastSuccess: s.LastSuccess, LastAttempt: s.LastAttempt, LastError: s.LastError,
			Failures: s.Failures, NextRun: next,
		})
	}
	return out
}

// alertHealth reports the alert deliveries for /healthz.
func (d *daemon) alertHealth() any {
	d.mu.Lock()
	alerts := d.alerts
	d.mu.Unlock()
	if alerts == nil || d.damaged() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h, err := alerts.Health(ctx)
	if err != nil {
		d.log.Error("healthz: reading alerts", "err", err)
		return nil
	}
	// While /healthz is served on listen, beside the feeds, it names no
	// private topic.
	if cfg := d.current().Config(); cfg.AdminListen == "" {
		h = slices.DeleteFunc(h, func(a alert.Health) bool {
			t, ok := cfg.Topic(a.Topic)
			return ok && t.IsPrivate()
		})
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

// maxAge is how long readers may cache a feed: half the shortest interval
// between two refreshes of any source, between one minute and half an hour.
func maxAge(cfg *config.Config, now time.Time) time.Duration {
	shortest := time.Duration(0)
	for _, src := range cfg.Sources {
		if iv := config.Interval(src.Schedule, now); iv > 0 && (shortest == 0 || iv < shortest) {
			shortest = iv
		}
	}
	if shortest == 0 {
		shortest = config.Interval(cfg.Schedule, now)
	}
	return min(max(shortest/2, time.Minute), 30*time.Minute)
}
