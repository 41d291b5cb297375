package daemon

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines.
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

// TestReloadRereadsSecretFiles: a reload loads the configuration again, so
// a source URL from ${file:...} is read again: the source is fetched with
// the new token. A file that is gone at a reload keeps the running
// configuration, and the log names the file, not what it held.
func TestReloadRereadsSecretFiles(t *testing.T) {
	var mu sync.Mutex
	var tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.URL.Query().Get("token"))
		mu.Unlock()
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.org/</link><description>d</description>
<item><title>NATO</title><link>https://example.org/1</link><guid>https://example.org/1</guid><description>x</description></item></channel></rss>`)
	}))
	defer srv.Close()
	seen := func(token string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, tok := range tokens {
			if tok == token {
				return true
			}
		}
		return false
	}

	dir := t.TempDir()
	secret := filepath.Join(dir, "source-url")
	writeSecret := func(token string) {
		t.Helper()
		if err := os.WriteFile(secret, []byte(srv.URL+"/feed.xml?token="+token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeSecret("FIRST-TOKEN")
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := "listen: \"\"\ndata_dir: data\nsources:\n  - name: private\n    url: ${file:source-url}\n    schedule: \"@every 1h\"\n    allow_private: true\ntopics:\n  - name: NATO\n    match: {any: [nato]}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	reload := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			ConfigPath: cfgPath,
			Log:        slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Reload:     reload,
			Notify:     func(string) {},
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; log:\n%s", what, logs.String())
			}
		}
	}
	waitFor("the fetch with the first token", func() bool { return seen("FIRST-TOKEN") })

	writeSecret("SECOND-TOKEN")
	reload <- struct{}{}
	waitFor("the fetch with the second token", func() bool { return seen("SECOND-TOKEN") })

	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	waitFor("the failed reload", func() bool { return strings.Contains(logs.String(), "reload: invalid configuration") })
	log := logs.String()
	if !strings.Contains(log, "${file:source-url}: cannot read "+secret) {
		t.Errorf("the log does not name the file:\n%s", log)
	}
	for _, tok := range []string{"FIRST-TOKEN", "SECOND-TOKEN"} {
		if strings.Contains(log, tok) {
			t.Errorf("the log shows %s:\n%s", tok, log)
		}
	}
}
