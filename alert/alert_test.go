package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/store"
)

var ctx = context.Background()

// t0 is when every test starts.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a store, a dispatcher and the receivers of its alerts.
type env struct {
	t       *testing.T
	path    string
	cfg     *config.Config
	clock   *clock
	web     *receiver
	mail    *mailServer
	metrics *metrics.Metrics
	st      store.Store
	d       *alert.Dispatcher
}

const topicSlug = "nato-korea"

// newEnv returns an environment whose configuration has the alerts
// alerts returns for it.
func newEnv(t *testing.T, alerts func(e *env) []config.Alert) *env {
	e := &env{
		t:       t,
		path:    filepath.Join(t.TempDir(), store.FileName),
		clock:   &clock{t: t0},
		web:     newReceiver(t),
		mail:    newMailServer(t, true),
		metrics: metrics.New(prometheus.NewRegistry()),
	}
	e.cfg = &config.Config{
		BaseURL: "http://feeds.example",
		Topics:  []config.Topic{{Name: "NATO/Korea", Slug: topicSlug}, {Name: "Klima", Slug: "klima"}},
	}
	e.cfg.Alerts = alerts(e)
	e.open()
	t.Cleanup(func() { e.st.Close() })
	return e
}

func (e *env) open() {
	st, err := store.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.d = alert.New(e.cfg, st, e.metrics, nil)
	e.d.Now = e.clock.Now
	e.d.TLSConfig = e.mail.ClientTLS
	e.d.Timeout = 5 * time.Second
}

// restart closes the store and opens it with a new dispatcher.
func (e *env) restart() {
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// refresh saves a successful fetch of source carrying items, as a refresh
// does, and lets the dispatcher collect what entered topics.
func (e *env) refresh(source string, items ...item.Item) {
	e.t.Helper()
	now := e.clock.Now()
	if _, err := e.st.SaveSource(ctx, store.SourceState{Name: source, URL: "https://" + source + ".example/feed", LastSuccess: now}, items, now); err != nil {
		e.t.Fatal(err)
	}
	if err := e.d.Collect(ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) deliver() {
	e.t.Helper()
	if err := e.d.Deliver(ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) health() alert.Health {
	e.t.Helper()
	hs, err := e.d.Health(ctx)
	if err != nil || len(hs) != 1 {
		e.t.Fatalf("health: %+v, %v", hs, err)
	}
	return hs[0]
}

// news returns an item of source on the NATO/Korea topic (or none).
func news(source, title string, topics ...string) item.Item {
	if topics == nil {
		topics = []string{topicSlug}
	}
	link := "https://" + source + ".example/" + strings.ReplaceAll(strings.ToLower(title), " ", "-")
	return item.Item{
		Source: source, GUID: link, Link: link, Title: title,
		Summary:   "<p>Was über " + title + " bekannt ist &amp; was nicht.</p>",
		Published: t0.Add(-time.Hour),
		Topics:    topics,
	}
}

func perItem(e *env) []config.Alert {
	return []config.Alert{
		{Topic: topicSlug, Webhook: e.web.URL + "/hook"},
		{Topic: topicSlug, Ntfy: e.web.URL + "/ntfy/refeed-nato"},
		{Topic: topicSlug, Email: &config.Email{
			To: []string{"Alice Ärger <alice@example.org>"}, From: "refeed <refeed@example.org>",
			SMTP: e.mail.Addr, Username: smtpUser, Password: smtpPassword,
		}},
	}
}

// webhookItem is the JSON a webhook gets for one item.
type webhookItem struct {
	Topic     string `json:"topic"`
	TopicSlug string `json:"topic_slug"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Link      string `json:"link"`
	Summary   string `json:"summary"`
	Published string `json:"published"`
	Source    string `json:"source"`
	Test      bool   `json:"test"`
}

func webhookTitles(t *testing.T, reqs []request) []string {
	t.Helper()
	var out []string
	for _, r := range reqs {
		var w webhookItem
		if err := json.Unmarshal(r.Body, &w); err != nil {
			t.Fatalf("webhook body %s: %v", r.Body, err)
		}
		out = append(out, w.Title)
	}
	return out
}

func mailSubjects(t *testing.T, mails []mail) []string {
	t.Helper()
	var out []string
	for _, m := range mails {
		msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("mail: %v\n%s", err, m.Data)
		}
		s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestOneAlertPerNewItem runs refresh cycles and a restart: the first
// refresh of a source alerts nothing, every later new item alerts once on
// every target, and an item seen before never alerts again.
func TestOneAlertPerNewItem(t *testing.T) {
	e := newEnv(t, perItem)
	a, b := news("taz", "Nato-Gipfel in Vilnius"), news("taz", "Manöver im Gelben Meer")
	c := news("taz", "Gespräch über Nordkorea in Pjöngjang")
	d := news("taz", "Kim Jong Un besucht Moskau")

	// Cycle 1: the first refresh of the source.
	e.refresh("taz", a, b)
	e.deliver()
	if hooks, _ := e.web.got("/hook"); len(hooks) != 0 || len(e.mail.received()) != 0 {
		t.Fatalf("first refresh alerted: %d webhooks, %d mails", len(hooks), len(e.mail.received()))
	}

	// Cycle 2: c is new.
	e.clock.Advance(15 * time.Minute)
	e.refresh("taz", a, b, c)
	e.deliver()
	e.deliver() // nothing left to send

	// A restart, with the alerts in another order: they are the same alerts.
	slices.Reverse(e.cfg.Alerts)
	e.restart()

	// Cycle 3: d is new; c leaves the topic.
	e.clock.Advance(15 * time.Minute)
	cOff := c
	cOff.Topics = nil
	e.refresh("taz", a, b, cOff, d)
	e.deliver()

	// Cycle 4: c comes back to the topic; a new source carries d and an
	// item of its own (its first refresh), then a new story (its second).
	e.clock.Advance(15 * time.Minute)
	e.refresh("taz", a, b, c, d)
	e.refresh("spiegel", news("spiegel", "Kim Jong Un besucht Moskau"), news("spiegel", "Raketentest über Japan"))
	e.deliver()
	e.clock.Advance(15 * time.Minute)
	f := news("spiegel", "Seoul und Tokio rücken zusammen")
	e.refresh("spiegel", news("spiegel", "Raketentest über Japan"), f)
	e.deliver()

	want := []string{c.Title, d.Title, f.Title}
	hooks, failed := e.web.got("/hook")
	if got := webhookTitles(t, hooks); !slices.Equal(got, want) || failed != 0 {
		t.Errorf("webhook got %q (%d failed), want %q", got, failed, want)
	}
	ntfys, _ := e.web.got("/ntfy/refeed-nato")
	var titles []string
	for _, r := range ntfys {
		s, err := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Title"))
		if err != nil {
			t.Fatal(err)
		}
		titles = append(titles, s)
	}
	if !slices.Equal(titles, want) {
		t.Errorf("ntfy got %q, want %q", titles, want)
	}
	subjects := mailSubjects(t, e.mail.received())
	for i := range want {
		want[i] = "[NATO/Korea] " + want[i]
	}
	if !slices.Equal(subjects, want) {
		t.Errorf("mails %q, want %q", subjects, want)
	}
	if n := testutil.ToFloat64(e.metrics.AlertDeliveries.WithLabelValues(topicSlug, metrics.AlertOK)); n != 9 {
		t.Errorf("deliveries ok = %v, want 9", n)
	}
}

func TestWebhookJSON(t *testing.T) {
	e := newEnv(t, perItem)
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	it := news("taz", "Gespräch über Nordkorea in Pjöngjang")
	it.Summary = "<p>" + strings.Repeat("Sehr lange Zusammenfassung. ", 40) + "</p><script>x()</script>"
	e.refresh("taz", it)
	e.deliver()
	hooks, _ := e.web.got("/hook")
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks", len(hooks))
	}
	if ct := hooks[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var raw map[string]any
	if err := json.Unmarshal(hooks[0].Body, &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"id", "link", "published", "source", "summary", "title", "topic", "topic_slug"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	var w webhookItem
	if err := json.Unmarshal(hooks[0].Body, &w); err != nil {
		t.Fatal(err)
	}
	if w.Topic != "NATO/Korea" || w.TopicSlug != topicSlug || w.Title != it.Title || w.Link != it.Link || w.Source != "taz" ||
		w.Published != "2026-03-02T07:00:00Z" || w.ID != item.NewID("taz", &it) || w.Test {
		t.Errorf("webhook %+v", w)
	}
	if n := len([]rune(w.Summary)); n > 500 || !strings.HasPrefix(w.Summary, "Sehr lange Zusammenfassung.") ||
		!strings.HasSuffix(w.Summary, "…") || strings.ContainsAny(w.Summary, "<>") || strings.Contains(w.Summary, "x()") {
		t.Errorf("summary (%d runes) %q", n, w.Summary)
	}
}

func TestNtfyHeaders(t *testing.T) {
	e := newEnv(t, perItem)
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	it := news("taz", "Gespräch über Nordkorea in Pjöngjang")
	evil := news("taz", "Evil")
	evil.Title = "Böse\r\nX-Injected: 1"
	evil.Link = "https://taz.example/evil\r\nX-Injected: 2"
	e.refresh("taz", it, evil)
	e.deliver()
	reqs, _ := e.web.got("/ntfy/refeed-nato")
	if len(reqs) != 2 {
		t.Fatalf("%d ntfy requests", len(reqs))
	}
	dec := new(mime.WordDecoder)
	h := reqs[0].Header
	title, err := dec.DecodeHeader(h.Get("Title"))
	if err != nil || title != it.Title || !strings.HasPrefix(h.Get("Title"), "=?UTF-8?b?") {
		t.Errorf("Title %q = %q, %v", h.Get("Title"), title, err)
	}
	if h.Get("Tags") != topicSlug || h.Get("Click") != "https://taz.example/gespr%C3%A4ch-%C3%BCber-nordkorea-in-pj%C3%B6ngjang" {
		t.Errorf("Tags %q, Click %q", h.Get("Tags"), h.Get("Click"))
	}
	if body := string(reqs[0].Body); body != "Was über "+it.Title+" bekannt ist & was nicht." {
		t.Errorf("body %q", body)
	}
	h = reqs[1].Header
	title, _ = dec.DecodeHeader(h.Get("Title"))
	if h.Get("X-Injected") != "" || title != "Böse X-Injected: 1" || h.Get("Click") != "https://taz.example/evil X-Injected: 2" {
		t.Errorf("injected headers: %v", h)
	}
}

func TestEmailOverSTARTTLSWithAuth(t *testing.T) {
	e := newEnv(t, perItem)
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	it := news("taz", "Gespräch über Nordkorea in Pjöngjang")
	e.refresh("taz", it)
	e.deliver()
	mails := e.mail.received()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	m := mails[0]
	if !m.TLS || m.AuthUser != smtpUser || m.From != "refeed@example.org" || !slices.Equal(m.To, []string{"alice@example.org"}) {
		t.Errorf("envelope: TLS %v, auth %q, from %q, to %q", m.TLS, m.AuthUser, m.From, m.To)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	get := func(k string) string {
		v, err := dec.DecodeHeader(msg.Header.Get(k))
		if err != nil {
			t.Errorf("%s: %v", k, err)
		}
		return v
	}
	for _, k := range []string{"From", "To"} {
		addrs, err := msg.Header.AddressList(k)
		if err != nil || len(addrs) != 1 {
			t.Errorf("%s %q: %v", k, msg.Header.Get(k), err)
		}
	}
	if from, _ := msg.Header.AddressList("From"); len(from) == 1 && (from[0].Name != "refeed" || from[0].Address != "refeed@example.org") {
		t.Errorf("From %+v", from[0])
	}
	if to, _ := msg.Header.AddressList("To"); len(to) == 1 && (to[0].Name != "Alice Ärger" || to[0].Address != "alice@example.org") {
		t.Errorf("To %+v", to[0])
	}
	for k, want := range map[string]string{
		"Subject":                   "[NATO/Korea] " + it.Title,
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if got := get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(e.clock.Now()) {
		t.Errorf("Date %q: %v", msg.Header.Get("Date"), err)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID %q", id)
	}
	if strings.Contains(string(m.Data), "ü") {
		t.Error("raw message is not 7-bit")
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{it.Title, it.Link, "Was über " + it.Title + " bekannt ist & was nicht."} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestEmailRefusesAuthWithoutTLS(t *testing.T) {
	e := newEnv(t, perItem)
	plain := newMailServer(t, false)
	e.cfg.Alerts = []config.Alert{{Topic: topicSlug, Email: &config.Email{
		To: []string{"alice@example.org"}, From: "refeed@example.org", SMTP: plain.Addr, Username: smtpUser, Password: smtpPassword,
	}}}
	e.d.SetConfig(e.cfg)
	err := e.d.Test(ctx, topicSlug)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || strings.Contains(err.Error(), smtpPassword) {
		t.Errorf("error %v", err)
	}
	if len(plain.received()) != 0 {
		t.Error("mail sent without TLS")
	}
}

func TestDigest(t *testing.T) {
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{
			{Topic: topicSlug, Webhook: e.web.URL + "/digest", Digest: time.Hour},
			{Topic: topicSlug, Ntfy: e.web.URL + "/ntfy-digest", Digest: time.Hour},
			{Topic: topicSlug, Digest: time.Hour, Email: &config.Email{
				To: []string{"alice@example.org", "bob@example.org"}, From: "refeed@example.org",
				SMTP: e.mail.Addr, Username: smtpUser, Password: smtpPassword,
			}},
		}
	})
	e.deliver() // the first period starts
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	e.clock.Advance(10 * time.Minute)
	a, b, c := news("taz", "Manöver im Gelben Meer"), news("taz", "Kim Jong Un besucht Moskau"), news("taz", "Raketentest über Japan")
	e.refresh("taz", a, b, c)
	e.deliver()
	if hooks, _ := e.web.got("/digest"); len(hooks) != 0 {
		t.Fatalf("digest before the period passed: %d", len(hooks))
	}
	e.clock.Advance(51 * time.Minute)
	e.deliver()
	e.deliver()
	e.clock.Advance(5 * time.Minute)
	d := news("taz", "Seoul und Tokio rücken zusammen")
	e.refresh("taz", a, b, c, d)
	e.deliver()
	e.clock.Advance(time.Hour)
	e.deliver()
	e.clock.Advance(3 * time.Hour) // periods without news send nothing
	e.deliver()

	type digest struct {
		Topic     string        `json:"topic"`
		TopicSlug string        `json:"topic_slug"`
		Items     []webhookItem `json:"items"`
	}
	hooks, _ := e.web.got("/digest")
	var got [][]string
	for _, r := range hooks {
		var dg digest
		if err := json.Unmarshal(r.Body, &dg); err != nil {
			t.Fatal(err)
		}
		if dg.Topic != "NATO/Korea" || dg.TopicSlug != topicSlug {
			t.Errorf("digest %+v", dg)
		}
		var titles []string
		for _, it := range dg.Items {
			titles = append(titles, it.Title)
		}
		got = append(got, titles)
	}
	want := [][]string{{a.Title, b.Title, c.Title}, {d.Title}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("digests %q, want %q", got, want)
	}
	ntfys, _ := e.web.got("/ntfy-digest")
	if len(ntfys) != 2 {
		t.Fatalf("%d ntfy digests", len(ntfys))
	}
	title, _ := new(mime.WordDecoder).DecodeHeader(ntfys[0].Header.Get("Title"))
	body := string(ntfys[0].Body)
	if title != "3 new items: NATO/Korea" || !strings.Contains(body, "• "+b.Title+"\n"+b.Link) || ntfys[0].Header.Get("Click") != "" {
		t.Errorf("ntfy digest %q:\n%s", title, body)
	}
	mails := e.mail.received()
	if subjects := mailSubjects(t, mails); !slices.Equal(subjects, []string{"3 new items: NATO/Korea", "1 new item: NATO/Korea"}) {
		t.Errorf("digest mails %q", subjects)
	}
	if len(mails) > 0 {
		if !slices.Equal(mails[0].To, []string{"alice@example.org", "bob@example.org"}) {
			t.Errorf("digest mail to %q", mails[0].To)
		}
		msg, _ := netmail.ReadMessage(bytes.NewReader(mails[0].Data))
		raw, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		body := strings.ReplaceAll(string(raw), "\r\n", "\n")
		for _, it := range []item.Item{a, b, c} {
			if !strings.Contains(body, it.Title+"\n"+it.Link) {
				t.Errorf("digest mail lacks %q:\n%s", it.Title, body)
			}
		}
	}
}

// TestRetriesUntilDelivered has a receiver fail twice, with a restart in
// between: each item arrives once, after backoff.
func TestRetriesUntilDelivered(t *testing.T) {
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{{Topic: topicSlug, Webhook: e.web.URL + "/flaky?token=hunter2"}}
	})
	setBackoff := func() { e.d.Backoff, e.d.MaxBackoff = time.Minute, 10*time.Minute }
	setBackoff()
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	e.web.fail("/flaky", 2)
	x, y := news("taz", "Manöver im Gelben Meer"), news("taz", "Kim Jong Un besucht Moskau")
	e.refresh("taz", x, y)

	e.deliver() // fails
	h := e.health()
	if h.Pending != 2 || !strings.Contains(h.LastError, "500") || !strings.Contains(h.LastError, "receiver is down") ||
		!h.LastSuccess.IsZero() || !h.NextAttempt.After(e.clock.Now()) || h.NextAttempt.After(e.clock.Now().Add(time.Minute)) {
		t.Errorf("health after a failure: %+v", h)
	}
	if strings.Contains(h.Target, "hunter2") || h.Target != "webhook "+e.web.URL+"/flaky?token=xxxxx" {
		t.Errorf("target %q", h.Target)
	}
	e.deliver() // still backing off: no attempt
	if _, failed := e.web.got("/flaky"); failed != 1 {
		t.Fatalf("%d failed attempts, want 1", failed)
	}

	e.clock.Advance(time.Minute)
	e.deliver() // fails again
	e.restart()
	setBackoff()
	if h := e.health(); h.Pending != 2 || h.LastError == "" {
		t.Errorf("health after a restart: %+v", h)
	}
	e.clock.Advance(time.Minute)
	e.deliver() // still backing off: the second delay is longer
	e.clock.Advance(time.Minute)
	e.deliver() // delivers both
	e.clock.Advance(time.Hour)
	e.deliver()

	ok, failed := e.web.got("/flaky")
	if got := webhookTitles(t, ok); !slices.Equal(got, []string{x.Title, y.Title}) || failed != 2 {
		t.Errorf("delivered %q with %d failures", got, failed)
	}
	h = e.health()
	if h.Pending != 0 || h.LastError != "" || !h.LastSuccess.Equal(t0.Add(3*time.Minute)) || !h.NextAttempt.IsZero() {
		t.Errorf("health after delivery: %+v", h)
	}
	for result, want := range map[string]float64{metrics.AlertOK: 2, metrics.AlertError: 2} {
		if n := testutil.ToFloat64(e.metrics.AlertDeliveries.WithLabelValues(topicSlug, result)); n != want {
			t.Errorf("deliveries %s = %v, want %v", result, n, want)
		}
	}
	if n := testutil.ToFloat64(e.metrics.AlertRetries.WithLabelValues(topicSlug)); n != 2 {
		t.Errorf("retries = %v, want 2", n)
	}
}

func TestTestSendsASample(t *testing.T) {
	e := newEnv(t, perItem)
	if err := e.d.Test(ctx, topicSlug); err != nil {
		t.Fatal(err)
	}
	hooks, _ := e.web.got("/hook")
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks", len(hooks))
	}
	var w webhookItem
	if err := json.Unmarshal(hooks[0].Body, &w); err != nil || !w.Test || !strings.Contains(w.Title, "test") || w.Link != "http://feeds.example/nato-korea.atom" {
		t.Errorf("webhook %+v, %v", w, err)
	}
	if ntfys, _ := e.web.got("/ntfy/refeed-nato"); len(ntfys) != 1 {
		t.Errorf("%d ntfy messages", len(ntfys))
	}
	if subjects := mailSubjects(t, e.mail.received()); len(subjects) != 1 || !strings.Contains(subjects[0], "test alert") {
		t.Errorf("mails %q", subjects)
	}
	hs, err := e.d.Health(ctx)
	if err != nil || len(hs) != 3 {
		t.Fatalf("health %+v, %v", hs, err)
	}
	for _, h := range hs {
		if h.Pending != 0 || !h.LastSuccess.IsZero() {
			t.Errorf("a test changed the state: %+v", h)
		}
	}
	if err := e.d.Test(ctx, "klima"); err == nil || !strings.Contains(err.Error(), "no alerts") {
		t.Errorf("topic without alerts: %v", err)
	}
	if err := e.d.Test(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "unknown topic") {
		t.Errorf("unknown topic: %v", err)
	}
}

func TestRunDeliversSoonAfterCollect(t *testing.T) {
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{{Topic: topicSlug, Webhook: e.web.URL + "/hook"}}
	})
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.d.Run(runCtx, time.Hour); close(done) }()
	defer func() { cancel(); <-done }()
	e.refresh("taz", news("taz", "Manöver im Gelben Meer"))
	deadline := time.Now().Add(2 * time.Second)
	for {
		if hooks, _ := e.web.got("/hook"); len(hooks) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery within 2s of Collect")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSummaryFromContent(t *testing.T) {
	e := newEnv(t, func(e *env) []config.Alert {
		return []config.Alert{{Topic: topicSlug, Webhook: e.web.URL + "/hook"}}
	})
	e.refresh("taz", news("taz", "Nato-Gipfel in Vilnius"))
	it := news("taz", "Manöver im Gelben Meer")
	it.Summary, it.Content = "", "<h1>Manöver</h1><p>Schiffe &lt;und&gt; Flugzeuge &amp; mehr</p>"
	e.refresh("taz", it)
	e.deliver()
	hooks, _ := e.web.got("/hook")
	var w webhookItem
	if len(hooks) != 1 || json.Unmarshal(hooks[0].Body, &w) != nil || w.Summary != "Manöver Schiffe <und> Flugzeuge & mehr" {
		t.Errorf("webhooks %d, summary %q", len(hooks), w.Summary)
	}
}

func TestTestNeedsNoStore(t *testing.T) {
	web := newReceiver(t)
	cfg := &config.Config{
		Topics: []config.Topic{{Name: "NATO/Korea", Slug: topicSlug}},
		Alerts: []config.Alert{{Topic: topicSlug, Webhook: web.URL + "/hook", Digest: time.Hour}},
	}
	if err := alert.New(cfg, nil, nil, nil).Test(ctx, topicSlug); err != nil {
		t.Fatal(err)
	}
	hooks, _ := web.got("/hook")
	var dg struct {
		Items []webhookItem `json:"items"`
		Test  bool          `json:"test"`
	}
	if len(hooks) != 1 || json.Unmarshal(hooks[0].Body, &dg) != nil || !dg.Test || len(dg.Items) != 1 {
		t.Errorf("digest test: %d requests, %+v", len(hooks), dg)
	}
}
