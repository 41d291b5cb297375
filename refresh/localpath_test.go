package refresh

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/refeed/refeed/config"
)

// A file source's local path is published nowhere: its items name the
// feed's own site link, or no source URL at all.
func TestFileSourcePathNotPublished(t *testing.T) {
	for _, tc := range []struct {
		name, channelLink, want string
	}{
		{"site link", "<link>https://ex.org/</link>", `"https://ex.org/"`},
		{"no site link", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "secret-local-dir", "feed.rss")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			doc := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` + tc.channelLink +
				`<description>d</description><item><title>NATO meets</title><link>https://ex.org/1</link><guid>https://ex.org/1</guid></item></channel></rss>`
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{path, "file://" + path} {
				r, _, src := setup(t, u, natoTopic())
				if out := r.Source(ctx, src, true); out.Err != nil {
					t.Fatalf("%s: %v", u, out.Err)
				}
				feeds, err := r.Publish(ctx, []string{config.AllFeed, "nato"})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range feeds {
					for format, b := range f.Docs {
						if strings.Contains(string(b), "secret-local-dir") {
							t.Errorf("%s: %s %s carries the local path:\n%s", u, f.Slug, format, b)
						}
						if tc.want != "" && !strings.Contains(string(b), tc.want) {
							t.Errorf("%s: %s %s does not name the site link %s:\n%s", u, f.Slug, format, tc.want, b)
						}
					}
				}
			}
		})
	}
}

// Without base_url and without a server (listen: ""), feeds name no self
// URL and no hub: nothing reaches the guessed http://localhost:8080.
func TestNoAddressNoSelfLinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.rss")
	if err := os.WriteFile(path, []byte(feedXML), 0o644); err != nil {
		t.Fatal(err)
	}
	r, _, src := setup(t, path)
	r.cfg.NoAddress = true
	r.cfg.WebSub.Hubs = []string{"https://hub.example/"}
	if out := r.Source(ctx, src, true); out.Err != nil {
		t.Fatal(out.Err)
	}
	feeds, err := r.Publish(ctx, []string{config.AllFeed})
	if err != nil {
		t.Fatal(err)
	}
	for format, b := range feeds[0].Docs {
		for _, bad := range []string{"/all" + format.Ext(), "hub.example"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s carries %q:\n%s", format, bad, b)
			}
		}
	}
}
