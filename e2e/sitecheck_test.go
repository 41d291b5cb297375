package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSiteConfigs: refeed check finds site configs in data_dir's
// site_configs by default, prints the lines it cannot use as warnings
// without failing, and with -site-tests fetches their test_url pages.
func TestCheckSiteConfigs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><nav>Menu</nav><article><h1>Title</h1>
<p>The article says what happened, at enough length to be an article of its own.</p></article></body></html>`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: https://taz.de/!p4608;rss/\n")
	sites := filepath.Join(dir, "data", "site_configs")
	if err := os.MkdirAll(sites, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(contains string) {
		t.Helper()
		data := "body: //article\ntitl: //h1\ntest_url: " + srv.URL + "/story\ntest_contains: " + contains + "\n"
		if err := os.WriteFile(filepath.Join(sites, "127.0.0.1.txt"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("enough length to be an article")
	code, out, errOut := runCmd(t, "check", "-config", cfg)
	if want := filepath.Join(sites, "127.0.0.1.txt") + `:2: warning: unknown directive "titl"` + "\n"; code != 0 || out != want {
		t.Errorf("check: exit %d, output %q, want 0 and %q (stderr %s)", code, out, want, errOut)
	}

	code, out, _ = runCmd(t, "check", "-config", cfg, "-site-tests", "-allow-private", "127.0.0.1")
	if code != 0 || !strings.Contains(out, "ok   127.0.0.1.txt:3 "+srv.URL+"/story (body by 127.0.0.1.txt)") || !strings.Contains(out, "1 passed, 0 failed") {
		t.Errorf("site tests: exit %d, output:\n%s", code, out)
	}
	write("words the page does not have")
	code, out, _ = runCmd(t, "check", "-config", cfg, "-site-tests", "-allow-private")
	if code != 1 || !strings.Contains(out, `FAIL 127.0.0.1.txt:3 `+srv.URL+`/story: the article lacks "words the page does not have"`) {
		t.Errorf("failing site test: exit %d, output:\n%s", code, out)
	}
	// Without -allow-private the loopback page is refused.
	if code, out, _ = runCmd(t, "check", "-config", cfg, "-site-tests"); code != 1 || !strings.Contains(out, "not public") {
		t.Errorf("private test page: exit %d, output:\n%s", code, out)
	}
	if code, _, _ = runCmd(t, "check", "-config", cfg, "extra"); code != 2 {
		t.Errorf("arguments without -site-tests: exit %d, want 2", code)
	}
}
