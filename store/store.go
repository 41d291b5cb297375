// Package store keeps refeed's state: the cleaned items with their topics
// and first-seen times, the fetch state of every source, what retention
// removed, the alerts' deliveries and the full-text articles.
//
// Callers see the interface Store (or a part of it, such as Alerts); its
// batching and transactions stay inside. SQLite (OpenSQLite) is the
// default backend; PostgreSQL (OpenPostgres) is the backend for several
// instances sharing one state (not selectable in the configuration yet).
// Package storetest holds the promises of Store as tests that every
// backend runs.
package store

import (
	"context"
	"time"

	"github.com/refeed/refeed/item"
)

// A Store keeps refeed's state between refreshes. It is safe for
// concurrent use; every method that changes something does so at once or
// not at all.
type Store interface {
	// Source returns the state of the named source; a source never
	// fetched has a zero state with its name.
	Source(ctx context.Context, name string) (SourceState, error)
	// Sources returns the state of every source the store knows, by name.
	Sources(ctx context.Context) ([]SourceState, error)
	// PutSource records the state of a source.
	PutSource(ctx context.Context, st SourceState) error
	// PutSources records the states of several sources at once.
	PutSources(ctx context.Context, states []SourceState) error

	// SaveSource stores the items of one successful fetch of a source and
	// the source's new state, at once. Items carry their topics; an item
	// already stored (same id, or the same story from another source:
	// same GUID, same normalized link, or the same normalized title
	// within TitleWindow) is updated or merged, never duplicated. Items
	// that retention removed are not stored again. Items without an id
	// are given one (item.NewID). Concurrent saves may share a
	// transaction, but one that fails does not fail the others.
	SaveSource(ctx context.Context, st SourceState, items []item.Item, now time.Time) (*SaveResult, error)
	// Fingerprints returns the fingerprints of the items the named source
	// sent last, by item id (the id the source's item has before any
	// merge). An item whose fingerprint is unchanged need not be saved
	// again: saving it would change nothing.
	Fingerprints(ctx context.Context, source string) (map[string]string, error)
	// Feed returns the newest items of a feed, newest first: every item
	// for config.AllFeed, else the items of the topic with that slug.
	// Items carry their topics and sources (their own first).
	Feed(ctx context.Context, slug string, limit int) ([]item.Item, error)
	// Count returns the number of items of a feed (see Feed).
	Count(ctx context.Context, slug string) (int, error)
	// Prune applies retention: it removes items first seen more than
	// maxAge ago (an old item of a newly added source stays for maxAge)
	// and items that are among the newest maxItems of no feed. Removed
	// items are remembered, for twice maxAge, so that a source still
	// carrying them does not bring them back; so are their fingerprints
	// and full-text articles. It returns the feeds that changed, sorted.
	Prune(ctx context.Context, maxItems int, maxAge time.Duration, now time.Time) ([]string, error)
	// Retag gives every stored item the topics match returns for it, as
	// when the configured topics changed, and returns the feeds that
	// changed, sorted. Items entering a topic this way are not reported
	// as entered: they were already there when the topic came.
	Retag(ctx context.Context, match func(*item.Item) []string) ([]string, error)

	// Unpublished returns the feeds marked as changed since they were
	// last published, each with its newest mark. SaveSource, Prune and
	// Retag mark the feeds they change, in the same transaction as the
	// change, so that a publication lost to a crash or a failure is made
	// by the next one.
	Unpublished(ctx context.Context) (map[string]int64, error)
	// MarkChanged marks feeds as changed, for what changes them besides
	// their items (the configuration, say).
	MarkChanged(ctx context.Context, slugs []string) error
	// Published clears the marks of published feeds: those of each feed
	// in marks up to the mark given (as Unpublished returned it before
	// the feed was read), not those made since.
	Published(ctx context.Context, marks map[string]int64) error

	// FullText returns the article stored for link, and whether there is
	// one.
	FullText(ctx context.Context, link string) (FullText, bool, error)
	// PutFullText stores the article fetched for link (or the failure).
	PutFullText(ctx context.Context, link string, ft FullText) error

	// Meta returns a stored setting, or "" when unset.
	Meta(ctx context.Context, key string) (string, error)
	// SetMeta stores a setting.
	SetMeta(ctx context.Context, key, value string) error

	Alerts
	Cluster

	// Close waits for the saves under way and closes the store. Calls
	// after Close fail.
	Close() error
}

// Alerts is the part of a Store that package alert uses: what every alert
// has seen, the deliveries waiting to be sent and each alert's delivery
// state. An alert key is the alert's stable identity (chosen by package
// alert); the store treats it as an opaque string.
type Alerts interface {
	// QueueAlerts records that the alerts of entries have seen their
	// items. When queue is set, it also queues a delivery of every item
	// an alert had not seen before, due at now or, when the alert is
	// backing off after failures, with its other deliveries; an item
	// seen before is never queued again. It returns the number of
	// deliveries queued. Everything happens at once.
	QueueAlerts(ctx context.Context, entries []AlertEntry, queue bool, now time.Time) (int, error)
	// TakeEntered queues alert deliveries for the items SaveSource
	// recorded as entering topics since the last call, as QueueAlerts
	// does (items of a source's first save are only remembered as seen),
	// and forgets the records, at once: the records are saved with the
	// items, so no alert is lost to a crash between the two. keys returns
	// the alert keys of a topic; prepare returns the part of an item a
	// delivery keeps. Items removed since they entered are left out. It
	// returns the number of deliveries queued.
	TakeEntered(ctx context.Context, keys func(topic string) []string, prepare func(item.Item) item.Item, now time.Time) (int, error)
	// AlertSeen reports whether the alert with the given key has seen the
	// item.
	AlertSeen(ctx context.Context, key, itemID string) (bool, error)
	// PendingAlerts returns the deliveries waiting for the alert with the
	// given key, oldest first; with dueOnly, only those whose next
	// attempt is not after now.
	PendingAlerts(ctx context.Context, key string, dueOnly bool, now time.Time) ([]AlertDelivery, error)
	// AlertDelivered records that the items were delivered to the alert
	// with the given key: their deliveries leave the queue, and the
	// alert's last success becomes now and its last error is cleared.
	// When digest is set, now also starts the alert's next digest period.
	AlertDelivered(ctx context.Context, key string, itemIDs []string, digest bool, now time.Time) error
	// AlertFailed records a failed attempt to deliver the items to the
	// alert with the given key: their attempts grow by one, their last
	// error becomes msg and their next attempt next. Every other waiting
	// delivery of the alert waits until next too (without counting an
	// attempt), so that a failing receiver is tried once per backoff, not
	// once per item.
	AlertFailed(ctx context.Context, key string, itemIDs []string, msg string, next, now time.Time) error
	// StartAlertDigest starts a new digest period of the alert with the
	// given key at t.
	StartAlertDigest(ctx context.Context, key string, t time.Time) error
	// AlertStates returns the state of every alert the store knows (that
	// has a state or waiting deliveries), by key.
	AlertStates(ctx context.Context) (map[string]AlertState, error)
	// DropAlerts removes from the queue the deliveries of alerts whose
	// key is not in keep, and those queued before expired that failed at
	// least once, and returns them (with their items' ids only). What the
	// alerts have seen stays, so that an alert configured again does not
	// repeat itself.
	DropAlerts(ctx context.Context, keep []string, expired time.Time) ([]AlertDelivery, error)
}

// SourceState is what the store remembers of a source between fetches.
type SourceState struct {
	Name         string
	URL          string
	Title        string // the feed's own title
	Link         string // the feed's web site
	ETag         string
	LastModified string
	Hash         string // of the last body
	LastAttempt  time.Time
	LastSuccess  time.Time
	LastError    string
	Failures     int       // consecutive
	NextAttempt  time.Time // earliest next fetch after failures
	// NextDue is when the source is due next (see Cluster.Claim); zero
	// while it was never scheduled. Writes ignore it.
	NextDue time.Time
	// Lease, when set, fences a write of the state (see Lease); reads
	// leave it nil.
	Lease *Lease
}

// TitleWindow is how far apart two items from different sources with the
// same normalized title may be published to count as one story.
const TitleWindow = 48 * time.Hour

// An Entry is an item that entered a topic: its id, not the item, so that
// the results of a cycle's saves stay small however large the items are
// (TakeEntered reads the items when alerts are queued).
type Entry struct {
	Topic  string
	ItemID string
}

// A SaveResult says what saving a source's items changed.
type SaveResult struct {
	New     int // items stored for the first time
	Updated int // stored items whose content changed
	Merged  int // items recognized as a story another source carried
	// Changed lists the feeds (topic slugs and config.AllFeed) whose items
	// changed, sorted.
	Changed []string
	// Entered lists the items that entered a topic, in the order saved.
	Entered []Entry
	// First reports that the source had never been saved before.
	First bool
}

// An AlertEntry is an item that entered the topic of an alert.
type AlertEntry struct {
	Key   string // the alert's key
	Topic string // the topic's slug
	Item  item.Item
}

// An AlertDelivery is a delivery of an item waiting to be sent to an alert.
type AlertDelivery struct {
	Key         string
	Topic       string
	Item        item.Item
	Queued      time.Time
	Attempts    int       // failed attempts so far
	NextAttempt time.Time // not before
	LastError   string    // of the last failed attempt
}

// An AlertState is what the store knows of an alert's deliveries.
type AlertState struct {
	Key         string
	LastSuccess time.Time // of the last delivery; zero: never
	LastError   string    // of the last attempt; empty when it succeeded
	LastErrorAt time.Time
	LastDigest  time.Time // start of the current digest period; zero: none yet
	Pending     int       // deliveries waiting
	NextAttempt time.Time // earliest next attempt of a waiting delivery; zero: none waiting
}

// A FullText is the article fetched for an item's link: its extracted
// content, or why there is none.
type FullText struct {
	Content string
	Error   string // why the fetch or extraction failed; Content is then empty
	Fetched time.Time
	// Title, Authors and Date are what a site config's title, author and
	// date directives found in the page, as written there; empty when
	// they found nothing.
	Title   string
	Authors []string
	Date    string
	// Rules identifies what the article was extracted with (the site
	// config of the page, say), so that the caller can tell an article
	// extracted with other rules, which is stale.
	Rules string
}
