package topic

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// benchTopics returns three topics with n terms in all (n >= 10): the
// SPEC's six NATO/Korea terms, four terms that occur in the taz article, and
// n-10 made-up words, prefixes, infixes, suffixes and phrases that do not, as
// "any" and "none" terms. Every size matches the taz article to the same
// three topics, so only the number of terms varies.
func benchTopics(n int) []config.Topic {
	topics := []config.Topic{
		{Slug: "nato-korea", Match: config.Match{Any: []string{"nato", "nordatlantik*", "*korea*", "pjöngjang", "pyongyang", "kim jong un"}}},
		{Slug: "russland", Match: config.Match{Any: []string{"russland", "ukraine*"}}},
		{Slug: "geheimdienst", Match: config.Match{Any: []string{"geheimdienst"}, All: []string{"*soldat*"}}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	letters := []rune("bcdfghjklmnpqrstvwxzäöüß")
	vowels := []rune("aeiouy")
	word := func() string {
		// Made-up words of 6 to 11 letters, "q" first so none occurs in the article.
		w := []rune{'q'}
		for i := range 5 + rng.IntN(6) {
			if i%2 == 0 {
				w = append(w, vowels[rng.IntN(len(vowels))])
			} else {
				w = append(w, letters[rng.IntN(len(letters))])
			}
		}
		return string(w)
	}
	for i := 10; i < n; i++ {
		var term string
		switch k := rng.IntN(20); {
		case k < 12:
			term = word()
		case k < 15:
			term = word() + "*"
		case k < 17:
			term = "*" + word() + "*"
		case k < 18:
			term = "*" + word()
		default:
			term = word() + " " + word()
		}
		t := &topics[i%3]
		if i%2 == 0 {
			t.Match.None = append(t.Match.None, term)
		} else {
			t.Match.Any = append(t.Match.Any, term)
		}
	}
	return topics
}

// benchItem returns an item whose HTML content is the taz example (about
// 4 KB of text, 5 KB with markup), or a stand-in of the same size.
func benchItem(b *testing.B) *item.Item {
	text, err := os.ReadFile(filepath.Join("..", "testdata", "taz-article-page.txt"))
	if err != nil {
		text = []byte(strings.Repeat("Die Nato warnt Nordkorea vor einer Eskalation, sagte eine Sprecherin in Brüssel. ", 50))
	}
	paras := strings.Split(strings.TrimSpace(string(text)), "\n\n")
	content := "<p>" + strings.Join(paras[1:], "</p>\n<p>") + "</p>"
	content = strings.Replace(content, "Nato-Sprecherin", `<a href="https://www.nato.int/cps/en/natohq/news.htm?utm_source=rss">Nato-Sprecherin</a>`, 1)
	return &item.Item{
		Source:     "taz",
		Title:      paras[0],
		Summary:    paras[1],
		Content:    content,
		Categories: []string{"Politik", "Ausland", "Nordkorea"},
	}
}

func BenchmarkMatch(b *testing.B) {
	it := benchItem(b)
	size := len(it.Title) + len(it.Summary) + len(it.Content)
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(n, "terms"), func(b *testing.B) {
			m, err := Compile(benchTopics(n))
			if err != nil {
				b.Fatal(err)
			}
			if got := m.Match(it); !slices.Equal(got, []string{"nato-korea", "russland", "geheimdienst"}) {
				b.Fatalf("Match = %v, want all three topics", got)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				m.Match(it)
			}
		})
	}
}

func BenchmarkCompile1000(b *testing.B) {
	topics := benchTopics(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(topics); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	it := benchItem(b)
	b.SetBytes(int64(len(it.Content)))
	b.ReportAllocs()
	for b.Loop() {
		Normalize(it.Content)
	}
}
