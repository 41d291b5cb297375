package topic

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// labelledSet is the format of testdata/labelled.yaml.
type labelledSet struct {
	Topics []config.Topic `yaml:"topics"`
	Cases  []labelledCase `yaml:"cases"`
}

type labelledCase struct {
	ID         string   `yaml:"id"`
	Source     string   `yaml:"source"`
	Title      string   `yaml:"title"`
	Summary    string   `yaml:"summary"`
	Content    string   `yaml:"content"`
	Categories []string `yaml:"categories"`
	Want       []string `yaml:"want"` // topics it must get
	Not        []string `yaml:"not"`  // topics it must not get
}

// TestLabelled matches the labelled snippets and requires precision and
// recall 1.0 for every topic.
func TestLabelled(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "labelled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var set labelledSet
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&set); err != nil {
		t.Fatalf("labelled.yaml: %v", err)
	}
	if len(set.Cases) < 80 {
		t.Errorf("labelled.yaml has %d cases, want at least 80", len(set.Cases))
	}
	for i := range set.Topics {
		if len(set.Topics[i].In) == 0 { // the config loader's default
			set.Topics[i].In = []string{config.FieldTitle, config.FieldSummary, config.FieldContent, config.FieldCategories}
		}
	}
	m, err := Compile(set.Topics)
	if err != nil {
		t.Fatal(err)
	}

	type counts struct{ tp, fp, fn, tn int }
	stats := map[string]*counts{}
	for _, tp := range set.Topics {
		stats[tp.Slug] = &counts{}
	}
	ids := map[string]bool{}
	for _, c := range set.Cases {
		if c.ID == "" || ids[c.ID] {
			t.Errorf("case %q: missing or duplicate id", c.ID)
		}
		ids[c.ID] = true
		// Every topic must be labelled exactly once.
		for slug := range stats {
			if slices.Contains(c.Want, slug) == slices.Contains(c.Not, slug) {
				t.Errorf("case %s: topic %s must be in exactly one of want and not", c.ID, slug)
			}
		}
		for _, slug := range append(slices.Clone(c.Want), c.Not...) {
			if stats[slug] == nil {
				t.Errorf("case %s: unknown topic %s", c.ID, slug)
			}
		}

		it := &item.Item{Source: c.Source, Title: c.Title, Summary: c.Summary, Content: c.Content, Categories: c.Categories}
		got := m.Match(it)
		for slug, st := range stats {
			want, matched := slices.Contains(c.Want, slug), slices.Contains(got, slug)
			switch {
			case want && matched:
				st.tp++
			case want:
				st.fn++
				t.Errorf("case %s: missed topic %s (got %v)", c.ID, slug, got)
			case matched:
				st.fp++
				t.Errorf("case %s: wrongly got topic %s (got %v)", c.ID, slug, got)
			default:
				st.tn++
			}
		}
	}

	for _, tp := range set.Topics {
		st := stats[tp.Slug]
		if st.tp+st.fn == 0 || st.tn+st.fp == 0 {
			t.Errorf("topic %s needs positive and negative cases (has %d and %d)", tp.Slug, st.tp+st.fn, st.tn+st.fp)
			continue
		}
		precision, recall := 1.0, float64(st.tp)/float64(st.tp+st.fn)
		if st.tp+st.fp > 0 {
			precision = float64(st.tp) / float64(st.tp+st.fp)
		}
		t.Logf("%-20s precision %.3f recall %.3f (tp %d, fp %d, fn %d, tn %d)", tp.Slug, precision, recall, st.tp, st.fp, st.fn, st.tn)
		if precision < 1 || recall < 1 {
			t.Errorf("topic %s: precision %.3f, recall %.3f; want 1.0", tp.Slug, precision, recall)
		}
	}
}
