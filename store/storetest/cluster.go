package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
)

// The tests of store.Cluster. Several instances are several goroutines
// on one store: on PostgreSQL, each on a connection of its own. Leases
// are short, and every wait for one to end is bounded.

// schedules returns the schedules of n sources, named prefix0, prefix1
// and so on, of hosts host0 to host(hosts-1) in turn.
func schedules(prefix string, n, hosts int) []store.Schedule {
	out := make([]store.Schedule, n)
	for i := range out {
		out[i] = store.Schedule{Name: fmt.Sprintf("%s%02d", prefix, i), Host: fmt.Sprintf("host%d.example", i%hosts), Digest: "d1"}
	}
	return out
}

// inAnHour is a source's next due time after a refresh.
func inAnHour(now time.Time) time.Time { return now.Add(time.Hour) }

// claimAll claims every due source for owner, in claims of up to n, until
// none is due (at most rounds claims).
func claimAll(t *testing.T, s store.Store, owner string, n, perHost int, lease time.Duration) []store.Claim {
	t.Helper()
	var all []store.Claim
	for range 100 {
		cs, _, err := s.Claim(ctx, owner, n, lease, perHost)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			return all
		}
		all = append(all, cs...)
	}
	t.Fatal("sources still due after 100 claims")
	return nil
}

// waitClaim claims for owner until it gets a claim of one source, for at
// most 5 s.
func waitClaim(t *testing.T, s store.Store, owner string, lease time.Duration) store.Claim {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cs, _, err := s.Claim(ctx, owner, 1, lease, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 1 {
			return cs[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s claimed nothing in 5 s", owner)
	return store.Claim{}
}

// names returns the names of claims, sorted.
func names(cs []store.Claim) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}

// testClaimsAreExclusive: claimers claiming at once, each refreshing what
// it claimed (a fenced save), claim every due source once; then none is
// due, and the next is due in about an hour. A store without sources has
// none due ever.
func testClaimsAreExclusive(t *testing.T, e *env) {
	s := e.open()
	if cs, next, err := s.Claim(ctx, "a", 4, time.Minute, 0); err != nil || len(cs) != 0 || next != -1 {
		t.Fatalf("empty store: %v, %v, %v", cs, next, err)
	}
	const sources, claimers = 60, 6
	if err := s.SyncSources(ctx, schedules("s", sources, 7), false); err != nil {
		t.Fatal(err)
	}
	if _, next, err := s.Claim(ctx, "a", 0, time.Minute, 0); err != nil || next != 0 {
		t.Fatalf("claiming none of the due sources: next %v, %v", next, err)
	}
	var mu sync.Mutex
	claimed := map[string][]string{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for c := range claimers {
		owner := fmt.Sprintf("instance%d", c)
		wg.Go(func() {
			<-start
			for range 100 {
				cs, _, err := s.Claim(ctx, owner, 3, time.Minute, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) == 0 {
					return
				}
				for _, cl := range cs {
					mu.Lock()
					claimed[cl.Name] = append(claimed[cl.Name], owner)
					mu.Unlock()
					st := store.SourceState{Name: cl.Name, LastSuccess: t0, ETag: owner,
						Lease: &store.Lease{Owner: owner, Gen: cl.Gen, Next: inAnHour}}
					if _, err := s.SaveSource(ctx, st, nil, t0); err != nil {
						t.Errorf("%s saving %s: %v", owner, cl.Name, err)
					}
				}
			}
			t.Errorf("%s: sources still due after 100 claims", owner)
		})
	}
	close(start)
	wg.Wait()
	if len(claimed) != sources {
		t.Errorf("%d sources claimed, want %d", len(claimed), sources)
	}
	for name, by := range claimed {
		if len(by) != 1 {
			t.Errorf("%s claimed by %v", name, by)
		}
	}
	cs, next, err := s.Claim(ctx, "a", 10, time.Minute, 0)
	if err != nil || len(cs) != 0 || next < 59*time.Minute || next > time.Hour {
		t.Errorf("after every refresh: claims %v, next %v, %v", cs, next, err)
	}
	now, err := s.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Sources(ctx)
	if err != nil || len(all) != sources {
		t.Fatalf("%d sources, %v", len(all), err)
	}
	for _, st := range all {
		if d := st.NextDue.Sub(now); d < 59*time.Minute || d > time.Hour {
			t.Errorf("%s due in %v, want about an hour", st.Name, d)
		}
		if st.ETag != claimed[st.Name][0] {
			t.Errorf("%s: state of %q, claimed by %v", st.Name, st.ETag, claimed[st.Name])
		}
	}
}

// testClaimPerHost: claimers claiming at once never lease more than
// perHost sources of one host; claims after theirs take every host up to
// the limit, and a source refreshed leaves room for one more of its host.
func testClaimPerHost(t *testing.T, e *env) {
	s := e.open()
	const hosts, perHost = 3, 2
	if err := s.SyncSources(ctx, schedules("s", 30, hosts), false); err != nil {
		t.Fatal(err)
	}
	hostOf := func(name string) string {
		var i int
		fmt.Sscanf(name, "s%d", &i)
		return fmt.Sprintf("host%d.example", i%hosts)
	}
	var mu sync.Mutex
	var claimed []store.Claim
	owners := map[string]string{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 6 {
		owner := fmt.Sprintf("instance%d", c)
		wg.Go(func() {
			<-start
			cs, _, err := s.Claim(ctx, owner, 5, time.Minute, perHost)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			claimed = append(claimed, cs...)
			for _, c := range cs {
				owners[c.Name] = owner
			}
		})
	}
	close(start)
	wg.Wait()
	perHostClaimed := func() map[string]int {
		m := map[string]int{}
		for _, c := range claimed {
			m[hostOf(c.Name)]++
		}
		return m
	}
	for h, k := range perHostClaimed() {
		if k > perHost {
			t.Errorf("%s: %d sources leased at once, limit %d", h, k, perHost)
		}
	}
	// What the claims at once left (some may have found their candidates
	// taken) is claimed now, up to the limit.
	more := claimAll(t, s, "late", 10, perHost, time.Minute)
	for _, c := range more {
		owners[c.Name] = "late"
	}
	claimed = append(claimed, more...)
	if got := perHostClaimed(); !maps.Equal(got, map[string]int{"host0.example": 2, "host1.example": 2, "host2.example": 2}) {
		t.Errorf("leased by host: %v", got)
	}
	// Sources of hosts at their limit are due, not leased: due now.
	if _, next, err := s.Claim(ctx, "late", 0, time.Minute, perHost); err != nil || next != 0 {
		t.Errorf("next %v, %v", next, err)
	}
	done := claimed[0]
	if err := s.PutSource(ctx, store.SourceState{Name: done.Name, Lease: &store.Lease{Owner: owners[done.Name], Gen: done.Gen, Next: inAnHour}}); err != nil {
		t.Fatal(err)
	}
	cs, _, err := s.Claim(ctx, "late", 10, time.Minute, perHost)
	if err != nil || len(cs) != 1 || hostOf(cs[0].Name) != hostOf(done.Name) || cs[0].Name == done.Name {
		t.Errorf("after %s was refreshed: %v, %v", done.Name, cs, err)
	}
	// Without a limit, every due source is claimed.
	if rest := claimAll(t, s, "nolimit", 50, 0, time.Minute); len(rest) != 30-7 {
		t.Errorf("%d claimed without a limit, want %d", len(rest), 30-7)
	}
}

// testExpiredLeaseIsClaimedAgain: a source whose lease expired is claimed
// again, with a new generation; the first claimer's save and state are
// refused (ErrLeaseLost) and change nothing, and so is its renewal; the
// second's save is stored.
func testExpiredLeaseIsClaimedAgain(t *testing.T, e *env) {
	s := e.open()
	if err := s.SyncSources(ctx, schedules("s", 1, 1), false); err != nil {
		t.Fatal(err)
	}
	a := waitClaim(t, s, "a", 200*time.Millisecond)
	if cs, next, err := s.Claim(ctx, "b", 1, time.Minute, 0); err != nil || len(cs) != 0 || next != -1 {
		t.Fatalf("b claimed a leased source: %v, next %v, %v", cs, next, err)
	}
	b := waitClaim(t, s, "b", time.Minute)
	if b.Name != a.Name || b.Gen <= a.Gen {
		t.Fatalf("claims %+v, then %+v", a, b)
	}
	late := store.SourceState{Name: a.Name, ETag: `"a"`, LastSuccess: t0, Lease: &store.Lease{Owner: "a", Gen: a.Gen, Next: inAnHour}}
	_, err := s.SaveSource(ctx, late, []item.Item{mk(a.Name, "", "https://ex.org/late", "A late story", "nato")}, t0)
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a's late save: %v, want ErrLeaseLost", err)
	}
	if err := s.PutSource(ctx, late); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a's late state: %v, want ErrLeaseLost", err)
	}
	if err := s.PutSources(ctx, []store.SourceState{late, {Name: "other", ETag: `"o"`}}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a's late states: %v, want ErrLeaseLost", err)
	}
	if err := s.Renew(ctx, "a", a, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a's renewal: %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, "a", a); err != nil {
		t.Errorf("a's release of a lost claim: %v", err)
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 0 {
		t.Errorf("%d items stored by a lost lease", n)
	}
	if st, _ := s.Source(ctx, a.Name); st.ETag != "" || !st.LastSuccess.IsZero() {
		t.Errorf("state after a's lost save: %+v", st)
	}
	if st, _ := s.Source(ctx, "other"); st.ETag != `"o"` {
		t.Errorf("the other state of a's PutSources: %+v", st)
	}
	// The release of a lost claim left b's claim alone.
	if cs, _, _ := s.Claim(ctx, "c", 1, time.Minute, 0); len(cs) != 0 {
		t.Errorf("claimed after a's release: %v", cs)
	}
	// Saves at once, one of them lost, fail only that one.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			src := fmt.Sprintf("other%d", i)
			if _, err := s.SaveSource(ctx, store.SourceState{Name: src, LastSuccess: t0}, []item.Item{mk(src, "", "https://ex.org/"+src, "Story of "+src)}, t0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		if _, err := s.SaveSource(ctx, late, []item.Item{mk(a.Name, "", "https://ex.org/late", "A late story")}, t0); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("a's late save: %v, want ErrLeaseLost", err)
		}
	})
	wg.Wait()
	if n, _ := s.Count(ctx, config.AllFeed); n != 4 {
		t.Errorf("%d items stored by the saves at once, want 4", n)
	}
	res, err := s.SaveSource(ctx, store.SourceState{Name: b.Name, ETag: `"b"`, LastSuccess: t0, Lease: &store.Lease{Owner: "b", Gen: b.Gen, Next: inAnHour}},
		[]item.Item{mk(b.Name, "", "https://ex.org/b", "B's story")}, t0)
	if err != nil || res.New != 1 {
		t.Fatalf("b's save: %+v, %v", res, err)
	}
	now, _ := s.Now(ctx)
	if st, _ := s.Source(ctx, b.Name); st.ETag != `"b"` || st.NextDue.Sub(now) < 59*time.Minute || st.NextDue.Sub(now) > time.Hour {
		t.Errorf("state after b's save: %+v (now %v)", st, now)
	}
	// A claim ended by its save is lost: saving again is refused.
	if _, err := s.SaveSource(ctx, store.SourceState{Name: b.Name, Lease: &store.Lease{Owner: "b", Gen: b.Gen}}, nil, t0); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("b's second save: %v, want ErrLeaseLost", err)
	}
	if err := s.PutSource(ctx, store.SourceState{Name: "never", Lease: &store.Lease{Owner: "b", Gen: 1}}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("state of a source never claimed: %v, want ErrLeaseLost", err)
	}
	if st, _ := s.Source(ctx, "never"); st != (store.SourceState{Name: "never"}) {
		t.Errorf("a source never claimed: %+v", st)
	}
}

// testRenewAndRelease: a renewed claim outlasts its first lease; a
// released one is due at once, and claimed again with a new generation;
// a claim released is lost.
func testRenewAndRelease(t *testing.T, e *env) {
	s := e.open()
	if err := s.SyncSources(ctx, schedules("s", 1, 1), false); err != nil {
		t.Fatal(err)
	}
	a := waitClaim(t, s, "a", 300*time.Millisecond)
	if err := s.Renew(ctx, "a", a, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, "b", a, 10*time.Second); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("b renewed a's claim: %v", err)
	}
	if err := s.Renew(ctx, "a", store.Claim{Name: a.Name, Gen: a.Gen + 1}, 10*time.Second); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a renewed a claim of another generation: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	cs, next, err := s.Claim(ctx, "b", 1, time.Minute, 0)
	if err != nil || len(cs) != 0 || next != -1 {
		t.Errorf("after the first lease, renewed: %v, next %v, %v", cs, next, err)
	}
	now, _ := s.Now(ctx)
	if st, _ := s.Source(ctx, a.Name); st.NextDue.Sub(now) < 9*time.Second || st.NextDue.Sub(now) > 10*time.Second {
		t.Errorf("renewed lease ends in %v", st.NextDue.Sub(now))
	}
	if err := s.Release(ctx, "b", a); err != nil {
		t.Fatal(err)
	}
	if cs, _, _ := s.Claim(ctx, "b", 1, time.Minute, 0); len(cs) != 0 {
		t.Errorf("b's release of a's claim released it: %v", cs)
	}
	if err := s.Release(ctx, "a", a); err != nil {
		t.Fatal(err)
	}
	cs, _, err = s.Claim(ctx, "b", 1, time.Minute, 0)
	if err != nil || len(cs) != 1 || cs[0].Gen <= a.Gen {
		t.Errorf("after a's release: %v, %v", cs, err)
	}
	if err := s.Renew(ctx, "a", a, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a renewed a released claim: %v", err)
	}
}

// testSyncSources: new sources are due at once; after their refresh,
// unchanged ones are not, changed ones (or every one, with all) are; a
// source no longer configured is never claimed, and keeps its state; one
// changed while it is leased is due again once its refresh ends.
func testSyncSources(t *testing.T, e *env) {
	s := e.open()
	refresh := func(owner string, cs []store.Claim) {
		t.Helper()
		for _, c := range cs {
			if err := s.PutSource(ctx, store.SourceState{Name: c.Name, ETag: `"` + c.Name + `"`, Lease: &store.Lease{Owner: owner, Gen: c.Gen, Next: inAnHour}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	syncTo := func(all bool, scheds ...store.Schedule) {
		t.Helper()
		if err := s.SyncSources(ctx, scheds, all); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := store.Schedule{Name: "a", Host: "a.example", Digest: "1"}, store.Schedule{Name: "b", Host: "b.example", Digest: "1"}, store.Schedule{Name: "c", Host: "a.example", Digest: "1"}
	syncTo(false, a, b, c)
	if st, _ := s.Source(ctx, "a"); st.NextDue.IsZero() {
		t.Errorf("a new source is not scheduled: %+v", st)
	}
	cs := claimAll(t, s, "i", 10, 0, time.Minute)
	if got := names(cs); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("new sources claimed: %v", got)
	}
	refresh("i", cs)
	syncTo(false, a, b, c)
	if cs := claimAll(t, s, "i", 10, 0, time.Minute); len(cs) != 0 {
		t.Errorf("unchanged sources claimed: %v", names(cs))
	}
	b.Digest = "2"
	syncTo(false, a, b, c)
	cs = claimAll(t, s, "i", 10, 0, time.Minute)
	if got := names(cs); !slices.Equal(got, []string{"b"}) {
		t.Errorf("after b changed: %v", got)
	}
	refresh("i", cs)
	syncTo(true, a, b, c)
	cs = claimAll(t, s, "i", 10, 0, time.Minute)
	if got := names(cs); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("after a sync of all: %v", got)
	}
	refresh("i", cs)
	// c is no longer configured: never claimed, even when every source
	// is due; its state stays, and it is known again once configured.
	syncTo(true, a, b)
	cs = claimAll(t, s, "i", 10, 0, time.Minute)
	if got := names(cs); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("after c was dropped: %v", got)
	}
	if st, _ := s.Source(ctx, "c"); st.ETag != `"c"` {
		t.Errorf("c's state after it was dropped: %+v", st)
	}
	// A claim of a source dropped meanwhile is lost.
	syncTo(false, b)
	var ca store.Claim
	for _, c := range cs {
		if c.Name == "a" {
			ca = c
		}
	}
	if err := s.Renew(ctx, "i", ca, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("renewal of a dropped source: %v", err)
	}
	if err := s.PutSource(ctx, store.SourceState{Name: "a", Lease: &store.Lease{Owner: "i", Gen: ca.Gen}}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("state of a dropped source: %v", err)
	}
	// Its release makes it due at once, once configured again.
	if err := s.Release(ctx, "i", ca); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == "b" {
			refresh("i", []store.Claim{c})
		}
	}
	c.Digest = "2"
	syncTo(false, a, b, c)
	cs = claimAll(t, s, "i", 10, 0, time.Minute)
	if got := names(cs); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("after a and c came back (a released, c changed): %v", got)
	}
	// c changes while it is leased: it is not claimed while leased, but
	// due at once when its refresh ends.
	c.Digest = "3"
	syncTo(false, a, b, c)
	if more := claimAll(t, s, "j", 10, 0, time.Minute); len(more) != 0 {
		t.Errorf("claimed while leased: %v", names(more))
	}
	refresh("i", cs)
	now, _ := s.Now(ctx)
	if st, _ := s.Source(ctx, "c"); st.NextDue.After(now) {
		t.Errorf("c, changed while leased, is due in %v after its refresh", st.NextDue.Sub(now))
	}
	if st, _ := s.Source(ctx, "a"); st.NextDue.Sub(now) < 59*time.Minute {
		t.Errorf("a, unchanged, is due in %v after its refresh", st.NextDue.Sub(now))
	}
	cs = claimAll(t, s, "j", 10, 0, time.Minute)
	if got := names(cs); !slices.Equal(got, []string{"c"}) {
		t.Errorf("after the refresh of c, changed while leased: %v", got)
	}
	// The same source twice: the last schedule counts.
	if err := s.SyncSources(ctx, []store.Schedule{a, {Name: "a", Host: "a.example", Digest: "9"}, b, c}, false); err != nil {
		t.Fatal(err)
	}
	if cs := claimAll(t, s, "j", 10, 0, time.Minute); !slices.Equal(names(cs), []string{"a"}) {
		t.Errorf("after a changed, given twice: %v", names(cs))
	}
	// No sources: none is configured.
	syncTo(true)
	if cs, next, err := s.Claim(ctx, "j", 10, time.Minute, 0); err != nil || len(cs) != 0 || next != -1 {
		t.Errorf("after a sync of none: %v, next %v, %v", cs, next, err)
	}
}

// testLeader: an instance leads until its lead expires or it resigns;
// another takes over then, in a new term; a renewal keeps the term (and
// records a new hash); every instance is recorded.
func testLeader(t *testing.T, e *env) {
	s := e.open()
	const ttl = 500 * time.Millisecond
	lead := func(owner, hash string, candidate bool) store.Leader {
		t.Helper()
		l, err := s.Lead(ctx, store.Candidate{Owner: owner, Hash: hash, TTL: ttl, Candidate: candidate})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := lead("c", "h", false); l != (store.Leader{}) {
		t.Errorf("no candidate yet: %+v", l)
	}
	a := lead("a", "h1", true)
	if !a.Self || a.Owner != "a" || a.Hash != "h1" || a.Term < 1 {
		t.Fatalf("a: %+v", a)
	}
	if l := lead("b", "h1", true); l.Self || l.Owner != "a" || l.Term != a.Term {
		t.Errorf("b while a leads: %+v", l)
	}
	if l := lead("c", "h", false); l.Self || l.Owner != "a" {
		t.Errorf("c, not a candidate: %+v", l)
	}
	if l := lead("a", "h2", true); !l.Self || l.Term != a.Term || l.Hash != "h2" {
		t.Errorf("a's renewal: %+v, first %+v", l, a)
	}
	// a's lead expires: b takes over, in a new term.
	var b store.Leader
	deadline := time.Now().Add(5 * time.Second)
	for !b.Self && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		b = lead("b", "h2", true)
	}
	if !b.Self || b.Owner != "b" || b.Term <= a.Term {
		t.Fatalf("b after a's lead expired: %+v (a %+v)", b, a)
	}
	if l := lead("a", "h2", true); l.Self || l.Owner != "b" {
		t.Errorf("a while b leads: %+v", l)
	}
	if err := s.Resign(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if l := lead("b", "h2", true); !l.Self || l.Term != b.Term {
		t.Errorf("b after a's resignation: %+v", l)
	}
	if err := s.Resign(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if l := lead("c", "h", false); l != (store.Leader{}) {
		t.Errorf("after b resigned: %+v", l)
	}
	a2 := lead("a", "h2", true)
	if !a2.Self || a2.Term <= b.Term {
		t.Errorf("a after b resigned: %+v (b %+v)", a2, b)
	}
	ins, err := s.Instances(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ins {
		got = append(got, in.Name+"="+in.Hash)
		if in.Seen.IsZero() {
			t.Errorf("%s never seen", in.Name)
		}
	}
	if !slices.Equal(got, []string{"a=h2", "b=h2", "c=h"}) {
		t.Errorf("instances %v", got)
	}
	// a and b were last seen longer ago than the window, c within it
	// (wide enough for a loaded machine).
	time.Sleep(600 * time.Millisecond)
	lead("c", "h", false)
	if ins, _ := s.Instances(ctx, 500*time.Millisecond); len(ins) != 1 || ins[0].Name != "c" {
		t.Errorf("instances seen within 500 ms: %+v", ins)
	}
}

// testFencedByTerm: the leader's changes made with its term are made;
// with a stale term (another leads now) they fail with ErrNotLeader and
// change nothing; PutRendered without a term fails.
func testFencedByTerm(t *testing.T, e *env) {
	s := e.open()
	a, err := s.Lead(ctx, store.Candidate{Owner: "a", TTL: 300 * time.Millisecond, Candidate: true})
	if err != nil || !a.Self {
		t.Fatalf("a: %+v, %v", a, err)
	}
	actx := store.WithTerm(ctx, "a", a.Term)
	feed := store.RenderedFeed{Slug: "nato", Title: "Nato", Docs: map[string][]byte{"rss": []byte("<rss/>")}, ETags: map[string]string{"rss": `"1"`}}
	if err := s.PutRendered(actx, []store.RenderedFeed{feed}); err != nil {
		t.Fatalf("the leader's rendering: %v", err)
	}
	if err := s.PutRendered(ctx, []store.RenderedFeed{feed}); !errors.Is(err, store.ErrNotLeader) {
		t.Errorf("rendering without a term: %v", err)
	}
	if err := s.SetMeta(actx, "k", "a"); err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-30 * 24 * time.Hour)
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "x", LastSuccess: old}, []item.Item{mk("x", "", "https://ex.org/old", "An old story", "nato")}, old); err != nil {
		t.Fatal(err)
	}
	marks, _ := s.Unpublished(ctx)
	var b store.Leader
	deadline := time.Now().Add(5 * time.Second)
	for !b.Self && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if b, err = s.Lead(ctx, store.Candidate{Owner: "b", TTL: time.Minute, Candidate: true}); err != nil {
			t.Fatal(err)
		}
	}
	if !b.Self {
		t.Fatal("b did not take over")
	}
	stale := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrNotLeader) {
			t.Errorf("%s with a stale term: %v, want ErrNotLeader", what, err)
		}
	}
	stale("PutRendered", s.PutRendered(actx, []store.RenderedFeed{{Slug: "nato", Title: "Stale"}}))
	_, err = s.Prune(actx, 10, 24*time.Hour, t0)
	stale("Prune", err)
	_, err = s.Retag(actx, func(*item.Item) []string { return nil })
	stale("Retag", err)
	stale("Published", s.Published(actx, marks))
	stale("MarkChanged", s.MarkChanged(actx, []string{"klima"}))
	stale("SetMeta", s.SetMeta(actx, "k", "stale"))
	_, err = s.TakeEntered(actx, func(string) []string { return []string{"hook"} }, func(it item.Item) item.Item { return it }, t0)
	stale("TakeEntered", err)
	if n, _ := s.Count(ctx, "nato"); n != 1 {
		t.Errorf("%d items after the stale changes", n)
	}
	if m, _ := s.Unpublished(ctx); !maps.Equal(m, marks) {
		t.Errorf("marks %v after the stale changes, were %v", m, marks)
	}
	if v, _ := s.Meta(ctx, "k"); v != "a" {
		t.Errorf("meta %q after the stale change", v)
	}
	if fs, _, _ := s.Rendered(ctx, 0); len(fs) != 1 || fs[0].Title != "Nato" {
		t.Errorf("rendered after the stale change: %+v", fs)
	}
	if seen, _ := s.AlertSeen(ctx, "hook", mk("x", "", "https://ex.org/old", "An old story").ID); seen {
		t.Error("the stale TakeEntered queued alerts")
	}
	// The new leader's term works.
	bctx := store.WithTerm(ctx, "b", b.Term)
	if n, err := s.TakeEntered(bctx, func(string) []string { return []string{"hook"} }, func(it item.Item) item.Item { return it }, t0); err != nil || n != 0 {
		t.Errorf("b's TakeEntered: %d, %v", n, err)
	}
	if changed, err := s.Prune(bctx, 10, 24*time.Hour, t0); err != nil || !slices.Contains(changed, "nato") {
		t.Errorf("b's Prune: %v, %v", changed, err)
	}
	if err := s.Published(bctx, marks); err != nil {
		t.Error(err)
	}
	if err := s.MarkChanged(bctx, []string{"klima"}); err != nil {
		t.Error(err)
	}
	if _, err := s.Retag(bctx, func(*item.Item) []string { return nil }); err != nil {
		t.Error(err)
	}
	if err := s.SetMeta(bctx, "k", "b"); err != nil {
		t.Error(err)
	}
	if err := s.PutRendered(bctx, []store.RenderedFeed{{Slug: "nato", Title: "B"}}); err != nil {
		t.Error(err)
	}
	// A term of another owner is not b's.
	stale("SetMeta with b's term under another name", s.SetMeta(store.WithTerm(ctx, "a", b.Term), "k", "x"))
	// A resigned leader's term is stale.
	if err := s.Resign(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	stale("SetMeta after resigning", s.SetMeta(bctx, "k", "x"))
	if v, _ := s.Meta(ctx, "k"); v != "b" {
		t.Errorf("meta %q", v)
	}
}

// testRendered: rendered feeds are read back whole, each with a version
// above every earlier one; a read after a version returns only the feeds
// rendered since.
func testRendered(t *testing.T, e *env) {
	s := e.open()
	l, err := s.Lead(ctx, store.Candidate{Owner: "a", TTL: time.Minute, Candidate: true})
	if err != nil {
		t.Fatal(err)
	}
	lctx := store.WithTerm(ctx, "a", l.Term)
	if fs, v, err := s.Rendered(ctx, 0); err != nil || len(fs) != 0 || v != 0 {
		t.Fatalf("empty store: %v, %d, %v", fs, v, err)
	}
	nato := store.RenderedFeed{Slug: "nato", Title: "Nato \x00 news", Items: 3, Updated: t0, Private: true,
		Docs:  map[string][]byte{"rss": []byte("<rss>\xff</rss>"), "atom": []byte("<feed/>"), "json": {}},
		ETags: map[string]string{"rss": `"r1"`, "atom": `"a1"`, "json": `"j1"`}}
	klima := store.RenderedFeed{Slug: "klima", Title: "Klima", Docs: map[string][]byte{"rss": []byte("<rss/>")}, ETags: map[string]string{"rss": `"k1"`}}
	if err := s.PutRendered(lctx, []store.RenderedFeed{nato, klima}); err != nil {
		t.Fatal(err)
	}
	fs, v1, err := s.Rendered(ctx, 0)
	if err != nil || len(fs) != 2 {
		t.Fatalf("rendered: %+v, %v", fs, err)
	}
	byslug := map[string]store.RenderedFeed{}
	for _, f := range fs {
		byslug[f.Slug] = f
		if f.Version <= 0 || f.Version > v1 {
			t.Errorf("%s: version %d, greatest %d", f.Slug, f.Version, v1)
		}
	}
	got := byslug["nato"]
	if got.Title != nato.Title || got.Items != 3 || !got.Updated.Equal(t0) || !got.Private || len(got.Docs) != 3 ||
		string(got.Docs["rss"]) != "<rss>\xff</rss>" || string(got.Docs["atom"]) != "<feed/>" || len(got.Docs["json"]) != 0 ||
		!maps.Equal(got.ETags, nato.ETags) {
		t.Errorf("nato read back: %+v", got)
	}
	if k := byslug["klima"]; k.Private || k.ETags["rss"] != `"k1"` || !k.Updated.IsZero() {
		t.Errorf("klima read back: %+v", k)
	}
	if fs, v, err := s.Rendered(ctx, v1); err != nil || len(fs) != 0 || v != v1 {
		t.Errorf("after %d: %+v, %d, %v", v1, fs, v, err)
	}
	nato.ETags = map[string]string{"rss": `"r2"`}
	nato.Docs = map[string][]byte{"rss": []byte("<rss>2</rss>")}
	if err := s.PutRendered(lctx, []store.RenderedFeed{nato}); err != nil {
		t.Fatal(err)
	}
	fs, v2, err := s.Rendered(ctx, v1)
	if err != nil || len(fs) != 1 || fs[0].Slug != "nato" || fs[0].Version <= v1 || fs[0].Version != v2 ||
		len(fs[0].Docs) != 1 || string(fs[0].Docs["rss"]) != "<rss>2</rss>" || fs[0].ETags["rss"] != `"r2"` {
		t.Errorf("after %d: %+v, %d, %v", v1, fs, v2, err)
	}
	if fs, _, _ := s.Rendered(ctx, 0); len(fs) != 2 {
		t.Errorf("every feed: %+v", fs)
	}
	s = e.reopen()
	if fs, v, err := s.Rendered(ctx, v1); err != nil || len(fs) != 1 || v != v2 {
		t.Errorf("after reopening: %+v, %d, %v", fs, v, err)
	}
}

// testRenderedChanged: a listener hears of feeds rendered, soon, by the
// store it listens on, and stops hearing when its context ends.
func testRenderedChanged(t *testing.T, e *env) {
	s := e.open()
	l, err := s.Lead(ctx, store.Candidate{Owner: "a", TTL: time.Minute, Candidate: true})
	if err != nil {
		t.Fatal(err)
	}
	lctx := store.WithTerm(ctx, "a", l.Term)
	first, cancel := context.WithCancel(ctx)
	ch := s.RenderedChanged(first)
	other, cancelOther := context.WithCancel(ctx)
	defer cancelOther()
	ch2 := s.RenderedChanged(other)
	select {
	case <-ch:
		t.Fatal("notified before anything was rendered")
	default:
	}
	for i := range 3 {
		if err := s.PutRendered(lctx, []store.RenderedFeed{{Slug: "nato", Title: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []<-chan struct{}{ch, ch2} {
			select {
			case <-c:
			case <-time.After(5 * time.Second):
				t.Fatalf("rendering %d: not notified within 5 s", i)
			}
		}
	}
	cancel()
	time.Sleep(100 * time.Millisecond)
	if err := s.PutRendered(lctx, []store.RenderedFeed{{Slug: "nato", Title: "again"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch2:
	case <-time.After(5 * time.Second):
		t.Fatal("the other listener was not notified within 5 s")
	}
	select {
	case <-ch:
		t.Error("notified after its context ended")
	case <-time.After(200 * time.Millisecond):
	}
}

// testClaimAlert: an alert's deliveries are leased to one owner at a time,
// of several claiming at once; its owner renews the lease; released or
// expired, another owner claims it.
func testClaimAlert(t *testing.T, e *env) {
	s := e.open()
	var mu sync.Mutex
	var won []string
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 8 {
		owner := fmt.Sprintf("instance%d", i)
		wg.Go(func() {
			<-start
			ok, err := s.ClaimAlert(ctx, "hook", owner, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won = append(won, owner)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("claimed by %v, want one", won)
	}
	a := won[0]
	claim := func(key, owner string, lease time.Duration) bool {
		t.Helper()
		ok, err := s.ClaimAlert(ctx, key, owner, lease)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("hook", a, 200*time.Millisecond) {
		t.Errorf("%s could not renew its claim", a)
	}
	if claim("hook", "other", time.Minute) {
		t.Error("claimed while held")
	}
	if !claim("mail", "other", time.Minute) {
		t.Error("another alert could not be claimed")
	}
	time.Sleep(300 * time.Millisecond)
	if !claim("hook", "other", time.Minute) {
		t.Error("an expired claim could not be taken")
	}
	if claim("hook", a, time.Minute) {
		t.Errorf("%s took back a claim that expired and was taken", a)
	}
	if err := s.ReleaseAlert(ctx, "hook", a); err != nil {
		t.Fatal(err)
	}
	if claim("hook", a, time.Minute) {
		t.Error("a release by another owner released the claim")
	}
	if err := s.ReleaseAlert(ctx, "hook", "other"); err != nil {
		t.Fatal(err)
	}
	if !claim("hook", a, time.Minute) {
		t.Error("a released claim could not be taken")
	}
}

// testClaimPerHostUnderChurn: claimers claim and refresh at once, each
// refresh making its source due again at once, so that what is due keeps
// changing between the claims' reads. No more than perHost sources of a
// host are ever leased: the leases each claimer counts (one more once a
// claim returns, one less before its refresh is saved) never exceed the
// store's, nor, summed, the limit.
func testClaimPerHostUnderChurn(t *testing.T, e *env) {
	s := e.open()
	const hosts, perHost, claimers, rounds = 2, 2, 6, 40
	if err := s.SyncSources(ctx, schedules("s", 12, hosts), false); err != nil {
		t.Fatal(err)
	}
	hostOf := func(name string) int {
		var i int
		fmt.Sscanf(name, "s%d", &i)
		return i % hosts
	}
	var mu sync.Mutex
	var leased [hosts]int
	most := 0
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range claimers {
		owner := fmt.Sprintf("instance%d", c)
		wg.Go(func() {
			<-start
			for r := range rounds {
				cs, _, err := s.Claim(ctx, owner, 1+(c+r)%3, time.Minute, perHost)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, cl := range cs {
					h := hostOf(cl.Name)
					leased[h]++
					most = max(most, leased[h])
				}
				mu.Unlock()
				for _, cl := range cs {
					mu.Lock()
					leased[hostOf(cl.Name)]--
					mu.Unlock()
					if err := s.PutSource(ctx, store.SourceState{Name: cl.Name, Lease: &store.Lease{Owner: owner, Gen: cl.Gen}}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if most > perHost {
		t.Errorf("%d sources of one host leased at once, limit %d", most, perHost)
	}
	if most == 0 {
		t.Error("nothing claimed")
	}
}
