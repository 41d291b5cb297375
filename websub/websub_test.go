package websub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

type hub struct {
	*httptest.Server
	mu    sync.Mutex
	pings [][]string
	fail  int // answer 503 to this many requests first
}

func newHub(t *testing.T, fail int) *hub {
	h := &hub{fail: fail}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.fail > 0 {
			h.fail--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "publish" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.pings = append(h.pings, r.PostForm["hub.url"])
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func TestAnnounce(t *testing.T) {
	ok, flaky := newHub(t, 0), newHub(t, 2)
	p := &Publisher{Backoff: time.Millisecond}
	topics := []string{"http://x/nato.rss", "http://x/nato.atom", "http://x/nato.json"}
	if err := p.Announce(context.Background(), []string{ok.URL, flaky.URL}, topics); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*hub{"ok": ok, "flaky": flaky} {
		if len(h.pings) != 1 || !slices.Equal(h.pings[0], topics) {
			t.Errorf("%s hub got %v, want one ping for %v", name, h.pings, topics)
		}
	}
}

func TestAnnounceGivesUp(t *testing.T) {
	down := newHub(t, 100)
	p := &Publisher{Attempts: 3, Backoff: time.Millisecond}
	if err := p.Announce(context.Background(), []string{down.URL}, []string{"http://x/a.rss"}); err == nil {
		t.Fatal("no error from a hub that always fails")
	}
	if down.fail != 97 {
		t.Errorf("%d attempts, want 3", 100-down.fail)
	}
	if err := p.Announce(context.Background(), nil, []string{"http://x/a.rss"}); err != nil {
		t.Errorf("no hubs: %v", err)
	}
}
