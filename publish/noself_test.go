package publish

import (
	"strings"
	"testing"
)

// A feed without an address names no self URL and no hub in any format,
// and its Atom id is a URN.
func TestRenderNoSelf(t *testing.T) {
	f := testFeed()
	f.BaseURL = "http://localhost:8080"
	f.Hubs = []string{"https://hub.example/"}
	f.NoSelf = true
	for _, format := range Formats {
		b := string(render(t, f, format))
		for _, bad := range []string{`rel="hub"`, "hub.example", "feed_url", f.BaseURL + "/" + f.Slug} {
			if strings.Contains(b, bad) {
				t.Errorf("%s carries %q:\n%s", format, bad, b)
			}
		}
	}
	if v := decodeAtom(t, render(t, f, Atom)); v.ID != "urn:refeed:feed:"+f.Slug {
		t.Errorf("atom id = %q", v.ID)
	}
	f.NoSelf = false
	for _, format := range Formats {
		if b := string(render(t, f, format)); !strings.Contains(b, f.URL(format)) || !strings.Contains(b, "hub.example") {
			t.Errorf("%s without NoSelf lacks its self or hub link:\n%s", format, b)
		}
	}
}
