package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Cluster is the part of a Store that lets several refeed instances share
// one store (see SCALEOUT.md): sources are claimed for a lease instead of
// scheduled in memory, one instance at a time leads (publishes, applies
// retention, collects alerts), and the leader keeps the rendered feeds in
// the store for every instance to serve. The clock of every time it keeps
// is the store's own (the database's), never an instance's. With one
// instance (SQLite) the same calls work the same way.
type Cluster interface {
	// Now returns the store's clock.
	Now(ctx context.Context) (time.Time, error)

	// SyncSources makes the configured sources those of scheds. A source
	// new to the store, or whose Digest changed, becomes due at once;
	// with all set, every one does but those backing off after failures
	// (their NextAttempt still to come), which stay due when they were.
	// A source that is leased when it
	// becomes due so is due again as soon as its lease ends (completed
	// or expired), not while it is being refreshed. A source the store
	// knows but scheds does not name is never claimed again (its state
	// stays until it is configured again).
	SyncSources(ctx context.Context, scheds []Schedule, all bool) error

	// Claim leases to owner, for lease, up to n configured sources that
	// are due, the longest due first; with perHost > 0, no more than
	// perHost sources of one host are leased at once across every
	// instance. The lease is folded into the due time: a source whose
	// lease expired (its instance died) is due again. Claim also returns
	// how long, by the store's clock, until the next configured source
	// that is not leased now becomes due: 0 when one is due already, -1
	// when there is none.
	Claim(ctx context.Context, owner string, n int, lease time.Duration, perHost int) ([]Claim, time.Duration, error)
	// Renew extends a claim's lease to lease from now. It returns
	// ErrLeaseLost when the claim is no longer owner's (its lease expired
	// and another instance claimed the source, or SyncSources dropped it).
	Renew(ctx context.Context, owner string, c Claim, lease time.Duration) error
	// Release gives a claim back unrefreshed (at shutdown, say): the
	// source is due again at once. A lost claim is left alone.
	Release(ctx context.Context, owner string, c Claim) error

	// Lead records c's instance (its configuration hash, when it was last
	// seen) and, when c.Candidate is set, makes it the leader for c.TTL
	// when no instance leads, the leader's lead expired or it leads
	// already (a new leader starts a new term; a renewal keeps the
	// term). It returns the leader after the call (a zero Leader when
	// none leads).
	Lead(ctx context.Context, c Candidate) (Leader, error)
	// Resign ends owner's lead, when it leads, so that another instance
	// may lead at once.
	Resign(ctx context.Context, owner string) error
	// Instances returns the instances seen within the last since, by
	// name.
	Instances(ctx context.Context, since time.Duration) ([]Instance, error)

	// PutRendered stores the rendered feeds, replacing those of the same
	// slugs; each gets a new version, greater than every version before.
	// It is fenced: it fails with ErrNotLeader unless ctx carries the
	// current leader's term (see WithTerm).
	PutRendered(ctx context.Context, feeds []RenderedFeed) error
	// Rendered returns the rendered feeds whose version is greater than
	// after (every feed for 0), and the greatest version stored.
	Rendered(ctx context.Context, after int64) ([]RenderedFeed, int64, error)
	// RenderedChanged returns a channel that receives a value (at most
	// one waiting) when feeds may have been rendered, by any instance,
	// until ctx ends (the channel is not closed). Feeds rendered after it
	// returns are notified, when the store can be reached; notifications
	// can be lost (a connection dropped): callers poll Rendered as well.
	RenderedChanged(ctx context.Context) <-chan struct{}

	// ClaimAlert leases the deliveries of the alert with the given key to
	// owner for lease, when no other instance holds them, and reports
	// whether it did. An owner holding it renews it.
	ClaimAlert(ctx context.Context, key, owner string, lease time.Duration) (bool, error)
	// ReleaseAlert ends owner's lease of the alert's deliveries.
	ReleaseAlert(ctx context.Context, key, owner string) error
}

// A Schedule is a configured source as claims see it.
type Schedule struct {
	Name string
	// Host is the host of the source's URL, for the per-host limit.
	Host string
	// Digest identifies what a refresh of the source depends on (its URL,
	// rules, schedule): when it changes, the source is due at once.
	Digest string
}

// A Claim is a source leased to one instance for one refresh.
type Claim struct {
	Name string
	// Gen is the source's claim generation, which every claim increments:
	// a lease is the pair of owner and Gen.
	Gen int64
}

// A Lease fences the write of a claimed source's state (SourceState.Lease):
// SaveSource and PutSource write nothing and return ErrLeaseLost unless
// the source is still claimed by Owner with generation Gen and still
// configured (PutSources leaves such a state out, writes the others and
// returns an error wrapping ErrLeaseLost). The claim may have expired, if
// no other instance claimed the source since. A fenced write ends the
// claim: the source is next due at Next(now), now being the store's clock
// at the write, or at once when SyncSources made it due while it was
// leased. Without Next it is due at once; when Next returns the zero
// time, it is not scheduled (NextDue zero) until SyncSources makes it due.
type Lease struct {
	Owner string
	Gen   int64
	Next  func(now time.Time) time.Time
}

// A Candidate is an instance as Lead records it.
type Candidate struct {
	Owner string
	// Hash is the hash of the instance's configuration (without what may
	// differ between instances).
	Hash string
	TTL  time.Duration
	// Candidate reports that the instance may lead.
	Candidate bool
}

// A Leader is the instance that leads.
type Leader struct {
	Owner string
	Term  int64 // greater for every new leader
	Hash  string
	// Self reports that the caller of Lead leads.
	Self bool
}

// An Instance is a refeed instance as the store last saw it.
type Instance struct {
	Name string
	Hash string
	Seen time.Time
}

// A RenderedFeed is one feed as the leader rendered it, in every format.
type RenderedFeed struct {
	Slug    string
	Title   string
	Items   int       // items in the feed
	Updated time.Time // the newest item's time
	Private bool      // a private topic's feed
	// Docs and ETags hold each format's document and entity tag, by
	// format name ("rss", "atom", "json").
	Docs  map[string][]byte
	ETags map[string]string
	// Version orders the renderings (set by the store).
	Version int64
}

// ErrLeaseLost is returned for the write of a claimed source that is no
// longer claimed by the writer: nothing was written.
var ErrLeaseLost = errors.New("store: lease lost")

// ErrNotLeader is returned for a fenced change (see WithTerm) when the
// term it carries is not the current leader's: nothing was changed.
var ErrNotLeader = errors.New("store: not the leader")

// termKey is the context key of a leader's term.
type termKey struct{}

// A term is a leader's term as WithTerm carries it.
type term struct {
	owner string
	term  int64
}

// WithTerm returns a context that fences the changes made with it by the
// leader owner's term: PutRendered, Prune, Retag, MarkChanged, Published,
// SetMeta and TakeEntered then fail with ErrNotLeader, changing nothing,
// when owner no longer leads in that term (its lead expired, or another
// instance leads). While such a change is made, no other instance takes
// the lead. Without a term, those changes but PutRendered are not fenced;
// other changes never are.
func WithTerm(ctx context.Context, owner string, t int64) context.Context {
	return context.WithValue(ctx, termKey{}, term{owner, t})
}

// termOf returns the term ctx carries, if any.
func termOf(ctx context.Context) (term, bool) {
	t, ok := ctx.Value(termKey{}).(term)
	return t, ok
}

// leaseNext returns when a source whose claim l ends at now is due next:
// l.Next(now), or now without Next.
func leaseNext(l *Lease, now time.Time) time.Time {
	if l.Next == nil {
		return now
	}
	return l.Next(now)
}

// lastSchedules returns scheds with each name once, its last schedule
// counting.
func lastSchedules(scheds []Schedule) []Schedule {
	last := make(map[string]int, len(scheds))
	for i, sc := range scheds {
		last[sc.Name] = i
	}
	if len(last) == len(scheds) {
		return scheds
	}
	out := make([]Schedule, 0, len(last))
	for i, sc := range scheds {
		if last[sc.Name] == i {
			out = append(out, sc)
		}
	}
	return out
}

// checkClaim checks the arguments of a claim.
func checkClaim(owner string, lease time.Duration) error {
	if owner == "" {
		return errors.New("no owner")
	}
	if lease <= 0 {
		return fmt.Errorf("lease %v", lease)
	}
	return nil
}

// lostError returns the error of PutSources for the sources whose leases
// were lost, or nil for none.
func lostError(lost []string) error {
	if len(lost) == 0 {
		return nil
	}
	return fmt.Errorf("write sources %s: %w", strings.Join(lost, ", "), ErrLeaseLost)
}
