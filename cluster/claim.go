package cluster

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/refeed/refeed/store"
)

// A Claimer claims due sources from the store and refreshes them, up to
// Slots at once, renewing each claim's lease while its refresh runs.
type Claimer struct {
	Store store.Cluster
	Owner string // the instance's name
	Slots int    // refreshes at once; at least one
	// Lease is how long a claim lasts unrenewed; it is renewed every
	// third of it.
	Lease time.Duration
	// Poll is the longest wait between two claims.
	Poll time.Duration
	// PerHost, when positive, bounds the sources of one host refreshed at
	// once by every instance together.
	PerHost int
	// Refresh refreshes a claimed source, and reports whether it wrote
	// the source's state (which ends the claim; see store.Lease). Its ctx
	// ends when the lease is lost or the claimer stops. A claim it did
	// not end is released: the source is due again at once.
	Refresh func(ctx context.Context, c store.Claim) bool
	// Allowed, when set, reports whether the instance may claim now.
	Allowed func() bool
	// Status, when set, is told the outcome of each call to the store:
	// nil when it answered.
	Status func(error)
	Log    *slog.Logger

	once  sync.Once
	wakeC chan struct{}
}

func (c *Claimer) init() {
	c.once.Do(func() { c.wakeC = make(chan struct{}, 1) })
}

// Wake makes Run claim now rather than at its next poll (after a reload
// made sources due, say).
func (c *Claimer) Wake() {
	c.init()
	wake(c.wakeC)
}

// Run claims and refreshes until ctx ends, then waits for the refreshes
// under way to return.
func (c *Claimer) Run(ctx context.Context) {
	c.init()
	slots := max(c.Slots, 1)
	done := make(chan struct{}, slots)
	var wg sync.WaitGroup
	defer wg.Wait()
	running := 0
	retry := backoff{base: c.Poll}
	for {
		delay := c.Poll
		if free := slots - running; free > 0 && (c.Allowed == nil || c.Allowed()) {
			claims, wait, err := c.Store.Claim(ctx, c.Owner, free, c.Lease, c.PerHost)
			if ctx.Err() != nil {
				return
			}
			c.status(err)
			if err != nil {
				delay = retry.fail()
				c.Log.Error("claiming sources failed", "err", err, "retry_in", delay)
			} else {
				retry.ok()
				for _, cl := range claims {
					running++
					wg.Go(func() {
						c.run(ctx, cl)
						done <- struct{}{}
					})
				}
				if wait > 0 && wait < delay {
					delay = max(wait, minDelay)
				}
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-c.wakeC:
		case <-done:
			running--
		}
		t.Stop()
		// Take every other refresh that ended meanwhile.
		for drained := false; !drained; {
			select {
			case <-done:
				running--
			default:
				drained = true
			}
		}
	}
}

// run refreshes one claimed source, renewing its lease meanwhile.
func (c *Claimer) run(ctx context.Context, cl store.Claim) {
	rctx, cancel := context.WithCancel(ctx)
	renewed := make(chan struct{})
	var lost atomic.Bool
	go func() {
		defer close(renewed)
		t := time.NewTicker(max(c.Lease/3, minDelay))
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
			}
			err := c.Store.Renew(rctx, c.Owner, cl, c.Lease)
			switch {
			case rctx.Err() != nil:
				return
			case errors.Is(err, store.ErrLeaseLost):
				// Also when the refresh's own fenced write ended the
				// claim meanwhile: the refresh then reports it wrote.
				lost.Store(true)
				cancel()
				return
			case err != nil:
				// The store may answer again before the lease ends.
				c.Log.Warn("renewing a lease failed", "source", cl.Name, "err", err)
			}
		}
	}()
	var wrote bool
	guard(c.Log, "refresh of "+cl.Name, func() { wrote = c.Refresh(rctx, cl) })
	cancel()
	<-renewed
	if wrote {
		return
	}
	if lost.Load() {
		c.Log.Warn("lease lost: the refresh was abandoned, its result discarded", "source", cl.Name)
		return
	}
	rel, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	if err := c.Store.Release(rel, c.Owner, cl); err != nil {
		c.Log.Warn("releasing a claim failed: the source is due again when its lease ends", "source", cl.Name, "err", err)
	}
}

func (c *Claimer) status(err error) {
	if c.Status != nil {
		c.Status(err)
	}
}
