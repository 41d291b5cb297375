package alert_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/config"
)

// TestWebhookHeadersAndNtfyToken: a webhook gets the alert's headers, an
// ntfy topic the alert's token as a bearer token, for an item and for a
// test message alike.
func TestWebhookHeadersAndNtfyToken(t *testing.T) {
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{
			{Topic: topicSlug, Webhook: e.web.URL + "/hook", WebhookHeaders: map[string]string{
				"Authorization": "Bearer hook-token", "x-api-key": "k3y-value", "User-Agent": "my-hook-client",
			}},
			{Topic: topicSlug, Ntfy: e.web.URL + "/ntfy/refeed-nato", NtfyToken: "tk_ntfytoken"},
		}
	})
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	e.refresh("taz", news("taz", "Manöver im Gelben Meer"))
	e.deliver()
	if err := e.d.Test(ctx, topicSlug); err != nil {
		t.Fatal(err)
	}
	hooks, _ := e.web.got("/hook")
	ntfys, _ := e.web.got("/ntfy/refeed-nato")
	if len(hooks) != 2 || len(ntfys) != 2 {
		t.Fatalf("%d webhooks, %d ntfy messages", len(hooks), len(ntfys))
	}
	for _, r := range hooks {
		h := r.Header
		if h.Get("Authorization") != "Bearer hook-token" || h.Get("X-Api-Key") != "k3y-value" ||
			h.Get("User-Agent") != "my-hook-client" || h.Get("Content-Type") != "application/json" {
			t.Errorf("webhook headers %v", h)
		}
	}
	for _, r := range ntfys {
		if got := r.Header.Get("Authorization"); got != "Bearer tk_ntfytoken" {
			t.Errorf("ntfy Authorization %q", got)
		}
	}
}

// TestCredentialsStayOnTheirHost: with headers, a webhook follows a
// redirect on its host but not to another host, which would get them.
func TestCredentialsStayOnTheirHost(t *testing.T) {
	other := newReceiver(t)
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{{Topic: topicSlug, Webhook: e.web.URL + "/hook", WebhookHeaders: map[string]string{"X-Api-Key": "k3y-value"}}}
	})
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/here":
			http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
		case "/moved":
			if r.Header.Get("X-Api-Key") != "k3y-value" {
				http.Error(w, "no key", http.StatusUnauthorized)
			}
		default:
			http.Redirect(w, r, other.URL+"/stolen", http.StatusTemporaryRedirect)
		}
	}))
	t.Cleanup(redirector.Close)
	e.cfg.Alerts = []config.Alert{{Topic: topicSlug, Webhook: redirector.URL + "/away", WebhookHeaders: map[string]string{"X-Api-Key": "k3y-value"}}}
	e.d.SetConfig(e.cfg)
	err := e.d.Test(ctx, topicSlug)
	if err == nil || !strings.Contains(err.Error(), "redirected to "+other.URL+": not followed") {
		t.Errorf("redirect to another host: %v", err)
	}
	if reqs, _ := other.got("/stolen"); len(reqs) != 0 {
		t.Errorf("the other host got %d requests", len(reqs))
	}
	e.cfg.Alerts[0].Webhook = redirector.URL + "/here"
	e.d.SetConfig(e.cfg)
	if err := e.d.Test(ctx, topicSlug); err != nil {
		t.Errorf("redirect on the same host: %v", err)
	}
}

// messageIDs returns the Message-ID of every mail.
func messageIDs(t *testing.T, mails []mail) []string {
	t.Helper()
	var out []string
	for _, m := range mails {
		msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msg.Header.Get("Message-ID"))
	}
	return out
}

// TestMessageIDSameOnRetry: an email sent again after the server failed
// it has the Message-ID of the first attempt; two items have two.
func TestMessageIDSameOnRetry(t *testing.T) {
	e := newEnv(t, func(e *env) []config.Alert { return perItem(e)[2:] })
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	e.mail.rejectNext(1)
	x, y := news("taz", "Manöver im Gelben Meer"), news("taz", "Kim Jong Un besucht Moskau")
	e.refresh("taz", x, y)
	e.deliver() // x fails after its data was sent
	if h := e.health(); h.Pending != 2 || !strings.Contains(h.LastError, "try again later") {
		t.Fatalf("health after the failure: %+v", h)
	}
	e.clock.Advance(time.Hour)
	e.deliver()
	rejected, sent := messageIDs(t, e.mail.rejectedMails()), messageIDs(t, e.mail.received())
	if got := mailSubjects(t, e.mail.received()); len(got) != 2 || !strings.Contains(got[0], x.Title) || !strings.Contains(got[1], y.Title) {
		t.Fatalf("sent %q", got)
	}
	if len(rejected) != 1 || rejected[0] != sent[0] {
		t.Errorf("Message-ID of the failed attempt %q, of the retry %q", rejected, sent[0])
	}
	if sent[0] == sent[1] || !strings.HasSuffix(sent[0], "@example.org>") || !strings.HasPrefix(sent[0], "<") {
		t.Errorf("Message-IDs of two items: %q", sent)
	}
	// Another store, the same alert, the same item: the same Message-ID.
	e2 := newEnv(t, func(e2 *env) []config.Alert {
		a := perItem(e)[2]
		a.Email.SMTP = e2.mail.Addr
		return []config.Alert{a}
	})
	e2.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	e2.refresh("taz", x)
	e2.deliver()
	if again := messageIDs(t, e2.mail.received()); len(again) != 1 || again[0] != sent[0] {
		t.Errorf("Message-ID %q, want %q", again, sent[0])
	}
}

// TestNoSecretInFailures: a receiver that quotes back whatever it got in
// its error answers: neither the logged error of the failed delivery, nor
// the stored last error (in /healthz), nor the error of a test shows a
// header value, the ntfy token, a URL's password or query token.
func TestNoSecretInFailures(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		http.Error(w, fmt.Sprintf("denied: %s | %s | %s | %s:%s | %s",
			r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.URL.RawQuery, u, p, r.URL), http.StatusUnauthorized)
	}))
	t.Cleanup(echo.Close)
	withUser, _ := url.Parse(echo.URL + "/hook2")
	withUser.User = url.UserPassword("hookuser", "pass-SECRET-4")
	secrets := []string{"query/SECRET-1", url.QueryEscape("query/SECRET-1"), "bearer-SECRET-2", "api-key+SECRET-3",
		"pass-SECRET-4", base64.StdEncoding.EncodeToString([]byte("hookuser:pass-SECRET-4")), "tk_ntfy-SECRET-5"}
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{
			{Topic: topicSlug, Webhook: echo.URL + "/hook?a=1&token=" + url.QueryEscape("query/SECRET-1"), WebhookHeaders: map[string]string{
				"Authorization": "Bearer bearer-SECRET-2", "X-Api-Key": "api-key+SECRET-3",
			}},
			{Topic: topicSlug, Webhook: withUser.String()},
			{Topic: topicSlug, Ntfy: echo.URL + "/ntfy", NtfyToken: "tk_ntfy-SECRET-5"},
		}
	})
	var logs bytes.Buffer
	e.d = alert.New(e.cfg, e.st, e.metrics, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	e.d.Now, e.d.Timeout = e.clock.Now, 5*time.Second
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	e.refresh("taz", news("taz", "Manöver im Gelben Meer"))
	e.deliver()
	hs, err := e.d.Health(ctx)
	if err != nil || len(hs) != 3 {
		t.Fatalf("health %+v, %v", hs, err)
	}
	health, _ := json.Marshal(hs)
	testErr := e.d.Test(ctx, topicSlug)
	if testErr == nil {
		t.Fatal("the test succeeded")
	}
	// Expired: the dropped deliveries are logged with their last error.
	e.clock.Advance(alert.DefaultExpire + time.Hour)
	e.deliver()
	outputs := map[string]string{"log": logs.String(), "health": string(health), "test": testErr.Error()}
	for _, h := range hs {
		if !strings.Contains(h.LastError, "401 Unauthorized: denied: ") {
			t.Errorf("last error %q", h.LastError)
		}
	}
	if n := strings.Count(logs.String(), "alert delivery failed"); n != 3 {
		t.Errorf("%d failures logged, want 3:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "alert delivery dropped"); n != 3 {
		t.Errorf("%d drops logged, want 3:\n%s", n, logs.String())
	}
	for name, out := range outputs {
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s: no secret was hidden:\n%s", name, out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s shows %q:\n%s", name, s, out)
			}
		}
	}
}
