package clean

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"refeed/fetch"
	"refeed/item"
)

var corpusDir = filepath.Join("..", "..", "shared", "corpus")

// corpusItems returns the items of every parsable file of the corpus.
func corpusItems(t testing.TB) map[string][]item.Item {
	t.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("corpus not available (%v): ../shared is absent", err)
	}
	out := map[string][]item.Item{}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := fetch.Parse(body, "", "corpus", "https://corpus.example/"+e.Name())
		if err != nil {
			continue
		}
		out[e.Name()] = f.Items
	}
	return out
}

// elements returns the elements of an HTML fragment.
func elements(s string) []*html.Node {
	root, err := parseFragment(s)
	if err != nil {
		return nil
	}
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				out = append(out, c)
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

// TestCorpusClean cleans every item of every corpus file and checks that
// no tracker and no tracking parameter is left, and that no real image was
// removed.
func TestCorpusClean(t *testing.T) {
	c := newCleaner(t)
	var items, trackersRemoved, paramsRemoved, imagesKept int
	for name, its := range corpusItems(t) {
		for _, it := range its {
			items++
			before := map[string]bool{}
			for _, field := range []string{it.Summary, it.Content} {
				for _, n := range elements(field) {
					if n.DataAtom == atom.Img && !isPixel(n) && !c.trackers.match(attr(n, "src")) && strings.HasPrefix(attr(n, "src"), "http") {
						before[imageKey(attr(n, "src"))] = true
					}
				}
			}
			cleaned := it
			removed := c.Item(&cleaned, nil)
			for _, r := range removed {
				switch r.Rule {
				case RuleTracker:
					trackersRemoved++
				case RuleParams:
					paramsRemoved++
				}
			}
			if _, bad := c.params.strip(cleaned.Link); len(bad) > 0 {
				t.Errorf("%s: item link keeps tracking parameters: %s", name, cleaned.Link)
			}
			after := map[string]bool{}
			for _, field := range []string{cleaned.Summary, cleaned.Content} {
				for _, n := range elements(field) {
					switch n.DataAtom {
					case atom.Img, atom.Iframe, atom.Script:
						if c.trackers.match(attr(n, "src")) || n.DataAtom == atom.Img && isPixel(n) {
							t.Errorf("%s: %q: tracker kept: %s", name, it.Title, describe(n))
						}
						if n.DataAtom == atom.Img {
							after[imageKey(attr(n, "src"))] = true
						}
					case atom.A:
						if _, bad := c.params.strip(attr(n, "href")); len(bad) > 0 {
							t.Errorf("%s: %q: link keeps tracking parameters: %s", name, it.Title, attr(n, "href"))
						}
					}
				}
			}
			for k := range before {
				if !after[k] {
					t.Errorf("%s: %q: real image removed: %s", name, it.Title, k)
				}
			}
			imagesKept += len(after)
		}
	}
	t.Logf("%d items: %d trackers and %d tracking parameter sets removed, %d images kept", items, trackersRemoved, paramsRemoved, imagesKept)
}

// imageKey identifies an image across cleaning, which may strip tracking
// parameters from its URL.
func imageKey(src string) string {
	src, _, _ = strings.Cut(src, "?")
	return src
}
