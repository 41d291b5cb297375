package refresh

import (
	"context"
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
	"github.com/refeed/refeed/publish"
)

// TestBackoffGrowsAcrossFailures drives one failing source with a
// controlled clock: every consecutive failure doubles the delay (less up
// to a fifth of jitter) until BackoffMax; the source is not fetched before
// its next attempt, and is at it; a success forgets the failures.
func TestBackoffGrowsAcrossFailures(t *testing.T) {
	var hits atomic.Int32
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Write([]byte(feedXML))
	}))
	defer srv.Close()
	r, st, src := setup(t, srv.URL)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }

	prev := time.Duration(0)
	capped := 0
	for k := 1; k <= 16; k++ {
		out := r.Source(ctx, src, false)
		if out.Err == nil || out.Skipped {
			t.Fatalf("failure %d: %+v", k, out)
		}
		if got := hits.Load(); got != int32(k) {
			t.Fatalf("failure %d: %d fetches", k, got)
		}
		s, err := st.Source(ctx, src.Name)
		if err != nil {
			t.Fatal(err)
		}
		delay := s.NextAttempt.Sub(now)
		want := min(BackoffBase<<(k-1), BackoffMax)
		if s.Failures != k || delay < want*4/5 || delay > want {
			t.Fatalf("failure %d: failures %d, delay %v, want %v less up to a fifth", k, s.Failures, delay, want)
		}
		if want < BackoffMax && delay <= prev {
			t.Errorf("failure %d: delay %v after %v: not growing", k, delay, prev)
		}
		if want == BackoffMax {
			capped++
		}
		prev = delay

		// Just before the next attempt the source is skipped; at it, fetched.
		now = s.NextAttempt.Add(-time.Second)
		if out := r.Source(ctx, src, false); !out.Skipped || hits.Load() != int32(k) {
			t.Fatalf("failure %d: fetched before the next attempt: %+v", k, out)
		}
		now = s.NextAttempt
	}
	if capped < 5 {
		t.Errorf("the cap was reached %d times only", capped)
	}

	fail.Store(false)
	if out := r.Source(ctx, src, false); out.Err != nil || out.Skipped {
		t.Fatalf("at the next attempt: %+v", out)
	}
	s, _ := st.Source(ctx, src.Name)
	if s.Failures != 0 || !s.NextAttempt.IsZero() || s.LastError != "" {
		t.Errorf("after a success: %+v", s)
	}
	fail.Store(true)
	r.Source(ctx, src, false)
	s, _ = st.Source(ctx, src.Name)
	if d := s.NextAttempt.Sub(now); s.Failures != 1 || d > BackoffBase || d < BackoffBase*4/5 {
		t.Errorf("first failure after a success: failures %d, delay %v", s.Failures, d)
	}
}

// TestRetryAfterAgainstBackoff: Retry-After lengthens the delay, never
// shortens it below the backoff, and is capped at a day.
func TestRetryAfterAgainstBackoff(t *testing.T) {
	var retryAfter atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", retryAfter.Load().(string))
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	r, st, src := setup(t, srv.URL)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	for i, tc := range []struct {
		header  string
		min     time.Duration
		max     time.Duration
		comment string
	}{
		{"7200", 2 * time.Hour, 2 * time.Hour, "longer than the backoff"},
		{"1", BackoffBase * 2 * 4 / 5, BackoffBase * 2, "shorter than the backoff"},
		// A date is read against the real clock, when the answer comes.
		{time.Now().Add(3 * time.Hour).Format(http.TimeFormat), 3*time.Hour - 5*time.Second, 3*time.Hour + 5*time.Second, "an HTTP date"},
		{"999999", 24 * time.Hour, 24 * time.Hour, "capped at a day"},
	} {
		retryAfter.Store(tc.header)
		if out := r.Source(ctx, src, true); out.Err == nil {
			t.Fatal("no error")
		}
		s, _ := st.Source(ctx, src.Name)
		if d := s.NextAttempt.Sub(now); s.Failures != i+1 || d < tc.min || d > tc.max {
			t.Errorf("%s (Retry-After %s): delay %v, want %v..%v", tc.comment, tc.header, d, tc.min, tc.max)
		}
	}
}

// TestBackoffJitterSpreadsSources: sources failing together do not all
// come back at the same moment.
func TestBackoffJitterSpreadsSources(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[Backoff(4)] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 backoffs gave %d distinct delays", len(seen))
	}
}

// TestFailedPublicationIsRetried: a feed that could not be written is
// published again with the next refresh, even when no source changed.
func TestFailedPublicationIsRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feedXML)) }))
	defer srv.Close()
	r, _, src := setup(t, srv.URL, natoTopic())
	dir := publish.PublicDir(r.Config().DataDir)
	// A directory where all.rss goes makes its write fail, even as root.
	blocker := filepath.Join(dir, "all.rss", "x")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	rep := r.Sources(ctx, []config.Source{src}, true)
	feeds, err := r.Publish(ctx, rep.Changed)
	if err == nil || !strings.Contains(err.Error(), "all.rss") {
		t.Fatalf("Publish: %v", err)
	}
	if len(feeds) != 1 || feeds[0].Slug != "nato" {
		t.Errorf("published %+v, want nato only", feeds)
	}
	// The source is unchanged, but all is still to publish.
	rep = r.Sources(ctx, []config.Source{src}, true)
	if !rep.Outcomes[0].NotModified || !slices.Equal(rep.Changed, []string{"all"}) {
		t.Fatalf("second refresh: %+v, changed %v", rep.Outcomes[0], rep.Changed)
	}
	os.RemoveAll(filepath.Join(dir, "all.rss"))
	if feeds, err := r.Publish(ctx, rep.Changed); err != nil || len(feeds) != 1 {
		t.Fatalf("Publish after the repair: %v %+v", err, feeds)
	}
	if _, err := os.Stat(filepath.Join(dir, "all.rss")); err != nil {
		t.Error(err)
	}
	if rep = r.Sources(ctx, []config.Source{src}, true); len(rep.Changed) != 0 {
		t.Errorf("third refresh: changed %v", rep.Changed)
	}
}

// TestStoppingFinishesWrites: when the context ends (the daemon stops),
// a publication still writes every feed, and a fetch cut short is not
// counted as a failure of the source.
func TestStoppingFinishesWrites(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			<-r.Context().Done()
			return
		}
		w.Write([]byte(feedXML))
	}))
	defer srv.Close()
	r, st, src := setup(t, srv.URL, natoTopic())
	rep := r.Sources(ctx, []config.Source{src}, true)
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	feeds, err := r.Publish(stopped, rep.Changed)
	if err != nil || len(feeds) != 2 {
		t.Fatalf("Publish after the context ended: %v, %d feeds", err, len(feeds))
	}
	for _, name := range []string{"all.rss", "nato.json"} {
		if _, err := os.Stat(filepath.Join(publish.PublicDir(r.Config().DataDir), name)); err != nil {
			t.Error(err)
		}
	}

	hang := config.Source{Name: "hang", URL: srv.URL + "/hang"}
	stopping, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if out := r.Source(stopping, hang, true); out.Err == nil {
		t.Fatal("no error for an interrupted fetch")
	}
	if s, _ := st.Source(ctx, "hang"); s.Failures != 0 || !s.NextAttempt.IsZero() {
		t.Errorf("an interrupted fetch counted as a failure: %+v", s)
	}
}
