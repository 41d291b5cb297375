package e2e

// The tests of several 'refeed run' instances sharing one PostgreSQL store
// (SCALEOUT.md, "Tests that prove it on one machine"): real processes of
// the built binary, each with its own data directory and listen address
// and otherwise the same configuration, a database of their own on the
// server of REFEED_TEST_POSTGRES (pgtest: skipped without it, failing in
// CI), and origins on loopback.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/internal/pgtest"
)

// natoTopic is the topics section most cluster tests share.
const natoTopic = "topics:\n  - name: NATO\n    match:\n      any: [nato]\n"

// slack is the time the cluster tests allow beyond what the daemon's
// timings promise, for a loaded 2-core machine.
func slack() time.Duration {
	if raceEnabled {
		return 4 * time.Second
	}
	return 1500 * time.Millisecond
}

// TestClusterFetchesOncePerDueTime: three instances share 200 sources on
// "@every 2s" for 20 s. No source is fetched twice for one due time (two
// fetches of a path are more than 0.9 s apart: '@every 2s' makes a source
// due 1 to 2 s after a refresh ends, the cron spec's time rounded down to
// the second) nor does it miss one (never more than 2 s plus poll plus
// slack between two), every request is one refresh logged by exactly one
// instance, each instance did a fair part of them, and every instance
// serves every source's item.
func TestClusterFetchesOncePerDueTime(t *testing.T) {
	db := pgtest.Database(t, "")
	const n = 200
	o := newStaticOrigin(t, "NATO story")
	paths := make([]string, n)
	for i := range paths {
		paths[i] = fmt.Sprintf("/s%03d", i)
	}
	tm := clusterSettings{lease: 10 * time.Second, poll: 500 * time.Millisecond, leaderTTL: 3 * time.Second}
	body := sourcesYAML(o, "@every 2s", paths...) + "fetch:\n  per_host: 100\n" + natoTopic
	ins := startInstances(t, db, tm, body, "a", "b", "c")
	eventually(t, 10*time.Second, "the first fetch", func() error {
		if o.total() == 0 {
			return fmt.Errorf("no request yet")
		}
		return nil
	})
	const window = 20 * time.Second
	start := time.Now()
	for time.Since(start) < window {
		for _, in := range ins {
			if err := in.exited(); err != nil {
				t.Fatalf("instance %s exited: %v", in.name, err)
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	end := time.Now()
	for _, in := range ins {
		items, err := in.jsonItems("all")
		if err != nil {
			t.Errorf("instance %s: %v", in.name, err)
		} else if len(items) != n {
			t.Errorf("instance %s serves %d items in all.json, want %d (one per source)", in.name, len(items), n)
		}
	}
	endAll(t, ins...)

	minGap, maxGap := window, time.Duration(0)
	maxAllowed := 2*time.Second + tm.poll + slack()
	lo, hi := int(window/(maxAllowed)), int(window/time.Second)+1
	var worst []string
	for _, p := range paths {
		ts := o.times(p)
		inWindow := 0
		for i, at := range ts {
			if !at.Before(start) && at.Before(end) {
				inWindow++
			}
			if i == 0 || at.After(end) {
				continue
			}
			gap := at.Sub(ts[i-1])
			minGap, maxGap = min(minGap, gap), max(maxGap, gap)
			if gap < 900*time.Millisecond || gap > maxAllowed {
				worst = append(worst, fmt.Sprintf("%s: %v between fetches %d and %d", p, gap.Round(time.Millisecond), i, i+1))
			}
		}
		if inWindow < lo || inWindow > hi {
			t.Errorf("%s was fetched %d times in %v, want %d to %d", p, inWindow, window, lo, hi)
		}
	}
	if len(worst) > 0 {
		t.Errorf("%d gaps outside 0.9 s to %v, such as %v", len(worst), maxAllowed, worst[:min(len(worst), 10)])
	}

	// Every request is one refresh, logged by one instance (a fetch that
	// shutdown interrupted is not logged).
	per := map[string]int{}
	var counts []string
	total := 0
	for _, in := range ins {
		got := in.refreshed()
		k := 0
		for name, c := range got {
			per[name] += c
			k += c
		}
		total += k
		counts = append(counts, fmt.Sprintf("%s %d", in.name, k))
		if lost := in.linesWith("lease lost"); len(lost) > 0 {
			t.Errorf("instance %s lost %d leases in a normal run, such as %s", in.name, len(lost), lost[0])
		}
	}
	for _, p := range paths {
		name := strings.TrimPrefix(p, "/")
		if c := o.count(p); per[name] > c || per[name] < c-1 {
			t.Errorf("%s: %d requests, %d refreshes logged", name, c, per[name])
		}
	}
	// Whichever instance claims first when sources fall due takes as many
	// as it has free slots, so the parts are uneven (7 to 75 % seen): each
	// must have a part, and refreshed many of the sources.
	for _, in := range ins {
		got := in.refreshed()
		k := 0
		for _, c := range got {
			k += c
		}
		if k*100 < total*3 || len(got) < n/4 {
			t.Errorf("instance %s refreshed %d of %d times, %d of the %d sources: the fetches are not spread (%s)", in.name, k, total, len(got), n, strings.Join(counts, ", "))
		}
		counts = append(counts, fmt.Sprintf("%s %d sources", in.name, len(got)))
	}
	t.Logf("%d requests (%d refreshes: %s); gaps between fetches of a path %v to %v",
		o.total(), total, strings.Join(counts, ", "), minGap.Round(time.Millisecond), maxGap.Round(time.Millisecond))
}

// slowPaths are the paths of the slow sources of the lease holder tests.
var slowPaths = []string{"/slow-0", "/slow-1", "/slow-2", "/slow-3"}

// startLeaseHolder starts instance "a" on the sources of paths at o, which
// must hold the first request of each, waits until a's fetches of them
// are in flight, and starts "b" beside it.
func startLeaseHolder(t *testing.T, db string, tm clusterSettings, o *origin, paths []string) (a, b *instance) {
	t.Helper()
	body := sourcesYAML(o, "@every 1h", paths...) + "fetch:\n  per_host: 100\n" + natoTopic
	a = startInstance(t, "a", db, tm, body)
	a.waitUp(t, 20*time.Second)
	eventually(t, 10*time.Second, "a's fetches of the slow sources are in flight", func() error {
		for _, p := range paths {
			if o.count(p) != 1 {
				return fmt.Errorf("%s requested %d times", p, o.count(p))
			}
		}
		return nil
	})
	b = startInstance(t, "b", db, tm, body)
	b.waitUp(t, 20*time.Second)
	return a, b
}

// takeOver waits until b fetched every one of paths again after their
// holder got sig at since, and refreshed each once; it returns how long
// after since the last was fetched.
func takeOver(t *testing.T, tm clusterSettings, o *origin, b *instance, paths []string, since time.Time, sig string) time.Duration {
	t.Helper()
	eventually(t, tm.lease+tm.poll+slack()+3*time.Second, "b claims the slow sources", func() error {
		for _, p := range paths {
			if o.count(p) < 2 {
				return fmt.Errorf("%s requested %d times", p, o.count(p))
			}
		}
		return nil
	})
	var took time.Duration
	for _, p := range paths {
		took = max(took, o.times(p)[1].Sub(since))
	}
	t.Logf("taken over %v after %s (lease %v, poll %v)", took.Round(time.Millisecond), sig, tm.lease, tm.poll)
	eventually(t, 10*time.Second, "b completes the slow sources", func() error {
		got := b.refreshed()
		for _, p := range paths {
			if name := strings.TrimPrefix(p, "/"); got[name] != 1 {
				return fmt.Errorf("%s refreshed %d times by b", name, got[name])
			}
		}
		return nil
	})
	return took
}

// TestClusterKillLeaseHolder: the instance holding four slow sources (the
// origin answers their first requests never) keeps them while it lives,
// its lease renewed; killed with SIGKILL, another instance claims them
// within lease + poll and completes each once.
func TestClusterKillLeaseHolder(t *testing.T) {
	db := pgtest.Database(t, "")
	tm := clusterSettings{lease: 2 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 2 * time.Second}
	release := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, n int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if n == 1 {
			// The fetch in flight when its instance dies.
			select {
			case <-r.Context().Done():
			case <-release:
			case <-time.After(30 * time.Second):
			}
			return
		}
		writeFeed(w, r, name, rssOf(name, []storyItem{{name + " NATO taken over", "https://origin.example/" + name}}))
	})
	t.Cleanup(func() { close(release) }) // before the origin closes
	paths := slowPaths
	a, b := startLeaseHolder(t, db, tm, o, paths)
	// While a lives its leases are renewed: b does not take the sources.
	time.Sleep(tm.lease + 2*tm.poll + 500*time.Millisecond)
	for _, p := range paths {
		if c := o.count(p); c != 1 {
			t.Fatalf("%s requested %d times while its holder lived", p, c)
		}
	}
	a.kill(t)
	took := takeOver(t, tm, o, b, paths, time.Now(), "SIGKILL")
	if limit := tm.lease + tm.poll + slack(); took > limit {
		t.Errorf("taken over %v after the kill, want within lease + poll (+ slack) = %v", took, limit)
	}
	eventually(t, tm.leaderTTL+tm.poll+slack()+3*time.Second, "b serves the slow sources' items", func() error {
		items, err := b.jsonItems("all")
		if err != nil {
			return err
		}
		if len(items) != len(paths) {
			return fmt.Errorf("%d items in all.json, want %d", len(items), len(paths))
		}
		return nil
	})
	time.Sleep(tm.lease)
	for _, p := range paths {
		if c := o.count(p); c != 2 {
			t.Errorf("%s requested %d times, want 2 (the killed fetch, the one that completed its due time)", p, c)
		}
	}
	if got := b.refreshed(); len(got) != len(paths) {
		t.Errorf("b refreshed %v, want each slow source once", got)
	}
}

// TestClusterStopLeaseHolder: the instance holding four slow sources is
// stopped (SIGSTOP) past its lease; another claims and completes them
// (the origin answers it with a "fresh" item). Then the origin answers the
// stopped instance's requests with a "stale" item and the instance goes on
// (SIGCONT): its late completion is refused by the fence, it says so, and
// no instance ever serves the stale items.
func TestClusterStopLeaseHolder(t *testing.T) {
	db := pgtest.Database(t, "")
	tm := clusterSettings{lease: 2 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 2 * time.Second}
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, n int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if n == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			case <-time.After(30 * time.Second):
				return
			}
			writeFeed(w, r, name+"-stale", rssOf(name, []storyItem{{name + " NATO stale", "https://origin.example/stale/" + name}}))
			return
		}
		writeFeed(w, r, name, rssOf(name, []storyItem{{name + " NATO fresh", "https://origin.example/fresh/" + name}}))
	})
	t.Cleanup(releaseAll) // before the origin closes
	paths := slowPaths
	a, b := startLeaseHolder(t, db, tm, o, paths)

	a.signal(t, syscall.SIGSTOP)
	takeOver(t, tm, o, b, paths, time.Now(), "SIGSTOP")

	// The stopped instance's responses wait in its sockets when it goes on.
	releaseAll()
	time.Sleep(300 * time.Millisecond)
	a.signal(t, syscall.SIGCONT)
	eventually(t, 10*time.Second, "a says its leases were lost", func() error {
		for _, p := range paths {
			name := strings.TrimPrefix(p, "/")
			if len(a.linesWith("lease lost", "source="+name)) == 0 {
				return fmt.Errorf("no lost lease of %s in a's log", name)
			}
		}
		return nil
	})
	t.Logf("a, going on: %s", a.linesWith("lease lost", "source=slow-0")[0])
	fresh := func(in *instance) error {
		items, err := in.jsonItems("all")
		if err != nil {
			return err
		}
		var titles []string
		for _, it := range items {
			titles = append(titles, it.Title)
		}
		for _, p := range paths {
			if name := strings.TrimPrefix(p, "/"); !slices.Contains(titles, name+" NATO fresh") {
				return fmt.Errorf("%s serves %q", in.name, titles)
			}
		}
		return nil
	}
	eventually(t, tm.leaderTTL+tm.poll+slack()+5*time.Second, "both serve the fresh items", func() error {
		if err := fresh(a); err != nil {
			return err
		}
		return fresh(b)
	})
	// Rounds of the leader and of both watchers pass; the stale items
	// never come.
	time.Sleep(tm.leaderTTL + 5*tm.poll)
	for _, in := range []*instance{a, b} {
		for _, path := range clusterFeeds("nato") {
			body, _, err := in.served(path)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if bytes.Contains(body, []byte("stale")) {
				t.Errorf("%s serves the stale completion in %s:\n%.500s", in.name, path, body)
			}
		}
	}
	if got := a.refreshed(); len(got) > 0 {
		t.Errorf("a logged refreshes %v after its leases were lost", got)
	}
	for _, p := range paths {
		if c := o.count(p); c != 2 {
			t.Errorf("%s requested %d times, want 2", p, c)
		}
	}
}

// alertHook is a webhook receiver on loopback that keeps every message.
type alertHook struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []alertEntry
}

// alertEntry is an item of a webhook message.
type alertEntry struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Link   string `json:"link"`
	Source string `json:"source"`
}

func newAlertHook(t *testing.T) *alertHook {
	h := &alertHook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			alertEntry
			Items []alertEntry `json:"items"` // a digest
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(m.Items) > 0 {
			h.msgs = append(h.msgs, m.Items...)
		} else {
			h.msgs = append(h.msgs, m.alertEntry)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *alertHook) received() []alertEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.msgs)
}

// TestClusterAlertsOnce: three instances share six sources whose every
// fetch but the first brings a new NATO item (four each, then nothing
// new); the topic's webhook gets every item once, no more, each message
// carrying the item's id, the one the served feed gives it.
func TestClusterAlertsOnce(t *testing.T) {
	db := pgtest.Database(t, "")
	const sources, perSource = 6, 4
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, n int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		m := min(n-1, perSource)
		var items []storyItem
		for j := 1; j <= m; j++ {
			items = append(items, storyItem{fmt.Sprintf("%s NATO alert %d", name, j), fmt.Sprintf("https://origin.example/%s/%d", name, j)})
		}
		writeFeed(w, r, fmt.Sprintf("%s-%d", name, m), rssOf(name, items))
	})
	hook := newAlertHook(t)
	var paths []string
	want := map[string]bool{}
	for i := range sources {
		paths = append(paths, fmt.Sprintf("/al%d", i))
		for j := 1; j <= perSource; j++ {
			want[fmt.Sprintf("https://origin.example/al%d/%d", i, j)] = true
		}
	}
	tm := clusterSettings{lease: 5 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 3 * time.Second}
	body := sourcesYAML(o, "@every 1s", paths...) + "fetch:\n  per_host: 100\n" + natoTopic +
		"alerts:\n  - topic: nato\n    webhook: " + hook.URL + "\n"
	ins := startInstances(t, db, tm, body, "a", "b", "c")
	started := time.Now()
	eventually(t, 45*time.Second, "every item is alerted", func() error {
		if got := len(hook.received()); got < len(want) {
			return fmt.Errorf("%d of %d alerts", got, len(want))
		}
		return nil
	})
	t.Logf("%d alerts within %v of the start", len(want), time.Since(started).Round(100*time.Millisecond))
	// Deliveries that would repeat one come within a few rounds.
	time.Sleep(3 * time.Second)
	got := hook.received()
	byLink := map[string][]alertEntry{}
	for _, m := range got {
		byLink[m.Link] = append(byLink[m.Link], m)
	}
	for link, ms := range byLink {
		switch {
		case !want[link]:
			t.Errorf("an alert for %q, which is no item of the topic: %+v", link, ms)
		case len(ms) != 1:
			t.Errorf("%s alerted %d times: %+v", link, len(ms), ms)
		}
	}
	for link := range want {
		if len(byLink[link]) == 0 {
			t.Errorf("%s was never alerted", link)
		}
	}
	items, err := ins[0].jsonItems("nato")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, it := range items {
		ids[it.URL] = it.ID
	}
	seen := map[string]string{}
	for _, m := range got {
		switch {
		case m.ID == "":
			t.Errorf("the alert for %s carries no item id", m.Link)
		case seen[m.ID] != "" && seen[m.ID] != m.Link:
			t.Errorf("the alerts for %s and %s carry the same id %q", seen[m.ID], m.Link, m.ID)
		case ids[m.Link] != "" && ids[m.Link] != m.ID+"#nato": // a topic feed's id is ITEMID#SLUG
			t.Errorf("the alert for %s carries the id %q, the feed %q", m.Link, m.ID, ids[m.Link])
		}
		seen[m.ID] = m.Link
	}
	endAll(t, ins...)
}

// TestClusterAlertResentAfterKill: the instance sending an alert is
// killed (SIGKILL) while the webhook holds the request; once the alert's
// lease ended, another instance resends that item, with the same id, and
// the others once. The cluster's roles are split so that one instance
// alone sends: "a" fetches and leads (it queues the alerts), "x" and then
// "y" only deliver them (an instance that does not lead delivers when it
// starts and every daemon.AlertInterval after, so each starts once the
// alerts wait).
func TestClusterAlertResentAfterKill(t *testing.T) {
	db := pgtest.Database(t, "")
	const perSource = 3
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, n int) {
		var items []storyItem
		for j := 1; j <= min(n-1, perSource); j++ {
			items = append(items, storyItem{fmt.Sprintf("NATO alert %d", j), fmt.Sprintf("https://origin.example/ak/%d", j)})
		}
		writeFeed(w, r, fmt.Sprintf("ak-%d", len(items)), rssOf("ak", items))
	})
	var (
		mu   sync.Mutex
		held *alertEntry // the message whose sender is killed
		got  []alertEntry
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m alertEntry
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, m)
		first := held == nil
		if first {
			held = &m
		}
		mu.Unlock()
		if first {
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		}
	}))
	t.Cleanup(hook.Close)
	received := func() ([]alertEntry, *alertEntry) {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got), held
	}
	tm := clusterSettings{lease: 2 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 2 * time.Second}
	body := sourcesYAML(o, "@every 1s", "/ak") + "fetch:\n  per_host: 100\n" + natoTopic +
		"alerts:\n  - topic: nato\n    webhook: " + hook.URL + "\n"
	lead := tm
	lead.roles = []string{"fetch", "serve", "publish"}
	a := startInstance(t, "a", db, lead, body)
	a.waitUp(t, 20*time.Second)
	eventually(t, 15*time.Second, "a queues the alerts", func() error {
		if c := o.count("/ak"); c <= perSource {
			return fmt.Errorf("ak requested %d times", c)
		}
		return nil
	})
	time.Sleep(5 * tm.poll) // a leader's round or more after the last save
	send := tm
	send.roles = []string{"serve", "alert"}
	x := startInstance(t, "x", db, send, body)
	eventually(t, 15*time.Second, "x sends the first alert", func() error {
		if _, h := received(); h == nil {
			return fmt.Errorf("no alert yet")
		}
		return nil
	})
	x.kill(t)
	killed := time.Now()
	if msgs, _ := received(); len(msgs) != 1 {
		t.Fatalf("x sent %d alerts while the webhook held the first: %+v", len(msgs), msgs)
	}
	time.Sleep(tm.lease + tm.poll)
	y := startInstance(t, "y", db, send, body)
	eventually(t, 15*time.Second, "y sends every alert", func() error {
		if msgs, _ := received(); len(msgs) < perSource+1 {
			return fmt.Errorf("%d alerts", len(msgs))
		}
		return nil
	})
	time.Sleep(time.Second)
	msgs, h := received()
	t.Logf("%d alerts, the held one (%s) resent %v after the kill", len(msgs), h.Link, time.Since(killed).Round(100*time.Millisecond))
	byLink := map[string][]alertEntry{}
	for _, m := range msgs {
		byLink[m.Link] = append(byLink[m.Link], m)
	}
	for j := 1; j <= perSource; j++ {
		link := fmt.Sprintf("https://origin.example/ak/%d", j)
		ms, want := byLink[link], 1
		if link == h.Link {
			want = 2
		}
		if len(ms) != want {
			t.Errorf("%s alerted %d times, want %d: %+v", link, len(ms), want, ms)
		}
		for _, m := range ms {
			if m.ID == "" || m.ID != ms[0].ID {
				t.Errorf("%s alerted with the ids %+v", link, ms)
			}
		}
	}
	if len(msgs) != perSource+1 {
		t.Errorf("%d alerts, want %d (each item once, the held one twice)", len(msgs), perSource+1)
	}
	endAll(t, a, y)
}

// TestClusterServesEqualBytes: once the sources are quiet, every instance
// serves every feed with the same bytes and ETag, and an instance answers
// another's ETag with 304.
func TestClusterServesEqualBytes(t *testing.T) {
	db := pgtest.Database(t, "")
	const changes = 3
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, n int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		m := min(n, changes)
		var items []storyItem
		for j := 1; j <= m; j++ {
			kind := "NATO"
			if j%2 == 0 {
				kind = "Klima"
			}
			items = append(items, storyItem{fmt.Sprintf("%s %s story %d", name, kind, j), fmt.Sprintf("https://origin.example/%s/%d", name, j)})
		}
		writeFeed(w, r, fmt.Sprintf("%s-%d", name, m), rssOf(name, items))
	})
	var paths []string
	for i := range 8 {
		paths = append(paths, fmt.Sprintf("/eq%d", i))
	}
	tm := clusterSettings{lease: 5 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 3 * time.Second}
	body := sourcesYAML(o, "@every 1s", paths...) + "fetch:\n  per_host: 100\n" + natoTopic +
		"  - name: Klima\n    match:\n      any: [klima]\n"
	ins := startInstances(t, db, tm, body, "a", "b", "c")
	eventually(t, 20*time.Second, "the sources are quiet", func() error {
		for _, p := range paths {
			if c := o.count(p); c <= changes {
				return fmt.Errorf("%s requested %d times", p, c)
			}
		}
		return nil
	})
	feeds := clusterFeeds("nato", "klima")
	type doc struct {
		body []byte
		etag string
	}
	snapshot := func() (map[string][]doc, error) {
		out := map[string][]doc{}
		for _, path := range feeds {
			for _, in := range ins {
				body, etag, err := in.served(path)
				if err != nil {
					return nil, err
				}
				out[path] = append(out[path], doc{body, etag})
			}
		}
		return out, nil
	}
	var last map[string][]doc
	eventually(t, 15*time.Second, "every instance serves the same bytes", func() error {
		snap, err := snapshot()
		if err != nil {
			return err
		}
		for _, path := range feeds {
			ds := snap[path]
			for i, d := range ds {
				if d.etag == "" {
					return fmt.Errorf("%s of %s has no ETag", path, ins[i].name)
				}
				if d.etag != ds[0].etag || !bytes.Equal(d.body, ds[0].body) {
					return fmt.Errorf("%s: %s serves ETag %s (%d bytes), %s %s (%d bytes)", path, ins[0].name, ds[0].etag, len(ds[0].body), ins[i].name, d.etag, len(d.body))
				}
			}
			if last != nil && last[path][0].etag != ds[0].etag {
				last = snap
				return fmt.Errorf("%s changed meanwhile", path)
			}
		}
		if last == nil {
			last = snap
			return fmt.Errorf("once more, to see it stay")
		}
		return nil
	})
	for _, path := range feeds {
		d := last[path][0]
		newest := "NATO story 3" // in all and nato
		if strings.HasPrefix(path, "/klima.") {
			newest = "Klima story 2"
		}
		if !bytes.Contains(d.body, []byte(newest)) {
			t.Errorf("%s lacks the newest items:\n%.300s", path, d.body)
		}
		for i, from := range ins {
			to := ins[(i+1)%len(ins)]
			resp, _, err := get("http://"+to.addr+path, "If-None-Match", last[path][i].etag)
			if err != nil {
				t.Errorf("%s of %s: %v", path, to.name, err)
				continue
			}
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("%s of %s with the ETag %s of %s: status %d, want 304", path, to.name, last[path][i].etag, from.name, resp.StatusCode)
			}
		}
	}
	endAll(t, ins...)
}

// TestClusterThroughput: fetch-bound sources (the origin takes 50 to
// 150 ms per request, 100 on average) are fetched 1.7 times as fast by two
// instances as by one, and 3 times as fast by four (8 fetch slots each).
// The time is that from the moment every slot of every instance holds a
// fetch (the origin holds the first requests until then, so that the
// instances' start does not count) until every one of 400 sources has
// been fetched; each source is fetched once. The measurement runs again
// once when the ratios fall short (another process may have taken the
// cores), keeping each count's best time. Under the race detector the
// ratios are only logged.
//
// At 50 ms a request for every source, the instances' fetches end in step
// and four instances' 32 slots claim at once, one after the other (a claim
// holds its hosts' lock to its end, for fetch.per_host): on this 2-core
// machine that made 2.97 to 3.49× of four instances, as the other
// processes left the cores.
func TestClusterThroughput(t *testing.T) {
	pgtest.Server(t)
	best := map[int]time.Duration{}
	counts := []int{1, 2, 4}
	ok := func() bool {
		return float64(best[1])/float64(best[2]) >= 1.7 && float64(best[1])/float64(best[4]) >= 3
	}
	for attempt := 1; attempt <= 2; attempt++ {
		for _, n := range counts {
			t.Run(fmt.Sprintf("instances=%d/attempt=%d", n, attempt), func(t *testing.T) {
				d := fetchAllTime(t, n)
				if best[n] == 0 || d < best[n] {
					best[n] = d
				}
			})
		}
		if t.Failed() {
			return
		}
		t.Logf("attempt %d: best times %v, %v, %v with 1, 2, 4 instances: %.2f× and %.2f×", attempt,
			best[1].Round(time.Millisecond), best[2].Round(time.Millisecond), best[4].Round(time.Millisecond),
			float64(best[1])/float64(best[2]), float64(best[1])/float64(best[4]))
		if ok() {
			return
		}
		if raceEnabled {
			t.Logf("the ratios fall short under the race detector, which slows every instance down (not checked)")
			return
		}
	}
	t.Errorf("2 instances fetched %.2f× as fast as one (want ≥ 1.7×), 4 %.2f× (want ≥ 3×)",
		float64(best[1])/float64(best[2]), float64(best[1])/float64(best[4]))
}

// fetchDelay is how long the origin of TestClusterThroughput takes to
// answer for path: 50 to 150 ms, 100 on average, the same for a path in
// every run (fetches of equal length would end in step, and every slot of
// the cluster claim at once).
func fetchDelay(path string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(path))
	return time.Duration(50+h.Sum32()%101) * time.Millisecond
}

// fetchAllTime runs n instances over 400 fetch-bound sources and returns
// how long they took to fetch every one once, from the moment all their
// slots were busy.
func fetchAllTime(t *testing.T, n int) time.Duration {
	db := pgtest.Database(t, "")
	const sources, slots = 400, 8
	var (
		inflight atomic.Int32
		gate     = make(chan struct{})
		gateOnce sync.Once
		mu       sync.Mutex
		opened   time.Time
		full     bool // the gate opened with every slot busy
		served   = map[string]time.Time{}
	)
	open := func(byCount bool) {
		gateOnce.Do(func() {
			mu.Lock()
			opened, full = time.Now(), byCount
			mu.Unlock()
			close(gate)
		})
	}
	t.Cleanup(func() { open(false) }) // before the origin closes
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if int(inflight.Add(1)) >= n*slots {
			open(true)
		}
		defer inflight.Add(-1)
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Second):
			open(false)
		}
		time.Sleep(fetchDelay(r.URL.Path))
		writeFeed(w, r, "empty", rssOf(strings.TrimPrefix(r.URL.Path, "/"), nil))
		mu.Lock()
		if _, ok := served[r.URL.Path]; !ok {
			served[r.URL.Path] = time.Now()
		}
		mu.Unlock()
	})
	paths := make([]string, sources)
	for i := range paths {
		paths[i] = fmt.Sprintf("/t%03d", i)
	}
	tm := clusterSettings{lease: 30 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 3 * time.Second}
	body := sourcesYAML(o, "@every 1h", paths...) + fmt.Sprintf("fetch:\n  concurrency: %d\n  per_host: %d\n", slots, 4*slots)
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("t%d", i))
	}
	ins := startInstances(t, db, tm, body, names...)
	var took time.Duration
	eventually(t, 60*time.Second, "every source is fetched", func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(served) < sources {
			return fmt.Errorf("%d of %d sources fetched", len(served), sources)
		}
		var last time.Time
		for _, at := range served {
			if at.After(last) {
				last = at
			}
		}
		took = last.Sub(opened)
		return nil
	})
	mu.Lock()
	wasFull := full
	mu.Unlock()
	if !wasFull {
		t.Fatalf("the instances never had %d fetches in flight at once (%d slots each)", n*slots, slots)
	}
	time.Sleep(300 * time.Millisecond)
	for _, p := range paths {
		if c := o.count(p); c != 1 {
			t.Errorf("%s fetched %d times, want once", p, c)
		}
	}
	endAll(t, ins...)
	var cpu time.Duration
	for _, in := range ins {
		cpu += in.cmd.ProcessState.UserTime() + in.cmd.ProcessState.SystemTime()
	}
	t.Logf("%d instances: %d sources fetched in %v; cpu %v", n, sources, took.Round(time.Millisecond), cpu)
	return took
}

// TestClusterSameStoryAtOnce: two sources carry the same stories; two
// instances with one fetch slot each fetch them, the origin answering both
// requests of a round only once both arrived, so that the two save the
// same new story at once. Each story is stored once, naming both sources.
func TestClusterSameStoryAtOnce(t *testing.T) {
	db := pgtest.Database(t, "")
	const rounds = 4
	type waiter struct {
		first string
		c     chan struct{}
	}
	var (
		mu      sync.Mutex
		waiting = map[int]*waiter{}
		paired  = map[int]time.Duration{} // round → time between the two requests
	)
	// pair waits until the other source's request of round k arrives.
	pair := func(name string, k int, within time.Duration) {
		mu.Lock()
		if w, ok := waiting[k]; ok && w.first != name {
			delete(waiting, k)
			close(w.c)
			mu.Unlock()
			return
		}
		w := &waiter{first: name, c: make(chan struct{})}
		waiting[k] = w
		mu.Unlock()
		asked := time.Now()
		select {
		case <-w.c:
			mu.Lock()
			paired[k] = time.Since(asked)
			mu.Unlock()
		case <-time.After(within):
			mu.Lock()
			if waiting[k] == w {
				delete(waiting, k)
			}
			mu.Unlock()
		}
	}
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, n int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if n <= rounds {
			within := 5 * time.Second
			if n == 1 {
				within = 15 * time.Second // the instances start
			}
			pair(name, n, within)
		}
		m := min(n, rounds)
		var items []storyItem
		for j := 1; j <= m; j++ {
			items = append(items, storyItem{fmt.Sprintf("Shared NATO story %d", j), fmt.Sprintf("https://news.example/story/%d", j)})
		}
		writeFeed(w, r, fmt.Sprintf("%s-%d", name, m), rssOf(name+" news", items))
	})
	paths := []string{"/twin-a", "/twin-b"}
	tm := clusterSettings{lease: 10 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 3 * time.Second}
	body := sourcesYAML(o, "@every 1s", paths...) + "fetch:\n  concurrency: 1\n  per_host: 10\n" + natoTopic
	ins := startInstances(t, db, tm, body, "a", "b")
	eventually(t, 40*time.Second, "every round is fetched", func() error {
		for _, p := range paths {
			if c := o.count(p); c <= rounds {
				return fmt.Errorf("%s requested %d times", p, c)
			}
		}
		return nil
	})
	mu.Lock()
	t.Logf("rounds released together (second request after the first): %v", paired)
	if len(paired) < rounds-1 {
		t.Errorf("only %d of %d rounds had both requests at once: %v", len(paired), rounds, paired)
	}
	mu.Unlock()
	for _, in := range ins {
		if len(in.refreshed()) == 0 {
			t.Errorf("instance %s refreshed nothing", in.name)
		}
	}
	check := func(in *instance, slug string) error {
		items, err := in.jsonItems(slug)
		if err != nil {
			return err
		}
		byLink := map[string][]jsonFeedItem{}
		for _, it := range items {
			byLink[it.URL] = append(byLink[it.URL], it)
		}
		for j := 1; j <= rounds; j++ {
			link := fmt.Sprintf("https://news.example/story/%d", j)
			its := byLink[link]
			if len(its) != 1 {
				return fmt.Errorf("%s /%s.json has story %d %d times", in.name, slug, j, len(its))
			}
			var names []string
			for _, s := range its[0].Refeed.Sources {
				names = append(names, s.Name)
			}
			sort.Strings(names)
			if !slices.Equal(names, []string{"twin-a", "twin-b"}) {
				return fmt.Errorf("%s /%s.json: story %d names the sources %v, want twin-a and twin-b", in.name, slug, j, names)
			}
		}
		if len(items) != rounds {
			return fmt.Errorf("%s /%s.json has %d items, want %d", in.name, slug, len(items), rounds)
		}
		return nil
	}
	eventually(t, 10*time.Second, "each story is served once, naming both sources", func() error {
		for _, in := range ins {
			for _, slug := range []string{"all", "nato"} {
				if err := check(in, slug); err != nil {
					return err
				}
			}
		}
		return nil
	})
	endAll(t, ins...)
}

// TestClusterLeaderFailover: the leader stops (SIGSTOP) so that it cannot
// publish, a follower saves a new item, and the leader is killed
// (SIGKILL): a new leader, within leader_ttl, publishes the changed feeds
// from the durable marks, and both survivors serve the new item.
func TestClusterLeaderFailover(t *testing.T) {
	db := pgtest.Database(t, "")
	var extra atomic.Bool
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		items := []storyItem{{name + " NATO before", "https://origin.example/" + name + "/before"}}
		tag := name
		if name == "news" && extra.Load() {
			items = append(items, storyItem{"Failover NATO story", "https://origin.example/news/failover"})
			tag += "-failover"
		}
		writeFeed(w, r, tag, rssOf(name, items))
	})
	tm := clusterSettings{lease: 2 * time.Second, poll: 500 * time.Millisecond, leaderTTL: 4 * time.Second}
	body := sourcesYAML(o, "@every 1s", "/news", "/other") + "fetch:\n  per_host: 100\n" + natoTopic
	ins := startInstances(t, db, tm, body, "a", "b", "c")
	leader, term := waitLeader(t, 15*time.Second, ins...)
	var survivors []*instance
	for _, in := range ins {
		if in != leader {
			survivors = append(survivors, in)
		}
	}
	serves := func(title string) error {
		for _, in := range survivors {
			items, err := in.jsonItems("all")
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(items, func(it jsonFeedItem) bool { return it.Title == title }) {
				return fmt.Errorf("%s does not serve %q yet", in.name, title)
			}
		}
		return nil
	}
	eventually(t, 15*time.Second, "the survivors serve the first items", func() error { return serves("news NATO before") })

	leader.signal(t, syscall.SIGSTOP)
	stopped := time.Now()
	extra.Store(true)
	var saver *instance
	eventually(t, 1*time.Second+tm.lease+slack()+3*time.Second, "a follower saves the new item", func() error {
		for _, in := range survivors {
			for _, line := range in.logLines("refreshed") {
				if strings.Contains(line, " source=news ") && strings.Contains(line, " new=1 ") {
					saver = in
					return nil
				}
			}
		}
		return fmt.Errorf("no follower saved it")
	})
	leader.kill(t)
	killed := time.Now()
	early := serves("Failover NATO story") == nil
	t.Logf("leader %s (term %d) stopped; %s saved the new item %v later; killed then (served already: %v)",
		leader.name, term, saver.name, killed.Sub(stopped).Round(time.Millisecond), early)
	eventually(t, tm.leaderTTL+tm.poll+slack()+5*time.Second, "a new leader publishes the new item", func() error {
		return serves("Failover NATO story")
	})
	took := time.Since(killed)
	newLeader, newTerm := waitLeader(t, 5*time.Second, survivors...)
	t.Logf("new leader %s (term %d); the new item served %v after the kill (leader_ttl %v)", newLeader.name, newTerm, took.Round(time.Millisecond), tm.leaderTTL)
	if newTerm <= term {
		t.Errorf("the new leader's term is %d, the old one's %d", newTerm, term)
	}
	if limit := tm.leaderTTL + tm.poll + slack(); took > limit {
		t.Errorf("the new item was served %v after the leader's death, want within leader_ttl + poll (+ slack) = %v", took, limit)
	}
	endAll(t, survivors...)
}

// TestClusterConfigSkew: an instance started with a topic more than the
// others refuses to fetch and to publish, says so in its log and in
// /healthz (503, cluster.config_skew), and serves the feeds the leader
// published; the others go on.
func TestClusterConfigSkew(t *testing.T) {
	db := pgtest.Database(t, "")
	o := newStaticOrigin(t, "NATO Wetter story")
	tm := clusterSettings{lease: 2 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 2 * time.Second}
	sources := sourcesYAML(o, "@every 1s", "/sk0", "/sk1", "/sk2") + "fetch:\n  per_host: 100\n"
	ins := startInstances(t, db, tm, sources+natoTopic, "a", "b")
	leader, _ := waitLeader(t, 15*time.Second, ins...)
	eventually(t, 15*time.Second, "the feeds are served", func() error {
		items, err := ins[0].jsonItems("all")
		if err == nil && len(items) != 3 {
			err = fmt.Errorf("%d items", len(items))
		}
		return err
	})

	c := startInstance(t, "c", db, tm, sources+natoTopic+"  - name: Wetter\n    match:\n      any: [wetter]\n")
	c.waitUp(t, 20*time.Second)
	const why = "the configuration differs from the leader's"
	eventually(t, 10*time.Second, "c reports the skew", func() error {
		st, err := c.health()
		if err != nil {
			return err
		}
		if st.Status != http.StatusServiceUnavailable || st.Cluster.Skew == nil || st.Cluster.Skew == "" || st.Error == "" {
			return fmt.Errorf("/healthz %d, error %q, cluster %+v", st.Status, st.Error, st.Cluster)
		}
		if len(c.linesWith(why, "leader="+leader.name)) == 0 {
			return fmt.Errorf("c's log does not say %q naming the leader %s", why, leader.name)
		}
		return nil
	})
	st, _ := c.health()
	t.Logf("c's /healthz: error %q, config_skew %v", st.Error, st.Cluster.Skew)
	before := o.total()
	time.Sleep(3 * time.Second) // three due times of every source
	if o.total()-before < 3 {
		t.Errorf("the sources were fetched %d times in 3 s: a and b stopped fetching", o.total()-before)
	}
	if got := c.refreshed(); len(got) > 0 {
		t.Errorf("c refreshed %v with a configuration that differs from the leader's", got)
	}
	if lines := c.linesWith("msg=leading "); len(lines) > 0 {
		t.Errorf("c led: %s", lines[0])
	}
	if _, _, err := c.served("/all.rss"); err != nil {
		t.Errorf("c does not serve what the leader published: %v", err)
	}
	for _, in := range []*instance{ins[0], c} {
		if resp, _, err := get("http://" + in.addr + "/wetter.rss"); err != nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s serves the skewed topic's feed: %v %v", in.name, resp, err)
		}
	}
	for _, in := range ins {
		st, err := in.health()
		if err != nil || st.Status != http.StatusOK || st.Cluster.Skew != nil {
			t.Errorf("%s: /healthz %d, skew %v (%v)", in.name, st.Status, st.Cluster.Skew, err)
		}
	}
	endAll(t, append(ins, c)...)
}

// TestClusterSkewedInstanceKeepsSchedules: an instance whose
// configuration lacks one of the cluster's sources, started three times
// beside two that agree, changes nothing of the store's schedules: the
// skewed instance reports the skew and refreshes nothing, and the others
// still fetch every source of theirs, the one it lacks too (a skewed
// instance that synced the store's schedules to its own sources before it
// knew the leader's configuration would leave that source unclaimed for
// good).
func TestClusterSkewedInstanceKeepsSchedules(t *testing.T) {
	db := pgtest.Database(t, "")
	o := newStaticOrigin(t, "NATO story")
	tm := clusterSettings{lease: 2 * time.Second, poll: 200 * time.Millisecond, leaderTTL: 2 * time.Second}
	fetch := "fetch:\n  per_host: 100\n"
	ins := startInstances(t, db, tm, sourcesYAML(o, "@every 1s", "/ks0", "/ks1", "/ks2")+fetch+natoTopic, "a", "b")
	waitLeader(t, 15*time.Second, ins...)
	for i := range 3 {
		c := startInstance(t, fmt.Sprintf("c%d", i), db, tm, sourcesYAML(o, "@every 1s", "/ks0", "/ks1")+fetch+natoTopic)
		c.waitUp(t, 20*time.Second)
		eventually(t, 10*time.Second, c.name+" reports the skew", func() error {
			st, err := c.health()
			if err != nil {
				return err
			}
			if st.Status != http.StatusServiceUnavailable || st.Cluster.Skew == nil {
				return fmt.Errorf("/healthz %d, cluster %+v", st.Status, st.Cluster)
			}
			return nil
		})
		endAll(t, c)
		if got := c.refreshed(); len(got) > 0 {
			t.Errorf("%s refreshed %v with a configuration that differs from the leader's", c.name, got)
		}
		before := o.count("/ks2")
		eventually(t, 3*time.Second+tm.lease, "ks2 is still fetched after "+c.name, func() error {
			if o.count("/ks2") == before {
				return fmt.Errorf("ks2 requested %d times, not since %s stopped", before, c.name)
			}
			return nil
		})
	}
	endAll(t, ins...)
}
