package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

var ctx = context.Background()

func open(t *testing.T) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", FileName)
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func mk(source, guid, link, title string, topics ...string) item.Item {
	it := item.Item{Source: source, GUID: guid, Link: link, Title: title, Content: "<p>" + title + "</p>", Topics: topics}
	it.ID = item.NewID(source, &it)
	return it
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestOpenMigratesAndUsesWAL(t *testing.T) {
	s, path := open(t)
	v, err := s.Version(ctx)
	if err != nil || v != len(migrations) {
		t.Fatalf("version %d, %v", v, err)
	}
	var mode string
	if err := s.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	s.Close()
	s2, err := OpenSQLite(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	var ok string
	if err := s2.DB().QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	s, path := open(t)
	if _, err := s.DB().Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenSQLite(path); err == nil {
		t.Error("opened a store with a newer schema")
	}
}

func TestSaveAndFeed(t *testing.T) {
	s, _ := open(t)
	items := []item.Item{
		mk("a", "g1", "https://ex.org/1", "One", "nato"),
		mk("a", "g2", "https://ex.org/2", "Two"),
	}
	items[0].Published = t0.Add(-time.Hour)
	items[1].Published = t0.Add(-2 * time.Hour)
	res, err := s.SaveSource(ctx, SourceState{Name: "a", ETag: `"x"`, LastSuccess: t0}, items, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !res.First || res.New != 2 || !slices.Equal(res.Changed, []string{config.AllFeed, "nato"}) {
		t.Errorf("result = %+v", res)
	}
	if len(res.Entered) != 1 || res.Entered[0].Topic != "nato" || res.Entered[0].Item.Title != "One" {
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
	res, err = s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, items, t0.Add(time.Hour))
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
	res, _ = s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, items, t0.Add(2*time.Hour))
	if res.Updated != 1 || !slices.Equal(res.Changed, []string{config.AllFeed, "klima"}) || len(res.Entered) != 1 {
		t.Errorf("edit = %+v", res)
	}
	// Items dropped by the source stay.
	res, _ = s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, nil, t0.Add(3*time.Hour))
	if n, _ := s.Count(ctx, config.AllFeed); n != 2 || len(res.Changed) != 0 {
		t.Errorf("after an empty fetch: %d items, changed %v", n, res.Changed)
	}
}

func TestSameStoryFromTwoSources(t *testing.T) {
	s, _ := open(t)
	a := mk("a", "", "https://www.example.org/story/", "Story", "nato")
	b := mk("b", "", "http://example.org/story#comments", "Story (B)", "korea")
	c := mk("c", "tag:example.org,2026:story", "https://c.example/x", "C")
	d := mk("d", "tag:example.org,2026:story", "https://d.example/y", "D")
	for _, src := range []struct {
		name string
		it   item.Item
	}{{"a", a}, {"b", b}, {"c", c}, {"d", d}} {
		if _, err := s.SaveSource(ctx, SourceState{Name: src.name}, []item.Item{src.it}, t0); err != nil {
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
	e := mk("e", "42", "https://e.example/42", "E")
	f := mk("f", "42", "https://f.example/42", "F")
	s.SaveSource(ctx, SourceState{Name: "e"}, []item.Item{e}, t0)
	s.SaveSource(ctx, SourceState{Name: "f"}, []item.Item{f}, t0)
	if n, _ := s.Count(ctx, config.AllFeed); n != 4 {
		t.Errorf("%d items after two unrelated GUID 42 items, want 4", n)
	}
}

func TestSameTitleWithin48Hours(t *testing.T) {
	s, _ := open(t)
	a := mk("a", "", "https://a.example/1", "Nato warnt Nordkorea vor Truppenentsendung")
	a.Published = t0
	b := mk("b", "", "https://b.example/9", "NATO warnt Nordkorea vor Truppenentsendung!")
	b.Published = t0.Add(5 * time.Hour)
	c := mk("c", "", "https://c.example/3", "Nato warnt Nordkorea vor Truppenentsendung")
	c.Published = t0.Add(72 * time.Hour)
	for _, x := range []item.Item{a, b, c} {
		s.SaveSource(ctx, SourceState{Name: x.Source}, []item.Item{x}, t0.Add(80*time.Hour))
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 2 {
		t.Errorf("%d items, want 2", n)
	}
}

func TestRetention(t *testing.T) {
	s, _ := open(t)
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
	s.SaveSource(ctx, SourceState{Name: "a"}, []item.Item{old}, t0.Add(-31*24*time.Hour))
	s.SaveSource(ctx, SourceState{Name: "a"}, items, t0)
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
	res, _ := s.SaveSource(ctx, SourceState{Name: "a"}, items, t0.Add(time.Hour))
	if res.New != 0 {
		t.Errorf("%d pruned items came back", res.New)
	}
}

func TestRetag(t *testing.T) {
	s, _ := open(t)
	s.SaveSource(ctx, SourceState{Name: "a"}, []item.Item{mk("a", "1", "https://x/1", "Korea news", "nato"), mk("a", "2", "https://x/2", "Weather")}, t0)
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

func TestLinkKey(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.Example.org/a/b/":  "example.org/a/b",
		"http://example.org/a/b#frag":   "example.org/a/b",
		"https://example.org:443/a?x=1": "example.org/a?x=1",
		"https://example.org:8443/a":    "example.org:8443/a",
		"ftp://example.org/a":           "",
		"not a url":                     "",
		"https://taz.de/!6043131/":      "taz.de/!6043131",
	} {
		if got := LinkKey(in); got != want {
			t.Errorf("LinkKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFullTextCache(t *testing.T) {
	s, path := open(t)
	if _, ok, err := s.FullText(ctx, "https://ex.org/a"); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	s.PutFullText(ctx, "https://ex.org/a", FullText{Content: "<p>Artikel</p>", Fetched: t0})
	s.PutFullText(ctx, "https://ex.org/b", FullText{Error: "status 404", Fetched: t0})
	s.Close()
	s, _ = OpenSQLite(path)
	defer s.Close()
	if ft, ok, _ := s.FullText(ctx, "https://ex.org/a"); !ok || ft.Content != "<p>Artikel</p>" || !ft.Fetched.Equal(t0) {
		t.Errorf("a = %+v %v", ft, ok)
	}
	if ft, ok, _ := s.FullText(ctx, "https://ex.org/b"); !ok || ft.Error != "status 404" {
		t.Errorf("b = %+v %v", ft, ok)
	}
	// Retention forgets articles after twice max_age.
	s.Prune(ctx, 10, time.Hour, t0.Add(3*time.Hour))
	if _, ok, _ := s.FullText(ctx, "https://ex.org/a"); ok {
		t.Error("old article kept")
	}
}

// TestConcurrentSavesShareTransactions: saves that come at once are
// committed together, each as its own savepoint: one that fails does not
// fail the others.
func TestConcurrentSavesShareTransactions(t *testing.T) {
	s, path := open(t)
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
			_, errs[i] = s.SaveSource(ctx, SourceState{Name: src, LastSuccess: t0}, []item.Item{it}, t0)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 7) {
			t.Errorf("save %d: %v", i, err)
		}
	}
	s.Close()
	s, _ = OpenSQLite(path)
	defer s.Close()
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

// TestOneSaveOfManyKinds saves, in one save, items that are new, the same
// story as another source's by GUID, by link and by title, already stored
// under an alias, removed by retention, and repeated: each is told apart.
func TestOneSaveOfManyKinds(t *testing.T) {
	s, _ := open(t)
	byGUID := mk("x", "https://x.example/guid/1", "https://x.example/1", "First story of the other source")
	byLink := mk("x", "", "https://www.x.example/2/", "Second story of the other source")
	byTitle := mk("x", "", "https://x.example/3", "Third story of the other source, by title")
	byTitle.Published = t0
	old := mk("x", "", "https://x.example/old", "An old story that retention removes")
	old.Published = t0.Add(-time.Hour)
	if _, err := s.SaveSource(ctx, SourceState{Name: "x", LastSuccess: t0}, []item.Item{byGUID, byLink, byTitle, old}, t0); err != nil {
		t.Fatal(err)
	}
	// Retention removes old, seen long ago.
	if _, err := s.DB().Exec(`UPDATE items SET first_seen = ? WHERE id = ?`, toUnix(t0.Add(-100*time.Hour)), old.ID); err != nil {
		t.Fatal(err)
	}
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
	res, err := s.SaveSource(ctx, SourceState{Name: "y", LastSuccess: t0}, items, t0)
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
	res, err = s.SaveSource(ctx, SourceState{Name: "y", LastSuccess: t0}, items, t0)
	if err != nil || res.New != 0 || res.Merged != 0 || res.Updated != 0 {
		t.Errorf("saved again: %+v, %v", res, err)
	}
}

// TestTwoItemsOfOneSaveAreOneStory: two items of a save that are the same
// stored story are saved one after the other, the second seeing what the
// first changed.
func TestTwoItemsOfOneSaveAreOneStory(t *testing.T) {
	s, _ := open(t)
	story := mk("x", "", "https://x.example/story", "The story")
	if _, err := s.SaveSource(ctx, SourceState{Name: "x", LastSuccess: t0}, []item.Item{story}, t0); err != nil {
		t.Fatal(err)
	}
	a := mk("y", "1", "https://x.example/story", "Y's story", "nato")
	b := mk("y", "2", "https://www.x.example/story/", "Y's story again", "korea")
	res, err := s.SaveSource(ctx, SourceState{Name: "y", LastSuccess: t0}, []item.Item{a, b}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var entered []string
	for _, e := range res.Entered {
		entered = append(entered, e.Topic+" "+e.Item.ID)
	}
	if res.Merged != 2 || !slices.Equal(entered, []string{"nato " + story.ID, "korea " + story.ID}) || !slices.Equal(res.Changed, []string{"korea", "nato"}) {
		t.Errorf("merged %d, entered %v, changed %v", res.Merged, entered, res.Changed)
	}
	all, _ := s.Feed(ctx, config.AllFeed, 10)
	if len(all) != 1 || !slices.Equal(all[0].Topics, []string{"korea"}) || !slices.Equal(all[0].Sources, []string{"x", "y"}) {
		t.Errorf("feed: %+v", all)
	}
}

// TestKeysThatAreNotUTF8 saves items whose GUID, link and id hold bytes
// that are not UTF-8 or control characters: they are found again.
func TestKeysThatAreNotUTF8(t *testing.T) {
	s, _ := open(t)
	a := mk("a", "tag:x.example,2026:\xff\"\\\x01", "https://x.example/p?q=\xfe\"", "A story with odd bytes in its keys")
	a.ID = "urn:odd:\xff\"\\\x01"
	b := mk("b", "", "https://x.example/p?q=\xfe\"", "B")
	c := mk("c", a.GUID, "https://c.example/1", "C")
	for _, x := range []item.Item{a, b, c} {
		if _, err := s.SaveSource(ctx, SourceState{Name: x.Source}, []item.Item{x}, t0); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.SaveSource(ctx, SourceState{Name: "a"}, []item.Item{a}, t0)
	if err != nil || res.New != 0 {
		t.Errorf("saved again: %+v, %v", res, err)
	}
	all, _ := s.Feed(ctx, config.AllFeed, 10)
	if len(all) != 1 || all[0].Title != a.Title || !slices.Equal(all[0].Sources, []string{"a", "b", "c"}) {
		t.Errorf("feed: %+v", all)
	}
}

// TestPruneKeepsNewestOfEveryFeed prunes stores of many items, most or few
// of which go (Prune empties the tables and puts back what stays, or
// deletes what goes), and checks the result against retention's
// definition, computed in one query before: the newest of every feed stay
// unless first seen too long ago; everything the others had goes with
// them, and every id they went by is remembered.
func TestPruneKeepsNewestOfEveryFeed(t *testing.T) {
	for _, maxItems := range []int{3, 40} {
		t.Run(fmt.Sprint(maxItems), func(t *testing.T) {
			s, _ := open(t)
			for i := range 90 {
				src := fmt.Sprint("s", i%3)
				var topics []string
				if i%2 == 0 {
					topics = append(topics, "big")
				}
				if i%15 == 0 {
					topics = append(topics, "small")
				}
				if i%45 == 1 { // read whole, not walked
					topics = append(topics, "tiny")
				}
				it := mk(src, fmt.Sprint("https://ex.org/g", i), fmt.Sprint("https://ex.org/", i), fmt.Sprint("Item number ", i), topics...)
				it.Published = t0.Add(-time.Duration(i%45) * time.Hour)
				seen := t0
				if i%7 == 0 {
					seen = t0.Add(-40 * 24 * time.Hour)
				}
				if _, err := s.SaveSource(ctx, SourceState{Name: src, LastSuccess: seen}, []item.Item{it}, seen); err != nil {
					t.Fatal(err)
				}
				if i%5 == 0 { // the same story from another source: an alias
					other := mk("other", it.GUID, it.Link, it.Title, "small")
					other.Published = it.Published
					if _, err := s.SaveSource(ctx, SourceState{Name: "other", LastSuccess: t0}, []item.Item{other}, t0); err != nil {
						t.Fatal(err)
					}
				}
			}
			cutoff := t0.Add(-30 * 24 * time.Hour).UnixNano()
			ids := func(q string, args ...any) []string {
				t.Helper()
				rows, err := s.DB().Query(q, args...)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						t.Fatal(err)
					}
					out = append(out, id)
				}
				return out
			}
			want := ids(`SELECT id FROM items WHERE first_seen >= ?3 AND (
				id IN (SELECT id FROM items ORDER BY sort_time DESC, id LIMIT ?1)
				OR id IN (SELECT item_id FROM (
					SELECT t.item_id, ROW_NUMBER() OVER (PARTITION BY t.topic ORDER BY i.sort_time DESC, i.id) AS rn
					FROM (SELECT DISTINCT item_id, topic FROM item_topics) t JOIN items i ON i.id = t.item_id
				) WHERE rn <= ?2)) ORDER BY id`, maxItems, maxItems, cutoff)
			doomed := ids(`SELECT id FROM items WHERE id NOT IN (SELECT value FROM json_each(?)) UNION SELECT alias FROM aliases WHERE id NOT IN (SELECT value FROM json_each(?))`, jsonStrings(want), jsonStrings(want))
			if len(want) == 0 || len(doomed) == 0 {
				t.Fatalf("%d items stay, %d ids go: no test", len(want), len(doomed))
			}
			if _, err := s.Prune(ctx, maxItems, 30*24*time.Hour, t0); err != nil {
				t.Fatal(err)
			}
			if got := ids(`SELECT id FROM items ORDER BY id`); !slices.Equal(got, want) {
				t.Errorf("kept %d items %v, want %d %v", len(got), got, len(want), want)
			}
			for _, table := range []string{"aliases WHERE id", "item_topics WHERE item_id", "item_sources WHERE item_id"} {
				if orphans := ids(`SELECT 'x' FROM ` + table + ` NOT IN (SELECT id FROM items)`); len(orphans) > 0 {
					t.Errorf("%d rows of %s of removed items", len(orphans), table)
				}
			}
			for _, id := range doomed {
				if len(ids(`SELECT id FROM gone WHERE id = ?`, id)) != 1 {
					t.Errorf("no tombstone for %s", id)
				}
			}
			var ok string
			if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
				t.Errorf("integrity_check = %q, %v", ok, err)
			}
		})
	}
}

// TestPruneFingerprints: the fingerprint of a removed item stays as long
// as its tombstone (twice the retention age), that of a stored item as
// long as the item.
func TestPruneFingerprints(t *testing.T) {
	s, _ := open(t)
	old, other := mk("a", "https://ex.org/old", "https://ex.org/old", "An old story of the source"), mk("a", "https://ex.org/new", "https://ex.org/new", "A new story of the source")
	old.Fingerprint, other.Fingerprint = "fp-old", "fp-new"
	old.Published, other.Published = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
	if _, err := s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, []item.Item{old, other}, t0); err != nil {
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

// TestKeyHashCollision: items are found by the hashes of their keys, but
// an item whose key has the same hash and differs is not the same story.
func TestKeyHashCollision(t *testing.T) {
	s, _ := open(t)
	a := mk("a", "https://ex.org/a", "https://ex.org/a", "A story about one thing or another")
	a.Published = t0
	if _, err := s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, []item.Item{a}, t0); err != nil {
		t.Fatal(err)
	}
	b := mk("b", "https://ex.org/b", "https://ex.org/b", "A story about something else entirely")
	b.Published = t0
	// a's keys take the hashes of b's, as if they collided.
	if _, err := s.DB().Exec(`UPDATE items SET guid_h = ?, link_h = ?, title_h = ? WHERE id = ?`,
		keyHash(b.GUID), keyHash(LinkKey(b.Link)), keyHash(TitleKey(b.Title)), a.ID); err != nil {
		t.Fatal(err)
	}
	res, err := s.SaveSource(ctx, SourceState{Name: "b", LastSuccess: t0}, []item.Item{b}, t0)
	if err != nil || res.New != 1 || res.Merged != 0 {
		t.Errorf("saving an item whose keys' hashes collide: %+v, %v", res, err)
	}
	if keyHash("") != 0 || keyHash("x") == 0 || keyHash("x") == keyHash("y") {
		t.Errorf("keyHash: %d, %d, %d", keyHash(""), keyHash("x"), keyHash("y"))
	}
}
