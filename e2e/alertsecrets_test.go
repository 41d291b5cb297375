package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestNoAlertSecretInOutput: an alert's webhook header values, ntfy token
// and webhook URL token do not reach the output of refeed alert-test (its
// errors and -v log) when the receiver refuses them and quotes back what
// it got; they do reach the receiver. (The log and stored errors of
// failing deliveries: alert.TestNoSecretInFailures.)
func TestNoAlertSecretInOutput(t *testing.T) {
	alertSecrets := []string{"HookBearer7731", "HookApiKey8842", "HookQuery9953", "tk_NtfyTok1064"}
	var got strings.Builder // what the receiver was sent; only written by its handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(&got, "%s %s %s\n", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.URL.RawQuery)
		http.Error(w, fmt.Sprintf("refused %s %s %s", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.URL.RawQuery), http.StatusForbidden)
	}))
	defer srv.Close()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://ex.org/</link><description>d</description></channel></rss>`)
	}))
	defer feed.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: ex\n    url: "+feed.URL+`
alerts:
  - topic: nato-korea
    webhook: `+srv.URL+`/hook?token=HookQuery9953
    webhook_headers:
      Authorization: Bearer HookBearer7731
      X-Api-Key: HookApiKey8842
  - topic: nato-korea
    ntfy: `+srv.URL+`/ntfy
    ntfy_token: tk_NtfyTok1064
`)
	code, out, stderr := runCmd(t, "alert-test", "-v", "-config", cfg, "nato-korea")
	srv.Close() // the handler is done: got may be read
	if code != 1 || !strings.Contains(stderr, "403 Forbidden") || !strings.Contains(stderr, "REDACTED") {
		t.Errorf("alert-test: exit %d, stderr:\n%s", code, stderr)
	}
	for _, s := range alertSecrets {
		if strings.Contains(out+stderr, s) {
			t.Errorf("alert-test output shows %q:\n%s%s", s, out, stderr)
		}
		if !strings.Contains(got.String(), s) {
			t.Errorf("the receiver did not get %q: %s", s, got.String())
		}
	}
}
