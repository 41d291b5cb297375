package store

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// v4Store creates a store file of schema version 4 (the migrations before
// version 5 fewer rows per item) holding what that version's saves wrote:
// items with a self-alias and an item_sources row of their own source, an
// item merged from another source, topics, fingerprints, a tombstone,
// sources, alert state and an entered item.
func v4Store(t *testing.T) (path string, a, b, merged item.Item) {
	t.Helper()
	path = filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for v, m := range migrations[:4] {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", v+1, err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 4`); err != nil {
		t.Fatal(err)
	}
	a = mk("a", "https://ex.org/1", "https://ex.org/1", "Nato summit opens in The Hague today", "nato")
	b = mk("a", "https://ex.org/2", "https://ex.org/2", "Weather stays mild for the whole week")
	merged = mk("b", "https://ex.org/1", "https://ex.org/1", "Nato summit opens in The Hague today", "nato")
	a.Published, b.Published, merged.Published = t0.Add(-2*time.Hour), t0.Add(-time.Hour), t0.Add(-2*time.Hour)
	for _, it := range []item.Item{a, b} {
		stored := it
		stored.FirstSeen = t0
		// Version 4 stored items as JSON, without topics and sources.
		stored.Topics = nil
		data, err := json.Marshal(&stored)
		if err != nil {
			t.Fatal(err)
		}
		stored.Topics = it.Topics
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`INSERT INTO items (id, source, guid, link_key, title_key, sort_time, first_seen, hash, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.ID, "a", it.GUID, LinkKey(it.Link), TitleKey(it.Title), sortTime(&stored), toUnix(t0), contentHash(&stored), string(data))
		exec(`INSERT INTO aliases (alias, id) VALUES (?, ?)`, it.ID, it.ID)
		exec(`INSERT INTO item_sources (item_id, source) VALUES (?, ?)`, it.ID, "a")
		exec(`INSERT INTO fingerprints (source, id, fingerprint) VALUES (?, ?, ?)`, "a", it.ID, "fp-"+it.ID)
		for _, topic := range it.Topics {
			exec(`INSERT INTO item_topics (item_id, topic, source) VALUES (?, ?, ?)`, it.ID, topic, "a")
		}
	}
	for _, q := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO aliases (alias, id) VALUES (?, ?)`, []any{merged.ID, a.ID}},
		{`INSERT INTO item_sources (item_id, source) VALUES (?, ?)`, []any{a.ID, "b"}},
		{`INSERT INTO item_topics (item_id, topic, source) VALUES (?, ?, ?)`, []any{a.ID, "nato", "b"}},
		{`INSERT INTO fingerprints (source, id, fingerprint) VALUES (?, ?, ?)`, []any{"b", merged.ID, "fp-merged"}},
		{`INSERT INTO gone (id, at) VALUES (?, ?)`, []any{"urn:refeed:gone", toUnix(t0)}},
		{`INSERT INTO fingerprints (source, id, fingerprint) VALUES (?, ?, ?)`, []any{"a", "urn:refeed:gone", "fp-gone"}},
		{`INSERT INTO sources (name, url, etag, last_success) VALUES (?, ?, ?, ?)`, []any{"a", "https://ex.org/feed", `"e1"`, toUnix(t0)}},
		{`INSERT INTO sources (name, url, last_success) VALUES (?, ?, ?)`, []any{"b", "https://ex.net/feed", toUnix(t0)}},
		{`INSERT INTO alert_state (alert_key, last_success) VALUES (?, ?)`, []any{"hook", toUnix(t0)}},
		{`INSERT INTO alert_seen (alert_key, item_id, at) VALUES (?, ?, ?)`, []any{"hook", a.ID, toUnix(t0)}},
		{`INSERT INTO entered (topic, first, item_id) VALUES (?, ?, ?)`, []any{"nato", false, a.ID}},
		{`INSERT INTO meta (key, value) VALUES (?, ?)`, []any{"topics", "fp"}},
		{`INSERT INTO fulltext (link, content, error, fetched) VALUES (?, ?, ?, ?)`, []any{"https://ex.org/a", "<p>Artikel</p>", "", toUnix(t0)}},
	} {
		if _, err := db.Exec(q.q, q.args...); err != nil {
			t.Fatalf("%s: %v", q.q, err)
		}
	}
	return path, a, b, merged
}

// TestMigrationFromVersion4 upgrades a version 4 store: nothing is lost,
// and saving, reading and retention go on as before.
func TestMigrationFromVersion4(t *testing.T) {
	path, a, b, merged := v4Store(t)
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Version(ctx); err != nil || v != len(migrations) {
		t.Fatalf("version %d, %v", v, err)
	}
	var ok string
	if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
	all, err := s.Feed(ctx, config.AllFeed, 10)
	if err != nil || len(all) != 2 || all[0].ID != b.ID || all[1].ID != a.ID {
		t.Fatalf("feed after migration: %+v, %v", all, err)
	}
	if !slices.Equal(all[1].Sources, []string{"a", "b"}) || !slices.Equal(all[1].Topics, []string{"nato"}) || !all[1].FirstSeen.Equal(t0) {
		t.Errorf("merged item: sources %v, topics %v, first seen %v", all[1].Sources, all[1].Topics, all[1].FirstSeen)
	}
	if !slices.Equal(all[0].Sources, []string{"a"}) || len(all[0].Topics) != 0 {
		t.Errorf("item: sources %v, topics %v", all[0].Sources, all[0].Topics)
	}
	if n, _ := s.Count(ctx, "nato"); n != 1 {
		t.Errorf("nato has %d items", n)
	}
	fps, err := s.Fingerprints(ctx, "a")
	if err != nil || len(fps) != 3 || fps[a.ID] != "fp-"+a.ID || fps["urn:refeed:gone"] != "fp-gone" {
		t.Errorf("fingerprints of a: %v, %v", fps, err)
	}
	if fps, _ := s.Fingerprints(ctx, "b"); fps[merged.ID] != "fp-merged" {
		t.Errorf("fingerprints of b: %v", fps)
	}
	// A cached article of before migration 8 has no rules: stale for
	// every caller that names some.
	if ft, ok, err := s.FullText(ctx, "https://ex.org/a"); err != nil || !ok || ft.Content != "<p>Artikel</p>" || ft.Rules != "" || ft.Title != "" || ft.Authors != nil {
		t.Errorf("full text after migration: %+v %v %v", ft, ok, err)
	}
	if st, _ := s.Source(ctx, "a"); st.ETag != `"e1"` || !st.LastSuccess.Equal(t0) || !st.NextDue.IsZero() {
		t.Errorf("source a: %+v", st)
	}
	// The sources are not configured (claimed) until SyncSources names
	// them; then they are due at once, and keep their state.
	if cs, next, err := s.Claim(ctx, "i", 5, time.Minute, 0); err != nil || len(cs) != 0 || next != -1 {
		t.Errorf("claims before SyncSources: %v, %v, %v", cs, next, err)
	}
	if err := s.SyncSources(ctx, []Schedule{{Name: "a", Host: "ex.org", Digest: "1"}}, false); err != nil {
		t.Fatal(err)
	}
	if cs, _, err := s.Claim(ctx, "i", 5, time.Minute, 0); err != nil || len(cs) != 1 || cs[0].Name != "a" {
		t.Errorf("claims after SyncSources: %v, %v", cs, err)
	}
	if st, _ := s.Source(ctx, "a"); st.ETag != `"e1"` {
		t.Errorf("source a after SyncSources: %+v", st)
	}
	if states, _ := s.AlertStates(ctx); !states["hook"].LastSuccess.Equal(t0) {
		t.Errorf("alert states: %+v", states)
	}
	if seen, _ := s.AlertSeen(ctx, "hook", a.ID); !seen {
		t.Error("the alert's seen item is lost")
	}
	if v, _ := s.Meta(ctx, "topics"); v != "fp" {
		t.Errorf("meta topics = %q", v)
	}

	// The stored items, their alias and the tombstone still count: saving
	// the same items again changes nothing, and a removed item stays out.
	later := t0.Add(time.Hour)
	res, err := s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: later}, []item.Item{a, b}, later)
	if err != nil || res.New != 0 || res.Updated != 0 || res.Merged != 0 || len(res.Changed) != 0 || len(res.Entered) != 0 {
		t.Errorf("saving a's items again: %+v, %v", res, err)
	}
	res, err = s.SaveSource(ctx, SourceState{Name: "b", LastSuccess: later}, []item.Item{merged}, later)
	if err != nil || res.New != 0 || res.Merged != 0 || len(res.Changed) != 0 {
		t.Errorf("saving b's merged item again: %+v, %v", res, err)
	}
	// The stored items are found by the hashes of their keys, filled in
	// by the migration: by GUID, by link key and by title.
	for _, c := range []struct {
		it   item.Item
		want string
	}{
		{mk("c", "https://ex.org/1", "", "Another title for the same story"), a.ID},
		{mk("d", "", "https://www.ex.org/2/", "Yet another title for that story"), b.ID},
		{mk("e", "", "", "Weather stays mild for the whole week!"), b.ID},
	} {
		c.it.Published = b.Published
		res, err := s.SaveSource(ctx, SourceState{Name: c.it.Source, LastSuccess: later}, []item.Item{c.it}, later)
		if err != nil || res.Merged != 1 || res.New != 0 {
			t.Errorf("saving %s's item of a stored story: %+v, %v", c.it.Source, res, err)
			continue
		}
		all, _ := s.Feed(ctx, config.AllFeed, 10)
		for _, it := range all {
			if it.ID == c.want && !slices.Contains(it.Sources, c.it.Source) {
				t.Errorf("%s's item not merged into %s: sources %v", c.it.Source, c.want, it.Sources)
			}
		}
	}
	gone := mk("a", "x", "", "Removed")
	gone.ID = "urn:refeed:gone"
	if res, err := s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: later}, []item.Item{gone}, later); err != nil || res.New != 0 {
		t.Errorf("saving a removed item: %+v, %v", res, err)
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 2 {
		t.Errorf("%d items after saving again", n)
	}
	taken := 0
	if _, err := s.TakeEntered(ctx, func(string) []string { taken++; return []string{"hook"} }, func(it item.Item) item.Item { return it }, later); err != nil || taken != 1 {
		t.Errorf("entered items after migration: %d, %v", taken, err)
	}

	// Retention removes the items with everything they had, and
	// remembers every id they went by.
	if _, err := s.Prune(ctx, 10, time.Minute, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, config.AllFeed); n != 0 {
		t.Errorf("%d items after pruning", n)
	}
	for _, table := range []string{"aliases", "item_sources", "item_topics"} {
		var n int
		if err := s.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows after pruning, %v", table, n, err)
		}
	}
	for _, it := range []item.Item{a, b, merged} {
		res, err := s.SaveSource(ctx, SourceState{Name: it.Source, LastSuccess: later}, []item.Item{it}, t0.Add(3*time.Hour))
		if err != nil || res.New != 0 || res.Merged != 0 {
			t.Errorf("saving pruned item %s again: %+v, %v", it.ID, res, err)
		}
	}
}
