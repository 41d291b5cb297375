package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sharedBase is a configuration as instances share it; the tests of
// SharedHash change it one line at a time.
const sharedBase = `listen: 127.0.0.1:8081
admin_listen: 127.0.0.1:9091
base_url: https://feeds.example.org
data_dir: ./data-a
store: postgres://refeed:pw-a@db.example/refeed?sslmode=require
cluster:
  instance: a
  roles: [fetch, serve, publish, alert]
  lease: 2m
  poll: 1s
  leader_ttl: 15s
schedule: "*/15 * * * *"
fetch:
  user_agent: refeed-test
trackers:
  lists: [trackers.txt]
sources:
  - name: taz
    url: https://taz.de/!p4608;rss/
    rules: [taz]
  - name: local
    url: feeds/local.xml
topics:
  - name: Korea
    match: {any: [korea]}
  - name: Inside
    private:
      token: ${file:token}
rules:
  - name: taz
    remove: [{selector: aside}]
alerts:
  - topic: korea
    ntfy: https://ntfy.example/korea
    ntfy_token: ${NTFY_TOKEN}
  - topic: korea
    email: {to: [a@example.org], from: b@example.org, smtp: "mail.example.org:587", username: b, password: mail-pw}
retention:
  max_items: 100
`

// sharedHashOf loads data as config.yaml in a new folder that holds the
// files it names, and returns its SharedHash.
func sharedHashOf(t *testing.T, data string, vars map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "trackers.txt", "||ads.example^\n")
	writeFile(t, dir, "token", "0123456789abcdef-token\n")
	if vars == nil {
		vars = map[string]string{"NTFY_TOKEN": "tk_one"}
	}
	c, err := parseWith(t, dir, data, vars)
	if err != nil {
		t.Fatal(err)
	}
	return c.SharedHash()
}

// edit returns sharedBase with old replaced by new, which must be there.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(sharedBase, old) {
		t.Fatalf("%q is not in the base configuration", old)
	}
	return strings.Replace(sharedBase, old, new, 1)
}

func TestSharedHashEqual(t *testing.T) {
	base := sharedHashOf(t, sharedBase, nil)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(base) {
		t.Fatalf("SharedHash() = %q, want 64 hex digits", base)
	}
	if again := sharedHashOf(t, sharedBase, nil); again != base {
		t.Fatalf("the same file in another folder hashes %s, then %s", base, again)
	}
	tests := []struct{ name, yaml string }{
		{"listen", edit(t, "listen: 127.0.0.1:8081", "listen: 127.0.0.1:8082")},
		{"admin_listen", edit(t, "admin_listen: 127.0.0.1:9091", "admin_listen: 127.0.0.1:9092")},
		{"data_dir", edit(t, "data_dir: ./data-a", "data_dir: /var/lib/refeed-b")},
		{"inspector", edit(t, "data_dir: ./data-a\n", "data_dir: ./data-a\ninspector: true\n")},
		{"store credentials", edit(t, "refeed:pw-a@", "refeed-b:pw-b@")},
		{"no store", edit(t, "store: postgres://refeed:pw-a@db.example/refeed?sslmode=require\n", "")},
		{"cluster.instance", edit(t, "instance: a", "instance: b")},
		{"cluster.roles", edit(t, "roles: [fetch, serve, publish, alert]", "roles: [serve]")},
		{"cluster timings", edit(t, "lease: 2m\n  poll: 1s\n  leader_ttl: 15s", "lease: 10s\n  poll: 100ms\n  leader_ttl: 3s")},
		{"no cluster section", edit(t, "cluster:\n  instance: a\n  roles: [fetch, serve, publish, alert]\n  lease: 2m\n  poll: 1s\n  leader_ttl: 15s\n", "")},
		{"comments and layout", "# instance b\n" + edit(t, "match: {any: [korea]}", "match:\n      any:\n        - korea")},
		{"a default written out", edit(t, "fetch:\n", "fetch:\n  timeout: 30s\n  concurrency: 8\n")},
		{"the default schedule left out", edit(t, "schedule: \"*/15 * * * *\"\n", "")},
		{"false written out", edit(t, "rules: [taz]\n", "rules: [taz]\n    fulltext: false\n")},
		{"an empty list", edit(t, "    url: feeds/local.xml\n", "    url: feeds/local.xml\n    rules: []\n")},
		{"the same secret from elsewhere", edit(t, "ntfy_token: ${NTFY_TOKEN}", "ntfy_token: tk_one")},
	}
	for _, tt := range tests {
		if got := sharedHashOf(t, tt.yaml, nil); got != base {
			t.Errorf("%s: hash %s, want %s as the base's", tt.name, got, base)
		}
	}
}

func TestSharedHashDiffers(t *testing.T) {
	base := sharedHashOf(t, sharedBase, nil)
	seen := map[string]string{base: "the base"}
	tests := []struct {
		name, yaml string
		vars       map[string]string
	}{
		{"another topic", edit(t, "topics:\n", "topics:\n  - name: Weather\n"), nil},
		{"a topic's terms", edit(t, "any: [korea]", "any: [korea, pyongyang]"), nil},
		{"topics in another order", edit(t, "  - name: Korea\n    match: {any: [korea]}\n  - name: Inside\n    private:\n      token: ${file:token}\n",
			"  - name: Inside\n    private:\n      token: ${file:token}\n  - name: Korea\n    match: {any: [korea]}\n"), nil},
		{"a rule", edit(t, "selector: aside", "selector: \"aside, footer\""), nil},
		{"a source's URL", edit(t, "https://taz.de/!p4608;rss/", "https://taz.de/!p4609;rss/"), nil},
		{"a source's rules", edit(t, "    rules: [taz]\n", ""), nil},
		{"a source's schedule", edit(t, "    rules: [taz]\n", "    rules: [taz]\n    schedule: \"@hourly\"\n"), nil},
		{"fulltext", edit(t, "    rules: [taz]\n", "    rules: [taz]\n    fulltext: true\n"), nil},
		{"the schedule", edit(t, `schedule: "*/15 * * * *"`, `schedule: "*/10 * * * *"`), nil},
		{"retention", edit(t, "max_items: 100", "max_items: 101"), nil},
		{"base_url", edit(t, "base_url: https://feeds.example.org", "base_url: https://feeds.example.net"), nil},
		{"base_url by default", edit(t, "base_url: https://feeds.example.org\n", ""), nil},
		{"fetch", edit(t, "user_agent: refeed-test", "user_agent: refeed-other"), nil},
		{"a hub", edit(t, "retention:\n", "websub: {hubs: [\"https://hub.example/\"]}\nretention:\n"), nil},
		{"an alert's credential", sharedBase, map[string]string{"NTFY_TOKEN": "tk_two"}},
		{"a mail password", edit(t, "password: mail-pw", "password: mail-pw2"), nil},
		{"a private topic's token", edit(t, "token: ${file:token}", "token: 0123456789abcdef-other"), nil},
		{"a tracker list", edit(t, "lists: [trackers.txt]", "lists: [token]"), nil},
	}
	for _, tt := range tests {
		got := sharedHashOf(t, tt.yaml, tt.vars)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: hash %s, as %s", tt.name, got, prev)
		}
		seen[got] = tt.name
	}
}

// TestSharedHashPaths: paths in the configuration's folder count relative
// to it, others as they are.
func TestSharedHashPaths(t *testing.T) {
	c := &Config{Dir: "/etc/refeed"}
	for p, want := range map[string]string{
		"/etc/refeed/trackers.txt":   "./trackers.txt",
		"/etc/refeed/feeds/a.xml":    "./feeds/a.xml",
		"/etc/refeed":                "./.",
		"/etc/refeed-b/trackers.txt": "/etc/refeed-b/trackers.txt",
		"/etc/trackers.txt":          "/etc/trackers.txt",
		"https://example.org/feed":   "https://example.org/feed",
		"file:///etc/refeed/a.xml":   "file:///etc/refeed/a.xml",
		"":                           "",
	} {
		if got := c.relPath(filepath.FromSlash(p)); got != want {
			t.Errorf("relPath(%q) = %q, want %q", p, got, want)
		}
	}
}

func BenchmarkSharedHash(b *testing.B) {
	dir := b.TempDir()
	for name, data := range map[string]string{"trackers.txt": "||ads.example^\n", "token": "0123456789abcdef-token\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	c, err := Parse([]byte(sharedBase), filepath.Join(dir, "config.yaml"), Options{KnownRules: []string{"taz.de"}, LookupEnv: env(map[string]string{"NTFY_TOKEN": "tk_one"})})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.SharedHash()
	}
}
