package alert

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/topic"
)

// Bounds of what messages carry.
const (
	summaryRunes = 500  // of an item's summary
	titleRunes   = 200  // of an item's title in headers
	ntfyBytes    = 3800 // of an ntfy body (ntfy turns longer ones into attachments)
)

// A message is what one delivery sends: one item, or a digest of several.
type message struct {
	topic  config.Topic
	items  []entry
	digest bool
	test   bool // sent by Test
}

// An entry is an item as alerts show it; it is the JSON object of an item
// sent to a webhook.
type entry struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Link      string `json:"link,omitempty"`
	Summary   string `json:"summary,omitempty"` // plain text
	Published string `json:"published,omitempty"`
	Source    string `json:"source,omitempty"`
}

func newMessage(tp config.Topic, items []item.Item, digest, test bool) *message {
	m := &message{topic: tp, digest: digest || len(items) != 1, test: test}
	for _, it := range items {
		e := entry{
			ID:      it.ID,
			Title:   oneLine(it.Title),
			Link:    oneLine(it.Link),
			Summary: summaryOf(&it),
			Source:  oneLine(it.Source),
		}
		if e.Title == "" {
			e.Title = "(untitled)"
		}
		if !it.Published.IsZero() {
			e.Published = it.Published.UTC().Format(time.RFC3339)
		}
		m.items = append(m.items, e)
	}
	return m
}

// summaryOf returns an item's summary (else the start of its content) as
// plain text of at most summaryRunes characters.
func summaryOf(it *item.Item) string {
	h := it.Summary
	if strings.TrimSpace(h) == "" {
		h = it.Content
	}
	return excerpt(plain(topic.VisibleText(h)), summaryRunes)
}

// title is the message's headline: the item's title, or for a digest
// "N new items: TOPIC".
func (m *message) title() string {
	if !m.digest {
		return excerpt(m.items[0].Title, titleRunes)
	}
	s := fmt.Sprintf("%d new items: %s", len(m.items), m.topic.Name)
	if len(m.items) == 1 {
		s = "1 new item: " + m.topic.Name
	}
	if m.test {
		s = "refeed test alert, " + s
	}
	return s
}

// webhookJSON is the body of a webhook (see the package documentation).
func (m *message) webhookJSON() ([]byte, error) {
	if m.digest {
		return json.Marshal(struct {
			Topic     string  `json:"topic"`
			TopicSlug string  `json:"topic_slug"`
			Items     []entry `json:"items"`
			Test      bool    `json:"test,omitempty"`
		}{m.topic.Name, m.topic.Slug, m.items, m.test})
	}
	return json.Marshal(struct {
		Topic     string `json:"topic"`
		TopicSlug string `json:"topic_slug"`
		entry
		Test bool `json:"test,omitempty"`
	}{m.topic.Name, m.topic.Slug, m.items[0], m.test})
}

// ntfyBody is the plain-text body of an ntfy message: the item's summary
// (its title when it has none), or the titles and links of a digest's
// items.
func (m *message) ntfyBody() string {
	if !m.digest {
		if m.items[0].Summary != "" {
			return m.items[0].Summary
		}
		return m.items[0].Title
	}
	var b strings.Builder
	for i, e := range m.items {
		line := "• " + e.Title
		if e.Link != "" {
			line += "\n" + e.Link
		}
		more := fmt.Sprintf("… and %d more", len(m.items)-i)
		if b.Len()+len(line)+2+len(more) > ntfyBytes && i > 0 {
			b.WriteString(more)
			break
		}
		b.WriteString(line)
		if i < len(m.items)-1 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// emailSubject is the subject of an email: "[TOPIC] TITLE", or the title of
// a digest.
func (m *message) emailSubject() string {
	if m.digest {
		return m.title()
	}
	return "[" + m.topic.Name + "] " + m.title()
}

// emailBody is the plain-text body of an email.
func (m *message) emailBody() string {
	var b strings.Builder
	if m.digest {
		fmt.Fprintf(&b, "%s\n\n", m.title())
	}
	for i, e := range m.items {
		if m.digest {
			fmt.Fprintf(&b, "%d. ", i+1)
		}
		b.WriteString(e.Title + "\n")
		if e.Link != "" {
			b.WriteString(e.Link + "\n")
		}
		var about []string
		if e.Source != "" {
			about = append(about, "Source: "+e.Source)
		}
		if e.Published != "" {
			about = append(about, "Published: "+e.Published)
		}
		if len(about) > 0 {
			b.WriteString(strings.Join(about, " · ") + "\n")
		}
		if e.Summary != "" {
			b.WriteString("\n" + e.Summary + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("-- \n")
	if m.test {
		b.WriteString("This is a test message sent by refeed alert-test.\n")
	}
	fmt.Fprintf(&b, "refeed alert for the topic %q\n", m.topic.Name)
	return b.String()
}

// oneLine collapses the white space of s, line breaks included, to single
// spaces and drops control characters.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// plain drops control characters other than line breaks from text.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// excerpt shortens s to at most n runes, cutting at a space when one is
// near and marking the cut with an ellipsis.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexFunc(string(r), unicode.IsSpace); i > 0 && utf8.RuneCountInString(string(r)[:i]) > n*3/4 {
		r = []rune(string(r)[:i])
	}
	return strings.TrimRightFunc(string(r), func(c rune) bool { return unicode.IsSpace(c) || unicode.IsPunct(c) }) + "…"
}
