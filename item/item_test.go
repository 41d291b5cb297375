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
