package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/refeed/refeed/store"
)

// proc is a refeed process started by a test.
type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

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

// startRefeed starts the refeed binary with args, as startProc does.
func startRefeed(t *testing.T, args ...string) *proc {
	t.Helper()
	return startProc(t, exec.Command(refeedBin, args...))
}

// startProc starts cmd, a refeed process, killed at the end of the test;
// its log is shown when the test failed.
func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	if err := watchRepository(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("refeed's log:\n%s", p.stderr.String())
		}
	})
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// eventually retries f until it returns nil or the time is up.
func eventually(t *testing.T, within time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countingFeed serves an RSS feed that gains an item on every request.
type countingFeed struct {
	*httptest.Server
	hits atomic.Int32
}

func newCountingFeed(t *testing.T, name string) *countingFeed {
	cf := &countingFeed{}
	cf.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cf.hits.Add(1)
		var items strings.Builder
		for i := int32(1); i <= n; i++ {
			fmt.Fprintf(&items, "<item><title>%s story %d about NATO</title><link>https://%s.example/%d</link><guid>https://%s.example/%d</guid></item>", name, i, name, i, name, i)
		}
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link><description>d</description>%s</channel></rss>`, name, name, items.String())
	}))
	t.Cleanup(cf.Close)
	return cf
}

func get(url string, header ...string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

const daemonConfig = `listen: %q
base_url: http://%s
sources:
  - name: fast
    url: %s
    schedule: "@every 1s"
  - name: slow
    url: %s
    schedule: "@every 2s"
  - name: broken
    url: %s/missing
    schedule: "@every 1h"
topics:
  - name: NATO
    match:
      any: [nato]
%s`

// TestRunServesAndReloads starts a real 'refeed run': two sources on
// different schedules both refresh; feeds are served with ETag, 304 and
// gzip; /healthz reports the failing source; SIGHUP adds a topic, an
// invalid file is refused while the feeds stay; SIGTERM stops it cleanly.
func TestRunServesAndReloads(t *testing.T) {
	fast, slow := newCountingFeed(t, "fast"), newCountingFeed(t, "slow")
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	addr := freeAddr(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeCfg := func(extra string) {
		if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(daemonConfig, addr, addr, fast.URL, slow.URL, missing.URL, extra)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg("")
	p := startRefeed(t, "run", "-config", cfgPath)
	base := "http://" + addr

	// Both sources refresh on their own schedules.
	eventually(t, 8*time.Second, "both sources refresh repeatedly", func() error {
		if fast.hits.Load() < 3 || slow.hits.Load() < 2 {
			return fmt.Errorf("fast fetched %d times, slow %d", fast.hits.Load(), slow.hits.Load())
		}
		return nil
	})
	eventually(t, 5*time.Second, "the all feed carries items of both", func() error {
		_, body, err := get(base + "/all.rss")
		if err != nil {
			return err
		}
		if !bytes.Contains(body, []byte("fast story 2")) || !bytes.Contains(body, []byte("slow story 2")) {
			return fmt.Errorf("all.rss: %.200s", body)
		}
		return nil
	})

	// Conditional requests and gzip.
	resp, body, err := get(base + "/nato.atom")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /nato.atom: %v %v", resp, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	etag := resp.Header.Get("ETag")
	resp, _, err = get(base+"/nato.atom", "If-None-Match", etag)
	if err != nil || resp.StatusCode != http.StatusNotModified {
		// The feed may have changed between the two requests: fetch again.
		resp, body, _ = get(base + "/nato.atom")
		etag = resp.Header.Get("ETag")
		resp, _, err = get(base+"/nato.atom", "If-None-Match", etag)
		if err != nil || resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: %v %v", etag, resp.Status, err)
		}
	}
	resp, gz, err := get(base+"/slow.json", "Accept-Encoding", "gzip")
	if err == nil && resp.StatusCode == 404 {
		resp, gz, err = get(base+"/all.json", "Accept-Encoding", "gzip")
	}
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v %v", resp.Header, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var jf struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(zr).Decode(&jf); err != nil || jf.Version != "https://jsonfeed.org/version/1.1" {
		t.Errorf("gzip body: %v %q", err, jf.Version)
	}
	_ = body

	// /healthz names the failing source.
	resp, hb, _ := get(base + "/healthz")
	if resp.StatusCode != 200 || !bytes.Contains(hb, []byte(`"broken"`)) || !bytes.Contains(hb, []byte("404")) {
		t.Errorf("healthz %d: %s", resp.StatusCode, hb)
	}

	// SIGHUP with a new topic: its feed appears.
	writeCfg("  - name: Stories\n    match:\n      any: [story]\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, 5*time.Second, "the new topic's feed appears", func() error {
		resp, body, err := get(base + "/stories.rss")
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<item>")) {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	// An invalid file is refused; the running feeds stay.
	os.WriteFile(cfgPath, []byte("sources: [oops\n"), 0o644)
	p.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, 5*time.Second, "the invalid configuration is logged", func() error {
		if !strings.Contains(p.stderr.String(), "invalid configuration") {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	for _, path := range []string{"/stories.rss", "/nato.rss", "/all.atom"} {
		if resp, _, err := get(base + path); err != nil || resp.StatusCode != 200 {
			t.Errorf("after an invalid reload, %s: %v %v", path, resp, err)
		}
	}

	// The index lists every feed; the OPML too.
	_, index, _ := get(base + "/")
	for _, slug := range []string{"all", "nato", "stories"} {
		if !bytes.Contains(index, []byte(`href="`+base+"/"+slug+`.rss"`)) {
			t.Errorf("index lacks %s", slug)
		}
	}
	_, opml, _ := get(base + "/opml")
	var o struct {
		Outlines []struct {
			XMLURL string `xml:"xmlUrl,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(opml, &o); err != nil || len(o.Outlines) != 3 {
		t.Errorf("opml: %v, %d outlines", err, len(o.Outlines))
	}

	// SIGTERM: exit 0 within 10 s, and the store opens cleanly.
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("refeed did not stop within 10 s of SIGTERM")
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	openChecked(t, dir)
}

func TestRunBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("nonsense: 1\n"), 0o644)
	p := startRefeed(t, "run", "-config", cfg)
	err := <-p.done
	p.done <- err
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("exit %v, want status 2", err)
	}
	if !strings.Contains(p.stderr.String(), cfg+":1:1:") {
		t.Errorf("stderr: %s", p.stderr.String())
	}
}

// TestNewsboatReadsServedFeeds subscribes newsboat, a real feed reader, to
// every feed a running refeed serves: it reads every item.
func TestNewsboatReadsServedFeeds(t *testing.T) {
	if _, err := exec.LookPath("newsboat"); err != nil {
		skipOrFail(t, "newsboat is not installed")
	}
	example, err := filepath.Abs(filepath.Join("..", "examples", "offline"))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	orig, err := os.ReadFile(filepath.Join(example, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(orig), `listen: ""`, fmt.Sprintf("listen: %q\nbase_url: http://%s", addr, addr), 1)
	text = strings.Replace(text, "url: sample.rss", "url: "+filepath.Join(example, "sample.rss"), 1)
	os.WriteFile(cfg, []byte(text), 0o644)
	startRefeed(t, "run", "-config", cfg)
	base := "http://" + addr
	want := map[string]int{"all": 4, "nato-korea": 2, "klima": 1}
	eventually(t, 8*time.Second, "feeds served", func() error {
		_, body, err := get(base + "/all.rss")
		if err != nil {
			return err
		}
		if n := bytes.Count(body, []byte("<item>")); n != want["all"] {
			return fmt.Errorf("all.rss has %d items", n)
		}
		return nil
	})
	for slug, n := range want {
		for _, ext := range []string{".rss", ".atom"} {
			urls := filepath.Join(dir, "urls-"+slug+ext)
			os.WriteFile(urls, []byte(base+"/"+slug+ext+"\n"), 0o644)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			out, err := exec.CommandContext(ctx, "newsboat", "-u", urls, "-c", filepath.Join(dir, slug+ext+".db"), "-C", os.DevNull, "-x", "reload", "print-unread").CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("newsboat %s%s: %v\n%s", slug, ext, err, out)
			}
			if got := strings.TrimSpace(string(out)); got != fmt.Sprintf("%d unread articles", n) {
				t.Errorf("newsboat %s%s: %q, want %d unread articles", slug, ext, got, n)
			}
		}
	}
}

// openChecked opens the store of a refeed whose configuration is in dir,
// checks its integrity and closes it at the end of the test.
func openChecked(t *testing.T, dir string) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(dir, "data", store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var ok string
	if err := st.DB().QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %q %v", ok, err)
	}
	return st
}

// TestNewsboatOneCacheEveryFeed subscribes one newsboat, with one cache, to
// every feed listed in refeed's own OPML: newsboat keys items by id across
// subscriptions, and every feed must still show every one of its items.
func TestNewsboatOneCacheEveryFeed(t *testing.T) {
	if _, err := exec.LookPath("newsboat"); err != nil {
		skipOrFail(t, "newsboat is not installed")
	}
	example, err := filepath.Abs(filepath.Join("..", "examples", "offline"))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	orig, err := os.ReadFile(filepath.Join(example, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(orig), `listen: ""`, fmt.Sprintf("listen: %q\nbase_url: http://%s", addr, addr), 1)
	text = strings.Replace(text, "url: sample.rss", "url: "+filepath.Join(example, "sample.rss"), 1)
	os.WriteFile(cfg, []byte(text), 0o644)
	startRefeed(t, "run", "-config", cfg)
	base := "http://" + addr
	want := map[string]int{base + "/all.rss": 4, base + "/nato-korea.rss": 2, base + "/klima.rss": 1}
	eventually(t, 8*time.Second, "feeds served", func() error {
		_, body, err := get(base + "/all.rss")
		if err != nil {
			return err
		}
		if n := bytes.Count(body, []byte("<item>")); n != 4 {
			return fmt.Errorf("all.rss has %d items", n)
		}
		return nil
	})
	_, opml, err := get(base + "/opml")
	if err != nil {
		t.Fatal(err)
	}
	opmlFile := filepath.Join(dir, "refeed.opml")
	os.WriteFile(opmlFile, opml, 0o644)
	urls := filepath.Join(dir, "urls")
	cache := filepath.Join(dir, "cache.db")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "newsboat", "-i", opmlFile, "-u", urls, "-c", cache, "-C", os.DevNull).CombinedOutput(); err != nil {
		t.Fatalf("newsboat -i: %v\n%s", err, out)
	}
	if out, err := exec.CommandContext(ctx, "newsboat", "-u", urls, "-c", cache, "-C", os.DevNull, "-x", "reload").CombinedOutput(); err != nil {
		t.Fatalf("newsboat reload: %v\n%s", err, out)
	}
	// The store's SQLite driver reads newsboat's cache.
	db, err := sql.Open("sqlite", "file:"+cache+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT feedurl, count(*) FROM rss_item GROUP BY feedurl")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var u string
		var n int
		if err := rows.Scan(&u, &n); err != nil {
			t.Fatal(err)
		}
		got[u] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for u, n := range want {
		if got[u] != n {
			t.Errorf("newsboat shows %d items of %s, want %d (all counts: %v)", got[u], u, n, got)
		}
	}
}

// TestVerboseLogsUnchangedSources runs 'refeed once -v' twice: at the
// second run one source answers 304 and another sends the same body again,
// and each gets one debug line saying it is unchanged, with the status.
func TestVerboseLogsUnchangedSources(t *testing.T) {
	body, _ := seedFeed(t)
	etagged := newFeedServer(t, body)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, body)
	}))
	t.Cleanup(plain.Close)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+etagged.URL+"/feed\n  - name: plain\n    url: "+plain.URL+"/feed\n")
	if code, _, stderr := runCmd(t, "once", "-v", "-config", cfg); code != 0 {
		t.Fatalf("first once: exit %d\n%s", code, stderr)
	}
	code, _, stderr := runCmd(t, "once", "-v", "-config", cfg)
	if code != 0 {
		t.Fatalf("second once: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"level=DEBUG msg=\"source unchanged\" source=taz status=304 reason=\"not modified\"",
		"level=DEBUG msg=\"source unchanged\" source=plain status=200 reason=\"same body\"",
	} {
		if n := strings.Count(stderr, want); n != 1 {
			t.Errorf("%d lines %s, want 1; log:\n%s", n, want, stderr)
		}
	}
}
