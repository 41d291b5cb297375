package cluster

import (
	"context"
	"log/slog"
	"time"

	"github.com/refeed/refeed/store"
)

// A Watcher hands the feeds the leader renders to the instance's server:
// soon after the store announces them (store.Cluster.RenderedChanged),
// and every Poll in case an announcement was lost.
type Watcher struct {
	Store store.Cluster
	Poll  time.Duration
	// Apply is given the feeds rendered since its last call, oldest
	// first: every stored feed the first time.
	Apply func(feeds []store.RenderedFeed)
	// Status, when set, is told the outcome of each call to the store.
	Status func(error)
	Log    *slog.Logger
}

// Run watches until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	changed := w.Store.RenderedChanged(ctx)
	var after int64
	retry := backoff{base: w.Poll}
	for {
		delay := w.Poll
		feeds, last, err := w.Store.Rendered(ctx, after)
		if ctx.Err() != nil {
			return
		}
		if w.Status != nil {
			w.Status(err)
		}
		if err != nil {
			delay = retry.fail()
			w.Log.Error("reading the rendered feeds failed; serving what was read before", "err", err, "retry_in", delay)
		} else {
			retry.ok()
			if len(feeds) > 0 {
				w.Apply(feeds)
			}
			after = max(after, last)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-changed:
		}
		t.Stop()
	}
}
