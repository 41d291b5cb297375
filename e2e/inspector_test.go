package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inspectorFeed is the document of the inspector tests' source "news":
// an item with an appeal the rule "appeals" removes, a tracking pixel and
// tracking parameters, and one that a none term keeps out of Klima.
const inspectorFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Morgenpost</title><link>https://news.example/</link><description>d</description>
<item><title>Seoul und Washington warnen Nordkorea</title><link>https://news.example/korea?utm_source=rss&amp;utm_medium=feed</link>
<guid>https://news.example/korea</guid><pubDate>Sat, 01 Mar 2025 10:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>Die Regierungen in Seoul und Washington warnen Nordkorea scharf vor weiteren Raketentests.</p><p>Jetzt unterstützen: Zahl ich, damit unabhängiger Journalismus bleibt.</p><p>Pjöngjang schweigt bisher zu den Vorwürfen.</p><img src="https://stats.example/pixel.gif" width="1" height="1">]]></content:encoded></item>
<item><title>Konsumklima sinkt im März</title><link>https://news.example/klima</link>
<guid>https://news.example/klima</guid><pubDate>Sat, 01 Mar 2025 09:00:00 GMT</pubDate>
<description>Das Klima im Handel bleibt rau, sagen die Verbände.</description></item>
<item><title>Sonne am Wochenende</title><link>https://news.example/wetter</link>
<guid>https://news.example/wetter</guid><pubDate>Sat, 01 Mar 2025 08:00:00 GMT</pubDate>
<description>Das Wetter wird freundlich.</description></item>
</channel></rss>
`

// inspectorSetup serves the feed of "news" and a failing "down", and
// writes a configuration with the inspector on, listening on addr (and
// admin_listen on admin, when not empty). It returns the config's path.
func inspectorSetup(t *testing.T, addr, admin string) string {
	t.Helper()
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed" {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, inspectorFeed)
	}))
	t.Cleanup(feeds.Close)
	dir := t.TempDir()
	adminLine := ""
	if admin != "" {
		adminLine = fmt.Sprintf("admin_listen: %q\n", admin)
	}
	cfg := fmt.Sprintf(`listen: %q
%sbase_url: http://%s
inspector: true
sources:
  - name: news
    url: %s/feed
    rules: [appeals]
    schedule: "@every 1h"
  - name: down
    url: %s/down
    schedule: "@every 1h"
topics:
  - name: Korea
    match:
      any: ["nordkorea*", pjöngjang, kim jong un]
  - name: Klima
    match:
      any: ["*klima*"]
      none: ["konsumklima*"]
rules:
  - name: appeals
    remove:
      - text: "/^Jetzt unterstützen/"
`, addr, adminLine, addr, feeds.URL, feeds.URL)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitRefreshed waits until /healthz at base shows news fetched and down
// failed.
func waitRefreshed(t *testing.T, base string) {
	t.Helper()
	eventually(t, 15*time.Second, "both sources refreshed", func() error {
		h, err := health(base)
		if err != nil {
			return err
		}
		if h["news"].LastAttempt == "" || h["news"].Failures != 0 || h["down"].Failures == 0 {
			return fmt.Errorf("health %+v", h)
		}
		return nil
	})
}

// TestRunInspector: 'refeed run' with inspector: true serves /inspect/
// beside the feeds, and the index page says which source fails and links
// the feeds; with admin_listen, the inspector is there only.
func TestRunInspector(t *testing.T) {
	addr := freeAddr(t)
	startRefeed(t, "run", "-config", inspectorSetup(t, addr, ""))
	base := "http://" + addr
	waitRefreshed(t, base)
	for _, tc := range []struct {
		path  string
		wants []string
	}{
		{"/", []string{"<strong>1 of 2 sources is failing</strong>.", "<li>down: fetch", "status 503", `<a href="http://` + addr + `/all.rss" type="application/rss+xml">All items</a>`}},
		{"/inspect/", []string{`<a href="source/news">news</a>`, `<span class="status failing">failing</span>`, `<a href="topic/korea">Korea</a>`}},
		{"/inspect/source/news", []string{`<del title="removed by appeals">Jetzt unterstützen`, `<mark>Nordkorea</mark>`, `none term <q class="term">konsumklima*</q>`}},
		{"/inspect/topic/korea", []string{"1 stored item;"}},
	} {
		resp, body, err := get(base + tc.path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", tc.path, resp, err)
		}
		for _, want := range tc.wants {
			if !strings.Contains(string(body), want) {
				t.Errorf("GET %s lacks %s:\n%s", tc.path, want, body)
			}
		}
	}
}

// TestRunInspectorAdminListen: with admin_listen, /inspect/ is served there
// and not beside the feeds.
func TestRunInspectorAdminListen(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	startRefeed(t, "run", "-config", inspectorSetup(t, addr, admin))
	waitRefreshed(t, "http://"+admin)
	for _, tc := range []struct {
		url  string
		want int
	}{
		{"http://" + admin + "/inspect/", 200},
		{"http://" + admin + "/inspect/source/news", 200},
		{"http://" + addr + "/inspect/", 404},
		{"http://" + addr + "/", 200},
	} {
		resp, _, err := get(tc.url)
		if err != nil || resp.StatusCode != tc.want {
			t.Errorf("GET %s: %v %v, want %d", tc.url, resp, err, tc.want)
		}
	}
	// The index on listen names the failing source, not its error: that
	// stays on the admin address.
	_, body, _ := get("http://" + addr + "/")
	if !strings.Contains(string(body), "<li>down <span") || strings.Contains(string(body), "status 503") {
		t.Errorf("index:\n%s", body)
	}
}
