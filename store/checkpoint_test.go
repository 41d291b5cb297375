package store

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
)

// TestCheckpointerCopiesWAL: saves commit to the WAL only; the checkpointer
// copies them into the database file soon after, and the writer then
// starts the WAL over instead of growing it.
func TestCheckpointerCopiesWAL(t *testing.T) {
	s, path := open(t)
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	before := size(path)
	save := func(round int) {
		var items []item.Item
		for i := range 200 {
			it := mk("a", fmt.Sprintf("g%d-%d", round, i), fmt.Sprintf("https://ex.org/%d/%d", round, i), fmt.Sprintf("Item %d %d", round, i))
			it.Content = "<p>" + strings.Repeat("text ", 400) + "</p>"
			items = append(items, it)
		}
		if _, err := s.SaveSource(ctx, SourceState{Name: "a", LastSuccess: t0}, items, t0); err != nil {
			t.Fatal(err)
		}
	}
	save(0)
	// Wait for the checkpoint to copy the items and end (the file stops
	// growing).
	deadline := time.Now().Add(10 * time.Second)
	for last, still := int64(-1), 0; size(path) < before+200*2000 || still < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after saving 200 items of 2 KB (was %d): not checkpointed", size(path), before)
		}
		time.Sleep(100 * time.Millisecond)
		if n := size(path); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	// Checkpointed: further saves reuse the WAL from its start.
	wal := size(path + "-wal")
	save(1)
	if got := size(path + "-wal"); got > wal {
		t.Errorf("WAL grew from %d to %d bytes after a checkpoint", wal, got)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil || n != 400 {
		t.Errorf("count = %d, %v; want 400", n, err)
	}
}
