package item

import (
	"strings"
	"testing"
	"time"
)

func TestNewIDIsStableAndDistinct(t *testing.T) {
	a := &Item{GUID: " https://ex.org/1 ", Link: "https://ex.org/1?x", Title: "A"}
	b := &Item{GUID: "https://ex.org/1", Link: "https://other.example/", Title: "B"}
	if NewID("s", a) != NewID("s", b) {
		t.Error("the same GUID gave different ids")
	}
	if NewID("s", a) == NewID("t", a) {
		t.Error("two sources gave the same id")
	}
	if !strings.HasPrefix(NewID("s", a), "urn:refeed:") || len(NewID("s", a)) != len("urn:refeed:")+32 {
		t.Errorf("id %q", NewID("s", a))
	}
	noGUID := &Item{Link: "https://ex.org/2"}
	if Key(noGUID) != "link:https://ex.org/2" {
		t.Errorf("Key = %q", Key(noGUID))
	}
	bare := &Item{Title: "T", Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}
	if Key(bare) != "title:T\x002026-01-02T02:04:05Z" {
		t.Errorf("Key = %q", Key(bare))
	}
}

func TestFingerprint(t *testing.T) {
	a := &Item{Title: "T", Content: "<p>x</p>", Categories: []string{"a", "b"}}
	b := *a
	if Fingerprint(a, "s") != Fingerprint(&b, "s") {
		t.Error("equal items, different fingerprints")
	}
	b.ID, b.Topics, b.FirstSeen = "urn:x", []string{"t"}, time.Now()
	if Fingerprint(a, "s") != Fingerprint(&b, "s") {
		t.Error("refeed's own fields changed the fingerprint")
	}
	for name, change := range map[string]func(*Item){
		"content":    func(i *Item) { i.Content = "<p>y</p>" },
		"categories": func(i *Item) { i.Categories = []string{"ab"} },
		"updated":    func(i *Item) { i.Updated = time.Unix(1, 0) },
		"title split": func(i *Item) {
			i.Title, i.Summary = "", "T"
		},
	} {
		c := *a
		change(&c)
		if Fingerprint(a, "s") == Fingerprint(&c, "s") {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
	if Fingerprint(a, "s") == Fingerprint(a, "t") {
		t.Error("salt ignored")
	}
}

// TestFingerprintStable: stored fingerprints and content hashes were
// computed by earlier versions; the digest of an item must never change.
func TestFingerprintStable(t *testing.T) {
	full := Item{Source: "s", SourceTitle: "S", SourceURL: "https://s.example/feed", GUID: "g", Link: "https://s.example/1", Title: "Tätel", Summary: "<p>sum</p>", Content: "<p>con</p>",
		Authors:    []Author{{Name: "A", Email: "a@x", URI: "https://a"}, {Name: "B"}},
		Published:  time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("", 3600)),
		Updated:    time.Date(2026, 2, 2, 3, 4, 5, 0, time.UTC),
		Categories: []string{"x", "y"}, Enclosures: []Enclosure{{URL: "https://e", Type: "audio/mpeg", Length: 42}}}
	for _, tc := range []struct {
		it         Item
		salt, want string
	}{
		{Item{}, "", "2f3ef59ad5445560059a8ae79445face"},
		{Item{}, "salt", "d981ba0582eb219b1182c1dc8f189274"},
		{full, "", "d0d856b52c554568c3e2e32825410b79"},
		{full, "salt", "928712da253c26a2244f350c2547f478"},
	} {
		if got := Fingerprint(&tc.it, tc.salt); got != tc.want {
			t.Errorf("Fingerprint(%q, %q) = %s, want %s", tc.it.Title, tc.salt, got, tc.want)
		}
	}
}
