package main

import (
	"strings"
	"testing"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/topic"
)

func TestExplainTopics(t *testing.T) {
	m, err := topic.Compile([]config.Topic{
		{Name: "Korea", Slug: "korea", Match: config.Match{Any: []string{"nordkorea*"}}},
		{Name: "Klima", Slug: "klima", Match: config.Match{Any: []string{"*klima*"}, None: []string{"konsumklima*"}}},
		{Name: "Gipfel", Slug: "gipfel", Match: config.Match{Any: []string{"nato"}, All: []string{"gipfel*"}}},
		{Name: "Alles", Slug: "alles", Sources: []string{"taz"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	explainTopics(&b, m, &item.Item{
		Source:  "taz",
		Title:   "Konsumklima sinkt vor dem Nato-Gipfel",
		Content: "<p>Die USA und Südkorea warnen Nordkorea scharf. Nordkorea schweigt.</p>",
	})
	want := `    topic Korea: "nordkorea*" in content: "Die USA und Südkorea warnen Nordkorea scharf. Nordkorea schweigt." (2 times)
    not in Klima: none term "konsumklima*" in title: "Konsumklima sinkt vor dem Nato-Gipfel"
    topic Gipfel: "nato" in title: "Konsumklima sinkt vor dem Nato-Gipfel"
    topic Gipfel: all term "gipfel*" in title: "…sinkt vor dem Nato-Gipfel"
    topic Alles: every item it looks at (no any or all terms)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
