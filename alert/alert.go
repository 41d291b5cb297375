// Package alert sends the new items of a topic to the alerts configured for
// it: a webhook, an ntfy topic or an email address list.
//
// # Once, ever
//
// Every alert has a key, its stable identity: the topic's slug and the
// target (the webhook URL, the ntfy URL, or the sorted email recipients).
// Reordering the alerts of the configuration, or changing an alert's digest
// period, SMTP server, webhook headers or ntfy token keeps the key;
// changing its topic or target makes it a new alert.
//
// [Dispatcher.Collect] takes what saving sources' items recorded in the
// store, in the same transaction as the items (the items that entered a
// topic), and remembers, in the store, every item each alert of that topic
// has seen; an item is queued for delivery only the
// first time an alert sees it, so it alerts once, ever, across restarts.
// Items saved by the first successful refresh of a source are remembered
// without being queued: a new source does not flood its topics' alerts,
// and its old items never alert later either. Items that join a topic when
// the configured topics change (a re-tag of the stored items) are not
// reported as entering it, so they never alert: a new topic starts quiet.
// An alert added to an existing topic alerts for the items that enter the
// topic from then on.
//
// [Dispatcher.Deliver] sends what is due. The queue is in the store, so
// deliveries survive restarts. A failed delivery is retried with
// exponential backoff ([DefaultBackoff] doubling per failed attempt up to
// [DefaultMaxBackoff], less up to a fifth at random); while one of an
// alert's deliveries backs off, the alert's others wait with it, so a
// failing receiver is tried once per backoff, not once per item.
// Deliveries still failing after [DefaultExpire] are dropped (and logged).
// Delivery is at least once: a receiver that got a message but whose answer
// was lost gets it again; the item's "id" lets it tell.
//
// An alert with a digest period sends at most one message per period, with
// every item queued since the last one. The first period starts at the
// first delivery round after the alert is configured; a period in which no
// item came sends nothing.
//
// # Webhook
//
// A webhook gets a POST with Content-Type application/json; any 2xx answer
// is success. One item:
//
//	{
//	  "topic": "NATO/Korea",
//	  "topic_slug": "nato-korea",
//	  "id": "urn:refeed:5b0c…",
//	  "title": "Nato-Gipfel in Vilnius",
//	  "link": "https://taz.de/…",
//	  "summary": "Plain text, at most 500 characters…",
//	  "published": "2024-07-11T09:30:00Z",
//	  "source": "taz"
//	}
//
// "id" is the item's stable identifier, "source" the name of the configured
// source that carried it first; "link", "summary", "published" (RFC 3339)
// and "source" are left out when unknown. A digest sends the items in a
// list:
//
//	{
//	  "topic": "NATO/Korea",
//	  "topic_slug": "nato-korea",
//	  "items": [ {"id": …, "title": …, "link": …, "summary": …, "published": …, "source": …}, … ]
//	}
//
// A message sent by [Dispatcher.Test] (refeed alert-test) also has
// "test": true.
//
// An alert's webhook_headers are sent with every request (after refeed's
// User-Agent, which they may replace; Content-Type is refeed's). With
// headers, a redirect to another host, or from https to http, is not
// followed: the other host would get them.
//
// # ntfy
//
// An ntfy alert POSTs to the ntfy topic URL: the body is the item's summary
// as plain text (a digest: the titles and links of its items), the Title
// header the item's title (a digest: "N new items: TOPIC"), Tags the topic's
// slug and Click the item's link. Non-ASCII header values are sent as RFC
// 2047 encoded words, which ntfy decodes. An alert's ntfy_token (an ntfy
// access token, tk_…) is sent as "Authorization: Bearer TOKEN", ntfy's
// documented way; credentials in the URL
// (https://user:pass@ntfy.example/topic) are sent as basic authentication.
// With a token, a redirect to another host, or from https to http, is not
// followed.
//
// # Email
//
// An email alert is sent by SMTP to the configured host:port: with STARTTLS
// when the server offers it (and refused when it does not but a username is
// configured, so a password never travels in clear), or over TLS from the
// start on port 465; with AUTH PLAIN when a username is set. The message is
// plain text (UTF-8, quoted-printable) with the title, link and summary of
// each item. Its Message-ID, <HASH@DOMAIN-OF-FROM>, is derived from the
// alert's key, the topic and the items' ids: a message sent again after a
// failure (SMTP is at least once too) has the same Message-ID, by which
// mail clients recognise it, and two items, or two digests of different
// items, have different ones. A test message's Message-ID is random.
//
// # Secrets
//
// Header values, the ntfy token, the userinfo and query values of the
// webhook or ntfy URL, and the SMTP password are secrets: an error of a
// delivery (logged, stored as the alert's last error, shown by /healthz
// and by refeed alert-test) has each of them, and each word of a header
// value, replaced by REDACTED, including where the receiver's answer
// quotes them; secrets shorter than 4 characters are not looked for. An
// alert's name (in logs and /healthz) shows its URL without userinfo
// password and query values.
package alert

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/store"
)

// Defaults of a Dispatcher's settings.
const (
	DefaultBackoff    = 30 * time.Second
	DefaultMaxBackoff = time.Hour
	DefaultExpire     = 72 * time.Hour
	DefaultTimeout    = 30 * time.Second
)

// A Dispatcher queues and delivers the alerts of one configuration. It is
// safe for concurrent use; its exported fields are settings that must be
// set, if at all, before its first use.
type Dispatcher struct {
	// Backoff is the delay after a first failed attempt; it doubles with
	// every further failure, up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Expire is how long after being queued a delivery that keeps failing
	// is dropped.
	Expire time.Duration
	// Timeout bounds one delivery: an HTTP request, or a whole SMTP session.
	Timeout time.Duration
	// Now is the clock.
	Now func() time.Time
	// HTTPClient sends webhooks and ntfy messages.
	HTTPClient *http.Client
	// TLSConfig is used for SMTP; nil means the system's roots. Its
	// ServerName, when empty, is the SMTP host.
	TLSConfig *tls.Config

	// Claims, when set, makes every delivery round claim an alert's
	// deliveries from the store before it sends them, for Lease, as
	// Owner (see store.Cluster.ClaimAlert), so that instances sharing a
	// store never send them at once; an alert another instance holds is
	// left to it.
	Claims AlertClaims
	Owner  string
	Lease  time.Duration

	st  store.Alerts
	m   *metrics.Metrics // nil: none
	log *slog.Logger

	mu      sync.Mutex // guards cfg and targets
	cfg     *config.Config
	targets []*target

	deliverMu sync.Mutex    // one delivery round at a time
	wake      chan struct{} // something was queued
}

// New returns a dispatcher for the alerts of cfg, keeping its state in st
// and counting deliveries in m (which may be nil). A dispatcher used only
// for Test needs no store: st may then be nil.
func New(cfg *config.Config, st store.Alerts, m *metrics.Metrics, log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{
		Backoff:    DefaultBackoff,
		MaxBackoff: DefaultMaxBackoff,
		Expire:     DefaultExpire,
		Timeout:    DefaultTimeout,
		Now:        time.Now,
		HTTPClient: &http.Client{},
		st:         st,
		m:          m,
		log:        log,
		wake:       make(chan struct{}, 1),
	}
	d.SetConfig(cfg)
	return d
}

// SetConfig makes the dispatcher use the alerts of cfg from now on, as
// after a reload. Deliveries queued for alerts cfg no longer has are
// dropped at the next delivery round.
func (d *Dispatcher) SetConfig(cfg *config.Config) {
	targets := targetsOf(cfg, d.log)
	d.mu.Lock()
	d.cfg, d.targets = cfg, targets
	d.mu.Unlock()
}

func (d *Dispatcher) current() (*config.Config, []*target) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg, d.targets
}

// Collect queues deliveries for the items that entered topics in the saves
// since the last call (store.SaveSource records them with the items): every
// alert of such a topic remembers it has seen the item and, unless the save
// was the first of its source, queues a delivery of every item it had not
// seen before. It wakes Run when something was queued.
func (d *Dispatcher) Collect(ctx context.Context) error {
	_, targets := d.current()
	keys := func(topic string) []string {
		var out []string
		for _, t := range targets {
			if t.topic.Slug == topic {
				out = append(out, t.key)
			}
		}
		return out
	}
	n, err := d.st.TakeEntered(ctx, keys, trim, d.Now())
	if err != nil {
		return fmt.Errorf("collect alerts: %w", err)
	}
	if n > 0 {
		d.log.Debug("alerts queued", "deliveries", n)
		d.Wake()
	}
	return nil
}

// Wake makes Run collect and deliver now.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// trim returns the part of an item an alert needs, to keep the queue
// small: its summary, or the start of its content in its place, and no
// content or enclosures.
func trim(it item.Item) item.Item {
	if strings.TrimSpace(it.Summary) == "" {
		it.Summary = html.EscapeString(summaryOf(&it))
	}
	it.Content, it.Enclosures = "", nil
	return it
}

// Deliver sends everything due: the deliveries of items whose next attempt
// has come, and the digests whose period has passed, every alert at the
// same time. A failed delivery is recorded (and retried later), not
// returned: the error is that of the store.
func (d *Dispatcher) Deliver(ctx context.Context) error {
	d.deliverMu.Lock()
	defer d.deliverMu.Unlock()
	_, targets := d.current()
	now := d.Now()
	keys := make([]string, len(targets))
	for i, t := range targets {
		keys[i] = t.key
	}
	dropped, err := d.st.DropAlerts(ctx, keys, now.Add(-d.Expire))
	if err != nil {
		return fmt.Errorf("deliver alerts: %w", err)
	}
	for _, dl := range dropped {
		reason := "alert removed from the configuration"
		if slices.Contains(keys, dl.Key) {
			reason = "failing for too long"
		}
		d.log.Warn("alert delivery dropped", "reason", reason, "topic", dl.Topic, "alert", keyName(dl.Key), "item", dl.Item.ID,
			"queued", dl.Queued, "attempts", dl.Attempts, "last_error", dl.LastError)
	}
	states, err := d.st.AlertStates(ctx)
	if err != nil {
		return fmt.Errorf("deliver alerts: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, t := range targets {
		st := states[t.key]
		if t.alert.Digest <= 0 && st.Pending == 0 {
			continue
		}
		wg.Go(func() {
			release, ok, err := d.claim(ctx, t.key)
			if err != nil || !ok {
				errs[i] = err
				return
			}
			defer release()
			if t.alert.Digest > 0 {
				errs[i] = d.deliverDigest(ctx, t, st, now)
			} else {
				errs[i] = d.deliverItems(ctx, t, now)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("deliver alerts: %w", err)
	}
	return nil
}

// AlertClaims is the part of a store.Cluster that claims alerts'
// deliveries.
type AlertClaims interface {
	ClaimAlert(ctx context.Context, key, owner string, lease time.Duration) (bool, error)
	ReleaseAlert(ctx context.Context, key, owner string) error
}

// claim claims the deliveries of the alert with the given key, when
// claims are in use, and reports whether the round may send them; release
// gives them back.
func (d *Dispatcher) claim(ctx context.Context, key string) (release func(), ok bool, err error) {
	if d.Claims == nil {
		return func() {}, true, nil
	}
	ok, err = d.Claims.ClaimAlert(ctx, key, d.Owner, d.Lease)
	if err != nil || !ok {
		return nil, false, err
	}
	// The lease is renewed while the round sends (a slow receiver, many
	// items), so that no other instance takes the alert meanwhile.
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(max(d.Lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if ok, err := d.Claims.ClaimAlert(ctx, key, d.Owner, d.Lease); err != nil || !ok {
					d.log.Warn("renewing the lease of an alert's deliveries failed", "alert", keyName(key), "held", ok, "err", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-renewed
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.Claims.ReleaseAlert(rctx, key, d.Owner); err != nil {
			d.log.Warn("releasing an alert's deliveries failed: another instance takes them when the lease ends", "alert", keyName(key), "err", err)
		}
	}, true, nil
}

// deliverItems sends the due deliveries of a per-item alert, oldest first,
// until one fails.
func (d *Dispatcher) deliverItems(ctx context.Context, t *target, now time.Time) error {
	due, err := d.st.PendingAlerts(ctx, t.key, true, now)
	if err != nil {
		return err
	}
	for _, dl := range due {
		if ctx.Err() != nil {
			return nil
		}
		ok, err := d.attempt(ctx, t, []item.Item{dl.Item}, false, dl.Attempts)
		if err != nil || !ok {
			return err
		}
	}
	return nil
}

// deliverDigest sends the digest of an alert when its period has passed.
func (d *Dispatcher) deliverDigest(ctx context.Context, t *target, st store.AlertState, now time.Time) error {
	if st.LastDigest.IsZero() {
		return d.st.StartAlertDigest(ctx, t.key, now)
	}
	if now.Before(st.LastDigest.Add(t.alert.Digest)) {
		return nil
	}
	if st.Pending == 0 {
		return d.st.StartAlertDigest(ctx, t.key, now)
	}
	if st.NextAttempt.After(now) {
		return nil // backing off
	}
	pending, err := d.st.PendingAlerts(ctx, t.key, false, now)
	if err != nil || len(pending) == 0 {
		return err
	}
	items := make([]item.Item, len(pending))
	attempts := 0
	for i, dl := range pending {
		items[i] = dl.Item
		attempts = max(attempts, dl.Attempts)
	}
	_, err = d.attempt(ctx, t, items, true, attempts)
	return err
}

// attempt sends items to t (as a digest when digest is set) and records
// the outcome; failed is how many attempts failed before. It reports
// whether the delivery succeeded; the error is that of the store.
func (d *Dispatcher) attempt(ctx context.Context, t *target, items []item.Item, digest bool, failed int) (bool, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	log := d.log.With("topic", t.topic.Slug, "alert", t.name, "items", len(items))
	sendErr := d.send(ctx, t, items, digest, false)
	if sendErr != nil && ctx.Err() != nil {
		return false, nil // stopping: not the receiver's fault
	}
	now := d.Now()
	if sendErr == nil {
		d.count(t, metrics.AlertOK)
		log.Info("alert delivered", "digest", digest)
		return true, d.st.AlertDelivered(ctx, t.key, ids, digest, now)
	}
	d.count(t, metrics.AlertError)
	next := now.Add(d.backoff(failed + 1))
	log.Warn("alert delivery failed", "err", sendErr, "attempts", failed+1, "next_attempt", next)
	return false, d.st.AlertFailed(ctx, t.key, ids, sendErr.Error(), next, now)
}

func (d *Dispatcher) count(t *target, result string) {
	if d.m == nil {
		return
	}
	d.m.AlertDeliveries.WithLabelValues(t.topic.Slug, result).Inc()
	if result == metrics.AlertError {
		d.m.AlertRetries.WithLabelValues(t.topic.Slug).Inc()
	}
}

// backoff returns how long to wait after the given number of failed
// attempts.
func (d *Dispatcher) backoff(failures int) time.Duration {
	b := d.Backoff
	for i := 1; i < failures && b < d.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.MaxBackoff)
	return b - time.Duration(rand.Int64N(int64(b)/5+1))
}

// Run collects and delivers what is due every interval, and soon after
// Wake, or Collect queued something, until ctx ends.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := d.Collect(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("collecting alerts failed", "err", err)
		}
		if err := d.Deliver(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("alert delivery round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// Serve delivers what is due every interval, and soon after Wake, until
// ctx ends, as Run does, but collects nothing: the instance that leads
// collects (see Collect) for every instance sharing the store.
func (d *Dispatcher) Serve(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := d.Deliver(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("alert delivery round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// Health is the state of one configured alert, as /healthz reports it.
type Health struct {
	Topic       string    `json:"topic"`            // the topic's slug
	Target      string    `json:"target"`           // kind and destination, without credentials
	Digest      string    `json:"digest,omitempty"` // the digest period; empty: one message per item
	Pending     int       `json:"pending"`          // deliveries waiting
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"` // of the last attempt; empty when it succeeded
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"` // zero: nothing waiting
}

// Health returns the state of every configured alert, in the order of the
// configuration.
func (d *Dispatcher) Health(ctx context.Context) ([]Health, error) {
	_, targets := d.current()
	states, err := d.st.AlertStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("alert health: %w", err)
	}
	out := make([]Health, 0, len(targets))
	for _, t := range targets {
		st := states[t.key]
		h := Health{
			Topic: t.topic.Slug, Target: t.name, Pending: st.Pending,
			LastSuccess: st.LastSuccess, LastError: st.LastError, LastErrorAt: st.LastErrorAt,
		}
		if st.Pending > 0 {
			h.NextAttempt = st.NextAttempt
		}
		if t.alert.Digest > 0 {
			h.Digest = t.alert.Digest.String()
			if st.Pending > 0 && !st.LastDigest.IsZero() {
				h.NextAttempt = latest(st.NextAttempt, st.LastDigest.Add(t.alert.Digest))
			}
		}
		out = append(out, h)
	}
	return out, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Test sends a sample message, clearly marked as a test, to every alert of
// the topic with the given slug, now, and returns what failed. Nothing is
// queued or recorded.
func (d *Dispatcher) Test(ctx context.Context, topicSlug string) error {
	cfg, targets := d.current()
	tp, ok := cfg.Topic(topicSlug)
	if !ok {
		return fmt.Errorf("alert test: unknown topic %q", topicSlug)
	}
	sample := item.Item{
		ID:     "urn:refeed:alert-test",
		Source: "refeed",
		Title:  "refeed test alert: " + tp.Name,
		Summary: fmt.Sprintf("This is a test message sent by refeed alert-test, not a news item. "+
			"If you can read it, the alert for the topic %q works.", tp.Name),
		Published: d.Now().UTC().Truncate(time.Second),
	}
	if cfg.BaseURL != "" {
		sample.Link = cfg.BaseURL + "/" + tp.Slug + ".atom"
	}
	var errs []error
	n := 0
	for _, t := range targets {
		if t.topic.Slug != tp.Slug {
			continue
		}
		n++
		if err := d.send(ctx, t, []item.Item{sample}, t.alert.Digest > 0, true); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.name, err))
		} else {
			d.log.Info("test alert sent", "topic", tp.Slug, "alert", t.name)
		}
	}
	if n == 0 {
		return fmt.Errorf("alert test: topic %q has no alerts", topicSlug)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("alert test: %w", err)
	}
	return nil
}

// send sends items to t: one item, or a digest of them. test marks a
// message sent by Test.
func (d *Dispatcher) send(ctx context.Context, t *target, items []item.Item, digest, test bool) error {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	msg := newMessage(t.topic, items, digest, test)
	var err error
	switch {
	case t.alert.Webhook != "":
		err = d.sendWebhook(ctx, t, msg)
	case t.alert.Ntfy != "":
		err = d.sendNtfy(ctx, t, msg)
	case t.alert.Email != nil:
		err = d.sendEmail(ctx, t, msg)
	default:
		err = errors.New("alert has no target")
	}
	return t.scrub(err)
}
