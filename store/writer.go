package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/refeed/refeed/item"
)

// Saves are written by one goroutine of the store, the writer, fed by the
// SaveSource calls (as yarr's workers feed its one writer loop). Once it
// has its turn at the database, the writer takes every save waiting and
// writes them in one transaction: saves that come while a transaction runs
// wait for the next one, which takes all of them (group commit). So
// concurrent refreshes share their commits, an fsync each, and callers
// follow no protocol: SaveSource is a plain blocking call.

// maxBatch is the most saves one transaction takes, and how many may wait
// for the writer before SaveSource blocks.
const maxBatch = 64

// ErrClosed is the error of a save made after the store was closed.
var ErrClosed = errors.New("store closed")

// A saveRequest is one SaveSource call waiting for its transaction.
type saveRequest struct {
	st    SourceState
	items []item.Item
	prep  []newRow // by item: its row, should it be new
	now   time.Time
	res   *SaveResult
	err   error
	done  chan struct{} // closed when res and err are set
}

// SaveSource stores the items of one successful fetch of a source and the
// source's new state, in one transaction, which it may share with other
// saves (see the Store interface). It returns when the transaction has
// committed or failed. ctx ending stops a save only while it waits to be
// handed to the writer; once handed over, it is written.
func (s *SQLite) SaveSource(ctx context.Context, st SourceState, items []item.Item, now time.Time) (_ *SaveResult, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return nil, fmt.Errorf("save source %s: %w", st.Name, ErrClosed)
	}
	s.inflight.Add(1)
	s.closeMu.RUnlock()
	defer s.inflight.Done()

	req := &saveRequest{st: st, items: items, now: now, done: make(chan struct{})}
	// What a new item's row needs is computed here, on the caller's
	// goroutine, rather than by the one writer that saves the batch.
	req.prep = make([]newRow, len(items))
	for i := range items {
		it := &items[i]
		if it.ID == "" {
			it.ID = item.NewID(st.Name, it)
		}
		req.prep[i] = prepareRow(it, now)
	}
	select {
	case s.saves <- req:
	case <-ctx.Done():
		return nil, fmt.Errorf("save source %s: %w", st.Name, ctx.Err())
	}
	<-req.done
	if req.err != nil {
		return nil, fmt.Errorf("save source %s: %w", st.Name, req.err)
	}
	return req.res, nil
}

// Commits returns the number of save transactions committed since the
// store was opened: what saving cost in commits (each an fsync).
func (s *SQLite) Commits() int64 { return s.commits.Load() }

// startWriter starts the writer.
func (s *SQLite) startWriter() {
	s.saves = make(chan *saveRequest, maxBatch)
	s.stop = make(chan struct{})
	s.written = make(chan struct{})
	go s.write()
}

// stopWriter stops the writer, once no save is under way (see Close).
func (s *SQLite) stopWriter() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.written
}

// write is the writer: it saves the waiting requests, as many as wait (up
// to maxBatch) in one transaction, until stopped. A save is written even
// when its caller's context ends meanwhile: the write is short, and the
// next fetch may no longer carry the items.
func (s *SQLite) write() {
	defer close(s.written)
	ctx := context.Background()
	batch := make([]*saveRequest, 0, maxBatch)
	for {
		select {
		case req := <-s.saves:
			batch = append(batch[:0], req)
		case <-s.stop:
			return
		}
		// Callers about to save (their refreshes just done, say) get to
		// run before the transaction begins, so that their saves join it
		// rather than wait for a commit of their own; so do the saves that
		// came while the last transaction ran, or while another writer
		// (Prune, say) held the database.
		runtime.Gosched()
		s.mu.Lock()
	gather:
		for len(batch) < maxBatch {
			select {
			case req := <-s.saves:
				batch = append(batch, req)
			default:
				break gather
			}
		}
		s.saveBatch(ctx, batch)
		s.mu.Unlock()
		for i, req := range batch {
			close(req.done)
			batch[i] = nil
		}
	}
}
