package alert

import (
	"regexp"
	"testing"

	"github.com/refeed/refeed/config"
)

func TestMessageID(t *testing.T) {
	tp := config.Topic{Name: "NATO/Korea", Slug: "nato-korea"}
	msg := func(test bool, ids ...string) *message {
		m := &message{topic: tp, digest: len(ids) != 1, test: test}
		for _, id := range ids {
			m.items = append(m.items, entry{ID: id})
		}
		return m
	}
	const key = "nato-korea email alice@example.org"
	from := "refeed@example.org"
	a := messageID(key, msg(false, "a"), from)
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(a) {
		t.Errorf("Message-ID %q", a)
	}
	same := map[string]string{
		"same item":                  messageID(key, msg(false, "a"), from),
		"same digest in other order": messageID(key, msg(false, "b", "a"), from),
	}
	if same["same item"] != a || same["same digest in other order"] != messageID(key, msg(false, "a", "b"), from) {
		t.Errorf("not deterministic: %q", same)
	}
	differ := map[string]string{
		"another item":  messageID(key, msg(false, "b"), from),
		"a digest":      messageID(key, msg(false, "a", "b"), from),
		"another alert": messageID("nato-korea email bob@example.org", msg(false, "a"), from),
		"another topic": messageID(key, &message{topic: config.Topic{Slug: "klima"}, items: []entry{{ID: "a"}}}, from),
		"a test":        messageID(key, msg(true, "a"), from),
	}
	for name, id := range differ {
		if id == a {
			t.Errorf("%s has the same Message-ID %q", name, id)
		}
	}
	if messageID(key, msg(true, "a"), from) == messageID(key, msg(true, "a"), from) {
		t.Error("two tests have the same Message-ID")
	}
	for _, from := range []string{"refeed@bücher.example", `"a@b"@[127.0.0.1]`, "x@"} {
		if id := messageID(key, msg(false, "a"), from); !regexp.MustCompile(`^<[0-9a-f]{32}@refeed\.invalid>$`).MatchString(id) {
			t.Errorf("from %q: Message-ID %q", from, id)
		}
	}
}
