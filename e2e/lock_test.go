package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOneInstancePerDataDir: while a 'refeed run' uses a data directory, a
// second 'refeed once' or 'refeed run' on it exits with status 1 and a
// message naming the first one's process id, before it fetches anything;
// once the first has stopped, the next one runs.
func TestOneInstancePerDataDir(t *testing.T) {
	feed := newCountingFeed(t, "solo")
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf("listen: %q\nbase_url: http://%s\nsources:\n  - name: solo\n    url: %s\n    schedule: \"@every 1h\"\n", addr, addr, feed.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	first := startRefeed(t, "run", "-config", cfgPath)
	eventually(t, 10*time.Second, "the first instance refreshes", func() error {
		if feed.hits.Load() < 1 {
			return fmt.Errorf("no fetch yet")
		}
		return nil
	})
	hits := feed.hits.Load()
	pid := "process " + strconv.Itoa(first.cmd.Process.Pid) + " holds " + filepath.Join(dir, "data", "refeed.lock")
	for _, cmd := range []string{"once", "run"} {
		code, _, stderr := runCmd(t, cmd, "-config", cfgPath)
		if code != 1 || !strings.Contains(stderr, "another refeed uses this data directory") || !strings.Contains(stderr, pid) {
			t.Errorf("refeed %s beside a running one: status %d, log:\n%s\nwant status 1 and %q", cmd, code, stderr, pid)
		}
	}
	if n := feed.hits.Load(); n != hits {
		t.Errorf("the refused instances fetched the source %d times", n-hits)
	}
	first.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-first.done; err != nil {
		t.Fatalf("the first instance: %v\n%s", err, first.stderr.String())
	}
	first.done <- nil // for the cleanup
	if code, _, stderr := runCmd(t, "once", "-config", cfgPath); code != 0 {
		t.Errorf("refeed once after the first stopped: status %d\n%s", code, stderr)
	}
}
