// Package daemon runs refeed as a long-lived service: every source is
// refreshed at start and then on its cron schedule, changed feeds are
// published to files and served over HTTP, the configuration is reloaded
// on request, and systemd is kept informed (readiness, reloads, stopping,
// watchdog).
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/lockfile"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/schedule"
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
	sched   *schedule.Scheduler
	alerts  *alert.Dispatcher
	jobCtx  context.Context

	publishMu sync.Mutex // one feed publication at a time

	// The HTTP servers, once listening, and their errors.
	servers  []*http.Server
	serveErr chan error

	damageOnce sync.Once // the damage is logged once

	mu  sync.Mutex
	ref *refresh.Refresher
	// access holds the credentials of ref's private topics, by slug; it
	// changes with ref.
	access  map[string]*server.Access
	cfg     *config.Config // the configuration until ref exists
	openErr error          // why the store could not be opened, while it cannot
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
	d := &daemon{opt: opt, log: log, cfg: cfg, access: access, metrics: metrics.New(reg), sched: schedule.New(log), serveErr: make(chan error, 2)}
	d.server = server.New(server.Options{
		BaseURL:    cfg.BaseURL,
		Log:        log,
		Metrics:    d.metrics,
		Registry:   reg,
		Health:     d.health,
		Alerts:     d.alertHealth,
		StoreError: d.storeError,
		MaxAge:     maxAge(cfg, time.Now()),
		// With admin_listen, /healthz and /metrics are served there only.
		AdminApart: cfg.AdminListen != "",
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

	ref, err := refresh.New(cfg, st, log)
	if err != nil {
		d.shutdown(func() {})
		return err
	}
	ref.SetMetrics(d.metrics)
	d.mu.Lock()
	d.ref = ref
	d.mu.Unlock()
	alerts := alert.New(cfg, st, d.metrics, log)
	d.mu.Lock()
	d.alerts = alerts
	d.mu.Unlock()
	jobCtx, cancelJobs := context.WithCancel(context.Background())
	defer cancelJobs()
	d.jobCtx = jobCtx
	alertsDone := make(chan struct{})
	go func() { d.alerts.Run(jobCtx, AlertInterval); close(alertsDone) }()
	// The store closes (deferred above) only after alert deliveries stop.
	defer func() { cancelJobs(); <-alertsDone }()

	if _, err := ref.Retag(ctx); err != nil {
		if d.damaged() == nil {
			d.shutdown(cancelJobs)
			return err
		}
		log.Error("retagging failed", "err", err)
	}
	if d.damaged() == nil {
		if err := d.publishAll(ctx, ref, access); err != nil {
			log.Error("publishing failed", "err", err)
		}
	} else {
		d.servePublished(cfg)
	}
	if err := d.listen(cfg); err != nil {
		d.shutdown(cancelJobs)
		return err
	}

	if err := d.schedule(cfg, nil); err != nil {
		return err
	}
	d.sched.Start()
	opt.Notify(sd.SdNotifyReady)
	log.Info("refeed running", "sources", len(cfg.Sources), "topics", len(cfg.Topics), "data_dir", cfg.DataDir)
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
		if err := serve(cfg.Listen, d.server, "serving feeds", "base_url", cfg.BaseURL); err != nil {
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

// schedule installs a job per source of cfg and starts a refresh of every
// source that is new or changed since prev (every source when prev is nil).
func (d *daemon) schedule(cfg *config.Config, prev *config.Config) error {
	var jobs []schedule.Job
	for _, src := range cfg.Sources {
		jobs = append(jobs, schedule.Job{Name: src.Name, Spec: src.Schedule, Run: d.refreshJob(src.Name)})
	}
	if err := d.sched.Set(jobs); err != nil {
		return err
	}
	for i, src := range cfg.Sources {
		if prev != nil {
			if old, ok := prev.Source(src.Name); ok && old.URL == src.URL && slices.Equal(old.Rules, src.Rules) && old.Fulltext == src.Fulltext {
				continue
			}
		}
		d.sched.Trigger(jobs[i])
	}
	return nil
}

// refreshJob returns the job refreshing the named source with the current
// configuration.
func (d *daemon) refreshJob(name string) func() {
	return func() {
		if d.damaged() != nil {
			return
		}
		ref := d.current()
		src, ok := ref.Config().Source(name)
		if !ok {
			return
		}
		rep := ref.Sources(d.jobCtx, []config.Source{src}, false)
		for _, o := range rep.Outcomes {
			if o.Save != nil && len(o.Save.Entered) > 0 {
				d.alerts.Wake()
			}
		}
		if len(rep.Changed) == 0 || d.damaged() != nil {
			return
		}
		// Publish with the configuration current now: a reload may have
		// come while this refresh ran.
		ref, access := d.currentAccess()
		if err := d.publish(d.jobCtx, ref, access, rep.Changed); err != nil {
			d.log.Error("publishing failed", "source", name, "err", err)
		}
	}
}

// publish publishes the given feeds of ref, whose private topics' access
// is access, and serves the result.
func (d *daemon) publish(ctx context.Context, ref *refresh.Refresher, access map[string]*server.Access, slugs []string) error {
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	feeds, err := ref.Publish(ctx, slugs)
	for _, f := range feeds {
		if sf, ok := d.serverFeed(f, access); ok {
			d.server.UpdateFeed(sf)
		}
		d.countItems(ref.Config(), f)
	}
	return err
}

// publishAll publishes every feed of ref and serves exactly those.
func (d *daemon) publishAll(ctx context.Context, ref *refresh.Refresher, access map[string]*server.Access) error {
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	feeds, err := ref.Publish(ctx, ref.Feeds())
	var sf []server.Feed
	for _, f := range feeds {
		if feed, ok := d.serverFeed(f, access); ok {
			sf = append(sf, feed)
		}
		d.countItems(ref.Config(), f)
	}
	d.server.SetFeeds(sf)
	return err
}

// serverFeed returns f to serve, with its access when it is private. A
// private feed without one is not served at all (it cannot happen: the
// access is made from the same configuration).
func (d *daemon) serverFeed(f refresh.Rendered, access map[string]*server.Access) (server.Feed, bool) {
	sf := server.Feed{Slug: f.Slug, Title: f.Title, Items: f.Items, Updated: f.Updated, Docs: f.Docs}
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
func (d *daemon) countItems(cfg *config.Config, f refresh.Rendered) {
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
	ref.SetMetrics(d.metrics)
	d.alerts.SetConfig(cfg)
	d.server.SetBaseURL(cfg.BaseURL)
	d.mu.Lock()
	d.ref, d.access = ref, access
	d.mu.Unlock()
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
	if _, err := ref.Retag(ctx); err != nil {
		d.log.Error("reload: retagging failed", "err", err)
	}
	if err := d.publishAll(ctx, ref, access); err != nil {
		d.log.Error("reload: publishing failed", "err", err)
	}
	d.server.SetMaxAge(maxAge(cfg, time.Now()))
	if err := d.schedule(cfg, oc); err != nil {
		d.log.Error("reload: scheduling failed", "err", err)
	}
	d.log.Info("configuration reloaded", "sources", len(cfg.Sources), "topics", len(cfg.Topics))
}

// shutdown stops scheduling and refreshing, then the servers.
func (d *daemon) shutdown(cancelJobs context.CancelFunc) error {
	d.opt.Notify(sd.SdNotifyStopping)
	d.log.Info("stopping")
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	cancelJobs()
	stopped := make(chan struct{})
	go func() { d.sched.Stop(); close(stopped) }()
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
		next := d.sched.Next(src.Name)
		if s.NextAttempt.After(next) {
			next = s.NextAttempt
		}
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
		if iv := schedule.Interval(src.Schedule, now); iv > 0 && (shortest == 0 || iv < shortest) {
			shortest = iv
		}
	}
	if shortest == 0 {
		shortest = schedule.Interval(cfg.Schedule, now)
	}
	return min(max(shortest/2, time.Minute), 30*time.Minute)
}
