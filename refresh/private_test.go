package refresh

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/publish"
)

// hubRecorder is a WebSub hub that records the feeds announced to it.
type hubRecorder struct {
	mu   sync.Mutex
	urls []string
}

func (h *hubRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err == nil {
		h.mu.Lock()
		h.urls = append(h.urls, r.PostForm["hub.url"]...)
		h.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hubRecorder) announced() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.urls)
}

// privateSetup is setup with a WebSub hub, and the topics nato (private
// when private is set) and weather.
func privateSetup(t *testing.T, private bool) (*Refresher, *hubRecorder) {
	t.Helper()
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feedXML)) }))
	t.Cleanup(src.Close)
	hub := &hubRecorder{}
	hs := httptest.NewServer(hub)
	t.Cleanup(hs.Close)
	nato := natoTopic()
	if private {
		nato.Private = &config.Private{Token: "0123456789abcdef0123"}
	}
	weather := config.Topic{Name: "Wetter", Slug: "weather", Match: config.Match{Any: []string{"weather"}}, In: nato.In}
	r, _, _ := setup(t, src.URL, nato, weather)
	r.cfg.WebSub.Hubs = []string{hs.URL}
	return r, hub
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*"))
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

// A private topic's files are written into data_dir/private/ (0700), never
// into public/; it is announced to no hub, and names none; no other feed
// names it as a category; its own feed does, and its self links carry no
// credential.
func TestPrivateTopicIsNotPublished(t *testing.T) {
	r, hub := privateSetup(t, true)
	if _, err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv := publish.PublicDir(r.cfg.DataDir), publish.PrivateDir(r.cfg.DataDir)
	if got := files(t, pub); !slices.Equal(got, []string{"all.atom", "all.json", "all.rss", "weather.atom", "weather.json", "weather.rss"}) {
		t.Errorf("public folder: %v", got)
	}
	if got := files(t, priv); !slices.Equal(got, []string{"nato.atom", "nato.json", "nato.rss"}) {
		t.Errorf("private folder: %v", got)
	}
	if fi, err := os.Stat(priv); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("private folder: %v, %v", fi.Mode(), err)
	}

	got := hub.announced()
	if len(got) == 0 {
		t.Fatal("nothing announced")
	}
	for _, u := range got {
		if strings.Contains(u, "nato") {
			t.Errorf("announced %s", u)
		}
	}

	// The item "NATO meets" is in all, but not tagged NATO there.
	for _, format := range publish.Formats {
		all := read(t, filepath.Join(pub, "all"+format.Ext()))
		if !strings.Contains(all, "NATO meets") {
			t.Errorf("all%s lacks the item", format.Ext())
		}
		for _, tag := range []string{">NATO<", `"NATO"`, `term="NATO"`, ">nato<", `"nato"`} {
			if strings.Contains(all, tag) {
				t.Errorf("all%s names the private topic: %s", format.Ext(), tag)
			}
		}
		nato := read(t, filepath.Join(priv, "nato"+format.Ext()))
		if !strings.Contains(nato, "NATO meets") || !strings.Contains(nato, "NATO<") && !strings.Contains(nato, `"NATO"`) {
			t.Errorf("nato%s lacks its item or its category:\n%s", format.Ext(), nato)
		}
		if strings.Contains(nato, "hub") || strings.Contains(nato, "token") || strings.Contains(nato, "0123456789abcdef") {
			t.Errorf("nato%s names a hub or the token:\n%s", format.Ext(), nato)
		}
		if !strings.Contains(nato, r.cfg.BaseURL+"/nato"+format.Ext()) {
			t.Errorf("nato%s has no self link %s", format.Ext(), r.cfg.BaseURL+"/nato"+format.Ext())
		}
	}
	feeds, err := r.Publish(ctx, r.Feeds())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		if f.Private != (f.Slug == "nato") {
			t.Errorf("%s: Private = %v", f.Slug, f.Private)
		}
	}
}

// A public topic that becomes private loses its public files at the next
// publication (before its private files are written), and gets them back
// when it becomes public again.
func TestTopicBecomingPrivateLeavesThePublicFolder(t *testing.T) {
	r, hub := privateSetup(t, false)
	if _, err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv := publish.PublicDir(r.cfg.DataDir), publish.PrivateDir(r.cfg.DataDir)
	if !slices.Contains(files(t, pub), "nato.rss") || !slices.Contains(hub.announced(), r.cfg.BaseURL+"/nato.rss") {
		t.Fatal("the public topic was not published or announced")
	}

	reconfigure := func(private *config.Private) *Refresher {
		t.Helper()
		cfg := *r.cfg
		cfg.Topics = slices.Clone(cfg.Topics)
		cfg.Topics[0].Private = private
		next, err := New(&cfg, r.store, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	r2 := reconfigure(&config.Private{Users: []config.User{{Name: "alice", Password: "pw"}}})
	pending, err := r2.Pending(ctx)
	if err != nil || !slices.Contains(pending, "nato") {
		t.Fatalf("pending once private: %v, %v", pending, err)
	}
	before := len(hub.announced())
	if _, err := r2.Once(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range files(t, pub) {
		if strings.HasPrefix(f, "nato.") {
			t.Errorf("public/%s left", f)
		}
	}
	if got := files(t, priv); !slices.Equal(got, []string{"nato.atom", "nato.json", "nato.rss"}) {
		t.Errorf("private folder: %v", got)
	}
	for _, u := range hub.announced()[before:] {
		if strings.Contains(u, "nato") {
			t.Errorf("announced %s once private", u)
		}
	}
	if strings.Contains(read(t, filepath.Join(pub, "all.rss")), ">NATO<") {
		t.Error("all.rss still names the topic once it is private")
	}
	if pending, err := r2.Pending(ctx); err != nil || len(pending) != 0 {
		t.Errorf("pending after publishing: %v, %v", pending, err)
	}

	// Public again: the private files go, the public ones come back.
	r3 := reconfigure(nil)
	if _, err := r3.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := files(t, priv); len(got) != 0 {
		t.Errorf("private folder once public again: %v", got)
	}
	if !slices.Contains(files(t, pub), "nato.rss") || !strings.Contains(read(t, filepath.Join(pub, "all.rss")), ">NATO<") {
		t.Error("public again, but not published as such")
	}
}
