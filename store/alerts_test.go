package store

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
)

func alertEntries(key string, items ...string) []AlertEntry {
	var out []AlertEntry
	for _, title := range items {
		out = append(out, AlertEntry{Key: key, Topic: "nato", Item: mk("taz", "", "https://taz.de/"+title, title, "nato")})
	}
	return out
}

func TestAlertMigrationKeepsItems(t *testing.T) {
	// A version 1 store, as before alerts, holding an item as version 1
	// saved it.
	path := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	it := mk("taz", "g1", "", "Nato-Gipfel", "nato")
	stored := it
	stored.FirstSeen, stored.Topics = t0, nil
	data, err := json.Marshal(&stored)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		q    string
		args []any
	}{
		{migrations[0], nil},
		{`INSERT INTO items (id, source, guid, link_key, title_key, sort_time, first_seen, hash, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{it.ID, "taz", it.GUID, "", TitleKey(it.Title), toUnix(t0), toUnix(t0), contentHash(&stored), string(data)}},
		{`INSERT INTO aliases (alias, id) VALUES (?, ?)`, []any{it.ID, it.ID}},
		{`INSERT INTO item_sources (item_id, source) VALUES (?, ?)`, []any{it.ID, "taz"}},
		{`INSERT INTO item_topics (item_id, topic, source) VALUES (?, ?, ?)`, []any{it.ID, "nato", "taz"}},
		{`PRAGMA user_version = 1`, nil},
	} {
		if _, err := db.Exec(q.q, q.args...); err != nil {
			t.Fatalf("%.40s: %v", q.q, err)
		}
	}
	db.Close()
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Count(ctx, "nato"); err != nil || n != 1 {
		t.Errorf("items after migration: %d, %v", n, err)
	}
	if _, err := s.QueueAlerts(ctx, alertEntries("k", "a"), true, t0); err != nil {
		t.Errorf("alert tables after migration: %v", err)
	}
}
