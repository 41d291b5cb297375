package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/refeed/refeed/server"
)

// TestInspectorMount checks that Options.Inspector serves /inspect and
// the paths under /inspect/, with any method, where /healthz is served.
func TestInspectorMount(t *testing.T) {
	inspector := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "inspector "+r.Method+" "+r.URL.Path)
	})
	for _, apart := range []bool{false, true} {
		srv := server.New(server.Options{Inspector: inspector, AdminApart: apart})
		public := httptest.NewServer(srv)
		admin := httptest.NewServer(srv.Admin())
		// Admin's handler serves /healthz in any case, and so the
		// inspector; with AdminApart, the server's does not.
		on, off := public, (*httptest.Server)(nil)
		if apart {
			on, off = admin, public
		}
		for _, tt := range []struct{ method, path string }{{"GET", "/inspect/"}, {"GET", "/inspect"}, {"POST", "/inspect/try"}, {"GET", "/inspect/source/taz"}} {
			req, _ := http.NewRequest(tt.method, on.URL+tt.path, strings.NewReader(""))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := "inspector " + tt.method + " " + tt.path; resp.StatusCode != 200 || string(body) != want {
				t.Errorf("apart %v: %s %s: %d %q, want %q", apart, tt.method, tt.path, resp.StatusCode, body, want)
			}
			if off == nil {
				continue
			}
			resp, err = http.Get(off.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("apart %v: %s on the other handler: %d, want 404", apart, tt.path, resp.StatusCode)
			}
		}
		for _, path := range []string{"/inspector", "/inspect.rss"} {
			resp, err := http.Get(on.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			}
		}
		public.Close()
		admin.Close()
	}
	// Without an inspector, /inspect/ is 404.
	ts := httptest.NewServer(server.New(server.Options{}))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/inspect/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("no inspector: %d", resp.StatusCode)
	}
}
