package e2e

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/fetch/fetchtest"
)

// readOnlyRunner runs refeed processes for which a directory with mode
// 0555 is read-only: as they are when the tests run unprivileged, as
// nobody (uid 65534) when they run as root, whose writes chmod does not
// stop. dir (a fresh test directory) is made reachable and writable for
// that user.
type readOnlyRunner struct {
	bin  string
	cred *syscall.Credential
}

func newReadOnlyRunner(t *testing.T, dir string) *readOnlyRunner {
	t.Helper()
	if os.Geteuid() != 0 {
		probe := filepath.Join(dir, "probe")
		os.Mkdir(probe, 0o555)
		defer os.Remove(probe)
		if f, err := os.Create(filepath.Join(probe, "x")); err == nil {
			f.Close()
			skipOrFail(t, "a directory with mode 0555 is writable here (CAP_DAC_OVERRIDE?)")
		}
		return &readOnlyRunner{bin: refeedBin}
	}
	// As root: refeed runs as nobody, from a copy of the binary it can
	// reach, in dir, which it owns.
	for d := dir; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "refeed")
	in, err := os.Open(refeedBin)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r := &readOnlyRunner{bin: bin, cred: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd := r.command("version")
	if out, err := cmd.CombinedOutput(); err != nil {
		skipOrFail(t, "running as root, and cannot run refeed as nobody to test a read-only directory: %v %s", err, out)
	}
	return r
}

func (r *readOnlyRunner) command(args ...string) *exec.Cmd {
	cmd := exec.Command(r.bin, args...)
	if r.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	}
	return cmd
}

// once runs 'refeed once' and returns its exit status and stderr.
func (r *readOnlyRunner) once(t *testing.T, cfg string) (int, string) {
	t.Helper()
	code, _, stderr := runProcess(t, r.command("once", "-config", cfg))
	return code, stderr
}

// start starts 'refeed run' as startRefeed does.
func (r *readOnlyRunner) start(t *testing.T, cfg string) *proc {
	t.Helper()
	return startProc(t, r.command("run", "-config", cfg))
}

// snapshot returns the content of every file in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func diskConfig(t *testing.T, dir, listen, url string) string {
	t.Helper()
	cfg := filepath.Join(dir, "config.yaml")
	text := fmt.Sprintf("listen: %q\nbase_url: http://feeds.example\nsources:\n  - name: disk\n    url: %s\n    schedule: \"@every 1s\"\n", listen, url)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestOnceReadOnlyPublic: with public/ read-only, 'refeed once' exits 1
// naming the files it could not write, and leaves the previous files as
// they were, without temporary files; once public/ is writable again, the
// next run publishes.
func TestOnceReadOnlyPublic(t *testing.T) {
	dir := t.TempDir()
	r := newReadOnlyRunner(t, dir)
	srv := fetchtest.NewServer(fetchtest.Case{Name: "disk"})
	defer srv.Close()
	cfg := diskConfig(t, dir, "", srv.URL)
	public := filepath.Join(dir, "data", "public")
	if code, stderr := r.once(t, cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	before := snapshot(t, public)
	if len(before) != 3 || !strings.Contains(before["all.rss"], "disk item 2") {
		t.Fatalf("first run wrote %v", slices.Sorted(maps.Keys(before)))
	}

	srv.SetGood(fetchtest.GoodFeed("disk", 1, 3))
	if err := os.Chmod(public, 0o555); err != nil {
		t.Fatal(err)
	}
	code, stderr := r.once(t, cfg)
	if code != 1 || !strings.Contains(stderr, "publishing failed") || !strings.Contains(stderr, "permission denied") || !strings.Contains(stderr, filepath.Join(public, "all.rss")) {
		t.Errorf("read-only public/: exit %d\n%s", code, stderr)
	}
	if after := snapshot(t, public); !maps.Equal(before, after) {
		t.Errorf("the previous files changed: %v", slices.Sorted(maps.Keys(after)))
	}

	if err := os.Chmod(public, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, stderr := r.once(t, cfg); code != 0 {
		t.Fatalf("writable again: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(public, "all.rss")); !bytes.Contains(b, []byte("disk item 3")) {
		t.Error("writable again: all.rss lacks the new item")
	}
}

// TestRunReadOnlyPublic: a running refeed whose public/ becomes read-only
// logs the failed publication, keeps the previous files and keeps serving;
// once public/ is writable again, the next refresh writes the feeds
// although the source has not changed since.
func TestRunReadOnlyPublic(t *testing.T) {
	dir := t.TempDir()
	r := newReadOnlyRunner(t, dir)
	srv := fetchtest.NewServer(fetchtest.Case{Name: "disk"})
	defer srv.Close()
	addr := freeAddr(t)
	cfg := diskConfig(t, dir, addr, srv.URL)
	public := filepath.Join(dir, "data", "public")
	p := r.start(t, cfg)
	// Every file written, and none being written (a temporary file).
	eventually(t, 5*time.Second, "the feeds are written", func() error {
		entries, _ := os.ReadDir(public)
		n := 0
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				return fmt.Errorf("%s is being written", e.Name())
			}
			if b, _ := os.ReadFile(filepath.Join(public, e.Name())); !bytes.Contains(b, []byte("disk item 2")) {
				return fmt.Errorf("%s lacks the item", e.Name())
			}
			n++
		}
		if n < 3 {
			return fmt.Errorf("%d files", n)
		}
		return nil
	})
	before := snapshot(t, public)

	if err := os.Chmod(public, 0o555); err != nil {
		t.Fatal(err)
	}
	srv.SetGood(fetchtest.GoodFeed("disk", 1, 3))
	eventually(t, 5*time.Second, "the failed publication is logged", func() error {
		if log := p.stderr.String(); !strings.Contains(log, `msg="publishing failed"`) || !strings.Contains(log, "permission denied") {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	if after := snapshot(t, public); !maps.Equal(before, after) {
		t.Errorf("the previous files changed: %v", slices.Sorted(maps.Keys(after)))
	}
	if resp, body, err := get("http://" + addr + "/all.rss"); err != nil || resp.StatusCode != 200 || !bytes.Contains(body, []byte("disk item 2")) {
		t.Errorf("serving after the failure: %v %v", resp, err)
	}

	if err := os.Chmod(public, 0o755); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the feeds are written again", func() error {
		b, _ := os.ReadFile(filepath.Join(public, "all.rss"))
		if !bytes.Contains(b, []byte("disk item 3")) {
			return fmt.Errorf("all.rss lacks the new item")
		}
		_, served, err := get("http://" + addr + "/all.rss")
		if err != nil || !bytes.Contains(served, []byte("disk item 3")) {
			return fmt.Errorf("the served all.rss lacks the new item (%v)", err)
		}
		return nil
	})
}
