package clean

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/refeed/refeed/config"
)

// TestPageTrackers: Page removes the trackers of a whole page, in the head
// and the body, and the <noscript> they leave empty, and keeps the rest.
func TestPageTrackers(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "packs", "taz.de-2021.html"))
	if err != nil {
		t.Fatal(err)
	}
	page, removed := newCleaner(t).Page(string(b), "https://taz.de/Verkehrswende-in-Berlin/!5816001/", nil)
	for _, gone := range []string{"piwik.js", "iomm/", "ioam.de", "piwik.php", "met.vgwort.de", "count/vgwort", "<noscript>"} {
		if strings.Contains(page, gone) {
			t.Errorf("page keeps %q", gone)
		}
	}
	for _, kept := range []string{"<title>Verkehrswende in Berlin", "Mehr Platz für Busse", "Fehler auf taz.de entdeckt?"} {
		if !strings.Contains(page, kept) {
			t.Errorf("page lost %q", kept)
		}
	}
	var trackers int
	for _, r := range removed {
		if r.Field != FieldPage {
			t.Errorf("removal field %q", r.Field)
		}
		if r.Rule == RuleTracker {
			trackers++
			if r.Detail == "" {
				t.Errorf("tracker removal without detail: %v", r)
			}
		}
	}
	if trackers < 7 {
		t.Errorf("%d tracker removals, want 7 or more: %v", trackers, removed)
	}
}

func TestPageURLsAndRules(t *testing.T) {
	c := newCleaner(t, config.Rule{Name: "mine", Remove: []config.Remove{{From: "Newsletter bestellen"}}})
	in := `<!DOCTYPE html><html><head><title>T</title><base href="/static/"></head><body>` +
		`<p>Erster Absatz <a href="../artikel/2">weiter</a>.</p><img src="bild.jpg" alt="Bild">` +
		`<div><p>Newsletter bestellen: jeden Morgen.</p></div><p>Letzter Absatz.</p></body></html>`
	page, removed := c.Page(in, "https://news.example/politik/a.html", []string{"mine"})
	for _, want := range []string{`href="https://news.example/artikel/2"`, `src="https://news.example/static/bild.jpg"`, "Erster Absatz", "Letzter Absatz."} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s: %s", want, page)
		}
	}
	if strings.Contains(page, "Newsletter") || len(removed) != 1 || removed[0].Rule != "mine" {
		t.Errorf("named rule not applied: %v\n%s", removed, page)
	}
	// Not a page at all: comes back as it was, or as a minimal document.
	if page, removed := c.Page("", "https://news.example/", nil); len(removed) != 0 || strings.Contains(page, "script") {
		t.Errorf("empty page: %q %v", page, removed)
	}
}
