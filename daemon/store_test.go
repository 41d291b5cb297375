package daemon

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/publish"
)

// TestLoadPublishedPrivate: the last published feeds served while the
// store cannot open include a private topic's own files, from private/
// and with its access, never a leftover of it in public/; without its
// access it is not served at all.
func TestLoadPublishedPrivate(t *testing.T) {
	data := t.TempDir()
	cfg := &config.Config{DataDir: data, Topics: []config.Topic{
		{Name: "NATO", Slug: "nato", Private: &config.Private{Token: "a-token-of-sixteen-or-more"}},
		{Name: "Klima", Slug: "klima"},
	}}
	write := func(dir, name, body string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	public, private := publish.PublicDir(data), publish.PrivateDir(data)
	write(public, "all.rss", "all")
	write(public, "klima.rss", "klima")
	write(public, "nato.rss", "stale public nato")
	write(private, "nato.rss", "private nato")
	access, err := accessOf(cfg)
	if err != nil {
		t.Fatal(err)
	}
	feeds, err := loadPublished(cfg, access)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range feeds {
		got[f.Slug] = string(f.Docs[publish.RSS])
		if (f.Access != nil) != (f.Slug == "nato") {
			t.Errorf("%s: access %v", f.Slug, f.Access)
		}
	}
	if want := map[string]string{"all": "all", "klima": "klima", "nato": "private nato"}; len(got) != len(want) || got["all"] != "all" || got["klima"] != "klima" || got["nato"] != "private nato" {
		t.Errorf("served %v, want %v", got, want)
	}
	feeds, _ = loadPublished(cfg, nil)
	for _, f := range feeds {
		if f.Slug == "nato" {
			t.Error("a private topic without its access is served")
		}
	}
}
