package topic

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// joined returns the slugs of the reasons that joined.
func joined(rs []Reason) []string {
	var out []string
	for _, r := range rs {
		if r.Joined {
			out = append(out, r.Topic)
		}
	}
	return out
}

// checkAgrees fails when Explain and Match disagree on it.
func checkAgrees(t *testing.T, m *Matcher, it *item.Item, what string) {
	t.Helper()
	if got, want := joined(m.Explain(it)), m.Match(it); !slices.Equal(got, want) {
		t.Errorf("%s: Explain joins %v, Match %v", what, got, want)
	}
}

func TestExplainHit(t *testing.T) {
	m, err := Compile([]config.Topic{
		{Name: "Korea", Slug: "korea", Match: config.Match{Any: []string{"nato", "nordkorea*", "kim jong un", `/\bcop ?[0-9]{2}\b/`, "pjoengjang"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		it   item.Item
		want []string // Term|List|Field|Context|Count of each hit
	}{
		{item.Item{Content: "<p>Die USA und Südkorea warnen Nordkorea scharf vor weiteren Tests.</p>"},
			[]string{`nordkorea*|any|content|Die USA und Südkorea warnen Nordkorea scharf vor weiteren Tests.|1`}},
		{item.Item{Title: "NATO tagt", Summary: "Die Nato und die NATO"},
			[]string{`nato|any|title|NATO tagt|1`, `nato|any|summary|Die Nato und die NATO|2`}},
		{item.Item{Content: "<p>Machthaber <b>Kim Jong</b>-Un besucht</p>"},
			[]string{`kim jong un|any|content|Machthaber Kim Jong-Un besucht|1`}},
		{item.Item{Title: "Die COP 28 in Dubai"},
			[]string{`/\bcop ?[0-9]{2}\b/|any|title|Die COP 28 in Dubai|1`}},
		{item.Item{Categories: []string{"Politik", "Pjöngjang"}},
			[]string{`pjoengjang|any|categories|Pjöngjang|1`}},
		{item.Item{Content: strings.Repeat("Viel Text davor, ", 5) + "Nordkoreas Armee" + strings.Repeat(", viel Text danach", 5)},
			[]string{`nordkorea*|any|content|…Text davor, Viel Text davor, Nordkoreas Armee, viel Text danach,…|1`}},
	}
	for _, tt := range tests {
		rs := m.Explain(&tt.it)
		if len(rs) != 1 || !rs[0].Joined || rs[0].Topic != "korea" || rs[0].Name != "Korea" {
			t.Errorf("%+v: Explain = %+v, want the topic korea joined", tt.it, rs)
			continue
		}
		var got []string
		for _, h := range rs[0].Hits {
			got = append(got, fmt.Sprintf("%s|%s|%s|%s|%d", h.Term, h.List, h.Field, h.Context(), h.Count))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: hits\n %q\nwant\n %q", tt.it, got, tt.want)
		}
	}
	// The matched text of the example, alone.
	rs := m.Explain(&tests[0].it)
	if h := rs[0].Hits[0]; h.Text != "Nordkorea" || h.Before != "Die USA und Südkorea warnen " || h.After != " scharf vor weiteren Tests." {
		t.Errorf("hit %+v: want Nordkorea between its neighbours", h)
	}
}

func TestExplainNone(t *testing.T) {
	m, err := Compile([]config.Topic{
		{Name: "Klima", Slug: "klima", Match: config.Match{Any: []string{"*klima*"}, None: []string{"konsumklima*"}}},
		{Name: "Alles", Slug: "alles"},
		{Name: "Gipfel", Slug: "gipfel", Match: config.Match{Any: []string{"nato"}, All: []string{"gipfel*"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := m.Explain(&item.Item{Title: "Konsumklima trübt sich ein", Content: "Das Klima im Handel", Summary: "NATO"})
	want := []Reason{
		{Topic: "klima", Name: "Klima", Joined: false, Hits: []Hit{
			{Term: "*klima*", List: "any", Field: "title", Text: "Konsumklima", After: " trübt sich ein", Count: 1},
			{Term: "*klima*", List: "any", Field: "content", Text: "Klima", Before: "Das ", After: " im Handel", Count: 1},
			{Term: "konsumklima*", List: "none", Field: "title", Text: "Konsumklima", After: " trübt sich ein", Count: 1},
		}},
		{Topic: "alles", Name: "Alles", Joined: true},
	}
	if fmt.Sprint(rs) != fmt.Sprint(want) {
		t.Errorf("Explain =\n %+v\nwant\n %+v", rs, want)
	}
}

// TestExplainAgrees checks Explain against Match on the cases of the
// semantics test and the labelled set.
func TestExplainAgrees(t *testing.T) {
	topics := []config.Topic{
		{Slug: "any", Match: config.Match{Any: []string{"nato", "korea"}}},
		{Slug: "all", Match: config.Match{Any: []string{"nato"}, All: []string{"gipfel", "*trump*"}}},
		{Slug: "none", Match: config.Match{Any: []string{"nato"}, None: []string{"senat*", "ukraine"}}},
		{Slug: "empty", Match: config.Match{}},
		{Slug: "allonly", Match: config.Match{All: []string{"nato", "korea", "NATO"}}},
		{Slug: "title", Match: config.Match{Any: []string{"nato"}}, In: []string{config.FieldTitle}},
		{Slug: "cats", Match: config.Match{Any: []string{"nato", "kim jong un"}}, In: []string{config.FieldCategories}},
		{Slug: "taz", Match: config.Match{Any: []string{"nato"}}, Sources: []string{"taz", "dlf"}},
		{Slug: "none-title", Match: config.Match{Any: []string{"nato"}, None: []string{"sport"}}, In: []string{config.FieldTitle}},
		{Slug: "regex-all", Match: config.Match{Any: []string{"nato"}, All: []string{"/gipfel(treffen)?/"}}, In: []string{config.FieldContent}},
		{Slug: "empty-regex", Match: config.Match{Any: []string{"/x*/"}}, In: []string{config.FieldSummary}},
	}
	m, err := Compile(topics)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range []item.Item{
		{Title: "Wetter"},
		{Title: "NATO-Gipfel", Content: "<p>Trumps Rede</p>"},
		{Title: "NATO", Summary: "Senatorin zur Ukraine"},
		{Title: "NATO", Summary: "Korea"},
		{Categories: []string{"Kim", "Jong Un"}},
		{Categories: []string{"Kim Jong-un"}},
		{Source: "taz", Title: "NATO"},
		{Title: "NATO", Content: "Sport"},
		{Title: "NATO Sport"},
		{Content: "NATO-Gipfeltreffen"},
		{Title: "Gipfel", Content: "NATO"},
		{Summary: "<p></p>"},
	} {
		checkAgrees(t, m, &it, fmt.Sprint("case ", i))
	}
	set := loadLabelled(t)
	lm, err := Compile(set.Topics)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range set.Cases {
		it := &item.Item{Source: c.Source, Title: c.Title, Summary: c.Summary, Content: c.Content, Categories: c.Categories}
		checkAgrees(t, lm, it, c.ID)
	}
}

func TestExplainNil(t *testing.T) {
	var m *Matcher
	if rs := m.Explain(&item.Item{Title: "NATO"}); rs != nil {
		t.Errorf("nil matcher: %v", rs)
	}
	m, err := Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs := m.Explain(nil); rs != nil {
		t.Errorf("nil item: %v", rs)
	}
}

// TestExplainLeavesMatch checks that Explain and Match may share a
// matcher's working memory: Match answers the same after Explain.
func TestExplainLeavesMatch(t *testing.T) {
	m := natoKorea(t)
	a := &item.Item{Title: "Kim Jong", Content: "Un"}
	b := &item.Item{Title: "Nordkorea"}
	for range 3 {
		m.Explain(b)
		if got := m.Match(a); len(got) != 0 {
			t.Fatalf("Match after Explain = %v", got)
		}
		if got := m.Match(b); len(got) != 1 {
			t.Fatalf("Match after Explain = %v", got)
		}
	}
}

func ExampleMatcher_Explain() {
	m, err := Compile([]config.Topic{{Name: "Korea", Slug: "korea", Match: config.Match{Any: []string{"nordkorea*"}}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range m.Explain(&item.Item{Content: "<p>Seoul und Washington warnen Nordkorea scharf.</p>"}) {
		for _, h := range r.Hits {
			fmt.Printf("topic %s: %q in %s: %q\n", r.Name, h.Term, h.Field, h.Context())
		}
	}
	// Output:
	// topic Korea: "nordkorea*" in content: "Seoul und Washington warnen Nordkorea scharf."
}

// loadLabelled reads testdata/labelled.yaml.
func loadLabelled(t testing.TB) labelledSet {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "labelled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var set labelledSet
	if err := yaml.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	return set
}
