package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// secrets are what the source URLs of TestNoSecretInAnyOutput hold.
var secrets = []string{"alice", "S3cretPw0rd", "TOPSECRETTOKEN42", "bob", "An0therPw", "KEYKEYKEY99"}

// leaks returns the secrets found in b.
func leaks(b []byte) []string {
	var out []string
	for _, s := range secrets {
		if strings.Contains(string(b), s) {
			out = append(out, s)
		}
	}
	return out
}

// TestNoSecretInAnyOutput: the password and token of a private source's
// URL reach no output: no published feed (files and HTTP, three formats),
// index page, OPML, /healthz, /metrics, log line (also with -v, also of a
// failing private source) or preview output. An item names its private
// source by the feed's own site link.
func TestNoSecretInAnyOutput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "S3cretPw0rd" || r.URL.Query().Get("token") != "TOPSECRETTOKEN42" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Private news</title><link>https://private.example/</link><description>d</description>
<item><title>NATO summit, members only</title><link>https://private.example/1</link><guid>https://private.example/1</guid><description>Text</description></item>
</channel></rss>`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	private := "http://alice:S3cretPw0rd@" + host + "/feed.xml?token=TOPSECRETTOKEN42"
	failing := "http://bob:An0therPw@" + host + "/missing?api_key=KEYKEYKEY99&lang=de"
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`listen: %q
base_url: http://%s
sources:
  - name: private
    url: %s
    schedule: "@every 1h"
  - name: failing
    url: %s
    schedule: "@every 1h"
topics:
  - name: NATO
    match:
      any: [nato]
`, addr, addr, private, failing)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(what string, b []byte) {
		t.Helper()
		if l := leaks(b); len(l) > 0 {
			t.Errorf("%s carries %v:\n%.2000s", what, l, b)
		}
	}

	code, stdout, stderr := runCmd(t, "once", "-v", "-config", cfgPath)
	if code != 1 || !strings.Contains(stderr, "/missing?lang=de") {
		t.Errorf("once: status %d (want 1: a source failed), log:\n%s", code, stderr)
	}
	check("once's output", []byte(stdout+stderr))
	public := filepath.Join(dir, "data", "public")
	files, _ := filepath.Glob(filepath.Join(public, "*"))
	if len(files) != 6 {
		t.Fatalf("published %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(filepath.Base(f), b)
		if !strings.Contains(string(b), "https://private.example/") || !strings.Contains(string(b), "NATO summit") {
			t.Errorf("%s does not name the source by its site link:\n%s", filepath.Base(f), b)
		}
	}

	for _, args := range [][]string{{"preview"}, {"preview", "-format", "rss"}, {"preview", "-format", "atom"}, {"preview", "-format", "json"}, {"preview", "-diff"}} {
		code, stdout, stderr := runCmd(t, append(append(args, "-v", "-config", cfgPath), "private")...)
		if code != 0 || !strings.Contains(stdout, "NATO summit") {
			t.Errorf("%v: status %d\n%s%s", args, code, stdout, stderr)
		}
		check(strings.Join(args, " "), []byte(stdout+stderr))
	}
	code, stdout, stderr = runCmd(t, "preview", "-config", cfgPath, "failing")
	if code != 1 {
		t.Errorf("preview of the failing source: status %d", code)
	}
	check("preview of the failing source", []byte(stdout+stderr))

	p := startRefeed(t, "run", "-v", "-config", cfgPath)
	base := "http://" + addr
	eventually(t, 10*time.Second, "healthz shows both sources tried", func() error {
		_, b, err := get(base + "/healthz")
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "status 404") || strings.Count(string(b), `"last_attempt"`) < 2 {
			return fmt.Errorf("%s", b)
		}
		return nil
	})
	for _, path := range []string{"/healthz", "/metrics", "/", "/opml", "/all.rss", "/all.atom", "/all.json", "/nato.rss", "/nato.atom", "/nato.json"} {
		resp, b, err := get(base + path)
		if err != nil || resp.StatusCode != http.StatusOK && path != "/healthz" {
			t.Errorf("GET %s: %v %v", path, resp, err)
			continue
		}
		check("GET "+path, b)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	p.done <- nil
	check("run's log", []byte(p.stderr.String()))
}
