package cluster

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/refeed/refeed/store"
)

// A Leader takes part in electing the instance that leads, and runs the
// leader's work on the instance while it leads. Every instance runs one:
// it records the instance's configuration hash in the store, and tells
// whether that hash differs from the leader's (Skewed).
type Leader struct {
	Store store.Cluster
	Owner string // the instance's name
	// TTL is how long a lead lasts unrenewed; it is renewed every third
	// of it.
	TTL time.Duration
	// Candidate reports that the instance may lead.
	Candidate bool
	// Hash returns the hash of the instance's configuration now.
	Hash func() string
	// Poll is the longest wait between two rounds of the leader's work.
	Poll time.Duration
	// Round runs one round of the leader's work. Its ctx carries the
	// leader's term (store.WithTerm), so that what it changes is fenced,
	// and ends when the lead is lost. first is set on a term's first
	// round.
	Round func(ctx context.Context, first bool)
	// Changed, when set, is told when the leader changes or the
	// instance's skew does.
	Changed func(ld store.Leader, skewed bool)
	// Status, when set, is told the outcome of each call to the store.
	Status func(error)
	Log    *slog.Logger

	once  sync.Once
	wakeC chan struct{}

	mu      sync.Mutex
	cur     store.Leader
	skewed  bool
	known   bool            // the store answered an election
	renewed time.Time       // when the store last confirmed the lead (own clock)
	lead    *lead           // the term under way, while leading
	base    context.Context // Run's
}

// lead is one term of the instance's lead.
type lead struct {
	term   int64
	ctx    context.Context
	cancel context.CancelFunc
}

func (l *Leader) init() {
	l.once.Do(func() { l.wakeC = make(chan struct{}, 1) })
}

// Wake makes the leader's next round start now, when the instance leads
// (after a save, say).
func (l *Leader) Wake() {
	l.init()
	wake(l.wakeC)
}

// Current returns the leader the store last named (a zero Leader when
// none leads, or none was named yet).
func (l *Leader) Current() store.Leader {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// Skewed reports whether the instance's configuration differs from the
// leader's, so that it must neither fetch nor publish.
func (l *Leader) Skewed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.skewed
}

// Known reports whether the store answered an election since Run started:
// until then Skewed cannot tell a configuration that differs from the
// leader's.
func (l *Leader) Known() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.known
}

// Run takes part in the election and, while the instance leads, runs
// rounds until ctx ends. At its end, when the instance leads, it runs a
// last round and resigns the lead.
func (l *Leader) Run(ctx context.Context) {
	l.init()
	var wg sync.WaitGroup
	l.mu.Lock()
	l.base = ctx
	l.mu.Unlock()
	wg.Go(func() { l.work(ctx) })
	l.elect(ctx)
	wg.Wait()
	l.mu.Lock()
	leading := l.lead != nil
	l.mu.Unlock()
	l.stopLead()
	if leading {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := l.Store.Resign(rctx, l.Owner); err != nil {
			l.Log.Warn("resigning the lead failed: another instance leads when it expires", "err", err)
		}
	}
}

// elect renews the instance's record and lead every third of TTL.
func (l *Leader) elect(ctx context.Context) {
	every := max(l.TTL/3, minDelay)
	retry := backoff{base: every}
	for {
		delay := every
		asked := time.Now()
		ld, err := l.Store.Lead(ctx, store.Candidate{Owner: l.Owner, Hash: l.Hash(), TTL: l.TTL, Candidate: l.Candidate})
		if ctx.Err() != nil {
			return
		}
		if l.Status != nil {
			l.Status(err)
		}
		if err != nil {
			delay = min(retry.fail(), every)
			l.Log.Error("electing the leader failed", "err", err, "retry_in", delay)
			l.mu.Lock()
			// The lead is lost for sure once TTL passed since the store
			// last confirmed it; stop leading a little before.
			expired := l.lead != nil && time.Since(l.renewed) > l.TTL*2/3
			l.mu.Unlock()
			if expired {
				l.Log.Warn("leading no more: the store did not confirm the lead in time")
				l.stopLead()
			}
		} else {
			retry.ok()
			l.update(ld, asked)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// update records what Lead returned.
func (l *Leader) update(ld store.Leader, asked time.Time) {
	hash := l.Hash()
	skewed := ld.Owner != "" && !ld.Self && ld.Hash != hash
	l.mu.Lock()
	changed := ld.Owner != l.cur.Owner || ld.Term != l.cur.Term || skewed != l.skewed
	l.cur, l.skewed, l.known = ld, skewed, true
	var start, stop bool
	switch {
	case ld.Self && (l.lead == nil || l.lead.term != ld.Term):
		stop, start = l.lead != nil, true
	case !ld.Self && l.lead != nil:
		stop = true
	}
	if ld.Self {
		l.renewed = asked
	}
	l.mu.Unlock()
	if stop {
		l.stopLead()
	}
	if start {
		l.mu.Lock()
		ctx, cancel := context.WithCancel(l.base)
		l.lead = &lead{term: ld.Term, ctx: store.WithTerm(ctx, l.Owner, ld.Term), cancel: cancel}
		l.mu.Unlock()
		l.Log.Info("leading", "instance", l.Owner, "term", ld.Term)
		l.Wake()
	}
	if changed {
		if skewed {
			l.Log.Error("the configuration differs from the leader's: not fetching or publishing until they match (reload one or the other)", "leader", ld.Owner, "leader_config", short(ld.Hash), "config", short(hash))
		} else if ld.Owner != "" && !ld.Self {
			l.Log.Info("following", "leader", ld.Owner, "term", ld.Term)
		}
		if l.Changed != nil {
			l.Changed(ld, skewed)
		}
	}
}

// stopLead ends the term under way, if any: its rounds' ctx ends.
func (l *Leader) stopLead() {
	l.mu.Lock()
	ld := l.lead
	l.lead = nil
	l.mu.Unlock()
	if ld != nil {
		ld.cancel()
		l.Log.Info("leading no more", "instance", l.Owner, "term", ld.term)
	}
}

// work runs the leader's rounds: every Poll, and soon after Wake, while
// the instance leads.
func (l *Leader) work(ctx context.Context) {
	var ran int64 // the term of the last round
	for {
		l.mu.Lock()
		ld := l.lead
		l.mu.Unlock()
		if ld != nil && ld.ctx.Err() == nil {
			guard(l.Log, "the leader's round", func() { l.Round(ld.ctx, ld.term != ran) })
			ran = ld.term
		}
		t := time.NewTimer(l.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			l.last()
			return
		case <-t.C:
		case <-l.wakeC:
		}
		t.Stop()
	}
}

// last runs a last round when the instance leads as Run ends, so that
// what was saved before (the refreshes under way at shutdown, say) is
// published before the lead passes on. Its ctx keeps the term but does not
// end with Run's.
func (l *Leader) last() {
	l.mu.Lock()
	ld := l.lead
	l.mu.Unlock()
	if ld == nil {
		return
	}
	guard(l.Log, "the leader's last round", func() { l.Round(context.WithoutCancel(ld.ctx), false) })
}

// short returns the start of a hash, for logs.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
