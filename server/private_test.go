package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/server"
)

const (
	alicePW   = "correct horse battery staple"
	bobPW     = "bob's plain password"
	natoToken = "0123456789abcdef0123456789abcdef"
	natoTitle = "NATO Geheimsache"
)

// privateEnv serves a public feed "open" and a private feed "nato" that
// alice (bcrypt hash), bob (plain password) and the token may read.
func privateEnv(t *testing.T) (*env, server.Feed) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(alicePW), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	access, err := server.NewAccess([]server.User{
		{Name: "alice", PasswordBcrypt: string(hash)},
		{Name: "bob", Password: bobPW},
	}, natoToken)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, 0)
	nato := makeFeed(t, e.base, "nato", natoTitle, 3, 0)
	nato.Access = access
	e.srv.SetFeeds([]server.Feed{makeFeed(t, e.base, "open", "Open", 2, 0), nato})
	return e, nato
}

// request sends a request for path with basic auth (when user is not
// empty) and the header fields ("Name", "value", ...).
func (e *env) request(t *testing.T, method, path, user, password string, header ...string) (*http.Response, []byte) {
	t.Helper()
	if user == "" {
		return e.do(t, method, path, header...)
	}
	req, _ := http.NewRequest(method, "http://x", nil)
	req.SetBasicAuth(user, password)
	return e.do(t, method, path, append([]string{"Authorization", req.Header.Get("Authorization")}, header...)...)
}

// wantDenied checks that a response tells nothing of the private feed.
func wantDenied(t *testing.T, what string, resp *http.Response, body []byte, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, code)
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	if code == 401 && challenge != `Basic realm="refeed"` || code != 401 && challenge != "" {
		t.Errorf("%s: WWW-Authenticate = %q", what, challenge)
	}
	for _, h := range []string{"ETag", "Last-Modified", "Content-Encoding"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("%s: %s = %q", what, h, v)
		}
	}
	if bytes.Contains(body, []byte(natoTitle)) || bytes.Contains(body, []byte("Story")) || bytes.Contains(body, []byte("<")) {
		t.Errorf("%s: body shows the feed: %q", what, body)
	}
}

// A private feed without credentials, or with wrong ones, gets 401 with a
// basic auth challenge and nothing of the feed, in every format and for
// every method, even when the request names the feed's ETag.
func TestPrivateFeedDenied(t *testing.T) {
	e, _ := privateEnv(t)
	etag := ""
	for _, format := range publish.Formats {
		path := "/nato" + format.Ext()
		resp, body := e.do(t, "GET", path)
		wantDenied(t, "GET "+path, resp, body, 401)
		for _, tt := range []struct{ method, user, password, query string }{
			{"HEAD", "", "", ""},
			{"POST", "", "", ""},
			{"GET", "alice", "wrong", ""},
			{"GET", "alice", "", ""},
			{"GET", "alice", bobPW, ""},
			{"GET", "bob", alicePW, ""},
			{"GET", "bob", bobPW + "x", ""},
			{"GET", "mallory", alicePW, ""},
			{"GET", "", "", "?token=" + natoToken[:len(natoToken)-1]},
			{"GET", "", "", "?token="},
			{"GET", "", "", "?Token=" + natoToken},
		} {
			resp, body := e.request(t, tt.method, path+tt.query, tt.user, tt.password, "Accept-Encoding", "gzip", "If-None-Match", etag)
			wantDenied(t, tt.method+" "+path+tt.query+" as "+tt.user, resp, body, 401)
		}
		if etag == "" {
			resp, _ := e.request(t, "GET", path, "bob", bobPW)
			etag = resp.Header.Get("ETag")
			if etag == "" || resp.StatusCode != 200 {
				t.Fatalf("GET %s as bob: status %d, ETag %q", path, resp.StatusCode, etag)
			}
		}
	}
	// The conditional request of a reader that lost its credentials gets
	// no 304 either: that would confirm the ETag.
	resp, body := e.do(t, "GET", "/nato.rss", "If-None-Match", etag)
	wantDenied(t, "conditional GET without credentials", resp, body, 401)
}

// The right credentials, a user's password or the token, get the feed as
// a public feed is served, but with Cache-Control private; conditional
// requests work as for public feeds.
func TestPrivateFeedAllowed(t *testing.T) {
	e, nato := privateEnv(t)
	for _, format := range publish.Formats {
		path := "/nato" + format.Ext()
		for _, tt := range []struct{ who, user, password, query string }{
			{"alice", "alice", alicePW, ""},
			{"alice again (verified before)", "alice", alicePW, ""},
			{"bob", "bob", bobPW, ""},
			{"the token", "", "", "?token=" + natoToken},
			{"the token among other parameters", "", "", "?a=1&token=" + natoToken + "&b=2"},
			{"the token and a wrong password", "bob", "wrong", "?token=" + natoToken},
		} {
			resp, body := e.request(t, "GET", path+tt.query, tt.user, tt.password)
			if resp.StatusCode != 200 || !bytes.Equal(body, nato.Docs[format]) {
				t.Errorf("GET %s as %s: status %d, %d bytes", path, tt.who, resp.StatusCode, len(body))
				continue
			}
			wantHeader(t, resp, "Cache-Control", "private, max-age=300")
			wantHeader(t, resp, "Content-Type", format.ContentType())
			again, _ := e.request(t, "GET", path+tt.query, tt.user, tt.password, "If-None-Match", resp.Header.Get("ETag"))
			if again.StatusCode != 304 {
				t.Errorf("conditional GET %s as %s: status %d", path, tt.who, again.StatusCode)
			}
		}
	}
	// The public feed beside it needs nothing, and stays public.
	resp, _ := e.do(t, "GET", "/open.rss")
	if resp.StatusCode != 200 {
		t.Fatalf("open.rss: status %d", resp.StatusCode)
	}
	wantHeader(t, resp, "Cache-Control", "public, max-age=300")
}

// A feed readable by token only answers 404 without it, as a feed that
// does not exist: there is no scheme to challenge the reader with.
func TestTokenOnlyFeed(t *testing.T) {
	access, err := server.NewAccess(nil, natoToken)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, 0)
	f := makeFeed(t, e.base, "nato", natoTitle, 1, 0)
	f.Access = access
	e.srv.SetFeeds([]server.Feed{f})
	resp, body := e.do(t, "GET", "/nato.atom")
	wantDenied(t, "without the token", resp, body, 404)
	resp, body = e.request(t, "GET", "/nato.atom", "alice", natoToken)
	wantDenied(t, "with the token as a password", resp, body, 404)
	if resp, _ := e.do(t, "GET", "/nato.atom?token="+natoToken); resp.StatusCode != 200 {
		t.Errorf("with the token: status %d", resp.StatusCode)
	}
}

// A private feed is listed neither on the index page nor in the OPML
// document: neither its slug nor its title appear there.
func TestIndexAndOPMLOmitPrivateFeeds(t *testing.T) {
	e, _ := privateEnv(t)
	for _, path := range []string{"/", "/opml"} {
		resp, body := e.do(t, "GET", path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		if !bytes.Contains(body, []byte("/open.rss")) {
			t.Errorf("%s does not list the public feed:\n%s", path, body)
		}
		for _, s := range []string{"nato", natoTitle} {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("%s shows %q:\n%s", path, s, body)
			}
		}
	}
	_, page := e.do(t, "GET", "/")
	if !bytes.Contains(page, []byte("1 feed.")) {
		t.Errorf("the index page counts the private feed:\n%s", page)
	}
}

// A feed's access follows the feed: UpdateFeed can make a public feed
// private and a private one public again.
func TestUpdateFeedChangesAccess(t *testing.T) {
	e, nato := privateEnv(t)
	public := nato
	public.Access = nil
	e.srv.UpdateFeed(public)
	if resp, _ := e.do(t, "GET", "/nato.rss"); resp.StatusCode != 200 {
		t.Errorf("made public: status %d", resp.StatusCode)
	}
	if _, page := e.do(t, "GET", "/"); !bytes.Contains(page, []byte(natoTitle)) {
		t.Errorf("made public: not on the index page")
	}
	e.srv.UpdateFeed(nato)
	resp, body := e.do(t, "GET", "/nato.rss")
	wantDenied(t, "made private again", resp, body, 401)
	if _, page := e.do(t, "GET", "/"); bytes.Contains(page, []byte(natoTitle)) {
		t.Errorf("made private again: still on the index page")
	}
}

// NewAccess refuses what cannot work, without quoting a secret.
func TestNewAccessErrors(t *testing.T) {
	for _, tt := range []struct {
		users []server.User
		token string
	}{
		{nil, ""},
		{[]server.User{{Password: "secret-pw"}}, ""},
		{[]server.User{{Name: "a"}}, ""},
		{[]server.User{{Name: "a", Password: "secret-pw", PasswordBcrypt: "$2a$10$secret-hash"}}, ""},
		{[]server.User{{Name: "a", PasswordBcrypt: "$2a$10$secret-hash"}}, ""},
	} {
		_, err := server.NewAccess(tt.users, tt.token)
		if err == nil {
			t.Errorf("NewAccess(%v, %q): no error", tt.users, tt.token)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("error quotes a secret: %v", err)
		}
	}
}
