package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunAdminListen: with admin_listen, a real 'refeed run' serves the
// feeds on listen and /healthz and /metrics on admin_listen only.
func TestRunAdminListen(t *testing.T) {
	feed := newCountingFeed(t, "solo")
	dir := t.TempDir()
	addr, admin := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf("listen: %q\nadmin_listen: %q\nbase_url: http://%s\nsources:\n  - name: solo\n    url: %s\n    schedule: \"@every 1h\"\n", addr, admin, addr, feed.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startRefeed(t, "run", "-config", cfgPath)
	eventually(t, 10*time.Second, "the admin address answers", func() error {
		resp, b, err := get("http://" + admin + "/healthz")
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"solo"`) {
			return fmt.Errorf("%d %s", resp.StatusCode, b)
		}
		return nil
	})
	for _, tc := range []struct {
		url  string
		want int
	}{
		{"http://" + addr + "/all.rss", 200},
		{"http://" + addr + "/", 200},
		{"http://" + addr + "/healthz", 404},
		{"http://" + addr + "/metrics", 404},
		{"http://" + admin + "/metrics", 200},
		{"http://" + admin + "/all.rss", 404},
		{"http://" + admin + "/", 404},
	} {
		resp, _, err := get(tc.url)
		if err != nil || resp.StatusCode != tc.want {
			t.Errorf("GET %s: %v %v, want %d", tc.url, resp, err, tc.want)
		}
	}
	if !strings.Contains(p.stderr.String(), `msg="serving /healthz and /metrics" addr=`+admin) {
		t.Errorf("the log does not name the admin address:\n%s", p.stderr.String())
	}
}
