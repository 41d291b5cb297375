//go:build unix

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
)

// TestFeedServer checks the synthetic sources: ETags and 304s, the same
// body from sources without validators, and one item more after a bump.
func TestFeedServer(t *testing.T) {
	p := feedParams{sources: 10, items: 5, noValidators: 0.2}
	fs, err := newFeedServer(p)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	ts := httptest.NewServer(fs)
	defer ts.Close()
	c := fetch.NewClient(config.Fetch{MaxBody: 20 << 20, PerHost: 2, UserAgent: "test"})
	ctx := context.Background()
	get := func(s int, prev fetch.State) *fetch.Result {
		t.Helper()
		res, err := c.Source(ctx, "s", ts.URL+"/feed/"+strconv.Itoa(s), prev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	noValidators := 0
	titles := map[string]bool{}
	for s := range p.sources {
		res := get(s, fetch.State{})
		if res.NotModified || len(res.Feed.Items) != p.items {
			t.Fatalf("source %d: %+v", s, res)
		}
		for _, it := range res.Feed.Items {
			titles[it.Title] = true
		}
		if !p.validators(s) {
			noValidators++
			if res.State.ETag != "" || !get(s, res.State).NotModified {
				t.Errorf("source %d without validators: ETag %q, or the same body not recognized", s, res.State.ETag)
			}
			continue
		}
		if res.State.ETag == "" || !get(s, fetch.State{ETag: res.State.ETag}).NotModified {
			t.Errorf("source %d: no ETag, or no 304", s)
		}
	}
	if noValidators != 2 {
		t.Errorf("%d sources without validators, want 2", noValidators)
	}
	if len(titles) != p.sources*p.items {
		t.Errorf("%d distinct titles, want %d", len(titles), p.sources*p.items)
	}
	before := get(0, fetch.State{})
	resp, err := http.Post(ts.URL+"/bump?every=10", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	after := get(0, before.State)
	if after.NotModified || after.Feed.Items[1].GUID != before.Feed.Items[0].GUID {
		t.Errorf("after a bump, source 0 did not gain one item on top")
	}
	if !get(1, fetch.State{ETag: `"s1-v0"`}).NotModified {
		t.Errorf("source 1 changed with a bump of every 10th source")
	}
}
