package e2e

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/fetch/fetchtest"
)

// damageFile writes 16 KiB of garbage into the middle of the file at path,
// as a failing disk might.
func damageFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 16<<10)
	rand.Read(garbage)
	if _, err := f.WriteAt(garbage, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// storeFiles returns the content of the store's files, by name (an empty
// WAL, which SQLite may create, counts as none).
func storeFiles(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{"refeed.db", "refeed.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(data, name)); err == nil && len(b) > 0 {
			out[name] = string(b)
		}
	}
	return out
}

// healthz returns the status code and body of /healthz.
func healthz(addr string) (int, string, error) {
	resp, body, err := get("http://" + addr + "/healthz")
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, string(body), nil
}

// stop stops p with SIGTERM and returns its exit error.
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("refeed did not stop")
		return nil
	}
}

// TestDamagedStore: with 16 KiB of garbage in the middle of refeed.db,
// 'refeed once' exits 1 before writing anything, saying how to recover,
// and 'refeed run' writes nothing either: it serves the feeds last
// published in public/, /healthz answers 503 with the reason, and the
// damaged file stays as it was, after refreshes were due and after
// refeed stopped.
func TestDamagedStore(t *testing.T) {
	dir := t.TempDir()
	srv := fetchtest.NewServer(fetchtest.Case{Name: "disk"})
	defer srv.Close()
	addr := freeAddr(t)
	cfg := diskConfig(t, dir, addr, srv.URL)
	data := filepath.Join(dir, "data")
	public := filepath.Join(data, "public")
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	damageFile(t, filepath.Join(data, "refeed.db"))
	files, published := storeFiles(t, data), snapshot(t, public)
	srv.SetGood(fetchtest.GoodFeed("disk", 1, 3))

	code, _, stderr := runCmd(t, "once", "-config", cfg)
	if code != 1 || !strings.Contains(stderr, "is damaged") || !strings.Contains(stderr, ".recover") || strings.Contains(stderr, "refresh done") {
		t.Errorf("once on the damaged store: exit %d\n%s", code, stderr)
	}
	if !maps.Equal(files, storeFiles(t, data)) || !maps.Equal(published, snapshot(t, public)) {
		t.Fatal("once changed the damaged store or public/")
	}

	p := startRefeed(t, "run", "-config", cfg)
	eventually(t, 10*time.Second, "/healthz reports the damage", func() error {
		code, body, err := healthz(addr)
		if err != nil || code != 503 || !strings.Contains(body, `"status": "unavailable"`) || !strings.Contains(body, "is damaged") {
			return fmt.Errorf("%d %s %v", code, body, err)
		}
		return nil
	})
	resp, body, err := get("http://" + addr + "/all.rss")
	if err != nil || resp.StatusCode != 200 || !bytes.Contains(body, []byte("disk item 2")) || bytes.Contains(body, []byte("disk item 3")) {
		t.Errorf("serving the last published feed: %v %v", resp, err)
	}
	if log := p.stderr.String(); !strings.Contains(log, "sqlite3 recovering/refeed.db '.recover --ignore-freelist' | sqlite3 refeed.db") {
		t.Errorf("the log does not say how to recover:\n%s", log)
	}
	// Refreshes are due every second.
	time.Sleep(3 * time.Second)
	if code, _, _ := healthz(addr); code != 503 {
		t.Errorf("/healthz %d later", code)
	}
	if err := p.stop(t); err != nil {
		t.Errorf("stopping: %v", err)
	}
	if !maps.Equal(files, storeFiles(t, data)) {
		t.Error("refeed run changed the damaged store")
	}
	if !maps.Equal(published, snapshot(t, public)) {
		t.Error("refeed run changed public/")
	}
}

// TestRunFullDisk: 'refeed run' started on a full filesystem (a small
// tmpfs, really full) serves the feeds last published, /healthz answers
// 503 with "no space left on device" and the data directory, and once
// there is room again the store opens and refeed runs normally. It needs
// root, to mount the tmpfs; in CI, which runs as root, it must not skip.
func TestRunFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", data).CombinedOutput(); err != nil {
		skipOrFail(t, "cannot mount a tmpfs: %v %s", err, out)
	}
	// After refeed is killed (cleanups run last registered first).
	t.Cleanup(func() {
		if out, err := exec.Command("umount", data).CombinedOutput(); err != nil {
			t.Errorf("umount: %v %s", err, out)
		}
	})
	srv := fetchtest.NewServer(fetchtest.Case{Name: "disk"})
	defer srv.Close()
	addr := freeAddr(t)
	cfg := diskConfig(t, dir, addr, srv.URL)
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	// Fill the filesystem.
	filler, err := os.Create(filepath.Join(data, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for n := 1; n > 0; { // the last bytes
		n, _ = filler.Write(block[:512])
	}
	filler.Close()
	srv.SetGood(fetchtest.GoodFeed("disk", 1, 3))

	p := startRefeed(t, "run", "-config", cfg)
	eventually(t, 10*time.Second, "/healthz reports the full disk", func() error {
		code, body, err := healthz(addr)
		if err != nil || code != 503 || !strings.Contains(body, "no space left on device: "+data) {
			return fmt.Errorf("%d %s %v", code, body, err)
		}
		return nil
	})
	resp, body, err := get("http://" + addr + "/all.rss")
	if err != nil || resp.StatusCode != 200 || !bytes.Contains(body, []byte("disk item 2")) {
		t.Errorf("serving the last published feed: %v %v", resp, err)
	}
	if log := p.stderr.String(); !strings.Contains(log, "no space left on device: "+data) {
		t.Errorf("the log does not say the disk is full:\n%s", log)
	}

	if err := os.Remove(filepath.Join(data, "filler")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the store opens and refeed runs", func() error {
		if code, body, err := healthz(addr); err != nil || code != 200 {
			return fmt.Errorf("/healthz %d %s %v", code, body, err)
		}
		_, body, err := get("http://" + addr + "/all.rss")
		if err != nil || !bytes.Contains(body, []byte("disk item 3")) {
			return fmt.Errorf("all.rss lacks the new item (%v)", err)
		}
		return nil
	})
	if err := p.stop(t); err != nil {
		t.Errorf("stopping: %v", err)
	}
}
