package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/refeed/refeed/metrics"
	"github.com/refeed/refeed/server"
)

// TestAdminApart: with AdminApart, /healthz and /metrics are served by the
// Admin handler only, and the feeds, the index and the OPML document by
// the server's own handler only; without it, the server serves them all.
func TestAdminApart(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := server.Options{BaseURL: "http://feeds.example", Metrics: metrics.New(reg), Registry: reg}
	status := func(h http.Handler, path string) int {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		io.Copy(io.Discard, rec.Body)
		return rec.Code
	}
	together := server.New(opts)
	opts.AdminApart = true
	apart := server.New(opts)
	for _, s := range []*server.Server{together, apart} {
		s.SetFeeds([]server.Feed{makeFeed(t, "http://feeds.example", "nato", "NATO", 2, 0)})
	}
	for _, tc := range []struct {
		path                       string
		together, public, adminOne int
	}{
		{"/healthz", 200, 404, 200},
		{"/metrics", 200, 404, 200},
		{"/", 200, 200, 404},
		{"/opml", 200, 200, 404},
		{"/nato.rss", 200, 200, 404},
		{"/missing", 404, 404, 404},
	} {
		if got := status(together, tc.path); got != tc.together {
			t.Errorf("together: %s = %d, want %d", tc.path, got, tc.together)
		}
		if got := status(apart, tc.path); got != tc.public {
			t.Errorf("apart, public: %s = %d, want %d", tc.path, got, tc.public)
		}
		if got := status(apart.Admin(), tc.path); got != tc.adminOne {
			t.Errorf("apart, admin: %s = %d, want %d", tc.path, got, tc.adminOne)
		}
	}
}
