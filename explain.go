package main

import (
	"fmt"
	"io"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/topic"
)

// explainTopics writes, for every topic it joined, each term that matched
// with its field and the text it matched in context, and for every topic
// a "none" term kept it out of, which term and where:
//
//	topic Korea: "nordkorea*" in content: "…warnen Nordkorea scharf…"
//	not in Klima: none term "konsumklima*" in title: "Konsumklima sinkt"
func explainTopics(w io.Writer, m *topic.Matcher, it *item.Item) {
	for _, r := range m.Explain(it) {
		name := r.Name
		if name == "" {
			name = r.Topic
		}
		if r.Joined && len(r.Hits) == 0 {
			fmt.Fprintf(w, "    topic %s: every item it looks at (no any or all terms)\n", name)
		}
		for _, h := range r.Hits {
			switch {
			case !r.Joined && h.List == "none":
				fmt.Fprintf(w, "    not in %s: none term %q in %s: %q%s\n", name, h.Term, h.Field, h.Context(), times(h.Count))
			case r.Joined:
				list := ""
				if h.List == "all" {
					list = "all term "
				}
				fmt.Fprintf(w, "    topic %s: %s%q in %s: %q%s\n", name, list, h.Term, h.Field, h.Context(), times(h.Count))
			}
		}
	}
}

// times says how often a term matched, when more than once.
func times(n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(" (%d times)", n)
}
