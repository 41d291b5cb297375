package redact

import (
	"strings"
	"testing"
)

const secretURL = "http://alice:S3cretPw0rd@host.example/feed.xml?token=TOPSECRETTOKEN42&page=2"

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{secretURL, "http://host.example/feed.xml?page=2"},
		{"https://ex.org/feed?API_KEY=abc&lang=de&private_token=x#f", "https://ex.org/feed?lang=de#f"},
		{"https://ex.org/feed?sig=1&X-Amz-Signature=2&session=3", "https://ex.org/feed"},
		{"https://ex.org/feed?mine=1", "https://ex.org/feed"}, // listed in extra
		{"https://ex.org/feed?lang=de", "https://ex.org/feed?lang=de"},
		{"https://ex.org/a%20b?x", "https://ex.org/a%20b?x"},
		{"/var/lib/feeds/local.xml", "/var/lib/feeds/local.xml"},
		{"file:///srv/feed.xml", "file:///srv/feed.xml"},
		{"http://u:p@[::1%zz/", "(hidden: not a URL)"},
	} {
		if got := URL(tc.in, []string{"Mine"}); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if HasSecret("https://ex.org/feed?lang=de", nil) || !HasSecret(secretURL, nil) {
		t.Error("HasSecret")
	}
}

func TestText(t *testing.T) {
	msg := `fetch ` + secretURL + `: Get "http://host.example/x?token=TOPSECRETTOKEN42": EOF (S3cretPw0rd)`
	got := Text(msg, secretURL, nil)
	for _, secret := range []string{"S3cretPw0rd", "TOPSECRETTOKEN42", "alice:"} {
		if strings.Contains(got, secret) {
			t.Errorf("Text left %q in %q", secret, got)
		}
	}
	if !strings.Contains(got, "fetch http://host.example/feed.xml?page=2: ") {
		t.Errorf("Text = %q", got)
	}
}

func TestIsSecretParam(t *testing.T) {
	for name, want := range map[string]bool{
		"token": true, "access_token": true, "Key": true, "apikey": true, "auth": true, "secret": true,
		"password": true, "sig": true, "signature": true, "client_secret": true,
		"page": false, "lang": false, "author": false, "design": false, "q": false,
	} {
		if got := IsSecretParam(name, nil); got != want {
			t.Errorf("IsSecretParam(%q) = %v", name, got)
		}
	}
}
