package schedule

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestJobsRunSkipAndRecover(t *testing.T) {
	var logs syncBuffer
	s := New(slog.New(slog.NewTextHandler(&logs, nil)))
	var fast, slow, panics atomic.Int32
	var concurrent, peak atomic.Int32
	err := s.Set([]Job{
		{Name: "fast", Spec: "@every 1s", Run: func() { fast.Add(1) }},
		{Name: "slow", Spec: "@every 1s", Run: func() {
			n := concurrent.Add(1)
			if n > peak.Load() {
				peak.Store(n)
			}
			slow.Add(1)
			time.Sleep(1500 * time.Millisecond)
			concurrent.Add(-1)
		}},
		{Name: "panicky", Spec: "@every 1s", Run: func() { panics.Add(1); panic("boom") }},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if next := s.Next("fast"); next.IsZero() || time.Until(next) > 2*time.Second {
		t.Errorf("Next(fast) = %v", next)
	}
	time.Sleep(2300 * time.Millisecond)
	s.Stop()
	if fast.Load() < 2 {
		t.Errorf("fast ran %d times in 2.3 s", fast.Load())
	}
	if peak.Load() != 1 {
		t.Errorf("slow ran %d at once", peak.Load())
	}
	if slow.Load() > 2 {
		t.Errorf("slow started %d times in 2.3 s although each run takes 1.5 s", slow.Load())
	}
	if panics.Load() < 2 {
		t.Errorf("a panicking job ran %d times: the panic was not recovered", panics.Load())
	}
	for _, want := range []string{"job panicked", "boom", "skipped: still running"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestSetRejectsBadSpecs(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler))
	for _, spec := range []string{"61 * * * *", "TZ=", "CRON_TZ=Nowhere/City * * * * *", "@every 1ms"} {
		if err := s.Set([]Job{{Name: "x", Spec: spec, Run: func() {}}}); err == nil {
			t.Errorf("Set accepted %q", spec)
		}
	}
}

func TestSetReplacesJobs(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler))
	s.Set([]Job{{Name: "a", Spec: "@hourly", Run: func() {}}})
	s.Set([]Job{{Name: "b", Spec: "*/5 * * * *", Run: func() {}}})
	if !s.Next("a").IsZero() {
		t.Error("job a still scheduled after Set without it")
	}
	s.Start()
	defer s.Stop()
	if s.Next("b").IsZero() {
		t.Error("job b not scheduled")
	}
}

func TestInterval(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 7, 0, 0, time.UTC)
	for spec, want := range map[string]time.Duration{
		"*/15 * * * *":                    15 * time.Minute,
		"@every 10m":                      10 * time.Minute,
		"@hourly":                         time.Hour,
		"CRON_TZ=Europe/Berlin 0 6 * * *": 24 * time.Hour,
		"bogus":                           0,
	} {
		if got := Interval(spec, at); got != want {
			t.Errorf("Interval(%q) = %v, want %v", spec, got, want)
		}
	}
}

// TestTriggerWhileRunningRunsOnceMore: a job triggered while it runs runs
// once more when that run returns, however often it was triggered
// meanwhile, never beside it.
func TestTriggerWhileRunningRunsOnceMore(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler))
	release := make(chan struct{})
	started := make(chan string, 10)
	var concurrent, peak atomic.Int32
	job := func(label string) Job {
		return Job{Name: "src", Spec: "@every 1h", Run: func() {
			if n := concurrent.Add(1); n > peak.Load() {
				peak.Store(n)
			}
			started <- label
			<-release
			concurrent.Add(-1)
		}}
	}
	s.Trigger(job("first"))
	if got := <-started; got != "first" {
		t.Fatalf("ran %q", got)
	}
	s.Trigger(job("second"))
	s.Trigger(job("third"))
	time.Sleep(50 * time.Millisecond) // let both triggers find it running
	release <- struct{}{}
	if got := <-started; got != "second" && got != "third" {
		t.Errorf("after the run, %q ran, want one of those triggered meanwhile", got)
	}
	release <- struct{}{}
	s.Stop()
	select {
	case got := <-started:
		t.Errorf("%q ran too", got)
	default:
	}
	if peak.Load() != 1 {
		t.Errorf("%d runs at once", peak.Load())
	}
}
