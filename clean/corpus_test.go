package clean

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/plaintext"
)

var corpusDir = filepath.Join("..", "..", "shared", "corpus")

// corpusItems returns the items of every parsable file of the corpus, a
// fresh copy for each caller; the files are read and parsed once.
func corpusItems(t testing.TB) map[string][]item.Item {
	t.Helper()
	parsed, err := parsedCorpus()
	if err != nil {
		t.Skipf("corpus not available (%v): ../shared is absent", err)
	}
	out := make(map[string][]item.Item, len(parsed))
	for name, its := range parsed {
		cp := make([]item.Item, len(its))
		for i, it := range its {
			it.Enclosures = slices.Clone(it.Enclosures)
			it.Categories = slices.Clone(it.Categories)
			cp[i] = it
		}
		out[name] = cp
	}
	return out
}

var parsedCorpus = sync.OnceValues(func() (map[string][]item.Item, error) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		return nil, err
	}
	out := map[string][]item.Item{}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			return nil, err
		}
		f, err := fetch.Parse(body, "", "corpus", "https://corpus.example/"+e.Name())
		if err != nil {
			continue
		}
		out[e.Name()] = f.Items
	}
	return out, nil
})

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
// no tracker and no tracking parameter is left, that no real image was
// removed, and that no site pack fired (no corpus feed carries appeals).
func TestCorpusClean(t *testing.T) {
	corpusClean(t, newCleaner(t))
}

// TestCorpusCleanEasyPrivacy does the same with the real EasyPrivacy list
// loaded, when it is installed.
func TestCorpusCleanEasyPrivacy(t *testing.T) {
	corpusClean(t, easyPrivacyCleanerFor(t))
}

func corpusClean(t *testing.T, c *Cleaner) {
	packs := PackNames()
	var items, trackersRemoved, listRemoved, paramsRemoved, imagesKept int
	for name, its := range corpusItems(t) {
		for _, it := range its {
			items++
			page := hostOf(it.Link)
			before := map[string]bool{}
			for _, field := range []string{it.Summary, it.Content} {
				for _, n := range elements(field) {
					if n.DataAtom == atom.Img && c.trackerReason(n, page) == "" && strings.HasPrefix(attr(n, "src"), "http") {
						before[imageKey(attr(n, "src"))] = true
					}
				}
			}
			cleaned := it
			removed := c.Item(&cleaned, nil)
			for _, r := range removed {
				switch {
				case r.Rule == RuleTracker && !strings.Contains(r.Detail, builtinTrackersName) && strings.Contains(r.Detail, ".txt:"):
					listRemoved++
					trackersRemoved++
				case r.Rule == RuleTracker:
					trackersRemoved++
				case r.Rule == RuleParams:
					paramsRemoved++
				case slices.Contains(packs, r.Rule):
					t.Errorf("%s: %q: site pack %s removed %q", name, it.Title, r.Rule, Excerpt(r.Text, 80))
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
						if why := c.trackerReason(n, page); why != "" {
							t.Errorf("%s: %q: tracker kept (%s): %s", name, it.Title, why, describe(n))
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
	t.Logf("%d items: %d trackers removed (%d by tracker lists, beyond the built-in list), %d tracking parameter sets removed, %d images kept",
		items, trackersRemoved, listRemoved, paramsRemoved, imagesKept)
}

// sanitizeOnly returns s after the first step of cleaning alone.
func (c *Cleaner) sanitizeOnly(s string, base *url.URL) string {
	s = plaintext.ValidText(s)
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if !plaintext.HasTags(s) {
		s = textToHTML(s)
	}
	root, err := parseFragment(s)
	if err != nil {
		return ""
	}
	sanitize(root, base, "")
	applyPolicy(root)
	return render(root, 0)
}

// noSpace drops all white space from s: removal texts and flattened text
// separate inline elements differently.
func noSpace(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// flatText returns the text of an HTML fragment as sentences sees it, on
// one line.
func flatText(t *testing.T, s string) string {
	root, err := parseFragment(s)
	if err != nil {
		t.Fatal(err)
	}
	return plaintext.Collapse(flatten(root).text)
}

// textSentences returns the sentences of an HTML fragment, block by block.
func textSentences(t *testing.T, s string) []string {
	root, err := parseFragment(s)
	if err != nil {
		t.Fatal(err)
	}
	return sentences(flatten(root).text)
}

// TestArticleTextNeverLost cleans every corpus item and checks that every
// sentence of its sanitized content that is not inside a block a rule
// removed (as recorded in the removals) is still in the cleaned content.
func TestArticleTextNeverLost(t *testing.T) {
	c := newCleaner(t)
	var items, checked, inRemoved int
	all := corpusItems(t)
	// The seed example and the pack fixtures, where rules do remove
	// blocks.
	if b, err := os.ReadFile(seedPath); err == nil {
		all["seed"] = []item.Item{{Title: "seed", Link: "https://taz.de/!6043131/", Content: string(b)}}
	}
	for _, fx := range packFixtures {
		b, err := os.ReadFile(filepath.Join("testdata", "packs", fx.file))
		if err != nil {
			t.Fatal(err)
		}
		all[fx.file] = []item.Item{{Title: fx.file, Link: fx.link, Content: innerHTML(t, string(b))}}
	}
	for name, its := range all {
		for _, it := range its {
			items++
			base := baseURL(it.Link, it.SourceURL)
			cleaned := it
			removed := c.Item(&cleaned, nil)
			var removedText []string
			for _, r := range removed {
				removedText = append(removedText, noSpace(r.Text))
			}
			for _, f := range []struct{ name, before, after string }{
				{"summary", it.Summary, cleaned.Summary},
				{"content", it.Content, cleaned.Content},
			} {
				after := flatText(t, f.after)
				for _, s := range textSentences(t, c.sanitizeOnly(f.before, base)) {
					checked++
					if strings.Contains(after, s) {
						continue
					}
					if slices.ContainsFunc(removedText, func(r string) bool { return strings.Contains(r, noSpace(s)) }) {
						inRemoved++
						continue
					}
					t.Errorf("%s: %q: %s: sentence lost outside removed blocks: %.80q", name, it.Title, f.name, s)
				}
			}
		}
	}
	t.Logf("%d items: %d sentences checked, %d inside removed blocks", items, checked, inRemoved)
}

// imageKey identifies an image across cleaning, which may strip tracking
// parameters from its URL.
func imageKey(src string) string {
	src, _, _ = strings.Cut(src, "?")
	return src
}
