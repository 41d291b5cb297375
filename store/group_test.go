package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// save runs SaveSource for one item of source on its own goroutine.
func save(s *SQLite, source string, published time.Time) <-chan error {
	errc := make(chan error, 1)
	go func() {
		it := mk(source, "", "https://example.org/"+source, "Story of "+source)
		it.Published = published
		_, err := s.SaveSource(ctx, SourceState{Name: source, LastSuccess: t0}, []item.Item{it}, t0)
		errc <- err
	}()
	return errc
}

// waitQueued waits until n saves wait for the writer to take them.
func waitQueued(t *testing.T, s *SQLite, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.saves) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d saves queued, want %d", len(s.saves), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSavesWaitingShareACommit: saves that come while the database is busy
// (here: held by the test, as by another transaction) are written in one
// transaction, with one commit; one of them that fails fails none of the
// others.
func TestSavesWaitingShareACommit(t *testing.T) {
	s, _ := open(t)
	before := s.Commits()
	const n = 10
	s.mu.Lock()
	var errs []<-chan error
	for i := range n {
		published := t0
		if i == 3 {
			published = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // cannot be encoded
		}
		errs = append(errs, save(s, fmt.Sprintf("s%02d", i), published))
	}
	// The writer took one and waits for the database; the others queue.
	waitQueued(t, s, n-1)
	s.mu.Unlock()
	for i, errc := range errs {
		if err := <-errc; (err != nil) != (i == 3) {
			t.Errorf("save %d: %v", i, err)
		}
	}
	if c := s.Commits() - before; c != 1 {
		t.Errorf("%d commits for %d saves waiting together, want 1", c, n)
	}
	if c, err := s.Count(ctx, config.AllFeed); err != nil || c != n-1 {
		t.Errorf("%d items stored, want %d (%v)", c, n-1, err)
	}
}

// TestSaveAlone: a save with no other waiting is written at once, in a
// commit of its own, whatever saves came before.
func TestSaveAlone(t *testing.T) {
	s, _ := open(t)
	for i := range 3 {
		before := s.Commits()
		start := time.Now()
		if err := <-save(s, fmt.Sprint("a", i), t0); err != nil {
			t.Fatal(err)
		}
		if c := s.Commits() - before; c != 1 {
			t.Errorf("save %d: %d commits, want 1", i, c)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("save %d took %v", i, took)
		}
	}
}

// TestCloseWaitsForSaves: Close lets the saves under way finish; a save
// after Close fails with ErrClosed, and Close may be called again.
func TestCloseWaitsForSaves(t *testing.T) {
	path := t.TempDir() + "/" + FileName
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	var errs []<-chan error
	for i := range 5 {
		errs = append(errs, save(s, fmt.Sprint("c", i), t0))
	}
	waitQueued(t, s, 4)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	s.mu.Unlock()
	for i, errc := range errs {
		if err := <-errc; err != nil {
			t.Errorf("save %d under way at Close: %v", i, err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSource(ctx, SourceState{Name: "late"}, nil, t0); !errors.Is(err, ErrClosed) {
		t.Errorf("save after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s, err = OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.Count(ctx, config.AllFeed); err != nil || c != 5 {
		t.Errorf("%d items after Close, want 5 (%v)", c, err)
	}
}

// TestSaveGivesUpWaitingWhenCanceled: a save that cannot be handed to the
// writer (the queue is full) returns when its context ends.
func TestSaveGivesUpWaitingWhenCanceled(t *testing.T) {
	s, _ := open(t)
	s.mu.Lock()
	var errs []<-chan error
	for i := range maxBatch + 1 {
		errs = append(errs, save(s, fmt.Sprint("q", i), t0))
	}
	waitQueued(t, s, maxBatch)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.SaveSource(cctx, SourceState{Name: "canceled"}, nil, t0)
	s.mu.Unlock()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled save: %v", err)
	}
	for _, errc := range errs {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// TestLostLeaseFailsOnlyItsSave: of saves waiting together, those whose
// leases are lost fail with ErrLeaseLost and store nothing; the others
// are stored, in one transaction.
func TestLostLeaseFailsOnlyItsSave(t *testing.T) {
	s, _ := open(t)
	var scheds []Schedule
	for i := range 6 {
		scheds = append(scheds, Schedule{Name: fmt.Sprintf("l%d", i), Host: "ex.org", Digest: "1"})
	}
	if err := s.SyncSources(ctx, scheds, false); err != nil {
		t.Fatal(err)
	}
	claims, _, err := s.Claim(ctx, "me", 6, time.Minute, 0)
	if err != nil || len(claims) != 6 {
		t.Fatalf("claims %v, %v", claims, err)
	}
	before := s.Commits()
	s.mu.Lock()
	errs := make([]chan error, len(claims))
	for i, c := range claims {
		errs[i] = make(chan error, 1)
		gen := c.Gen
		if i%2 == 1 {
			gen++ // not the claim's: lost
		}
		go func() {
			it := mk(c.Name, "", "https://example.org/"+c.Name, "Story of "+c.Name)
			_, err := s.SaveSource(ctx, SourceState{Name: c.Name, ETag: "saved", LastSuccess: t0, Lease: &Lease{Owner: "me", Gen: gen}}, []item.Item{it}, t0)
			errs[i] <- err
		}()
	}
	waitQueued(t, s, len(claims)-1)
	s.mu.Unlock()
	for i, errc := range errs {
		if err := <-errc; (i%2 == 1) != errors.Is(err, ErrLeaseLost) || i%2 == 0 && err != nil {
			t.Errorf("save %d: %v", i, err)
		}
	}
	if c := s.Commits() - before; c != 1 {
		t.Errorf("%d commits, want 1", c)
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 3 {
		t.Errorf("%d items stored, want 3", n)
	}
	for i, c := range claims {
		if st, _ := s.Source(ctx, c.Name); (st.ETag == "saved") != (i%2 == 0) {
			t.Errorf("%s: state %+v", c.Name, st)
		}
	}
}
