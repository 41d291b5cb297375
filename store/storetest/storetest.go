// Package storetest holds the promises of store.Store as tests that every
// backend must pass: a backend's own tests call Run with a way to open its
// stores. The tests use only the interface.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/store"
)

// An Opener opens the store called name for test t, creating it empty when
// there is none. Each test uses names of its own, and opens a name again,
// after closing its store, to check what lasts. The suite closes every
// store it opens, once.
type Opener func(t *testing.T, name string) store.Store

// Run runs every test of the suite, each as a subtest of t.
func Run(t *testing.T, open Opener) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{t: t, opener: open, name: tc.name}
			t.Cleanup(e.close)
			tc.test(t, e)
		})
	}
}

// tests are the suite, one test per promise.
var tests = []struct {
	name string
	test func(*testing.T, *env)
}{
	{"SaveAndFeed", testSaveAndFeed},
	{"SameStoryFromTwoSources", testSameStoryFromTwoSources},
	{"SameTitleWithin48Hours", testSameTitleWithin48Hours},
	{"OneSaveOfManyKinds", testOneSaveOfManyKinds},
	{"TwoItemsOfOneSaveAreOneStory", testTwoItemsOfOneSaveAreOneStory},
	{"KeysThatAreNotUTF8", testKeysThatAreNotUTF8},
	{"ConcurrentSaves", testConcurrentSaves},
	{"SameStoryFromTwoSourcesAtOnce", testSameStoryFromTwoSourcesAtOnce},
	{"Fingerprints", testFingerprints},
	{"SourceStates", testSourceStates},
	{"Retention", testRetention},
	{"PruneFingerprints", testPruneFingerprints},
	{"Retag", testRetag},
	{"FullTextCache", testFullTextCache},
	{"Meta", testMeta},
	{"FeedMarks", testFeedMarks},
	{"FeedMarksOfConcurrentSaves", testFeedMarksOfConcurrentSaves},
	{"AlertQueueOnceEver", testAlertQueueOnceEver},
	{"AlertFailureDefersTheAlert", testAlertFailureDefersTheAlert},
	{"AlertDigestAndDrop", testAlertDigestAndDrop},
	{"TakeEnteredKeepsAlertsAcrossACrash", testTakeEnteredKeepsAlertsAcrossACrash},
	{"ClaimsAreExclusive", testClaimsAreExclusive},
	{"ClaimPerHost", testClaimPerHost},
	{"ClaimPerHostUnderChurn", testClaimPerHostUnderChurn},
	{"ExpiredLeaseIsClaimedAgain", testExpiredLeaseIsClaimedAgain},
	{"RenewAndRelease", testRenewAndRelease},
	{"SyncSources", testSyncSources},
	{"Leader", testLeader},
	{"FencedByTerm", testFencedByTerm},
	{"Rendered", testRendered},
	{"RenderedChanged", testRenderedChanged},
	{"ClaimAlert", testClaimAlert},
}

// An env is one test's store.
type env struct {
	t      *testing.T
	opener Opener
	name   string
	cur    store.Store
}

// open opens the test's store.
func (e *env) open() store.Store {
	e.t.Helper()
	e.close()
	e.cur = e.opener(e.t, strings.ToLower(e.name))
	if e.cur == nil {
		e.t.Fatal("the opener returned no store")
	}
	return e.cur
}

// reopen closes the test's store and opens it again, as a new process
// would.
func (e *env) reopen() store.Store {
	e.t.Helper()
	if err := e.cur.Close(); err != nil {
		e.t.Fatalf("close: %v", err)
	}
	e.cur = nil
	return e.open()
}

func (e *env) close() {
	if e.cur != nil {
		e.cur.Close()
		e.cur = nil
	}
}

var ctx = context.Background()

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func mk(source, guid, link, title string, topics ...string) item.Item {
	it := item.Item{Source: source, GUID: guid, Link: link, Title: title, Content: "<p>" + title + "</p>", Topics: topics}
	it.ID = item.NewID(source, &it)
	return it
}

func alertEntries(key string, items ...string) []store.AlertEntry {
	var out []store.AlertEntry
	for _, title := range items {
		out = append(out, store.AlertEntry{Key: key, Topic: "nato", Item: mk("taz", "", "https://taz.de/"+title, title, "nato")})
	}
	return out
}

func pendingTitles(t *testing.T, s store.Store, key string, dueOnly bool, now time.Time) []string {
	t.Helper()
	ds, err := s.PendingAlerts(ctx, key, dueOnly, now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Item.Title)
	}
	return out
}

// testFingerprints: the fingerprints of a source's items are read back by
// the items' own ids, also of an item merged into another source's story,
// and a later save replaces them.
func testFingerprints(t *testing.T, e *env) {
	s := e.open()
	if fps, err := s.Fingerprints(ctx, "a"); err != nil || len(fps) != 0 {
		t.Fatalf("empty store: %v, %v", fps, err)
	}
	x := mk("x", "", "https://ex.org/story", "A story both sources carry today")
	a := mk("a", "", "https://ex.org/story", "A story both sources carry, as a tells it")
	b := mk("a", "", "https://ex.org/b", "A story of its own")
	c := mk("a", "", "https://ex.org/c", "Carried without a fingerprint")
	a.Fingerprint, b.Fingerprint = "fp-a", "fp-b"
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "x", LastSuccess: t0}, []item.Item{x}, t0); err != nil {
		t.Fatal(err)
	}
	res, err := s.SaveSource(ctx, store.SourceState{Name: "a", LastSuccess: t0}, []item.Item{a, b, c}, t0)
	if err != nil || res.Merged != 1 {
		t.Fatalf("save: %+v, %v", res, err)
	}
	fps, err := s.Fingerprints(ctx, "a")
	if err != nil || len(fps) != 2 || fps[a.ID] != "fp-a" || fps[b.ID] != "fp-b" {
		t.Errorf("fingerprints = %v, %v", fps, err)
	}
	b.Fingerprint = "fp-b2"
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "a", LastSuccess: t0}, []item.Item{b}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if fps, _ := s.Fingerprints(ctx, "a"); fps[b.ID] != "fp-b2" || fps[a.ID] != "fp-a" {
		t.Errorf("after a second save: %v", fps)
	}
	if fps, _ := s.Fingerprints(ctx, "x"); len(fps) != 0 {
		t.Errorf("x's fingerprints: %v", fps)
	}
}

// testSourceStates: a source's state is stored as given, alone or with
// others, and read back alone or all together, sorted by name; it lasts.
func testSourceStates(t *testing.T, e *env) {
	s := e.open()
	if st, err := s.Source(ctx, "new"); err != nil || st != (store.SourceState{Name: "new"}) {
		t.Errorf("a source never fetched: %+v, %v", st, err)
	}
	full := store.SourceState{
		Name: "b", URL: "https://b.example/feed", Title: "B's feed", Link: "https://b.example/",
		ETag: `"e1"`, LastModified: "Sun, 01 Nov 2026 11:00:00 GMT", Hash: "h1",
		LastAttempt: t0, LastSuccess: t0.Add(-time.Hour), LastError: "status 503", Failures: 2,
		NextAttempt: t0.Add(4 * time.Minute),
	}
	if err := s.PutSource(ctx, full); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSources(ctx, []store.SourceState{{Name: "c", URL: "https://c.example/"}, {Name: "a", LastSuccess: t0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSources(ctx, nil); err != nil {
		t.Errorf("no states: %v", err)
	}
	// A save records the state too.
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "d", ETag: `"d"`, LastSuccess: t0}, nil, t0); err != nil {
		t.Fatal(err)
	}
	s = e.reopen()
	got, err := s.Source(ctx, "b")
	if err != nil || !equalState(got, full) {
		t.Errorf("b = %+v, %v; want %+v", got, err, full)
	}
	all, err := s.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range all {
		names = append(names, st.Name)
	}
	if !slices.Equal(names, []string{"a", "b", "c", "d"}) {
		t.Errorf("sources %v", names)
	}
	if !equalState(all[1], full) || all[2].URL != "https://c.example/" || !all[0].LastSuccess.Equal(t0) || all[3].ETag != `"d"` {
		t.Errorf("sources = %+v", all)
	}
	// A new state replaces the old one whole.
	if err := s.PutSource(ctx, store.SourceState{Name: "b", URL: full.URL}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Source(ctx, "b"); !equalState(got, store.SourceState{Name: "b", URL: full.URL}) {
		t.Errorf("b after a new state = %+v", got)
	}
}

// equalState compares states, their times as instants.
func equalState(a, b store.SourceState) bool {
	times := func(s *store.SourceState) []time.Time {
		ts := []time.Time{s.LastAttempt, s.LastSuccess, s.NextAttempt, s.NextDue}
		s.LastAttempt, s.LastSuccess, s.NextAttempt, s.NextDue = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		return ts
	}
	ta, tb := times(&a), times(&b)
	for i := range ta {
		if !ta[i].Equal(tb[i]) {
			return false
		}
	}
	return a == b
}

// testMeta: settings are stored, replaced and kept; an unset one is "".
func testMeta(t *testing.T, e *env) {
	s := e.open()
	if v, err := s.Meta(ctx, "topics"); err != nil || v != "" {
		t.Errorf("unset: %q, %v", v, err)
	}
	if err := s.SetMeta(ctx, "topics", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(ctx, "topics", "v2"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(ctx, "other", ""); err != nil {
		t.Fatal(err)
	}
	s = e.reopen()
	if v, err := s.Meta(ctx, "topics"); err != nil || v != "v2" {
		t.Errorf("topics = %q, %v", v, err)
	}
	if v, err := s.Meta(ctx, "other"); err != nil || v != "" {
		t.Errorf("other = %q, %v", v, err)
	}
}

func testSaveAndFeed(t *testing.T, e *env) {
	s := e.open()
	items := []item.Item{
		mk("a", "g1", "https://ex.org/1", "One", "nato"),
		mk("a", "g2", "https://ex.org/2", "Two"),
	}
	items[0].Published = t0.Add(-time.Hour)
	items[1].Published = t0.Add(-2 * time.Hour)
	res, err := s.SaveSource(ctx, store.SourceState{Name: "a", ETag: `"x"`, LastSuccess: t0}, items, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !res.First || res.New != 2 || !slices.Equal(res.Changed, []string{config.AllFeed, "nato"}) {
		t.Errorf("result = %+v", res)
	}
	if len(res.Entered) != 1 || res.Entered[0].Topic != "nato" || res.Entered[0].ItemID != items[0].ID {
		t.Errorf("entered = %+v", res.Entered)
	}
	all, err := s.Feed(ctx, config.AllFeed, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Title != "One" || all[1].Title != "Two" {
		t.Fatalf("all = %+v", all)
	}
	if all[0].ID != items[0].ID || !all[0].FirstSeen.Equal(t0) || !slices.Equal(all[0].Topics, []string{"nato"}) || !slices.Equal(all[0].Sources, []string{"a"}) {
		t.Errorf("first item = %+v", all[0])
	}
	nato, _ := s.Feed(ctx, "nato", 10)
	if len(nato) != 1 || nato[0].Title != "One" {
		t.Errorf("nato = %+v", nato)
	}
	st, err := s.Source(ctx, "a")
	if err != nil || st.ETag != `"x"` || !st.LastSuccess.Equal(t0) {
		t.Errorf("state = %+v, %v", st, err)
	}

	// The same items again: nothing new, nothing changed, same ids.
	res, err = s.SaveSource(ctx, store.SourceState{Name: "a", LastSuccess: t0}, items, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.First || res.New != 0 || res.Updated != 0 || len(res.Changed) != 0 || len(res.Entered) != 0 {
		t.Errorf("second save = %+v", res)
	}
	again, _ := s.Feed(ctx, config.AllFeed, 10)
	if again[0].ID != all[0].ID || !again[0].FirstSeen.Equal(t0) {
		t.Errorf("ids or first-seen changed: %+v", again[0])
	}

	// An edited item is updated in place and its feeds change.
	items[1].Content = "<p>edited</p>"
	items[1].Topics = []string{"klima"}
	res, _ = s.SaveSource(ctx, store.SourceState{Name: "a", LastSuccess: t0}, items, t0.Add(2*time.Hour))
	if res.Updated != 1 || !slices.Equal(res.Changed, []string{config.AllFeed, "klima"}) || len(res.Entered) != 1 {
		t.Errorf("edit = %+v", res)
	}
	// Items dropped by the source stay.
	res, _ = s.SaveSource(ctx, store.SourceState{Name: "a", LastSuccess: t0}, nil, t0.Add(3*time.Hour))
	if n, _ := s.Count(ctx, config.AllFeed); n != 2 || len(res.Changed) != 0 {
		t.Errorf("after an empty fetch: %d items, changed %v", n, res.Changed)
	}
}

func testSameStoryFromTwoSources(t *testing.T, e *env) {
	s := e.open()
	a := mk("a", "", "https://www.example.org/story/", "Story", "nato")
	b := mk("b", "", "http://example.org/story#comments", "Story (B)", "korea")
	c := mk("c", "tag:example.org,2026:story", "https://c.example/x", "C")
	d := mk("d", "tag:example.org,2026:story", "https://d.example/y", "D")
	for _, src := range []struct {
		name string
		it   item.Item
	}{{"a", a}, {"b", b}, {"c", c}, {"d", d}} {
		if _, err := s.SaveSource(ctx, store.SourceState{Name: src.name}, []item.Item{src.it}, t0); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := s.Feed(ctx, config.AllFeed, 10)
	if len(all) != 2 {
		t.Fatalf("%d items, want 2 (one per story): %+v", len(all), all)
	}
	for _, it := range all {
		switch it.Title {
		case "Story":
			if !slices.Equal(it.Sources, []string{"a", "b"}) || !slices.Equal(it.Topics, []string{"korea", "nato"}) {
				t.Errorf("story: sources %v topics %v", it.Sources, it.Topics)
			}
		case "C":
			if !slices.Equal(it.Sources, []string{"c", "d"}) {
				t.Errorf("C: sources %v", it.Sources)
			}
		default:
			t.Errorf("unexpected item %q", it.Title)
		}
	}
	// Short GUIDs are not unique beyond their feed.
	ie := mk("e", "42", "https://e.example/42", "E")
	f := mk("f", "42", "https://f.example/42", "F")
	s.SaveSource(ctx, store.SourceState{Name: "e"}, []item.Item{ie}, t0)
	s.SaveSource(ctx, store.SourceState{Name: "f"}, []item.Item{f}, t0)
	if n, _ := s.Count(ctx, config.AllFeed); n != 4 {
		t.Errorf("%d items after two unrelated GUID 42 items, want 4", n)
	}
}

func testSameTitleWithin48Hours(t *testing.T, e *env) {
	s := e.open()
	a := mk("a", "", "https://a.example/1", "Nato warnt Nordkorea vor Truppenentsendung")
	a.Published = t0
	b := mk("b", "", "https://b.example/9", "NATO warnt Nordkorea vor Truppenentsendung!")
	b.Published = t0.Add(5 * time.Hour)
	c := mk("c", "", "https://c.example/3", "Nato warnt Nordkorea vor Truppenentsendung")
	c.Published = t0.Add(72 * time.Hour)
	for _, x := range []item.Item{a, b, c} {
		s.SaveSource(ctx, store.SourceState{Name: x.Source}, []item.Item{x}, t0.Add(80*time.Hour))
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 2 {
		t.Errorf("%d items, want 2", n)
	}
}

func testRetention(t *testing.T, e *env) {
	s := e.open()
	var items []item.Item
	for i := range 10 {
		it := mk("a", fmt.Sprint("g", i), fmt.Sprintf("https://ex.org/%d", i), fmt.Sprint("Item ", i))
		it.Published = t0.Add(-time.Duration(i) * time.Hour)
		if i == 9 {
			it.Topics = []string{"rare"}
		}
		items = append(items, it)
	}
	old := mk("a", "old", "https://ex.org/old", "Old")
	old.Published = t0.Add(-40 * 24 * time.Hour)
	s.SaveSource(ctx, store.SourceState{Name: "a"}, []item.Item{old}, t0.Add(-31*24*time.Hour))
	s.SaveSource(ctx, store.SourceState{Name: "a"}, items, t0)
	items = append(items, old)
	changed, err := s.Prune(ctx, 5, 30*24*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, []string{config.AllFeed}) {
		t.Errorf("changed = %v", changed)
	}
	all, _ := s.Feed(ctx, config.AllFeed, 100)
	var titles []string
	for _, it := range all {
		titles = append(titles, it.Title)
	}
	// The five newest stay, and item 9, the newest of its topic.
	want := []string{"Item 0", "Item 1", "Item 2", "Item 3", "Item 4", "Item 9"}
	if !slices.Equal(titles, want) {
		t.Errorf("kept %v, want %v", titles, want)
	}
	// A source still carrying pruned items does not bring them back.
	res, _ := s.SaveSource(ctx, store.SourceState{Name: "a"}, items, t0.Add(time.Hour))
	if res.New != 0 {
		t.Errorf("%d pruned items came back", res.New)
	}
}

func testRetag(t *testing.T, e *env) {
	s := e.open()
	s.SaveSource(ctx, store.SourceState{Name: "a"}, []item.Item{mk("a", "1", "https://x/1", "Korea news", "nato"), mk("a", "2", "https://x/2", "Weather")}, t0)
	changed, err := s.Retag(ctx, func(it *item.Item) []string {
		if it.Title == "Korea news" {
			return []string{"korea"}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, []string{"korea", "nato"}) {
		t.Errorf("changed = %v", changed)
	}
	if n, _ := s.Count(ctx, "korea"); n != 1 {
		t.Errorf("korea has %d items", n)
	}
	if n, _ := s.Count(ctx, "nato"); n != 0 {
		t.Errorf("nato has %d items", n)
	}
}

func testFullTextCache(t *testing.T, e *env) {
	s := e.open()
	if _, ok, err := s.FullText(ctx, "https://ex.org/a"); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	s.PutFullText(ctx, "https://ex.org/a", store.FullText{Content: "<p>Artikel</p>", Fetched: t0})
	s.PutFullText(ctx, "https://ex.org/b", store.FullText{Error: "status 404", Fetched: t0})
	s = e.reopen()
	if ft, ok, _ := s.FullText(ctx, "https://ex.org/a"); !ok || ft.Content != "<p>Artikel</p>" || !ft.Fetched.Equal(t0) {
		t.Errorf("a = %+v %v", ft, ok)
	}
	if ft, ok, _ := s.FullText(ctx, "https://ex.org/b"); !ok || ft.Error != "status 404" {
		t.Errorf("b = %+v %v", ft, ok)
	}
	// What a site config found besides the article, and the rules it was
	// extracted with, are kept with it; writing the link again replaces
	// all of it.
	rich := store.FullText{Content: "<p>Text</p>", Fetched: t0, Title: "Ein Titel \x00 <b>", Authors: []string{"Anna Beispiel", "Bo \"Quote\""},
		Date: "2025-06-10T05:00:00+02:00", Rules: "ft1/0123456789abcdef"}
	if err := s.PutFullText(ctx, "https://ex.org/c", rich); err != nil {
		t.Fatal(err)
	}
	s = e.reopen()
	if ft, ok, err := s.FullText(ctx, "https://ex.org/c"); err != nil || !ok || ft.Title != rich.Title || ft.Date != rich.Date || ft.Rules != rich.Rules ||
		!slices.Equal(ft.Authors, rich.Authors) || ft.Content != rich.Content {
		t.Errorf("c = %+v %v %v, want %+v", ft, ok, err, rich)
	}
	if err := s.PutFullText(ctx, "https://ex.org/c", store.FullText{Error: "status 410", Fetched: t0, Rules: "ft1/fedcba"}); err != nil {
		t.Fatal(err)
	}
	if ft, ok, _ := s.FullText(ctx, "https://ex.org/c"); !ok || ft.Title != "" || ft.Authors != nil || ft.Date != "" || ft.Rules != "ft1/fedcba" || ft.Error != "status 410" {
		t.Errorf("c rewritten = %+v %v", ft, ok)
	}
	if ft, ok, _ := s.FullText(ctx, "https://ex.org/a"); !ok || ft.Rules != "" || ft.Authors != nil || ft.Title != "" {
		t.Errorf("a has %+v", ft)
	}
	// Retention forgets articles after twice max_age.
	s.Prune(ctx, 10, time.Hour, t0.Add(3*time.Hour))
	if _, ok, _ := s.FullText(ctx, "https://ex.org/a"); ok {
		t.Error("old article kept")
	}
}

// testConcurrentSaves: saves that come at once (which a backend may write
// together) each succeed or fail alone: one that fails does not fail the
// others.
func testConcurrentSaves(t *testing.T, e *env) {
	s := e.open()
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			src := fmt.Sprintf("s%02d", i)
			it := mk(src, "g", fmt.Sprintf("https://%s.example/1", src), fmt.Sprintf("Story %d", i), "nato")
			if i == 7 {
				it.Published = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // cannot be encoded
			}
			_, errs[i] = s.SaveSource(ctx, store.SourceState{Name: src, LastSuccess: t0}, []item.Item{it}, t0)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 7) {
			t.Errorf("save %d: %v", i, err)
		}
	}
	s = e.reopen()
	if c, _ := s.Count(ctx, config.AllFeed); c != n-1 {
		t.Errorf("%d items stored, want %d", c, n-1)
	}
	if st, _ := s.Source(ctx, "s07"); !st.LastSuccess.IsZero() {
		t.Error("the failed save's state was stored")
	}
	if st, _ := s.Source(ctx, "s08"); !st.LastSuccess.Equal(t0) {
		t.Error("a good save's state is missing")
	}
}

// testSameStoryFromTwoSourcesAtOnce: two sources carrying the same story
// (by GUID, by link, by title), saved at the same moment, store it once,
// with both sources listed; so do more saves at once, several stories
// each.
func testSameStoryFromTwoSourcesAtOnce(t *testing.T, e *env) {
	s := e.open()
	const rounds = 10
	for r := range rounds {
		story := func(src string) []item.Item {
			byGUID := mk(src, fmt.Sprintf("https://news.example/guid/%d", r), fmt.Sprintf("https://%s.example/g%d", src, r), fmt.Sprintf("%s's title of the story by GUID, round %d", src, r))
			byLink := mk(src, "", fmt.Sprintf("https://www.news.example/link/%d/", r), fmt.Sprintf("%s's title of the story by link, round %d", src, r))
			byTitle := mk(src, "", fmt.Sprintf("https://%s.example/t%d", src, r), fmt.Sprintf("The story found by its title alone, round %d", r))
			byTitle.Published = t0
			return []item.Item{byGUID, byLink, byTitle}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		results := make([]*store.SaveResult, 2)
		errs := make([]error, 2)
		for i, src := range []string{"a", "b"} {
			items := story(src)
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.SaveSource(ctx, store.SourceState{Name: src, LastSuccess: t0}, items, t0)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, save %d: %v", r, i, err)
			}
		}
		if n, m := results[0].New+results[1].New, results[0].Merged+results[1].Merged; n != 3 || m != 3 {
			t.Errorf("round %d: %d new, %d merged; want 3 and 3", r, n, m)
		}
	}
	all, err := s.Feed(ctx, config.AllFeed, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3*rounds {
		t.Errorf("%d items, want %d (one per story)", len(all), 3*rounds)
	}
	for _, it := range all {
		if len(it.Sources) != 2 || it.Sources[0] == it.Sources[1] {
			t.Errorf("%q: sources %v, want a and b", it.Title, it.Sources)
		}
	}
}

// testOneSaveOfManyKinds saves, in one save, items that are new, the same
// story as another source's by GUID, by link and by title, already stored
// under an alias, removed by retention, and repeated: each is told apart.
func testOneSaveOfManyKinds(t *testing.T, e *env) {
	s := e.open()
	byGUID := mk("x", "https://x.example/guid/1", "https://x.example/1", "First story of the other source")
	byLink := mk("x", "", "https://www.x.example/2/", "Second story of the other source")
	byTitle := mk("x", "", "https://x.example/3", "Third story of the other source, by title")
	byTitle.Published = t0
	old := mk("x", "", "https://x.example/old", "An old story that retention removes")
	old.Published = t0.Add(-time.Hour)
	// old is seen long ago, the others now.
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "x", LastSuccess: t0}, []item.Item{old}, t0.Add(-100*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "x", LastSuccess: t0}, []item.Item{byGUID, byLink, byTitle, old}, t0); err != nil {
		t.Fatal(err)
	}
	// Retention removes old, seen long ago.
	if _, err := s.Prune(ctx, 100, 48*time.Hour, t0); err != nil {
		t.Fatal(err)
	}

	var items []item.Item
	for i := range 150 { // more than a lookup's chunk
		items = append(items, mk("y", fmt.Sprint("y", i), fmt.Sprintf("https://y.example/%d", i), fmt.Sprintf("A new story of its own, number %d", i)))
	}
	sameGUID := mk("y", byGUID.GUID, "https://y.example/g", "Y's title of the first story")
	sameLink := mk("y", "", "http://x.example/2", "Y's title of the second story")
	sameTitle := mk("y", "", "https://y.example/t", "THIRD story of the other source — by title!")
	sameTitle.Published = t0.Add(time.Hour)
	gone := old
	gone.ID = old.ID // an id retention removed
	items = append(items[:62], append([]item.Item{sameGUID, sameLink, items[3], sameTitle, gone}, items[62:]...)...)
	res, err := s.SaveSource(ctx, store.SourceState{Name: "y", LastSuccess: t0}, items, t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 150 || res.Merged != 3 {
		t.Errorf("new %d, merged %d; want 150, 3", res.New, res.Merged)
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 153 {
		t.Errorf("%d items, want 153", n)
	}
	all, _ := s.Feed(ctx, config.AllFeed, 200)
	for _, it := range all {
		if it.Source == "x" && !slices.Equal(it.Sources, []string{"x", "y"}) {
			t.Errorf("%q: sources %v", it.Title, it.Sources)
		}
	}
	// Again: all known now, under their own id or an alias.
	res, err = s.SaveSource(ctx, store.SourceState{Name: "y", LastSuccess: t0}, items, t0)
	if err != nil || res.New != 0 || res.Merged != 0 || res.Updated != 0 {
		t.Errorf("saved again: %+v, %v", res, err)
	}
}

// testTwoItemsOfOneSaveAreOneStory: two items of a save that are the same
// stored story are saved one after the other, the second seeing what the
// first changed; the all feed is marked changed too, as its item names
// one source more.
func testTwoItemsOfOneSaveAreOneStory(t *testing.T, e *env) {
	s := e.open()
	story := mk("x", "", "https://x.example/story", "The story")
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "x", LastSuccess: t0}, []item.Item{story}, t0); err != nil {
		t.Fatal(err)
	}
	a := mk("y", "1", "https://x.example/story", "Y's story", "nato")
	b := mk("y", "2", "https://www.x.example/story/", "Y's story again", "korea")
	res, err := s.SaveSource(ctx, store.SourceState{Name: "y", LastSuccess: t0}, []item.Item{a, b}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var entered []string
	for _, en := range res.Entered {
		entered = append(entered, en.Topic+" "+en.ItemID)
	}
	if res.Merged != 2 || !slices.Equal(entered, []string{"nato " + story.ID, "korea " + story.ID}) || !slices.Equal(res.Changed, []string{"all", "korea", "nato"}) {
		t.Errorf("merged %d, entered %v, changed %v", res.Merged, entered, res.Changed)
	}
	all, _ := s.Feed(ctx, config.AllFeed, 10)
	if len(all) != 1 || !slices.Equal(all[0].Topics, []string{"korea"}) || !slices.Equal(all[0].Sources, []string{"x", "y"}) {
		t.Errorf("feed: %+v", all)
	}
}

// testKeysThatAreNotUTF8 saves items whose GUID, link and id hold bytes
// that are not UTF-8 or control characters: they are found again.
func testKeysThatAreNotUTF8(t *testing.T, e *env) {
	s := e.open()
	a := mk("a", "tag:x.example,2026:\xff\"\\\x01", "https://x.example/p?q=\xfe\"", "A story with odd bytes in its keys")
	a.ID = "urn:odd:\xff\"\\\x01"
	b := mk("b", "", "https://x.example/p?q=\xfe\"", "B")
	c := mk("c", a.GUID, "https://c.example/1", "C")
	for _, x := range []item.Item{a, b, c} {
		if _, err := s.SaveSource(ctx, store.SourceState{Name: x.Source}, []item.Item{x}, t0); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.SaveSource(ctx, store.SourceState{Name: "a"}, []item.Item{a}, t0)
	if err != nil || res.New != 0 {
		t.Errorf("saved again: %+v, %v", res, err)
	}
	all, _ := s.Feed(ctx, config.AllFeed, 10)
	if len(all) != 1 || all[0].Title != a.Title || !slices.Equal(all[0].Sources, []string{"a", "b", "c"}) {
		t.Errorf("feed: %+v", all)
	}
}

// testPruneFingerprints: the fingerprint of a removed item stays as long
// as its tombstone (twice the retention age), that of a stored item as
// long as the item.
func testPruneFingerprints(t *testing.T, e *env) {
	s := e.open()
	old, other := mk("a", "https://ex.org/old", "https://ex.org/old", "An old story of the source"), mk("a", "https://ex.org/new", "https://ex.org/new", "A new story of the source")
	old.Fingerprint, other.Fingerprint = "fp-old", "fp-new"
	old.Published, other.Published = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
	if _, err := s.SaveSource(ctx, store.SourceState{Name: "a", LastSuccess: t0}, []item.Item{old, other}, t0); err != nil {
		t.Fatal(err)
	}
	const age = 24 * time.Hour
	// old goes, other stays; both fingerprints stay.
	if _, err := s.Prune(ctx, 1, age, t0); err != nil {
		t.Fatal(err)
	}
	if fps, err := s.Fingerprints(ctx, "a"); err != nil || len(fps) != 2 {
		t.Errorf("fingerprints %v, %v; want both", fps, err)
	}
	// old's tombstone expires, other goes (first seen too long ago).
	if _, err := s.Prune(ctx, 1, age, t0.Add(2*age+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if fps, err := s.Fingerprints(ctx, "a"); err != nil || len(fps) != 1 || fps[other.ID] != "fp-new" {
		t.Errorf("fingerprints %v, %v; want only %s's", fps, err, other.ID)
	}
}

func testAlertQueueOnceEver(t *testing.T, e *env) {
	s := e.open()
	const key = "nato webhook https://example.org/hook"

	// A first refresh: seen, not queued.
	n, err := s.QueueAlerts(ctx, alertEntries(key, "a", "b"), false, t0)
	if err != nil || n != 0 {
		t.Fatalf("first: %d, %v", n, err)
	}
	if got := pendingTitles(t, s, key, false, t0); len(got) != 0 {
		t.Fatalf("queued on a first refresh: %v", got)
	}
	// Later: only the unseen item is queued, once.
	n, err = s.QueueAlerts(ctx, alertEntries(key, "a", "c", "c"), true, t0.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("second: %d, %v", n, err)
	}
	// The same item for another alert is that alert's own.
	if n, err := s.QueueAlerts(ctx, alertEntries("other", "a"), true, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("other alert: %d, %v", n, err)
	}
	if seen, err := s.AlertSeen(ctx, key, alertEntries(key, "b")[0].Item.ID); err != nil || !seen {
		t.Errorf("b not seen: %v", err)
	}

	// Across a restart, delivered or not, nothing repeats.
	s = e.reopen()
	if got := pendingTitles(t, s, key, true, t0.Add(time.Minute)); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("pending after restart = %v", got)
	}
	if err := s.AlertDelivered(ctx, key, []string{alertEntries(key, "c")[0].Item.ID}, false, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.QueueAlerts(ctx, alertEntries(key, "a", "b", "c"), true, t0.Add(3*time.Minute)); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
	states, err := s.AlertStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := states[key]; st.Pending != 0 || !st.LastSuccess.Equal(t0.Add(2*time.Minute)) || st.LastError != "" {
		t.Errorf("state = %+v", st)
	}
	if st := states["other"]; st.Pending != 1 || !st.NextAttempt.Equal(t0.Add(time.Minute)) {
		t.Errorf("other state = %+v", st)
	}
}

func testAlertFailureDefersTheAlert(t *testing.T, e *env) {
	s := e.open()
	const key = "k"
	if _, err := s.QueueAlerts(ctx, alertEntries(key, "a", "b"), true, t0); err != nil {
		t.Fatal(err)
	}
	a := alertEntries(key, "a")[0].Item.ID
	next := t0.Add(30 * time.Second)
	if err := s.AlertFailed(ctx, key, []string{a}, "HTTP 500", next, t0); err != nil {
		t.Fatal(err)
	}
	// Both wait: b without counting an attempt.
	if got := pendingTitles(t, s, key, true, t0.Add(10*time.Second)); len(got) != 0 {
		t.Fatalf("due while backing off: %v", got)
	}
	// An item queued while backing off waits too.
	if _, err := s.QueueAlerts(ctx, alertEntries(key, "c"), true, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ds, err := s.PendingAlerts(ctx, key, true, next)
	if err != nil || len(ds) != 3 {
		t.Fatalf("due after backoff: %v, %v", ds, err)
	}
	if ds[0].Attempts != 1 || ds[0].LastError != "HTTP 500" || ds[1].Attempts != 0 || !ds[2].NextAttempt.Equal(next) {
		t.Errorf("deliveries = %+v", ds)
	}
	states, err := s.AlertStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := states[key]; st.Pending != 3 || st.LastError != "HTTP 500" || !st.LastErrorAt.Equal(t0) || !st.NextAttempt.Equal(next) {
		t.Errorf("state = %+v", st)
	}
	// A success clears the error.
	if err := s.AlertDelivered(ctx, key, []string{a}, false, next); err != nil {
		t.Fatal(err)
	}
	states, _ = s.AlertStates(ctx)
	if st := states[key]; st.Pending != 2 || st.LastError != "" || !st.LastSuccess.Equal(next) || !st.LastDigest.IsZero() {
		t.Errorf("state after success = %+v", st)
	}
}

func testAlertDigestAndDrop(t *testing.T, e *env) {
	s := e.open()
	if err := s.StartAlertDigest(ctx, "d", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueAlerts(ctx, alertEntries("d", "a", "b"), true, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueAlerts(ctx, alertEntries("gone", "a"), true, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueAlerts(ctx, alertEntries("failing", "a", "b"), true, t0); err != nil {
		t.Fatal(err)
	}
	failed := alertEntries("failing", "a")[0].Item.ID
	if err := s.AlertFailed(ctx, "failing", []string{failed}, "down", t0.Add(time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	dropped, err := s.DropAlerts(ctx, []string{"d", "failing"}, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range dropped {
		got = append(got, d.Key+"/"+d.Item.ID)
	}
	want := []string{"failing/" + failed, "gone/" + alertEntries("gone", "a")[0].Item.ID}
	if !slices.Equal(got, want) {
		t.Errorf("dropped %v, want %v", got, want)
	}
	states, err := s.AlertStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if states["d"].Pending != 2 || !states["d"].LastDigest.Equal(t0) || states["failing"].Pending != 1 || states["gone"].Pending != 0 {
		t.Errorf("states = %+v", states)
	}
	ids := []string{alertEntries("d", "a")[0].Item.ID, alertEntries("d", "b")[0].Item.ID}
	if err := s.AlertDelivered(ctx, "d", ids, true, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	states, _ = s.AlertStates(ctx)
	if st := states["d"]; st.Pending != 0 || !st.LastDigest.Equal(t0.Add(time.Hour)) {
		t.Errorf("digest state = %+v", st)
	}
}

// testTakeEnteredKeepsAlertsAcrossACrash: what entered topics is saved with
// the items, so an alert survives a crash between the save and queueing.
func testTakeEnteredKeepsAlertsAcrossACrash(t *testing.T, e *env) {
	s := e.open()
	keys := func(topic string) []string {
		if topic == "nato" {
			return []string{"hook"}
		}
		return nil
	}
	same := func(it item.Item) item.Item { return it }
	s.SaveSource(ctx, store.SourceState{Name: "taz", LastSuccess: t0}, []item.Item{mk("taz", "g1", "", "Alt", "nato")}, t0)
	s.SaveSource(ctx, store.SourceState{Name: "taz", LastSuccess: t0}, []item.Item{mk("taz", "g2", "", "Neu", "nato"), mk("taz", "g3", "", "Wetter", "wetter")}, t0)
	// The process dies here; a new one opens the store.
	s = e.reopen()
	n, err := s.TakeEntered(ctx, keys, same, t0)
	if err != nil || n != 1 {
		t.Fatalf("TakeEntered queued %d, %v; want 1 (the first save only remembers)", n, err)
	}
	pending, _ := s.PendingAlerts(ctx, "hook", false, t0)
	if len(pending) != 1 || pending[0].Item.Title != "Neu" {
		t.Errorf("pending = %+v", pending)
	}
	if seen, _ := s.AlertSeen(ctx, "hook", mk("taz", "g1", "", "Alt", "nato").ID); !seen {
		t.Error("the first save's item is not remembered as seen")
	}
	if n, _ := s.TakeEntered(ctx, keys, same, t0); n != 0 {
		t.Errorf("taken twice: %d", n)
	}
}

// testFeedMarks: saves, retention, retagging and a source's new title mark
// the feeds they change, durably; a publication clears the marks it read,
// not those made since.
func testFeedMarks(t *testing.T, e *env) {
	s := e.open()
	marks := func() map[string]int64 {
		t.Helper()
		m, err := s.Unpublished(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	slugs := func(m map[string]int64) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if m := marks(); len(m) != 0 {
		t.Fatalf("a new store has marks: %v", m)
	}
	a := store.SourceState{Name: "a", Title: "A", LastSuccess: t0}
	s.SaveSource(ctx, a, []item.Item{mk("a", "1", "https://x/1", "Korea news", "nato")}, t0)
	s = e.reopen()
	first := marks()
	if got := slugs(first); !slices.Equal(got, []string{config.AllFeed, "nato"}) {
		t.Fatalf("after a save: %v", got)
	}
	// A save while the feeds are published keeps its marks.
	s.SaveSource(ctx, a, []item.Item{mk("a", "1", "https://x/1", "Korea news", "nato"), mk("a", "2", "https://x/2", "Weather")}, t0.Add(time.Minute))
	if err := s.Published(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := slugs(marks()); !slices.Equal(got, []string{config.AllFeed}) {
		t.Errorf("after publishing what was read before a save: %v", got)
	}
	if err := s.Published(ctx, marks()); err != nil {
		t.Fatal(err)
	}
	if m := marks(); len(m) != 0 {
		t.Errorf("after publishing: %v", m)
	}
	// The same items again mark nothing.
	s.SaveSource(ctx, a, []item.Item{mk("a", "1", "https://x/1", "Korea news", "nato"), mk("a", "2", "https://x/2", "Weather")}, t0.Add(2*time.Minute))
	if m := marks(); len(m) != 0 {
		t.Errorf("after an unchanged save: %v", m)
	}
	// A new title of the source marks every feed that holds items.
	a.Title = "A, renamed"
	s.SaveSource(ctx, a, nil, t0.Add(3*time.Minute))
	if got := slugs(marks()); !slices.Equal(got, []string{config.AllFeed, "nato"}) {
		t.Errorf("after a new title: %v", got)
	}
	s.Published(ctx, marks())
	if _, err := s.Retag(ctx, func(*item.Item) []string { return []string{"weather"} }); err != nil {
		t.Fatal(err)
	}
	if got := slugs(marks()); !slices.Equal(got, []string{"nato", "weather"}) {
		t.Errorf("after retagging: %v", got)
	}
	s.Published(ctx, marks())
	if _, err := s.Prune(ctx, 1, 30*24*time.Hour, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := slugs(marks()); !slices.Equal(got, []string{config.AllFeed, "weather"}) {
		t.Errorf("after retention: %v", got)
	}
	if err := s.MarkChanged(ctx, []string{"nato", "nato"}); err != nil {
		t.Fatal(err)
	}
	if got := slugs(marks()); !slices.Equal(got, []string{config.AllFeed, "nato", "weather"}) {
		t.Errorf("after MarkChanged: %v", got)
	}
}

// testFeedMarksOfConcurrentSaves: while sources save at once, a publisher
// reads the marks, renders (counts the items), and clears the marks it
// read. A save committed after the render keeps its mark: whenever no mark
// is left, the render held every item.
func testFeedMarksOfConcurrentSaves(t *testing.T, e *env) {
	s := e.open()
	const writers, saves = 8, 15
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			src := fmt.Sprintf("w%d", w)
			for i := range saves {
				it := mk(src, fmt.Sprintf("https://%s.example/%d", src, i), fmt.Sprintf("https://%s.example/%d", src, i), fmt.Sprintf("Story %d of writer %d", i, w))
				if _, err := s.SaveSource(ctx, store.SourceState{Name: src, LastSuccess: t0}, []item.Item{it}, t0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	for published := false; !published; {
		select {
		case <-done:
			published = true // one more round, after every save
		default:
		}
		marks, err := s.Unpublished(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rendered, err := s.Count(ctx, config.AllFeed)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Published(ctx, marks); err != nil {
			t.Fatal(err)
		}
		now, err := s.Count(ctx, config.AllFeed)
		if err != nil {
			t.Fatal(err)
		}
		left, err := s.Unpublished(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := left[config.AllFeed]; !ok && now != rendered {
			t.Fatalf("no mark left, but the render held %d items of %d: a save's mark was cleared unpublished", rendered, now)
		}
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != writers*saves {
		t.Errorf("%d items, want %d", n, writers*saves)
	}
}
