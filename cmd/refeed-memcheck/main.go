// Command refeed-memcheck measures refeed's peak memory against hostile
// sources.
//
// It serves every hostile case of refeed/fetch/fetchtest (gzip bomb,
// endless and dripping bodies, a redirect loop, 500 and 429, an HTML page,
// truncated XML, billion laughs, 100,000 nested elements, namespace and
// element floods, one item of 50 MB, a feed of 100,000 items) and one good
// source, each on its own loopback server, and runs what 'refeed once'
// runs in a child process: once while every source serves a good feed,
// then again with the hostile ones hostile. It reports the child's peak
// resident set (getrusage maxrss) and peak Go heap, first with every case
// at once, then (with -each) with each case alone beside the good source.
//
// Usage:
//
//	go run ./cmd/refeed-memcheck [-max-body 5MiB] [-timeout 2s] [-each]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch/fetchtest"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
)

func main() {
	child := flag.String("child", "", "internal: run 'refeed once' with this configuration and report")
	maxBody := flag.String("max-body", "5MiB", "fetch.max_body")
	timeout := flag.Duration("timeout", 2*time.Second, "fetch.timeout")
	each := flag.Bool("each", false, "also measure each hostile case alone")
	flag.Parse()
	if *child != "" {
		os.Exit(runChild(*child))
	}
	if err := run(*maxBody, *timeout, *each); err != nil {
		fmt.Fprintln(os.Stderr, "refeed-memcheck:", err)
		os.Exit(1)
	}
}

// measurement is what a child reports.
type measurement struct {
	maxRSS   int64 // bytes
	heapPeak uint64
	took     time.Duration
	status   string
}

func run(maxBody string, timeout time.Duration, each bool) error {
	good := fetchtest.NewServer(fetchtest.Case{Name: "good"})
	defer good.Close()
	var servers []*fetchtest.Server
	for _, c := range fetchtest.Cases() {
		s := fetchtest.NewServer(c)
		defer s.Close()
		servers = append(servers, s)
	}
	fmt.Printf("refeed-memcheck: %d hostile sources and a good one; max_body %s, timeout %v, %s %s/%s, %d CPUs\n\n",
		len(servers), maxBody, timeout, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("%-16s %14s %14s %10s  %s\n", "hostile sources", "peak RSS", "peak Go heap", "took", "result")

	measure := func(label string, set []*fetchtest.Server) error {
		dir, err := os.MkdirTemp("", "refeed-memcheck-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg, err := writeConfig(dir, maxBody, timeout, good, set)
		if err != nil {
			return err
		}
		for _, s := range set {
			s.SetHostile(false)
		}
		if _, err := runOnce(cfg); err != nil {
			return fmt.Errorf("%s, good round: %w", label, err)
		}
		for _, s := range set {
			s.SetHostile(true)
		}
		m, err := runOnce(cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		fmt.Printf("%-16s %11.1f MiB %11.1f MiB %10v  %s\n", label, float64(m.maxRSS)/(1<<20), float64(m.heapPeak)/(1<<20), m.took.Round(time.Millisecond), m.status)
		return nil
	}
	if err := measure("none", nil); err != nil {
		return err
	}
	if err := measure("all at once", servers); err != nil {
		return err
	}
	if each {
		for _, s := range servers {
			if err := measure(s.Case.Name, []*fetchtest.Server{s}); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeConfig(dir, maxBody string, timeout time.Duration, good *fetchtest.Server, set []*fetchtest.Server) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: \"\"\nbase_url: http://feeds.example\nfetch:\n  timeout: %s\n  max_body: %s\n  concurrency: 32\n  per_host: 32\nretention:\n  max_items: 5000\nsources:\n", timeout, maxBody)
	fmt.Fprintf(&b, "  - name: good\n    url: %s\n", good.URL)
	for _, s := range set {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s/feed\n", s.Case.Name, s.URL)
	}
	b.WriteString("topics:\n  - name: Items\n    match:\n      any: [item]\n")
	path := filepath.Join(dir, "config.yaml")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// runOnce runs a child 'refeed once' and returns what it measured.
func runOnce(cfg string) (measurement, error) {
	self, err := os.Executable()
	if err != nil {
		return measurement{}, err
	}
	cmd := exec.Command(self, "-child", cfg)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	m := measurement{took: time.Since(start)}
	if err != nil {
		return m, fmt.Errorf("child: %v", err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	if _, err := fmt.Sscanf(string(out), "%d %q", &m.heapPeak, &m.status); err != nil {
		return m, fmt.Errorf("child said %q: %v", out, err)
	}
	return m, nil
}

// runChild does what 'refeed once' does, sampling the Go heap, and prints
// the peak heap and a summary.
func runChild(cfgPath string) int {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	status, err := once(cfgPath)
	close(stop)
	<-done
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%d %q\n", peak.Load(), status)
	return 0
}

func once(cfgPath string) (string, error) {
	cfg, err := config.Load(cfgPath, config.Options{KnownRules: clean.PackNames()})
	if err != nil {
		return "", err
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		return "", err
	}
	defer st.Close()
	r, err := refresh.New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", err
	}
	rep, err := r.Once(context.Background())
	if err != nil {
		return "", err
	}
	n, err := st.Count(context.Background(), config.AllFeed)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d of %d sources failed, %d items published", len(rep.Failed()), len(rep.Outcomes), n), nil
}
