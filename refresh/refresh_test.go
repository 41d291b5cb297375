package refresh

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/store"
)

var ctx = context.Background()

const feedXML = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://ex.org/</link><description>d</description>
<item><title>NATO meets</title><link>https://ex.org/1?utm_source=x</link><guid>https://ex.org/1</guid></item>
<item><title>Weather</title><link>https://ex.org/2</link><guid>https://ex.org/2</guid></item>
</channel></rss>`

func setup(t *testing.T, url string, topics ...config.Topic) (*Refresher, store.Store, config.Source) {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse(nil, filepath.Join(dir, "config.yaml"), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := config.Source{Name: "s", URL: url, Schedule: cfg.Schedule}
	cfg.Sources = []config.Source{src}
	cfg.Topics = topics
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := New(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return r, st, src
}

func natoTopic() config.Topic {
	return config.Topic{Name: "NATO", Slug: "nato", Match: config.Match{Any: []string{"nato"}}, In: []string{"title", "summary", "content", "categories"}}
}

func TestFailureBacksOffAndHonoursRetryAfter(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(feedXML))
	}))
	defer srv.Close()
	r, st, src := setup(t, srv.URL)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }

	out := r.Source(ctx, src, false)
	if out.Err == nil {
		t.Fatal("no error for a 429")
	}
	s, _ := st.Source(ctx, "s")
	if s.Failures != 1 || s.LastError == "" || !s.NextAttempt.Equal(now.Add(120*time.Second)) {
		t.Errorf("state after 429: %+v", s)
	}
	if out := r.Source(ctx, src, false); !out.Skipped {
		t.Error("a source backing off was fetched")
	}
	fail.Store(false)
	if out := r.Source(ctx, src, true); out.Err != nil || out.Save.New != 2 {
		t.Errorf("forced fetch: %+v", out)
	}
	s, _ = st.Source(ctx, "s")
	if s.Failures != 0 || s.LastError != "" || !s.NextAttempt.IsZero() || !s.LastSuccess.Equal(now) {
		t.Errorf("state after success: %+v", s)
	}
}

func TestBackoff(t *testing.T) {
	prev := time.Duration(0)
	for f := 1; f <= 20; f++ {
		d := Backoff(f)
		if d <= 0 || d > BackoffMax {
			t.Fatalf("Backoff(%d) = %v", f, d)
		}
		if f <= 8 && d < prev/2 {
			t.Errorf("Backoff(%d) = %v after %v: not growing", f, d, prev)
		}
		prev = d
	}
	if d := Backoff(1); d < BackoffBase*4/5 || d > BackoffBase {
		t.Errorf("Backoff(1) = %v, want about %v", d, BackoffBase)
	}
	if d := Backoff(30); d < BackoffMax*4/5 {
		t.Errorf("Backoff(30) = %v, want near the cap %v", d, BackoffMax)
	}
}

func TestPublishWritesOnlyChangedFeeds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feedXML)) }))
	defer srv.Close()
	r, _, src := setup(t, srv.URL, natoTopic())
	rep := r.Sources(ctx, []config.Source{src}, true)
	if !slices.Equal(rep.Changed, []string{"all", "nato"}) {
		t.Errorf("changed = %v", rep.Changed)
	}
	feeds, err := r.Publish(ctx, r.Feeds())
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != 2 || !feeds[0].Changed || feeds[1].Items != 1 {
		t.Errorf("feeds = %+v", feeds)
	}
	path := filepath.Join(publish.PublicDir(r.Config().DataDir), "nato.rss")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	// A second refresh of the unchanged source changes nothing.
	rep = r.Sources(ctx, []config.Source{src}, true)
	if len(rep.Changed) != 0 || !rep.Outcomes[0].NotModified {
		t.Errorf("unchanged source: %+v, changed %v", rep.Outcomes[0], rep.Changed)
	}
	feeds, _ = r.Publish(ctx, r.Feeds())
	for _, f := range feeds {
		if f.Changed {
			t.Errorf("%s rewritten although unchanged", f.Slug)
		}
	}
	if info2, _ := os.Stat(path); !info2.ModTime().Equal(old) || info2.Size() != info.Size() {
		t.Error("nato.rss was rewritten")
	}
}

func TestRetagWhenTopicsChange(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feedXML)) }))
	defer srv.Close()
	r, st, src := setup(t, srv.URL, natoTopic())
	if _, err := r.Retag(ctx); err != nil {
		t.Fatal(err)
	}
	r.Sources(ctx, []config.Source{src}, true)
	// The same store under a configuration with a new topic.
	cfg := *r.Config()
	cfg.Topics = append(slices.Clone(cfg.Topics), config.Topic{Name: "Weather", Slug: "weather", Match: config.Match{Any: []string{"weather"}}, In: []string{"title"}})
	r2, err := New(&cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	changed, err := r2.Retag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, []string{"weather"}) {
		t.Errorf("changed = %v", changed)
	}
	if n, _ := st.Count(ctx, "weather"); n != 1 {
		t.Errorf("weather has %d items", n)
	}
	if again, _ := r2.Retag(ctx); len(again) != 0 {
		t.Errorf("retag with unchanged topics changed %v", again)
	}
}

// TestUnchangedItemsAreNotProcessedAgain: when a source's document changes,
// only its new and edited items are cleaned and saved; a change of the
// cleaning rules processes every item again.
func TestUnchangedItemsAreNotProcessedAgain(t *testing.T) {
	body := feedXML
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
	defer srv.Close()
	r, st, src := setup(t, srv.URL, natoTopic())
	if out := r.Source(ctx, src, true); out.Err != nil || out.Unchanged != 0 || out.Save.New != 2 {
		t.Fatalf("first: %+v", out)
	}
	body = strings.Replace(feedXML, "</channel>", `<item><title>NATO again</title><link>https://ex.org/3</link><guid>https://ex.org/3</guid></item></channel>`, 1)
	out := r.Source(ctx, src, true)
	if out.Err != nil || out.Items != 3 || out.Unchanged != 2 || out.Save.New != 1 {
		t.Errorf("one new item: %+v %+v", out, out.Save)
	}
	body = strings.Replace(body, "<title>Weather</title>", "<title>Weather, edited</title>", 1)
	out = r.Source(ctx, src, true)
	if out.Unchanged != 2 || out.Save.Updated != 1 {
		t.Errorf("one edited item: %+v %+v", out, out.Save)
	}
	items, _ := st.Feed(ctx, "all", 10)
	if len(items) != 3 || !slices.ContainsFunc(items, func(it item.Item) bool { return it.Title == "Weather, edited" }) {
		t.Errorf("items %+v", items)
	}
	// New rules: everything is cleaned again.
	cfg := *r.Config()
	cfg.Rules = []config.Rule{{Name: "x", Remove: []config.Remove{{Text: "nothing"}}}}
	r2, err := New(&cfg, st, r.log)
	if err != nil {
		t.Fatal(err)
	}
	body += " "
	if out := r2.Source(ctx, src, true); out.Unchanged != 0 {
		t.Errorf("after a rule change, %d items skipped", out.Unchanged)
	}
}

// TestOncePublishesWhatNeedsIt: a run of Once publishes every feed the
// first time, none when nothing changed, a feed whose file went missing,
// and every feed when the configuration shaping them changed.
func TestOncePublishesWhatNeedsIt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feedXML)) }))
	defer srv.Close()
	r, st, _ := setup(t, srv.URL, natoTopic())
	pending := func(r *Refresher) []string {
		t.Helper()
		p, err := r.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := pending(r); !slices.Equal(got, []string{"all", "nato"}) {
		t.Errorf("pending before the first run: %v", got)
	}
	if _, err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pending(r); len(got) != 0 {
		t.Errorf("pending after the first run: %v", got)
	}
	if m, err := st.Unpublished(ctx); err != nil || len(m) != 0 {
		t.Errorf("marks after the first run: %v, %v", m, err)
	}
	dir := publish.PublicDir(r.Config().DataDir)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	files, _ := filepath.Glob(filepath.Join(dir, "*.*"))
	if len(files) != 6 {
		t.Fatalf("files: %v", files)
	}
	for _, f := range files {
		os.Chtimes(f, old, old)
	}
	if _, err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	touched := func() []string {
		var out []string
		for _, f := range files {
			if fi, err := os.Stat(f); err != nil || !fi.ModTime().Equal(old) {
				out = append(out, filepath.Base(f))
			}
		}
		return out
	}
	if got := touched(); len(got) != 0 {
		t.Errorf("a run that changed nothing wrote %v", got)
	}
	os.Remove(filepath.Join(dir, "nato.json"))
	if got := pending(r); !slices.Equal(got, []string{"nato"}) {
		t.Errorf("pending with nato.json missing: %v", got)
	}
	if _, err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := touched(); !slices.Equal(got, []string{"nato.json"}) {
		t.Errorf("with nato.json missing, the run wrote %v", got)
	}
	// A new base URL changes every feed: a refresher with it publishes all.
	cfg := *r.Config()
	cfg.BaseURL = "https://feeds.example.org"
	r2, err := New(&cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if got := pending(r2); !slices.Equal(got, []string{"all", "nato"}) {
		t.Errorf("pending with a new base URL: %v", got)
	}
	if _, err := r2.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "all.rss")); err != nil || !strings.Contains(string(b), "https://feeds.example.org/all.rss") {
		t.Errorf("all.rss not published with the new base URL: %v", err)
	}
	if got := pending(r2); len(got) != 0 {
		t.Errorf("pending after publishing with the new base URL: %v", got)
	}
}
