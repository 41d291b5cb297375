package clean

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/siteconfig"
)

// siteCleaner returns a cleaner with the site configs files (name:
// content), written to a new directory.
func siteCleaner(t *testing.T, files map[string]string) *Cleaner {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sites, err := siteconfig.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewWithOptions(nil, Options{SiteConfigs: sites})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSiteConfigStripsFeedContent(t *testing.T) {
	c := siteCleaner(t, map[string]string{
		"news.example.txt": `body: //article
strip: //div[@class='related']
strip: //img/@srcset
strip_id_or_class: newsletter
strip_image_src: counter.example
strip_id_or_class: story
`,
		"global.txt": "strip: //p[@class='kept']\n",
	})
	content := `<div class="story"><p>The council met on Thursday and agreed the budget for next year after a long debate.</p>
<p class="kept">Global rules stay off feed content.</p>
<div class="related"><a href="https://news.example/b">Read also: other news</a></div>
<img src="https://cdn.example/photo.jpg" srcset="https://cdn.example/photo-2x.jpg 2x" alt="The council">
<p class="newsletter-box">Get our newsletter every morning.</p>
<img src="https://counter.example/p.gif" alt="">
</div>`
	it := &item.Item{Link: "https://www.news.example/2024/budget", Content: content}
	removed := c.Item(it, nil)
	got := it.Content
	for _, keep := range []string{"The council met on Thursday", "Global rules stay off", "photo.jpg"} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %q: %s", keep, got)
		}
	}
	for _, gone := range []string{"Read also", "newsletter every morning", "photo-2x", "counter.example"} {
		if strings.Contains(got, gone) {
			t.Errorf("kept %q: %s", gone, got)
		}
	}
	var details []string
	for _, r := range removed {
		if r.Rule == RuleSiteConfig {
			details = append(details, r.Detail)
		}
	}
	want := []string{
		"news.example.txt:2: strip: //div[@class='related']",
		"news.example.txt:3: strip: //img/@srcset",
		"news.example.txt:4: strip_id_or_class: newsletter",
		"news.example.txt:5: strip_image_src: counter.example",
	}
	if !slices.Equal(details, want) {
		t.Errorf("removals:\n%s\nwant:\n%s", strings.Join(details, "\n"), strings.Join(want, "\n"))
	}

	// Another site's item is not touched by the site's rules (the
	// generic boilerplate rules still take its teaser and sign-up).
	it = &item.Item{Link: "https://other.example/a", Content: content}
	c.Item(it, nil)
	if !strings.Contains(it.Content, "photo-2x") || !strings.Contains(it.Content, "counter.example") {
		t.Errorf("stripped an item of another site: %s", it.Content)
	}
}

func TestSiteConfigFingerprint(t *testing.T) {
	plain := newCleaner(t).Fingerprint()
	a := siteCleaner(t, map[string]string{"news.example.txt": "strip: //aside\n"}).Fingerprint()
	b := siteCleaner(t, map[string]string{"news.example.txt": "strip: //nav\n"}).Fingerprint()
	if a == plain || b == plain || a == b {
		t.Errorf("fingerprints do not tell the site configs apart: %s %s %s", plain, a, b)
	}
	if empty := siteCleaner(t, nil).Fingerprint(); empty != plain {
		t.Errorf("an empty set changed the fingerprint")
	}
}

// TestPacksWithSiteConfigs runs the site packs' fixtures with the public
// site config set loaded (it has files for the packs' sites too): the
// packs still remove their appeals, and the article stays.
func TestPacksWithSiteConfigs(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "ftr-site-config")
	sites, err := siteconfig.Load(dir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the site config set is needed in CI: %v", err)
		}
		t.Skipf("the site config set is not available (%v): ../shared/ftr-site-config is absent", err)
	}
	c, err := NewWithOptions(nil, Options{SiteConfigs: sites})
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range packFixtures {
		t.Run(fx.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "packs", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			article := fixtureTexts(t, doc, fx.article)
			appeal := fixtureTexts(t, doc, fx.appeal)
			it := &item.Item{Link: fx.link, Content: innerHTML(t, string(b))}
			removed := c.Item(it, nil)
			got := textOfHTML(t, it.Content)
			checkCleaned(t, got, nil, appeal)
			if !slices.ContainsFunc(removed, func(r Removal) bool { return r.Rule == fx.pack }) {
				t.Errorf("no removal by %s: %v", fx.pack, removed)
			}
			for _, r := range removed {
				if r.Rule == RuleSiteConfig {
					t.Logf("%s: %s", r.Detail, Excerpt(r.Text, 60))
				}
			}
			// A site config may strip what the fixture counts as the
			// article (heise.de.txt strips the header, with the lead),
			// never most of it.
			kept, all := 0, 0
			for _, p := range article {
				all += len(p)
				if strings.Contains(got, p) {
					kept += len(p)
				} else {
					t.Logf("stripped by the site config: %.70q", p)
				}
			}
			if 2*kept < all {
				t.Errorf("kept %d of %d characters of the article", kept, all)
			}
		})
	}
}
