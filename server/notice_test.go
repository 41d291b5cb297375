package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/publish"
)

// noticeEnv is a server whose sources' health and clock the test sets.
type noticeEnv struct {
	srv *Server
	ts  *httptest.Server

	mu      sync.Mutex
	sources []SourceHealth
	now     time.Time
	asked   int // calls of Health
}

func newNoticeEnv(t *testing.T, apart bool) *noticeEnv {
	t.Helper()
	e := &noticeEnv{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.srv = New(Options{AdminApart: apart, Health: func() []SourceHealth {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.asked++
		return e.sources
	}})
	e.srv.now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.now
	}
	e.srv.SetFeeds([]Feed{{Slug: "all", Title: "All items", Docs: map[publish.Format][]byte{publish.RSS: []byte("<rss/>"), publish.Atom: []byte("<feed/>")}}})
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

func (e *noticeEnv) set(sources []SourceHealth, advance time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sources = sources
	e.now = e.now.Add(advance)
}

func (e *noticeEnv) index(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(e.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: status %d, %v", resp.StatusCode, err)
	}
	return string(b)
}

func offline(names ...string) []SourceHealth {
	var out []SourceHealth
	at := time.Date(2025, 3, 1, 11, 59, 0, 0, time.UTC)
	for _, n := range names {
		out = append(out, SourceHealth{Name: n, LastAttempt: at, Failures: 1, LastError: "fetch https://" + n + ".example/feed: dial tcp: lookup " + n + ".example: no such host"})
	}
	return out
}

func TestIndexNoticeOfFailingSources(t *testing.T) {
	e := newNoticeEnv(t, false)
	// A first run offline: every source failed, none ever succeeded.
	e.set(offline("taz", "tagesschau", "guardian", "bbc", "heise"), 0)
	page := e.index(t)
	for _, want := range []string{
		`<strong>All 5 sources are failing</strong>: no source was ever fetched, so the feeds are empty.`,
		`<li>heise: fetch https://heise.example/feed: dial tcp: lookup heise.example: no such host <span class="fails">(1 failure)</span></li>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index lacks %s:\n%s", want, page)
		}
	}
	// Within NoticeInterval the notice is not made again.
	ok := offline("taz", "tagesschau")
	for i := range ok {
		ok[i].Failures, ok[i].LastError, ok[i].LastSuccess = 0, "", ok[i].LastAttempt
	}
	e.set(append(ok, offline("guardian", "bbc", "heise")...), NoticeInterval/2)
	if page := e.index(t); !strings.Contains(page, "All 5 sources") || e.asked != 1 {
		t.Errorf("asked for health %d times within the interval; page:\n%s", e.asked, page)
	}
	e.set(e.sources, NoticeInterval)
	page = e.index(t)
	if !strings.Contains(page, "<strong>3 of 5 sources are failing</strong>.") || strings.Contains(page, "<li>taz") {
		t.Errorf("index after two sources recovered:\n%s", page)
	}
	// All recovered: no notice.
	e.set(ok, NoticeInterval)
	if page := e.index(t); strings.Contains(page, "failing") || strings.Contains(page, `class="notice"`) {
		t.Errorf("index with no failing source:\n%s", page)
	}
}

func TestIndexNoticeApart(t *testing.T) {
	// With /healthz on an address of its own, the index names the failing
	// sources, not their errors.
	e := newNoticeEnv(t, true)
	e.set(offline("taz"), 0)
	page := e.index(t)
	if !strings.Contains(page, "<strong>The only source is failing</strong>") || !strings.Contains(page, "<li>taz <span") || strings.Contains(page, "no such host") {
		t.Errorf("index:\n%s", page)
	}
}

func TestNoticeOf(t *testing.T) {
	var many []string
	for i := range 12 {
		many = append(many, string(rune('a'+i)))
	}
	n := noticeOf(append(offline(many...), SourceHealth{Name: "fine", LastSuccess: time.Now()}), true)
	if n.Headline() != "12 of 13 sources are failing" || len(n.Sources) != maxNoticeSources || n.More != 2 || n.AllFailing {
		t.Errorf("notice %+v (%s)", n, n.Headline())
	}
	if n := noticeOf(offline("a", "b")[:1:1], true); n.Headline() != "The only source is failing" {
		t.Errorf("one source: %s", n.Headline())
	}
	two := offline("a", "b")
	two[1].Failures = 0
	if n := noticeOf(two, true); n.Headline() != "1 of 2 sources is failing" || n.AllFailing {
		t.Errorf("notice %+v (%s)", n, n.Headline())
	}
	if n := noticeOf(nil, true); n.Failing != 0 || !n.equal(failNotice{}) {
		t.Errorf("no sources: %+v", n)
	}
}

func TestIndexFeedNamesLink(t *testing.T) {
	e := newNoticeEnv(t, false)
	page := e.index(t)
	if !strings.Contains(page, `<td><a href="/all.rss" type="application/rss+xml">All items</a></td>`) {
		t.Errorf("the feed's name does not link to it:\n%s", page)
	}
}
