package topic

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// fuzzSet returns the labelled set: its topics and its snippets.
func fuzzSet(f *testing.F) labelledSet {
	return loadLabelled(f)
}

// FuzzMatch matches arbitrary items against the labelled topics (every
// kind of term: words, phrases, wildcards, regular expressions, none
// lists): no panic, only known slugs, each once, the same answer twice;
// and a title matches plain words exactly when its normalized form holds
// them; and Explain agrees with Match.
func FuzzMatch(f *testing.F) {
	set := fuzzSet(f)
	for _, c := range set.Cases {
		f.Add(c.Title, c.Summary, c.Content, strings.Join(c.Categories, "\n"))
	}
	f.Add("Nord\u00adkorea: Pjöngjang’s KI-Sprachmodell", "<p>NATO &amp; <b>Kli</b>ma</p>", "ＮＡＴＯ ﬁnanzen cop 28", "KI\nKlima")
	m, err := Compile(set.Topics)
	if err != nil {
		f.Fatal(err)
	}
	slugs := map[string]bool{}
	for _, t := range set.Topics {
		slugs[t.Slug] = true
	}
	words, err := Compile([]config.Topic{{Slug: "w", Match: config.Match{Any: []string{"nato", "korea"}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, summary, content, categories string) {
		it := &item.Item{Title: title, Summary: summary, Content: content, Categories: strings.Split(categories, "\n")}
		got := m.Match(it)
		seen := map[string]bool{}
		for _, s := range got {
			if !slugs[s] || seen[s] {
				t.Errorf("Match gave %q: unknown or repeated slug", got)
			}
			seen[s] = true
		}
		if again := m.Match(it); !slices.Equal(again, got) {
			t.Errorf("Match gave %q, then %q", got, again)
		}
		if why := joined(m.Explain(it)); !slices.Equal(why, got) {
			t.Errorf("Match gave %q, Explain %q", got, why)
		}
		// A title matches a word exactly when its normalized form has it.
		norm := " " + Normalize(title) + " "
		want := strings.Contains(norm, " nato ") || strings.Contains(norm, " korea ")
		if got := len(words.Match(&item.Item{Title: title})) == 1; got != want {
			t.Errorf("title %q (normalized %q): matches nato or korea: %v, want %v", title, norm, got, want)
		}
	})
}

// FuzzNormalize normalizes arbitrary text: the result is words of
// lower-case letters and digits separated by single spaces, and
// normalizing it again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, c := range fuzzSet(f).Cases {
		f.Add(c.Title)
		f.Add(c.Summary)
	}
	for _, s := range []string{"Nato-Sprecherin: „Pjöngjang’s Soldaten“", "Nord\u00adkorea", "ＮＡＴＯ ﬁnanzen ²", "Straße ǅ İstanbul Σίσυφος K\u212a", "\xff\xfe bad", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) || strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: not single-spaced words", s, n)
		}
		for _, r := range n {
			if r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) {
				t.Fatalf("Normalize(%q) = %q: holds %q", s, n, r)
			}
		}
		if again := Normalize(n); again != n {
			t.Errorf("Normalize(%q) = %q, then %q", s, n, again)
		}
	})
}
