package store

import (
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// waitPending waits until n saves wait for a transaction.
func waitPending(t *testing.T, s *SQLite, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.saveMu.Lock()
		got := len(s.pending)
		s.saveMu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d saves pending, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// save runs SaveSource for one item of source on its own goroutine.
func save(t *testing.T, s *SQLite, source string) <-chan error {
	errc := make(chan error, 1)
	go func() {
		it := mk(source, "", "https://example.org/"+source, "Story of "+source)
		_, err := s.SaveSource(ctx, SourceState{Name: source}, []item.Item{it}, t0)
		errc <- err
	}()
	return errc
}

// A save waits for one announced by Expect, and both share a commit.
func TestExpectedSaveSharesCommit(t *testing.T) {
	s, _ := open(t)
	s.groupWait = time.Hour // wait for b, however slow the machine
	before := s.commits.Load()
	arrived := s.Expect(8)
	a := save(t, s, "a")
	waitPending(t, s, 1)
	b := save(t, s, "b")
	waitPending(t, s, 2) // the writer still waits for b's announcement
	arrived()
	for _, errc := range []<-chan error{a, b} {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if n := s.commits.Load() - before; n != 1 {
		t.Errorf("%d commits for two saves, want 1", n)
	}
	if n, err := s.Count(ctx, config.AllFeed); err != nil || n != 2 {
		t.Errorf("%d items stored, want 2 (%v)", n, err)
	}
}

// An announced save that never comes holds the others back for
// groupWait at most; one called off, or announced with no room for more
// saves than are ready, does not hold them at all.
func TestExpectedSaveDoesNotHoldForever(t *testing.T) {
	s, _ := open(t)
	s.groupWait = 50 * time.Millisecond
	never := s.Expect(8)
	defer never()
	start := time.Now()
	if err := <-save(t, s, "a"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < s.groupWait {
		t.Errorf("save took %v, want it to wait %v for the announced one", took, s.groupWait)
	}

	never()
	never() // a second call changes nothing
	s.groupWait = time.Hour
	off := s.Expect(8)
	b := save(t, s, "b")
	waitPending(t, s, 1)
	off()
	if err := <-b; err != nil {
		t.Fatal(err)
	}
	// Nor does one announced with no room for more saves than are ready.
	full := s.Expect(1)
	defer full()
	if err := <-save(t, s, "c"); err != nil {
		t.Fatal(err)
	}
	full()

	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.expected != 0 {
		t.Errorf("%d saves still expected", s.expected)
	}
}
