package store

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
)

func alertEntries(key string, items ...string) []AlertEntry {
	var out []AlertEntry
	for _, title := range items {
		out = append(out, AlertEntry{Key: key, Topic: "nato", Item: mk("taz", "", "https://taz.de/"+title, title, "nato")})
	}
	return out
}

func pendingTitles(t *testing.T, s *SQLite, key string, dueOnly bool, now time.Time) []string {
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

func TestAlertQueueOnceEver(t *testing.T) {
	s, path := open(t)
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
	s.Close()
	s, err = OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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

func TestAlertFailureDefersTheAlert(t *testing.T) {
	s, _ := open(t)
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

func TestAlertDigestAndDrop(t *testing.T) {
	s, _ := open(t)
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

// TestTakeEnteredKeepsAlertsAcrossACrash: what entered topics is saved with
// the items, so an alert survives a crash between the save and queueing.
func TestTakeEnteredKeepsAlertsAcrossACrash(t *testing.T) {
	s, path := open(t)
	keys := func(topic string) []string {
		if topic == "nato" {
			return []string{"hook"}
		}
		return nil
	}
	same := func(it item.Item) item.Item { return it }
	s.SaveSource(ctx, SourceState{Name: "taz", LastSuccess: t0}, []item.Item{mk("taz", "g1", "", "Alt", "nato")}, t0)
	s.SaveSource(ctx, SourceState{Name: "taz", LastSuccess: t0}, []item.Item{mk("taz", "g2", "", "Neu", "nato"), mk("taz", "g3", "", "Wetter", "wetter")}, t0)
	// The process dies here; a new one opens the store.
	s.Close()
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
