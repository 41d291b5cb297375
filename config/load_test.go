package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testOptions = Options{KnownRules: []string{"taz.de"}}

// testdataDir is the absolute folder of the test files, which relative
// paths in them resolve against.
func testdataDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// defaults returns the configuration of an empty file at dir/file.
func defaults(dir, file string) *Config {
	return &Config{
		File:     file,
		Dir:      dir,
		Listen:   "127.0.0.1:8080",
		BaseURL:  "http://127.0.0.1:8080",
		DataDir:  filepath.Join(dir, "data"),
		Schedule: "*/15 * * * *",
		Fetch: Fetch{
			Timeout:     30 * time.Second,
			MaxBody:     20 * MiB,
			Concurrency: 8,
			PerHost:     2,
			UserAgent:   "refeed/1 (+https://github.com/refeed/refeed)",
		},
		Retention: Retention{MaxItems: 200, MaxAge: 720 * time.Hour},
		Cluster: Cluster{
			Instance:  defaultInstance(),
			Roles:     []string{RoleFetch, RoleServe, RolePublish, RoleAlert},
			Lease:     2 * time.Minute,
			Poll:      time.Second,
			LeaderTTL: 15 * time.Second,
		},
	}
}

var allFour = []string{FieldTitle, FieldSummary, FieldContent, FieldCategories}

func TestLoad(t *testing.T) {
	dir := testdataDir(t)
	tests := []struct {
		file string
		want func(c *Config) // edits the defaults into the expected result
	}{
		{"spec-example.yaml", func(c *Config) {
			c.BaseURL = "http://localhost:8080"
			c.Fetch.UserAgent = "refeed/VERSION (+https://...)"
			c.Sources = []Source{{
				Name: "taz", URL: "https://taz.de/!p4608;rss/", Schedule: "@every 10m",
				Rules: []string{"taz"}, Pos: Pos{15, 5},
			}}
			c.Topics = []Topic{{
				Name: "NATO/Korea", Slug: "nato-korea",
				Match: Match{
					Any:  []string{"nato", "nordatlantik*", "*korea*", "pjöngjang", "pyongyang", "kim jong un"},
					All:  []string{},
					None: []string{},
				},
				In:      allFour,
				Sources: []string{},
				Pos:     Pos{21, 5},
			}}
			c.Rules = []Rule{{
				Name:  "taz",
				Sites: []string{"taz.de"},
				Remove: []Remove{
					{Selector: ".tzi-bottom-container, aside"},
					{From: "Eine Koalition, die was bewegt", To: "Jetzt unterstützen"},
					{Text: "/^piwik no script img$/"},
				},
				Pos: Pos{30, 5},
			}}
			c.Alerts = []Alert{{Topic: "nato-korea", Webhook: "https://example.org/hook", Pos: Pos{38, 5}}}
		}},
		{"defaults.yaml", func(c *Config) {
			c.Listen = ""
			c.BaseURL = "http://localhost:8080"
			c.NoAddress = true
			c.Sources = []Source{
				{Name: "local", URL: filepath.Join(dir, "feeds/local.xml"), Schedule: "*/15 * * * *", Pos: Pos{4, 5}},
				{Name: "file", URL: "file:///var/lib/feeds/x.xml", Schedule: "CRON_TZ=UTC 0 6 * * *", Pos: Pos{6, 5}},
			}
			c.Topics = []Topic{{Name: "Über uns – Straße", Slug: "uber-uns-strasse", In: allFour, Pos: Pos{10, 5}}}
			c.Trackers.Lists = []string{filepath.Join(dir, "trackers.txt")}
			c.WebSub.Hubs = []string{"https://pubsubhubbub.appspot.com/"}
		}},
		{"opml.yaml", func(c *Config) {
			// Three feeds in nested outlines: named after their title, else
			// their text, else their host.
			c.SourcesOPML = filepath.Join(dir, "feeds.opml")
			at := Pos{1, 15}
			c.Sources = []Source{
				{Name: "taz-nachrichten", URL: "https://taz.de/!p4608;rss/", Schedule: "*/15 * * * *", Pos: at},
				{Name: "suddeutsche-zeitung", URL: "https://rss.sueddeutsche.de/rss/Topthemen", Schedule: "*/15 * * * *", Pos: at},
				{Name: "www-heise-de", URL: "https://www.heise.de/rss/heise-atom.xml", Schedule: "*/15 * * * *", Pos: at},
			}
		}},
		{"opml-dedupe.yaml", func(c *Config) {
			// The taz feed is configured already; the Süddeutsche one gets
			// a name of its own; topics may name OPML sources.
			c.Schedule = "@hourly"
			c.SourcesOPML = filepath.Join(dir, "feeds.opml")
			at := Pos{2, 15}
			c.Sources = []Source{
				{Name: "taz", URL: "https://taz.de/!p4608;rss/", Schedule: "@hourly", Pos: Pos{4, 5}},
				{Name: "suddeutsche-zeitung", URL: filepath.Join(dir, "feeds/sz.xml"), Schedule: "@hourly", Pos: Pos{6, 5}},
				{Name: "suddeutsche-zeitung-2", URL: "https://rss.sueddeutsche.de/rss/Topthemen", Schedule: "@hourly", Pos: at},
				{Name: "www-heise-de", URL: "https://www.heise.de/rss/heise-atom.xml", Schedule: "@hourly", Pos: at},
			}
			c.Topics = []Topic{{Name: "Heise", Slug: "heise", In: allFour, Sources: []string{"www-heise-de"}, Pos: Pos{9, 5}}}
		}},
		{"latin1.yaml", func(c *Config) {
			// An ISO-8859-1 OPML file, spelling the attribute xmlurl.
			c.SourcesOPML = filepath.Join(dir, "latin1.opml")
			c.Sources = []Source{{Name: "strasse", URL: "https://example.org/feed.xml", Schedule: "*/15 * * * *", Pos: Pos{1, 15}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			file := filepath.Join("testdata", tt.file)
			got, err := Load(file, testOptions)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := defaults(dir, file)
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := testdataDir(t)
	got := errorLines(t, "testdata/broken.yaml", nil)
	want := []string{
		`testdata/broken.yaml:2:9: listen: must be host:port, or empty to disable the server, got "localhost"`,
		`testdata/broken.yaml:3:11: base_url: must be an absolute http(s) URL, got "/feeds"`,
		`testdata/broken.yaml:4:1: unknown key "colour" (allowed: listen, admin_listen, base_url, data_dir, store, schedule, fetch, retention, sources_opml, sources, topics, rules, alerts, trackers, websub, fulltext, cluster, inspector)`,
		`testdata/broken.yaml:5:11: schedule: invalid cron spec "TZ=Europe/Berlin": the time zone must be followed by a space and the schedule`,
		`testdata/broken.yaml:7:12: fetch.timeout: invalid duration "30" (use a Go duration such as 30s, 15m or 720h)`,
		`testdata/broken.yaml:8:13: fetch.max_body: invalid size "20 MB!" (use bytes or a size such as 512KiB, 20MiB or 1GB)`,
		`testdata/broken.yaml:9:16: fetch.concurrency: must be at least 1, got 0`,
		`testdata/broken.yaml:10:3: fetch: unknown key "per_hots" (allowed: timeout, max_body, concurrency, per_host, user_agent, secret_params)`,
		`testdata/broken.yaml:12:14: retention.max_items: must be at least 1, got -5`,
		`testdata/broken.yaml:13:12: retention.max_age: must be positive, got 0s`,
		`testdata/broken.yaml:17:18: sources[0].rules[1]: unknown rule "nope"`,
		`testdata/broken.yaml:18:11: sources[1].name: duplicate source name "taz" (first at line 15)`,
		`testdata/broken.yaml:19:10: sources[1].url: unsupported scheme "ftp" in "ftp://example.org/feed" (use http, https, file or a path)`,
		`testdata/broken.yaml:20:15: sources[1].schedule: invalid cron spec "61 * * * *": end of range (61) above maximum (59): 61`,
		`testdata/broken.yaml:21:11: sources[2].name: invalid name "Heise" (use a-z, 0-9 and -)`,
		`testdata/broken.yaml:22:10: sources[2].url: URL "http:///no-host" has no host`,
		`testdata/broken.yaml:23:5: sources[2]: duplicate key "url" (first at line 22)`,
		`testdata/broken.yaml:24:15: sources[2].fulltext: expected true or false, got "yes"`,
		`testdata/broken.yaml:25:5: sources[3]: name is required`,
		`testdata/broken.yaml:26:12: sources[3].rules: expected a list, got "taz.de"`,
		"testdata/broken.yaml:30:19: topics[0].match.any[1]: invalid regular expression \"/[unclosed/\": missing closing ]: `[unclosed`",
		`testdata/broken.yaml:30:34: topics[0].match.any[2]: empty term`,
		`testdata/broken.yaml:31:7: topics[0].match: unknown key "some" (allowed: any, all, none)`,
		`testdata/broken.yaml:32:17: topics[0].in[1]: unknown field "body" (allowed: title, summary, content, categories)`,
		`testdata/broken.yaml:33:20: topics[0].sources[1]: unknown source "missing"`,
		`testdata/broken.yaml:35:11: topics[1].slug: duplicate topic slug "nato-korea" (first at line 28)`,
		`testdata/broken.yaml:37:11: topics[2].slug: slug "all" is reserved for the feed of all items`,
		`testdata/broken.yaml:38:5: topics[3]: name is required`,
		`testdata/broken.yaml:42:19: rules[0].remove[0].selector: invalid CSS selector "div[": expected identifier, found EOF instead`,
		`testdata/broken.yaml:43:13: rules[0].remove[1].to: to needs from`,
		`testdata/broken.yaml:44:9: rules[0].remove[2]: needs exactly one of selector, from or text`,
		`testdata/broken.yaml:46:11: rules[1].name: "taz.de" is the name of a built-in rule`,
		`testdata/broken.yaml:48:5: alerts[0]: needs exactly one of webhook, ntfy or email`,
		`testdata/broken.yaml:51:12: alerts[1].topic: unknown topic "weather"`,
		`testdata/broken.yaml:52:17: alerts[1].email: to is required`,
		`testdata/broken.yaml:52:49: alerts[1].email.smtp: must be host:port, got "mail.example.org"`,
		`testdata/broken.yaml:53:13: alerts[1].digest: must not be negative, got -1h0m0s`,
		`testdata/broken.yaml:54:12: alerts[2].topic: unknown topic "NATO/Korea" (name topics by their slug: "nato-korea")`,
		`testdata/broken.yaml:55:11: alerts[2].ntfy: must be an absolute http(s) URL, got "ntfy.sh/x"`,
		`testdata/broken.yaml:57:11: trackers.lists[0]: cannot read ` + filepath.Join(dir, "missing-list.txt") + `: no such file or directory`,
		`testdata/broken.yaml:59:10: websub.hubs[0]: must be an absolute http(s) URL, got "ftp://hub.example.org/"`,
	}
	compareLines(t, got, want)
}

// errorLines loads file, or parses data as file when data is not nil, and
// returns the lines of the error.
func errorLines(t *testing.T, file string, data []byte) []string {
	t.Helper()
	var (
		c   *Config
		err error
	)
	if data == nil {
		c, err = Load(file, testOptions)
	} else {
		c, err = Parse(data, file, testOptions)
	}
	if err == nil {
		t.Fatalf("no error; config %+v", c)
	}
	if c != nil {
		t.Errorf("config %+v returned with the error", c)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not Errors: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

func compareLines(t *testing.T, got, want []string) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing: %s", want[i])
		case i >= len(want):
			t.Errorf("extra:   %s", got[i])
		case got[i] != want[i]:
			t.Errorf("got:  %s\nwant: %s", got[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	dir := testdataDir(t)
	file := filepath.Join("testdata", "inline.yaml")
	tests := []struct {
		name, yaml string
		want       []string // without the "FILE:" prefix
	}{
		{"not YAML", "listen: [\n", []string{"1:1: invalid YAML: did not find expected node content"}},
		{"unclosed quote on the first line", "listen: \"x", []string{"1:1: invalid YAML: found unexpected end of stream"}},
		{"not a mapping", "just some text\n", []string{`1:1: expected a mapping of settings, got "just some text"`}},
		{"two documents", "listen: \"\"\n---\n---\nlisten: \"\"\n", []string{"3:1: only one YAML document is allowed"}},
		{"wrong types", "sources: {name: x}\ntopics:\n  - name: [a]\nfetch:\n  concurrency: \"8\"\n  timeout: [1s]\nretention: 5\n", []string{
			`1:10: sources: expected a list, got a mapping`,
			`3:11: topics[0].name: expected a string, got a list`,
			`5:16: fetch.concurrency: expected an integer, got "8"`,
			`6:12: fetch.timeout: expected a duration, got a list`,
			`7:12: retention: expected a mapping, got "5"`,
		}},
		{"explicit zeros are not defaulted", "fetch: {timeout: 0s, max_body: 0, per_host: 0}\nretention: {max_age: -1h}\n", []string{
			`1:18: fetch.timeout: must be positive, got 0s`,
			`1:32: fetch.max_body: must be positive, got 0`,
			`1:45: fetch.per_host: must be at least 1, got 0`,
			`2:22: retention.max_age: must be positive, got -1h0m0s`,
		}},
		{"merge keys", "fetch: &f {timeout: 5s}\nretention:\n  <<: *f\n", []string{
			`3:3: retention: merge keys (<<) are not supported`,
		}},
		{"source URLs", "sources:\n  - {name: a, url: \"http://[::1\"}\n  - {name: b, url: \"file://host/x\"}\n  - {name: c, url: \"localhost:8080/feed\"}\n  - {name: d}\n", []string{
			`2:20: sources[0].url: invalid URL "http://[::1": missing ']' in host`,
			`3:20: sources[1].url: file URL "file://host/x" names a host (use file:///path)`,
			`4:20: sources[2].url: unsupported scheme "localhost" in "localhost:8080/feed" (use http, https, file or a path)`,
			`5:5: sources[3]: url is required`,
		}},
		{"topic slugs", "topics:\n  - name: \"!!!\"\n  - name: All\n  - {name: x, slug: \"Not A Slug\"}\n", []string{
			`2:11: topics[0].name: no slug can be derived from "!!!": set slug`,
			`3:11: topics[1].name: slug "all" is reserved for the feed of all items`,
			`4:21: topics[2].slug: invalid slug "Not A Slug" (use a-z, 0-9 and -)`,
		}},
		{"rules", "rules:\n  - {name: a, remove: [{text: \"//\"}, {from: \"/(/\", to: x}, {}]}\n  - {name: a, sites: [\"https://a.example\"]}\n  - remove: []\n", []string{
			`2:31: rules[0].remove[0].text: empty regular expression`,
			"2:45: rules[0].remove[1].from: invalid regular expression \"/(/\": missing closing ): `(`",
			`2:60: rules[0].remove[2]: needs exactly one of selector, from or text`,
			`3:12: rules[1].name: duplicate rule name "a" (first at line 2)`,
			`3:23: rules[1].sites[0]: invalid host "https://a.example" (write the host only, such as taz.de)`,
			`4:5: rules[2]: name is required`,
		}},
		{"alerts", "topics: [{name: t}]\nalerts:\n  - {topic: t}\n  - topic: t\n    email: {to: [\"not an address\"], from: x@example.org}\n  - {webhook: \"http://\"}\n", []string{
			`3:5: alerts[0]: needs exactly one of webhook, ntfy or email`,
			`5:12: alerts[1].email: smtp is required`,
			`5:18: alerts[1].email.to[0]: invalid address "not an address": mail: no angle-addr`,
			`6:5: alerts[2]: topic is required`,
			`6:15: alerts[2].webhook: must be an absolute http(s) URL, got "http://"`,
		}},
		{"missing OPML", "sources_opml: nope.opml\n", []string{
			"1:15: sources_opml: open " + filepath.Join(dir, "nope.opml") + ": no such file or directory",
		}},
		{"not OPML", "sources_opml: spec-example.yaml\n", []string{
			"1:15: sources_opml: " + filepath.Join(dir, "spec-example.yaml") + ": not an OPML file: EOF",
		}},
		{"directory as tracker list", "trackers: {lists: [\"\", .]}\n", []string{
			`1:20: trackers.lists[0]: empty path`,
			"1:24: trackers.lists[1]: " + dir + " is a directory, not a file",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = file + ":" + w
			}
			compareLines(t, errorLines(t, file, []byte(tt.yaml)), want)
		})
	}
}

func TestLoadUnreadable(t *testing.T) {
	got := errorLines(t, filepath.Join("testdata", "absent.yaml"), nil)
	compareLines(t, got, []string{"testdata/absent.yaml: cannot read: no such file or directory"})
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "# nothing yet\n", "---\n", "---\n---\n"} {
		c, err := Parse([]byte(data), "config.yaml", Options{})
		if err != nil {
			t.Fatalf("Parse(%q): %v", data, err)
		}
		abs, _ := filepath.Abs("config.yaml")
		if want := defaults(filepath.Dir(abs), "config.yaml"); !reflect.DeepEqual(c, want) {
			t.Errorf("Parse(%q):\n got %+v\nwant %+v", data, c, want)
		}
	}
}

func TestDefaultBaseURL(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"listen: 127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"listen: \"[::1]:9000\"", "http://[::1]:9000"},
		{"listen: 0.0.0.0:9000", "http://localhost:9000"},
		{"listen: \":9000\"", "http://localhost:9000"},
		{"listen:", "http://localhost:8080"}, // null: no server, like ""
		{"listen: \"\"\nbase_url: https://feeds.example.org/news/", "https://feeds.example.org/news"},
	}
	for _, tt := range tests {
		c, err := Parse([]byte(tt.yaml), "config.yaml", Options{})
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.yaml, err)
		}
		if c.BaseURL != tt.want {
			t.Errorf("Parse(%q).BaseURL = %q, want %q", tt.yaml, c.BaseURL, tt.want)
		}
	}
}

func TestCron(t *testing.T) {
	valid := []string{"*/15 * * * *", "0 6 * * mon-fri", "@hourly", "@every 10m", "CRON_TZ=UTC 0 6 * * *", "TZ=UTC @daily"}
	for _, spec := range valid {
		if _, err := ParseSchedule(spec); err != nil {
			t.Errorf("ParseSchedule(%q): %v", spec, err)
		}
	}
	invalid := []struct{ spec, want string }{
		// robfig/cron panics on these three.
		{"TZ=UTC", "the time zone must be followed by a space and the schedule"},
		{"CRON_TZ=", "the time zone must be followed by a space and the schedule"},
		{"CRON_TZ=UTC@hourly", "the time zone must be followed by a space and the schedule"},

		{"TZ=Nowhere/City * * * * *", "provided bad location Nowhere/City: unknown time zone Nowhere/City"},
		{"* * * *", "expected exactly 5 fields, found 4: [* * * *]"},
		{"0 0 * * * *", "expected exactly 5 fields, found 6: [0 0 * * * *]"},
		{"*/0 * * * *", "step of range should be a positive number: */0"},
		{"0 25 * * *", "end of range (25) above maximum (23): 25"},
		{"@fortnightly", "unrecognized descriptor: @fortnightly"},
		{"@every", "unrecognized descriptor: @every"},
		{"@every 10", "failed to parse duration @every 10: time: missing unit in duration \"10\""},
		{"@every 0s", "@every needs at least 1s, got 0s"},
		{"", "empty spec string"},
	}
	for _, tt := range invalid {
		_, err := ParseSchedule(tt.spec)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseSchedule(%q) = %v, want %s", tt.spec, err, tt.want)
		}
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ name, want string }{
		{"NATO/Korea", "nato-korea"},
		{"Über uns – Straße", "uber-uns-strasse"},
		{"  --a--  ", "a"},
		{"Pjöngjang", "pjongjang"},
		{"Café Økonomi, Łódź & Æsir", "cafe-okonomi-lodz-aesir"},
		{"ﬁle №5", "file-no5"},
		{"2024", "2024"},
		{"!!!", ""},
		{"Москва", ""},
	}
	for _, tt := range tests {
		if got := Slug(tt.name); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want Size
	}{
		{"20MiB", 20 << 20},
		{"512KiB", 512 << 10},
		{"1MB", 1000000},
		{"2GB", 2000000000},
		{"1.5 GiB", 3 << 29},
		{"4096", 4096},
		{"10b", 10},
		{"3mib", 3 << 20},
	}
	for _, tt := range tests {
		if got, err := ParseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "MiB", "20 MB!", "1.2.3KB", "20 parsecs", "9999999999TiB"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestSizeString(t *testing.T) {
	for size, want := range map[Size]string{20 * MiB: "20MiB", 512 * KiB: "512KiB", 2 * GiB: "2GiB", 1000: "1000", 0: "0"} {
		if got := size.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(size), got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "spec-example.yaml"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := c.Source("taz"); !ok || s.Schedule != "@every 10m" {
		t.Errorf(`Source("taz") = %+v, %v`, s, ok)
	}
	if _, ok := c.Source("nope"); ok {
		t.Error(`Source("nope") found`)
	}
	if tp, ok := c.Topic("nato-korea"); !ok || tp.Name != "NATO/Korea" {
		t.Errorf(`Topic("nato-korea") = %+v, %v`, tp, ok)
	}
	if _, ok := c.Topic("NATO/Korea"); ok {
		t.Error(`Topic("NATO/Korea") found: topics are looked up by slug`)
	}
}

func ExampleError() {
	err := Errors{
		{File: "config.yaml", Line: 12, Col: 5, Msg: `sources[1].url: unsupported scheme "ftp"`},
		{File: "config.yaml", Msg: "cannot read: permission denied"},
	}
	fmt.Println(err)
	// Output:
	// config.yaml:12:5: sources[1].url: unsupported scheme "ftp"
	// config.yaml: cannot read: permission denied
}
