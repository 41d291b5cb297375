package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/refresh"
)

type healthSource struct {
	Name        string `json:"name"`
	LastAttempt string `json:"last_attempt"`
	LastError   string `json:"last_error"`
	Failures    int    `json:"failures"`
	NextRun     string `json:"next_run"`
}

func health(base string) (map[string]healthSource, error) {
	_, body, err := get(base + "/healthz")
	if err != nil {
		return nil, err
	}
	var h struct {
		Sources []healthSource `json:"sources"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("%v: %s", err, body)
	}
	out := map[string]healthSource{}
	for _, s := range h.Sources {
		out[s.Name] = s
	}
	return out, nil
}

// TestBackoffSurvivesRestart runs a real 'refeed run' with three sources
// on "@every 1s": one answers 429 with Retry-After: 3600, one 500, one
// works. The failing ones are fetched once; neither the schedule nor a
// restart (SIGTERM, start again) fetches them again before their next
// attempt, which /healthz reports: the Retry-After time for the 429, the
// first backoff step for the 500.
func TestBackoffSurvivesRestart(t *testing.T) {
	var limitedHits, brokenHits atomic.Int32
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limitedHits.Add(1)
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	defer limited.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		brokenHits.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer broken.Close()
	good := newCountingFeed(t, "good")
	addr := freeAddr(t)
	base := "http://" + addr
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`listen: %q
base_url: %s
sources:
  - name: limited
    url: %s
    schedule: "@every 1s"
  - name: broken
    url: %s
    schedule: "@every 1s"
  - name: good
    url: %s
    schedule: "@every 1s"
`, addr, base, limited.URL, broken.URL, good.URL)), 0o644)

	// cycles waits until the good source was fetched n more times: the
	// scheduler ran that many times.
	cycles := func(n int32) {
		t.Helper()
		from := good.hits.Load()
		eventually(t, time.Duration(n+3)*time.Second, "scheduled refreshes", func() error {
			if got := good.hits.Load() - from; got < n {
				return fmt.Errorf("good fetched %d times", got)
			}
			return nil
		})
	}
	check := func(when string) {
		t.Helper()
		if l, b := limitedHits.Load(), brokenHits.Load(); l != 1 || b != 1 {
			t.Fatalf("%s: limited fetched %d times, broken %d; want once each", when, l, b)
		}
		h, err := health(base)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string][2]time.Duration{
			"limited": {time.Hour, time.Hour},
			"broken":  {refresh.BackoffBase * 4 / 5, refresh.BackoffBase},
		} {
			s := h[name]
			last, err1 := time.Parse(time.RFC3339, s.LastAttempt)
			next, err2 := time.Parse(time.RFC3339, s.NextRun)
			if err1 != nil || err2 != nil || s.Failures != 1 || s.LastError == "" {
				t.Errorf("%s: /healthz %+v", when, s)
				continue
			}
			// RFC 3339 in /healthz has whole seconds.
			if d := next.Sub(last); d < want[0]-time.Second || d > want[1]+time.Second {
				t.Errorf("%s: %s: next run %v after the last attempt, want %v..%v", when, name, d, want[0], want[1])
			}
		}
	}

	p := startRefeed(t, "run", "-config", cfg)
	cycles(3)
	check("while running")
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	p.done <- nil

	startRefeed(t, "run", "-config", cfg)
	cycles(3)
	check("after a restart")
}

// TestNextAttemptIsNextRun runs 'refeed run' with a failing source on
// "@every 1h": the retry waits for the schedule, later than the first
// backoff step, and the log's next_attempt is /healthz's next_run.
func TestNextAttemptIsNextRun(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer broken.Close()
	addr := freeAddr(t)
	base := "http://" + addr
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`listen: %q
base_url: %s
sources:
  - name: broken
    url: %s
    schedule: "@every 1h"
`, addr, base, broken.URL)), 0o644)
	p := startRefeed(t, "run", "-config", cfg)
	var logged string
	eventually(t, 8*time.Second, "the failure logged", func() error {
		m := regexp.MustCompile(`msg="refresh failed" .*next_attempt=(\S+)`).FindStringSubmatch(p.stderr.String())
		if m == nil {
			return fmt.Errorf("no failure logged")
		}
		logged = m[1]
		return nil
	})
	next, err := time.Parse(time.RFC3339, logged)
	if err != nil {
		t.Fatalf("next_attempt %q: %v", logged, err)
	}
	h, err := health(base)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 3339 in /healthz has whole seconds.
	if got, want := h["broken"].NextRun, next.UTC().Format(time.RFC3339); got != want {
		t.Errorf("/healthz next_run %s, log next_attempt %s", got, logged)
	}
	if last, err := time.Parse(time.RFC3339, h["broken"].LastAttempt); err != nil || next.Sub(last) < 59*time.Minute {
		t.Errorf("next attempt %s, last attempt %s: want the schedule's hour", logged, h["broken"].LastAttempt)
	}
}

// TestReloadKeepsTimers reloads a running 'refeed run' three times (SIGHUP:
// the same configuration, then another source's URL changed twice): the
// changed source is fetched again at each change, while the unchanged one,
// on "@every 1m", is not fetched again and keeps its next run.
func TestReloadKeepsTimers(t *testing.T) {
	kept := newCountingFeed(t, "kept")
	other := newCountingFeed(t, "other")
	addr := freeAddr(t)
	base := "http://" + addr
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	write := func(v int) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`listen: %q
base_url: %s
sources:
  - name: kept
    url: %s
    schedule: "@every 1m"
  - name: other
    url: %s/?v=%d
    schedule: "@every 1m"
`, addr, base, kept.URL, other.URL, v)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(0)
	p := startRefeed(t, "run", "-config", cfg)
	var before string
	eventually(t, 8*time.Second, "both sources fetched", func() error {
		h, err := health(base)
		if err != nil {
			return err
		}
		if kept.hits.Load() != 1 || other.hits.Load() != 1 || h["kept"].NextRun == "" || h["other"].LastAttempt == "" {
			return fmt.Errorf("kept fetched %d times, other %d; /healthz %+v", kept.hits.Load(), other.hits.Load(), h)
		}
		before = h["kept"].NextRun
		return nil
	})
	reloaded := func(n int) {
		t.Helper()
		eventually(t, 8*time.Second, "the reload", func() error {
			if got := strings.Count(p.stderr.String(), `msg="configuration reloaded"`); got < n {
				return fmt.Errorf("%d reloads logged", got)
			}
			return nil
		})
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	reloaded(1)
	for v := 1; v <= 2; v++ {
		write(v)
		p.cmd.Process.Signal(syscall.SIGHUP)
		reloaded(v + 1)
		eventually(t, 8*time.Second, "the changed source fetched again", func() error {
			if got := other.hits.Load(); got != int32(v+1) {
				return fmt.Errorf("other fetched %d times", got)
			}
			return nil
		})
	}
	h, err := health(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := kept.hits.Load(); got != 1 {
		t.Errorf("the unchanged source was fetched %d times, want once", got)
	}
	if h["kept"].NextRun != before {
		t.Errorf("the unchanged source's next run moved from %s to %s", before, h["kept"].NextRun)
	}
}
