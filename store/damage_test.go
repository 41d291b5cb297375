package store

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/refeed/refeed/item"
)

// filled returns the path of a closed store holding 2,000 items of 2 KB
// (about 8 MB).
func filled(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>", 32)
	for src := range 40 {
		name := fmt.Sprintf("src%02d", src)
		var items []item.Item
		for i := range 50 {
			it := mk(name, fmt.Sprintf("g-%s-%d", name, i), fmt.Sprintf("https://%s.example/%d", name, i), fmt.Sprintf("Story %d of %s", i, name), "t")
			it.Content = body
			items = append(items, it)
		}
		if _, err := s.SaveSource(ctx, SourceState{Name: name, LastSuccess: t0}, items, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// damage writes 16 KiB of garbage into the middle of the file at path, as
// a failing disk might.
func damage(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(rand.Text()+strings.Repeat(rand.Text(), 16<<10/26)), fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// sums returns the hashes of the store's files (its WAL too), by name.
func sums(t *testing.T, path string) map[string][sha256.Size]byte {
	t.Helper()
	out := map[string][sha256.Size]byte{}
	for _, p := range []string{path, path + "-wal"} {
		if b, err := os.ReadFile(p); err == nil {
			out[filepath.Base(p)] = sha256.Sum256(b)
		}
	}
	return out
}

func sameSums(t *testing.T, what string, a, b map[string][sha256.Size]byte) {
	t.Helper()
	empty := sha256.Sum256(nil)
	for k, v := range b {
		if _, ok := a[k]; !ok && v != empty {
			t.Errorf("%s: %s appeared, not empty", what, k)
		}
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %s changed", what, k)
		}
	}
}

// TestOpenRefusesDamagedStore: a store with garbage in the middle of its
// file is not opened, with an error wrapping ErrDamaged, and its file is
// left as it was.
func TestOpenRefusesDamagedStore(t *testing.T) {
	path := filled(t)
	damage(t, path)
	before := sums(t, path)
	_, err := OpenSQLite(path)
	var d *DamagedError
	if !errors.Is(err, ErrDamaged) || !errors.As(err, &d) || d.Path != path {
		t.Fatalf("open: %v", err)
	}
	t.Log(err)
	sameSums(t, "after open", before, sums(t, path))
}

// TestOpenChecksSoundStore: a sound store passes the check.
func TestOpenChecksSoundStore(t *testing.T) {
	path := filled(t)
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.Count(ctx, "all")
	if err != nil || n != 2000 {
		t.Fatalf("count %d, %v", n, err)
	}
}

// TestDamageFoundAtRunTime: a store opened without the check (as if the
// damage came after) marks itself damaged when SQLite reports the file
// corrupt, refuses every call from then on, and never writes the file
// again, not even when closed.
func TestDamageFoundAtRunTime(t *testing.T) {
	path := filled(t)
	damage(t, path)
	s, err := openSQLite(path, false)
	if err != nil {
		t.Fatalf("open without the check: %v", err)
	}
	// Reading every item and index meets the damage.
	var found error
	for _, slug := range []string{"all", "t"} {
		if _, err := s.Feed(ctx, slug, 5000); err != nil {
			found = err
			break
		}
		if _, err := s.Retag(ctx, func(it *item.Item) []string { return []string{"u"} }); err != nil {
			found = err
			break
		}
	}
	if !errors.Is(found, ErrDamaged) || !IsCorrupt(found) {
		t.Fatalf("reading the damaged store: %v", found)
	}
	t.Log(found)
	if s.Damaged() == nil {
		t.Fatal("not marked damaged")
	}
	before := sums(t, path)
	it := mk("new", "g-new", "https://new.example/1", "New story")
	if _, err := s.SaveSource(ctx, SourceState{Name: "new"}, []item.Item{it}, t0); !errors.Is(err, ErrDamaged) {
		t.Errorf("save: %v", err)
	}
	if err := s.PutSource(ctx, SourceState{Name: "new"}); !errors.Is(err, ErrDamaged) {
		t.Errorf("put source: %v", err)
	}
	if err := s.SetMeta(ctx, "k", "v"); !errors.Is(err, ErrDamaged) {
		t.Errorf("set meta: %v", err)
	}
	if _, err := s.Prune(ctx, 1, 0, t0); !errors.Is(err, ErrDamaged) {
		t.Errorf("prune: %v", err)
	}
	if _, err := s.Sources(ctx); !errors.Is(err, ErrDamaged) {
		t.Errorf("read sources: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	sameSums(t, "after the refused calls and Close", before, sums(t, path))
}

// TestFullReportedAsNoSpace: SQLITE_FULL (here from max_page_count, the
// database's own limit; e2e's TestRunFullDisk fills a real filesystem)
// is reported as no space left on device, with the directory; the store
// is not damaged and saves again once there is room.
func TestFullReportedAsNoSpace(t *testing.T) {
	s, path := open(t)
	var pages int
	if err := s.DB().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	var items []item.Item
	for i := range 200 {
		it := mk("a", fmt.Sprintf("g%d", i), fmt.Sprintf("https://a.example/%d", i), fmt.Sprintf("Story %d", i))
		it.Content = strings.Repeat("<p>text</p>", 200)
		items = append(items, it)
	}
	_, err := s.SaveSource(ctx, SourceState{Name: "a"}, items, t0)
	var full *DiskFullError
	if !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &full) || full.Dir != filepath.Dir(path) ||
		!strings.Contains(err.Error(), "no space left on device: "+filepath.Dir(path)+" (SQLite: ") {
		t.Fatalf("save into a full database: %v", err)
	}
	t.Log(err)
	if s.Damaged() != nil {
		t.Fatal("a full database is not damaged")
	}
	if _, err := s.DB().Exec(`PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	if res, err := s.SaveSource(ctx, SourceState{Name: "a"}, items, t0); err != nil || res.New != 200 {
		t.Fatalf("save once there is room: %v %v", res, err)
	}
}
