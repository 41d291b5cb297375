// Package cluster runs what refeed instances sharing one store do
// together (see SCALEOUT.md): each instance claims due sources from the
// store and refreshes them (Claimer), one of them leads and publishes
// (Leader), and every one serves the feeds the leader rendered (Watcher).
// With one instance and SQLite the same loops run, alone.
//
// The package knows the store's coordination calls (store.Cluster) and
// nothing of feeds: what a refresh or a leader's round does is given to it
// as functions. Every loop retries a failing store with backoff, up to
// MaxRetry between attempts, and recovers when the store answers again.
package cluster

import (
	"log/slog"
	"runtime/debug"
	"time"
)

// MaxRetry bounds the delay between attempts while the store fails.
const MaxRetry = 30 * time.Second

// minDelay is the shortest a loop waits between two rounds, so that a
// store that keeps saying "due now" cannot make it spin.
const minDelay = 5 * time.Millisecond

// A backoff doubles a delay per failure, from base to MaxRetry.
type backoff struct {
	base, cur time.Duration
}

// fail returns the delay before the next attempt after a failure.
func (b *backoff) fail() time.Duration {
	if b.cur < b.base {
		b.cur = b.base
	} else {
		b.cur = min(2*b.cur, MaxRetry)
	}
	return b.cur
}

// ok resets the delay after a success.
func (b *backoff) ok() { b.cur = 0 }

// wake sends on a channel of capacity one without blocking.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// guard runs f, logging a panic instead of ending the process: a bug one
// document triggers fails that refresh or round, not the daemon.
func guard(log *slog.Logger, what string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			log.Error(what+" panicked", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	f()
}
