package topic_test

import (
	"slices"
	"testing"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
)

// TestExplainCorpus checks, over every cleaned corpus and taz item, that
// the topics Explain says an item joined are those Match gives, and that
// every hit of a joined topic has the text it matched.
func TestExplainCorpus(t *testing.T) {
	c, m, err := benchdata.Stages()
	if err != nil {
		t.Fatal(err)
	}
	n, hits := 0, 0
	for _, set := range benchdata.Sets {
		feeds, _, _, err := benchdata.Feeds(set)
		if err != nil {
			t.Skipf("corpus not available: %v", err)
		}
		for _, f := range feeds {
			for _, it := range benchdata.CloneItems(f.Items) {
				c.Item(&it, nil)
				var got []string
				for _, r := range m.Explain(&it) {
					if !r.Joined {
						continue
					}
					got = append(got, r.Topic)
					for _, h := range r.Hits {
						hits++
						if h.Text == "" || h.Count < 1 {
							t.Errorf("%s %q: topic %s: hit %+v without text", f.Name, it.Title, r.Topic, h)
						}
					}
				}
				if want := m.Match(&it); !slices.Equal(got, want) {
					t.Errorf("%s %q: Explain joins %v, Match %v", f.Name, it.Title, got, want)
				}
				n++
			}
		}
	}
	if n < 1000 || hits == 0 {
		t.Errorf("only %d items and %d hits checked", n, hits)
	}
	t.Logf("%d items, %d hits", n, hits)
}
