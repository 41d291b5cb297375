package fulltext

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestDocument fetches feeds of any type within the limits, and refuses
// internal addresses as Page does, at the link and at a redirect.
func TestDocument(t *testing.T) {
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, "<rss/>")
	}))
	defer internal.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			if !strings.Contains(r.Header.Get("Accept"), "application/rss+xml") {
				http.Error(w, "bad accept", 400)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprint(w, `<rss version="2.0"><channel><title>t</title></channel></rss>`)
		case "/moved":
			http.Redirect(w, r, "/feed", http.StatusFound)
		case "/internal":
			http.Redirect(w, r, internal.URL+"/feed", http.StatusFound)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2<<20)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	f := newFetcher(t)
	allowOnly(f, serverPort(t, srv))
	ctx := context.Background()
	body, ct, final, err := f.Document(ctx, srv.URL+"/moved", false)
	if err != nil || ct != "application/rss+xml; charset=utf-8" || final != srv.URL+"/feed" || !strings.Contains(string(body), "<channel>") {
		t.Errorf("Document = %q, %q, %q, %v", body, ct, final, err)
	}
	for _, link := range []string{internal.URL + "/feed", srv.URL + "/internal", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/feed"} {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, _, _, err := f.Document(ctx, link, false)
		cancel()
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s: error %v, want ErrPrivateAddress", link, err)
		}
	}
	if n := internalHits.Load(); n != 0 {
		t.Errorf("%d requests reached the internal server", n)
	}
	if _, _, _, err := f.Document(ctx, srv.URL+"/big", false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big: %v", err)
	}
	if _, _, _, err := f.Document(ctx, srv.URL+"/nope", false); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
	for _, link := range []string{"file:///etc/passwd", "/etc/passwd", "ftp://example.org/feed", "http://"} {
		if _, _, _, err := f.Document(ctx, link, true); err == nil {
			t.Errorf("%s accepted", link)
		}
	}
	if _, _, _, err := f.Document(ctx, internal.URL+"/feed", true); err != nil {
		t.Errorf("allowPrivate: %v", err)
	}
}
