package fetch

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusDir is the shared corpus of real-world feeds.
var corpusDir = filepath.Join("..", "..", "shared", "corpus")

// baseline reads the gofeed column of CLIENTS-BASELINE.tsv: file -> items
// (-1 for an error).
func baseline(t *testing.T) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "CLIENTS-BASELINE.tsv"))
	if err != nil {
		t.Skipf("corpus not available (%v): the shared folder ../shared is absent", err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		last := strings.Fields(cols[len(cols)-1])
		n := -1
		if len(last) > 0 && last[0] != "ERR" {
			n, _ = strconv.Atoi(last[len(last)-1])
		}
		out[cols[0]] = n
	}
	return out
}

// corpusItems is what Parse reads from the 59 files of the shared corpus,
// and corpusGofeedItems what gofeed alone reads (the gofeed column of
// CLIENTS-BASELINE.tsv): charset repair reads 27 more, in five files
// gofeed alone rejects.
const corpusItems, corpusGofeedItems = 1636, 1609

// TestCorpus parses every file of the shared corpus: each yields at least
// as many items as gofeed alone, or a clear error, and none panics; in
// all, corpusItems.
func TestCorpus(t *testing.T) {
	base := baseline(t)
	better, total, baseTotal := 0, 0, 0
	for name, want := range base {
		body, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		f, err := Parse(body, "", "corpus", "https://example.org/"+name)
		got := -1
		if err == nil {
			got = len(f.Items)
			total += got
		}
		baseTotal += max(want, 0)
		switch {
		case err != nil && want >= 0:
			t.Errorf("%s: %v; gofeed alone reads %d items", name, err, want)
		case err != nil:
			if err.Error() == "" {
				t.Errorf("%s: empty error", name)
			}
			t.Logf("%s: error (as gofeed alone): %v", name, err)
		case got < want:
			t.Errorf("%s: %d items, gofeed alone reads %d", name, got, want)
		case got > want:
			better++
			t.Logf("%s: %d items (gofeed alone: %d)", name, got, want)
		}
		if err == nil {
			for _, it := range f.Items {
				for _, s := range []string{it.Title, it.Summary, it.Content} {
					if !utf8Valid(s) {
						t.Errorf("%s: invalid UTF-8 in item %q", name, it.Title)
					}
				}
			}
		}
	}
	t.Logf("%d files, %d read better than gofeed alone; %d items (gofeed alone: %d)", len(base), better, total, baseTotal)
	if len(base) == 59 && (total != corpusItems || baseTotal != corpusGofeedItems) {
		t.Errorf("%d items of the 59 files, want %d (gofeed alone: %d, want %d)", total, corpusItems, baseTotal, corpusGofeedItems)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
