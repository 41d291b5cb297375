package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

// TestInsertItemsFailsOnAConflict: the insert of new items ignores no row
// silently (it is an INSERT OR IGNORE, to spare SQLite a statement
// journal): a row it would ignore fails the statement.
func TestInsertItemsFailsOnAConflict(t *testing.T) {
	s, _ := open(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	row := func(id string) []any { return []any{id, "a", "", "", "", 0, 0, 0, 1, 1, "h", []byte{codecVersion}} }
	if err := insertItems.exec(ctx, tx, slices.Concat(row("x"), row("y"))); err != nil {
		t.Fatal(err)
	}
	if err := insertItems.exec(ctx, tx, slices.Concat(row("z"), row("y"))); err == nil {
		t.Error("inserting an item whose id is stored succeeded")
	}
}

// TestContentHashOfEitherKind: an item is updated when its content changed,
// and only then, whether its stored hash is a dataHash or, stored before
// those, a contentHash; an update stores a dataHash.
func TestContentHashOfEitherKind(t *testing.T) {
	s, _ := open(t)
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	a, b := mk("a", "g1", "https://ex.org/1", "An item whose hash is old"), mk("a", "g2", "https://ex.org/2", "An item whose hash is new")
	save := func(items ...item.Item) *SaveResult {
		t.Helper()
		res, err := s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, items, t0)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	hash := func(id string) string {
		t.Helper()
		var h string
		if err := s.DB().QueryRow(`SELECT hash FROM items WHERE id = ?`, id).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	if res := save(a, b); res.New != 2 {
		t.Fatalf("first save: %+v", res)
	}
	if h := hash(b.ID); len(h) != 17 || h[0] != 'c' {
		t.Errorf("a new item's hash is %q, want a dataHash", h)
	}
	// a as stored before dataHash: its fingerprint without salt.
	old := a
	old.FirstSeen = t0
	if _, err := s.DB().Exec(`UPDATE items SET hash = ? WHERE id = ?`, contentHash(&old), a.ID); err != nil {
		t.Fatal(err)
	}
	if res := save(a, b); res.Updated != 0 {
		t.Errorf("saving the same items again updated %d", res.Updated)
	}
	if h := hash(a.ID); h != contentHash(&old) {
		t.Errorf("an unchanged item's old hash became %q", h)
	}
	a.Content, b.Content = "<p>Changed.</p>", "<p>Changed too.</p>"
	if res := save(a, b); res.Updated != 2 {
		t.Errorf("saving changed items updated %d, want 2", res.Updated)
	}
	if h := hash(a.ID); len(h) != 17 || h[0] != 'c' {
		t.Errorf("an updated item's hash is %q, want a dataHash", h)
	}
	if res := save(a, b); res.Updated != 0 {
		t.Errorf("saving the changed items again updated %d", res.Updated)
	}
}
