// Package schedule runs named jobs on cron schedules (robfig/cron): a job
// still running when its time comes again is skipped, not doubled, and a
// job that panics is logged and recovered, never taking the process down.
package schedule

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/refeed/refeed/config"
)

// A Job is a named function run on a cron spec.
type Job struct {
	Name string
	Spec string
	Run  func()
}

// A Scheduler runs jobs. It is safe for concurrent use.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	wg   sync.WaitGroup

	mu      sync.Mutex
	ids     map[string]cron.EntryID
	running map[string]bool
	again   map[string]Job // triggered while running: run once more after
}

// New returns a stopped scheduler.
func New(log *slog.Logger) *Scheduler {
	return &Scheduler{
		cron:    cron.New(cron.WithParser(parser{}), cron.WithLogger(cronLogger{log})),
		log:     log,
		ids:     map[string]cron.EntryID{},
		running: map[string]bool{},
		again:   map[string]Job{},
	}
}

// parser parses specs with config.ParseSchedule, which never panics.
type parser struct{}

func (parser) Parse(spec string) (cron.Schedule, error) { return config.ParseSchedule(spec) }

// Set replaces every job by jobs. A job that is running keeps running; its
// name stays guarded, so the new job of the same name is not run beside it.
func (s *Scheduler) Set(jobs []Job) error {
	scheds := make([]cron.Schedule, len(jobs))
	for i, j := range jobs {
		sc, err := config.ParseSchedule(j.Spec)
		if err != nil {
			return fmt.Errorf("schedule %s: %q: %w", j.Name, j.Spec, err)
		}
		scheds[i] = sc
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, id := range s.ids {
		s.cron.Remove(id)
		delete(s.ids, name)
	}
	for i, j := range jobs {
		s.ids[j.Name] = s.cron.Schedule(scheds[i], cron.FuncJob(s.guard(j)))
	}
	return nil
}

// Trigger runs the named job now, in the background. When a job of that
// name is running, j runs once more as soon as it returns (however often
// it was triggered meanwhile), so that what changed since that run began
// (the configuration, say) is not missed.
func (s *Scheduler) Trigger(j Job) { go s.run(j, true) }

// guard wraps a scheduled job: skipped while a job of the same name runs,
// and recovered when it panics.
func (s *Scheduler) guard(j Job) func() { return func() { s.run(j, false) } }

// run runs j unless a job of its name is running: then a triggered run
// waits for that one to return (see Trigger), and a scheduled one is
// skipped.
func (s *Scheduler) run(j Job, triggered bool) {
	s.mu.Lock()
	if s.running[j.Name] {
		if triggered {
			s.again[j.Name] = j
		}
		s.mu.Unlock()
		s.log.Info("skipped: still running", "job", j.Name, "runs_after", triggered)
		return
	}
	s.running[j.Name] = true
	s.wg.Add(1)
	s.mu.Unlock()
	for {
		s.call(j)
		s.mu.Lock()
		next, again := s.again[j.Name]
		delete(s.again, j.Name)
		if !again {
			delete(s.running, j.Name)
			s.mu.Unlock()
			s.wg.Done()
			return
		}
		s.mu.Unlock()
		j = next
	}
}

// call runs j, recovering a panic.
func (s *Scheduler) call(j Job) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("job panicked", "job", j.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	j.Run()
}

// Next returns when the named job runs next, or the zero time.
func (s *Scheduler) Next(name string) time.Time {
	s.mu.Lock()
	id, ok := s.ids[name]
	s.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// Start starts running jobs on their schedules.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling and waits for the running jobs (scheduled or
// triggered) to return.
func (s *Scheduler) Stop() {
	<-s.cron.Stop().Done()
	s.wg.Wait()
}

// Interval returns the time between the next two runs of spec after t, or
// 0 for an invalid spec.
func Interval(spec string, t time.Time) time.Duration {
	sc, err := config.ParseSchedule(spec)
	if err != nil {
		return 0
	}
	next := sc.Next(t)
	return sc.Next(next).Sub(next)
}

// cronLogger adapts slog to robfig/cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
