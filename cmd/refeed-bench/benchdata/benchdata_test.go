package benchdata_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
)

// TestTazFeed checks that the taz-like feed is what the benchmarks claim:
// 50 items of about the seed article's size, each with a tracking pixel,
// utm parameters and the appeal for cleaning to remove, in the NATO/Korea
// topic.
func TestTazFeed(t *testing.T) {
	feeds, size, items, err := benchdata.Feeds("taz")
	if err != nil {
		t.Skipf("benchmark input not available: %v", err)
	}
	if items != 50 || len(feeds) != 1 {
		t.Fatalf("%d feeds, %d items", len(feeds), items)
	}
	taz, err := benchdata.TazArticle()
	if err != nil {
		t.Fatal(err)
	}
	if per := size / items; per < taz.Size || per > 2*taz.Size {
		t.Errorf("%d bytes per item, the article has %d", per, taz.Size)
	}
	c, m, err := benchdata.Stages()
	if err != nil {
		t.Fatal(err)
	}
	before := feeds[0].Items[0]
	if !strings.Contains(before.Content, "piwik.php") || !strings.Contains(before.Content, "Jetzt unterstützen") {
		t.Fatalf("content lacks the tracker or the appeal: %.200q", before.Content)
	}
	it := benchdata.CloneItems(feeds[0].Items)[0]
	removed := c.Item(&it, nil)
	rules := map[string]bool{}
	for _, r := range removed {
		rules[r.Rule] = true
	}
	for _, want := range []string{clean.RuleTracker, clean.RuleParams, "taz.de"} {
		if !rules[want] {
			t.Errorf("no %s removal: %v", want, removed)
		}
	}
	if strings.Contains(it.Content, "Eine Koalition") || strings.Contains(it.Content, "utm_") {
		t.Errorf("appeal or utm kept: %s", it.Content)
	}
	if got := m.Match(&it); !slices.Contains(got, "nato-korea") {
		t.Errorf("topics %v, want nato-korea", got)
	}
}

// TestAllFeed checks the corpus feed the render and server benchmarks use.
func TestAllFeed(t *testing.T) {
	f, err := benchdata.AllFeed("corpus")
	if err != nil {
		t.Skipf("benchmark input not available: %v", err)
	}
	if len(f.Items) != 200 {
		t.Errorf("%d items, want 200", len(f.Items))
	}
}
