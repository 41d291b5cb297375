package fetch

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse decodes arbitrary documents: no panic, at most MaxItems items,
// and valid UTF-8 in every text; and the quick scans of the limits
// (withinLimitsXML, jsonBounds) let through only documents the full
// checks leave as they are. Seeds: every file of the shared corpus
// (when ../shared is present) and the feeds among the tests' fixtures.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{filepath.Join(corpusDir, "*"), "testdata/*", "../publish/testdata/*", "../examples/*/*.rss"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if filepath.Ext(name) == ".tsv" {
				continue
			}
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b, "")
			}
		}
	}
	f.Add([]byte(`<rss version="2.0"><channel><item><title>x</title></item></channel></rss>`), "application/rss+xml; charset=iso-8859-1")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_text":"x"}]}`), "application/feed+json")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		switch b := prepare(body, contentType); firstByte(b) {
		case '<':
			if withinLimitsXML(b) {
				checkQuick(t, "fuzz", b)
			}
		case '{':
			if nodes, items := jsonBounds(b); nodes <= MaxNodes && items <= MaxItems {
				if out, dropped, err := limitJSON(b); err != nil || dropped != 0 || !bytes.Equal(out, b) {
					t.Errorf("within the JSON bounds (%d nodes, %d items), but limitJSON drops %d (%v)", nodes, items, dropped, err)
				}
			}
		}
		feed, err := Parse(body, contentType, "fuzz", "https://ex.org/feed")
		if err != nil {
			return
		}
		if len(feed.Items) > MaxItems {
			t.Errorf("%d items, more than MaxItems", len(feed.Items))
		}
		if !utf8.ValidString(feed.Title) {
			t.Errorf("feed title %q: invalid UTF-8", feed.Title)
		}
		for _, it := range feed.Items {
			for _, s := range []string{it.Title, it.Summary, it.Content, it.Link, it.GUID} {
				if !utf8.ValidString(s) {
					t.Errorf("invalid UTF-8: %q", s)
				}
			}
		}
	})
}
