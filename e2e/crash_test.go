package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
)

// feedTitles parses a feed file or document by its extension (.rss, .atom
// or .json) and returns the titles of its items.
func feedTitles(name string, b []byte) ([]string, error) {
	var titles []string
	switch filepath.Ext(name) {
	case ".rss":
		var d struct {
			XMLName xml.Name
			Items   []struct {
				Title string `xml:"title"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal(b, &d); err != nil {
			return nil, err
		}
		if d.XMLName.Local != "rss" {
			return nil, fmt.Errorf("root element <%s>", d.XMLName.Local)
		}
		for _, it := range d.Items {
			titles = append(titles, it.Title)
		}
	case ".atom":
		var d struct {
			XMLName xml.Name
			Entries []struct {
				Title string `xml:"title"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(b, &d); err != nil {
			return nil, err
		}
		if d.XMLName.Local != "feed" {
			return nil, fmt.Errorf("root element <%s>", d.XMLName.Local)
		}
		for _, e := range d.Entries {
			titles = append(titles, e.Title)
		}
	case ".json":
		var d struct {
			Version string `json:"version"`
			Items   []struct {
				Title string `json:"title"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, err
		}
		if d.Version == "" {
			return nil, fmt.Errorf("no version")
		}
		for _, it := range d.Items {
			titles = append(titles, it.Title)
		}
	default:
		return nil, fmt.Errorf("not a feed file")
	}
	return titles, nil
}

// checkPublic checks that every file in public is a complete, valid feed
// (temporary files of an interrupted write are tolerated unless strict)
// and returns the titles of all.rss.
func checkPublic(t *testing.T, public string, strict bool) []string {
	t.Helper()
	entries, err := os.ReadDir(public)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, e := range entries {
		if !strict && strings.Contains(e.Name(), ".tmp-") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(public, e.Name()))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		titles, err := feedTitles(e.Name(), b)
		if err != nil {
			t.Errorf("%s is not a complete feed: %v (%d bytes)", e.Name(), err, len(b))
		}
		if e.Name() == "all.rss" {
			all = titles
		}
	}
	return all
}

// waitFetched waits, up to within, until every feed was fetched once more.
func waitFetched(t *testing.T, feeds []*countingFeed, within time.Duration) {
	t.Helper()
	before := make([]int32, len(feeds))
	for i, f := range feeds {
		before[i] = f.hits.Load()
	}
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		done := true
		for i, f := range feeds {
			done = done && f.hits.Load() > before[i]
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sources were not all fetched within %s of a start", within)
		}
	}
}

// TestCrashSafety runs a real 'refeed run' over three sources refreshed
// every second, each fetch bringing a new item, and kills it with SIGKILL
// at random moments (20 times, 50 to 700 ms after each start, every fourth
// time after every source was fetched once more), starting it again each time. Meanwhile it records every item served over HTTP or
// written to public/. After each kill every feed file is complete and
// valid; at the end (after a last clean run) there is nothing else in
// public/, the store passes PRAGMA integrity_check, and every item ever
// published is still published.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills refeed 20 times")
	}
	names := []string{"alpha", "beta", "gamma"}
	var feeds []*countingFeed
	for _, n := range names {
		feeds = append(feeds, newCountingFeed(t, n))
	}
	addr := freeAddr(t)
	base := "http://" + addr
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\nbase_url: %s\nretention:\n  max_items: 100000\nsources:\n", addr, base)
	for i, f := range feeds {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n    schedule: \"@every 1s\"\n", names[i], f.URL)
	}
	b.WriteString("topics:\n  - name: NATO\n    match:\n      any: [nato]\n")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	public := filepath.Join(dir, "data", "public")

	var mu sync.Mutex
	published := map[string]bool{}
	record := func(titles []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, title := range titles {
			published[title] = true
		}
	}
	// observe polls the served feeds until stop is closed.
	observe := func(stop <-chan struct{}) {
		client := &http.Client{Timeout: time.Second}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
			name := []string{"all.rss", "nato.atom", "all.json"}[i%3]
			resp, err := client.Get(base + "/" + name)
			if err != nil {
				continue // not listening yet, or killed
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				continue // killed while answering, or no feed yet
			}
			titles, err := feedTitles(name, body)
			if err != nil {
				t.Errorf("served %s is not a valid feed: %v", name, err)
				continue
			}
			record(titles)
		}
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	t.Logf("seed %d", seed)
	const kills = 20
	start := time.Now()
	for i := range kills {
		p := startRefeed(t, "run", "-config", cfg)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { observe(stop) })
		if i%4 == 3 {
			// Every fourth run lets each source be fetched once more
			// before the kill (a loaded machine may start refeed more
			// slowly than the random delays), so that every source
			// makes progress however the delays fall.
			waitFetched(t, feeds, 10*time.Second)
		}
		time.Sleep(time.Duration(50+rng.IntN(650)) * time.Millisecond)
		p.cmd.Process.Signal(syscall.SIGKILL)
		err := <-p.done
		p.done <- err
		close(stop)
		wg.Wait()
		record(checkPublic(t, public, false))
		if t.Failed() {
			t.Fatalf("after kill %d:\n%s", i+1, p.stderr.String())
		}
	}
	t.Logf("%d kills in %v; sources fetched %d, %d and %d times", kills, time.Since(start).Round(time.Millisecond), feeds[0].hits.Load(), feeds[1].hits.Load(), feeds[2].hits.Load())
	for i, f := range feeds {
		if f.hits.Load() < 5 {
			t.Errorf("%s was fetched %d times only: too few refreshes between kills", names[i], f.hits.Load())
		}
	}

	// A last run, stopped cleanly once every source refreshed again.
	before := make([]int32, len(feeds))
	for i, f := range feeds {
		before[i] = f.hits.Load()
	}
	p := startRefeed(t, "run", "-config", cfg)
	eventually(t, 10*time.Second, "every source refreshes again", func() error {
		for i, f := range feeds {
			if f.hits.Load() < before[i]+2 {
				return fmt.Errorf("%s fetched %d times since the restart", names[i], f.hits.Load()-before[i])
			}
		}
		return nil
	})
	eventually(t, 5*time.Second, "the served feed carries the newest items", func() error {
		_, body, err := get(base + "/all.rss")
		if err != nil {
			return err
		}
		titles, err := feedTitles("all.rss", body)
		if err != nil {
			return err
		}
		record(titles)
		for i := range feeds {
			if want := fmt.Sprintf("%s story %d about NATO", names[i], before[i]+1); !contains(titles, want) {
				return fmt.Errorf("no %q", want)
			}
		}
		return nil
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	p.done <- nil

	final := checkPublic(t, public, true)
	have := map[string]bool{}
	for _, title := range final {
		have[title] = true
	}
	var missing []string
	for title := range published {
		if !have[title] {
			missing = append(missing, title)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d published items are missing: %v", len(missing), len(published), missing)
	}
	t.Logf("%d items published, all present", len(published))

	st := openChecked(t, dir)
	if n, err := st.Count(context.Background(), config.AllFeed); err != nil || n != len(final) {
		t.Errorf("store has %d items (%v), all.rss %d", n, err, len(final))
	}
	checkFeeds(t, public)
}
