package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/fetch/fetchtest"
	"github.com/refeed/refeed/store"
)

// hostileConfig lists the sources (name -> URL) with the limits of the
// hostile tests: a 2 s timeout, 5 MiB max_body, every source fetched at
// once, and retention high enough to keep every item.
func hostileConfig(t *testing.T, dir string, urls map[string]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`listen: ""
base_url: http://feeds.example
fetch:
  timeout: 2s
  max_body: 5MiB
  concurrency: 32
  per_host: 32
retention:
  max_items: 5000
sources:
`)
	for name, u := range urls {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n", name, u)
	}
	b.WriteString("topics:\n  - name: Items\n    match:\n      any: [item]\n")
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// allJSON reads the titles of the items of all.json in public.
func allJSON(t *testing.T, public string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(public, "all.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		out[i] = it.Title
	}
	return out
}

// TestOnceHostileSources runs 'refeed once' over a good source and every
// hostile case of fetchtest, each on its own server: first all of them
// serve a good feed, then the hostile ones turn hostile. The second run
// fails (status 1) naming each failing source and its problem, within the
// timeout; the good source's new item is published; every hostile
// source's earlier items are still published; the feed of 100,000 items
// is cut to the newest fetch.MaxItems; the item of 1 MiB is published.
func TestOnceHostileSources(t *testing.T) {
	good := fetchtest.NewServer(fetchtest.Case{Name: "good"})
	defer good.Close()
	urls := map[string]string{"good": good.URL + "/feed"}
	servers := map[string]*fetchtest.Server{}
	for _, c := range fetchtest.Cases() {
		s := fetchtest.NewServer(c)
		defer s.Close()
		servers[c.Name] = s
		urls[c.Name] = s.URL + "/feed"
	}
	dir := t.TempDir()
	cfg := hostileConfig(t, dir, urls)
	public := filepath.Join(dir, "data", "public")

	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	if n := len(allJSON(t, public)); n != 2*len(urls) {
		t.Fatalf("first run: %d items, want %d", n, 2*len(urls))
	}

	for _, s := range servers {
		s.SetHostile(true)
	}
	good.SetGood(fetchtest.GoodFeed("good", 1, 3))
	start := time.Now()
	code, _, stderr := runCmd(t, "once", "-config", cfg)
	took := time.Since(start)
	t.Logf("second run took %v", took.Round(time.Millisecond))
	if code != 1 {
		t.Errorf("second run: exit %d, want 1", code)
	}
	limit := 8 * time.Second
	if raceEnabled {
		limit = 20 * time.Second
	}
	if took > limit {
		t.Errorf("second run took %v; the timeout is 2 s and sources are fetched at once", took)
	}
	if strings.Contains(stderr, "panic") {
		t.Fatalf("panic:\n%s", stderr)
	}
	failed := map[string]string{}
	for _, line := range strings.Split(stderr, "\n") {
		if m := regexp.MustCompile(`msg="source failed" source=(\S+) err=(.*)`).FindStringSubmatch(line); m != nil {
			failed[m[1]] = m[2]
		}
	}
	for name, s := range servers {
		err, ok := failed[name]
		switch {
		case s.Case.Want == "" && ok:
			t.Errorf("%s failed: %s", name, err)
		case s.Case.Want != "" && !ok:
			t.Errorf("%s: no failure reported", name)
		case s.Case.Want != "" && !strings.Contains(err, s.Case.Want):
			t.Errorf("%s: error %s, want %q", name, err, s.Case.Want)
		}
	}
	wantFailed := 0
	for _, s := range servers {
		if s.Case.Want != "" {
			wantFailed++
		}
	}
	if _, ok := failed["good"]; ok || len(failed) != wantFailed {
		t.Errorf("failed sources: %v", failed)
	}
	if !strings.Contains(stderr, fmt.Sprintf("dropped=%d", fetchtest.ManyItems-fetch.MaxItems)) {
		t.Errorf("the items left out of many-items are not logged")
	}

	titles := map[string]bool{}
	many := 0
	for _, title := range allJSON(t, public) {
		titles[title] = true
		if regexp.MustCompile(`^m\d+$`).MatchString(title) {
			many++
		}
	}
	for name := range urls {
		for i := 1; i <= 2; i++ {
			if want := fmt.Sprintf("%s item %d", name, i); !titles[want] {
				t.Errorf("%q is no longer published", want)
			}
		}
	}
	if !titles["good item 3"] {
		t.Error("the good source's new item is not published")
	}
	if !titles["large"] {
		t.Error("the large item (within max_body) is not published")
	}
	if many != fetch.MaxItems || !titles["m0"] || !titles[fmt.Sprint("m", fetch.MaxItems-1)] {
		t.Errorf("%d items of many-items published, want the first %d", many, fetch.MaxItems)
	}

	// The 429's Retry-After is kept for the daemon.
	st, err := store.Open(filepath.Join(dir, "data", store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Source(context.Background(), "status-429")
	if err != nil {
		t.Fatal(err)
	}
	if d := s.NextAttempt.Sub(s.LastAttempt); s.Failures != 1 || d != fetchtest.RetryAfterSec*time.Second {
		t.Errorf("status-429: failures %d, next attempt %v after the last", s.Failures, d)
	}
	start = time.Now()
	checkFeeds(t, public)
	t.Logf("checkFeeds took %v", time.Since(start))
}
