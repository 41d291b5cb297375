package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// env returns a LookupEnv reading vars only.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// writeFile writes data to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parseWith parses data as dir/config.yaml with the environment vars.
func parseWith(t *testing.T, dir, data string, vars map[string]string) (*Config, error) {
	t.Helper()
	return Parse([]byte(data), filepath.Join(dir, "config.yaml"), Options{KnownRules: []string{"taz.de"}, LookupEnv: env(vars)})
}

// substErrors parses data and returns its problems, one a line, without
// the file name.
func substErrors(t *testing.T, dir, data string, vars map[string]string) []string {
	t.Helper()
	c, err := parseWith(t, dir, data, vars)
	if err == nil {
		t.Fatalf("no error; config %+v", c)
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not Errors: %v", err, err)
	}
	var lines []string
	for _, e := range es {
		lines = append(lines, strings.TrimPrefix(e.Error(), filepath.Join(dir, "config.yaml")+":"))
	}
	return lines
}

func TestSubstitute(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secrets/taz-url", "https://taz.de/feed?token=FILETOKEN\n")
	writeFile(t, dir, "crlf", "pw-crlf\r\n")
	writeFile(t, dir, "two-newlines", "pw\n\n")
	writeFile(t, dir, "plain", "topic")
	creds := t.TempDir()
	writeFile(t, creds, "smtp-password", "CREDPW\n")
	vars := map[string]string{
		"REFEED_TAZ_URL":         "https://taz.de/!p4608;rss/",
		"TOKEN":                  "ENVTOKEN",
		"EMPTY":                  "",
		"TIMEOUT":                "45s",
		"CREDENTIALS_DIRECTORY":  creds,
		"HOOK":                   "https://hooks.example/abc",
		"_under_score9":          "x",
		"REFEED_VALUE_WITH_DOLL": "${NOT_AGAIN}",
	}
	c, err := parseWith(t, dir, `
listen: ${EMPTY}
base_url: http://feeds.example
fetch:
  timeout: ${TIMEOUT}
  user_agent: "agent ${_under_score9} $5 costs $$ and $${LITERAL} and $x"
sources:
  - name: env
    url: ${REFEED_TAZ_URL}
  - name: part
    url: https://example.org/feed?token=${TOKEN}&lang=de
  - name: file
    url: ${file:secrets/taz-url}
  - name: again
    url: https://example.org/${REFEED_VALUE_WITH_DOLL}
topics:
  - name: Korea
    match: {any: ["$${x}", "${TOKEN}", "${file:two-newlines}"]}
alerts:
  - topic: korea
    webhook: ${HOOK}
  - topic: korea
    email:
      to: [a@example.org]
      from: b@example.org
      smtp: mail.example.org:587
      username: ${file:crlf}
      password: ${credential:smtp-password}
  - topic: korea
    ntfy: https://ntfy.sh/${file:plain}
`, vars)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, got, want string }{
		{"listen", c.Listen, ""},
		{"user_agent", c.Fetch.UserAgent, "agent x $5 costs $$ and ${LITERAL} and $x"},
		{"sources[0].url", c.Sources[0].URL, "https://taz.de/!p4608;rss/"},
		{"sources[1].url", c.Sources[1].URL, "https://example.org/feed?token=ENVTOKEN&lang=de"},
		{"sources[2].url", c.Sources[2].URL, "https://taz.de/feed?token=FILETOKEN"},
		{"sources[3].url (not scanned again)", c.Sources[3].URL, "https://example.org/${NOT_AGAIN}"},
		{"match.any[0]", c.Topics[0].Match.Any[0], "${x}"},
		{"match.any[1]", c.Topics[0].Match.Any[1], "ENVTOKEN"},
		{"webhook", c.Alerts[0].Webhook, "https://hooks.example/abc"},
		{"username (one \\r\\n trimmed)", c.Alerts[1].Email.Username, "pw-crlf"},
		{"password (credential)", c.Alerts[1].Email.Password, "CREDPW"},
		{"match.any[2] (one newline trimmed)", c.Topics[0].Match.Any[2], "pw\n"},
		{"ntfy", c.Alerts[2].Ntfy, "https://ntfy.sh/topic"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
	if c.Fetch.Timeout.String() != "45s" {
		t.Errorf("fetch.timeout = %v, want 45s", c.Fetch.Timeout)
	}
	if c.Sources[0].Pos != (Pos{8, 5}) {
		t.Errorf("sources[0] at %v, want 8:5", c.Sources[0].Pos)
	}
}

// TestSubstituteErrors: references that cannot be resolved are errors at
// their value, naming the variable or the path.
func TestSubstituteErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ok", "https://example.org/feed\n")
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	creds := t.TempDir()
	missing := filepath.Join(dir, "secrets", "missing")
	tests := []struct {
		name, yaml string
		vars       map[string]string
		want       []string
	}{
		{"unset variable", "sources:\n  - name: taz\n    url: ${REFEED_TAZ_URL}\n", nil, []string{
			`3:10: sources[0].url: environment variable REFEED_TAZ_URL is not set`,
		}},
		{"unset variable in a flow list", "topics:\n  - name: a\n    match: {any: [x, \"y${NOPE}\"]}\n", nil, []string{
			`3:22: topics[0].match.any[1]: environment variable NOPE is not set`,
		}},
		{"set but empty, required", "sources:\n  - name: taz\n    url: ${EMPTY}\n", map[string]string{"EMPTY": ""}, []string{
			`3:10: sources[0].url: the value of ${EMPTY} is empty`,
		}},
		{"missing file", "sources:\n  - name: taz\n    url: ${file:secrets/missing}\n", nil, []string{
			`3:10: sources[0].url: ${file:secrets/missing}: cannot read ` + missing + `: no such file or directory`,
		}},
		{"a folder", "base_url: ${file:folder}\n", nil, []string{
			`1:11: base_url: ${file:folder}: ` + filepath.Join(dir, "folder") + ` is not a regular file`,
		}},
		{"a FIFO is not opened", "base_url: ${file:" + fifo + "}\n", nil, []string{
			`1:11: base_url: ${file:` + fifo + `}: ` + fifo + ` is not a regular file`,
		}},
		{"empty file path", "base_url: ${file:}\n", nil, []string{
			`1:11: base_url: ${file:}: empty path`,
		}},
		{"credential without CREDENTIALS_DIRECTORY", "base_url: ${credential:base}\n", nil, []string{
			`1:11: base_url: ${credential:base}: CREDENTIALS_DIRECTORY is not set (systemd sets it for a service with LoadCredential=base:PATH)`,
		}},
		{"missing credential", "base_url: ${credential:base}\n", map[string]string{"CREDENTIALS_DIRECTORY": creds}, []string{
			`1:11: base_url: ${credential:base}: cannot read ` + filepath.Join(creds, "base") + `: no such file or directory`,
		}},
		{"credential name with a slash", "base_url: ${credential:../ok}\n", map[string]string{"CREDENTIALS_DIRECTORY": creds}, []string{
			`1:11: base_url: ${credential:../ok}: invalid credential name "../ok" (use letters, digits, _, . and -)`,
		}},
		{"malformed references", "data_dir: ${foo-bar}\nbase_url: \"${}\"\nlisten: x${A\nschedule: ${1X}\n", nil, []string{
			`1:11: data_dir: invalid reference "${foo-bar}" (write ${NAME} with NAME of letters, digits and _, ${file:PATH} or ${credential:NAME}; $${ is a literal ${)`,
			`2:11: base_url: invalid reference "${}" (write ${NAME} with NAME of letters, digits and _, ${file:PATH} or ${credential:NAME}; $${ is a literal ${)`,
			`3:9: listen: unclosed reference "${A" (write ${NAME}, ${file:PATH} or ${credential:NAME}; $${ is a literal ${)`,
			`4:11: schedule: invalid reference "${1X}" (write ${NAME} with NAME of letters, digits and _, ${file:PATH} or ${credential:NAME}; $${ is a literal ${)`,
		}},
		{"keys are not substituted", "${KEY}: 1\n", map[string]string{"KEY": "listen"}, []string{
			`1:1: unknown key "${KEY}" (allowed: listen, admin_listen, base_url, data_dir, store, schedule, fetch, retention, sources_opml, sources, topics, rules, alerts, trackers, websub, fulltext, cluster, inspector)`,
		}},
		{"numbers are not substituted", "fetch:\n  concurrency: ${N}\n", map[string]string{"N": "4"}, []string{
			`2:16: fetch.concurrency: expected an integer, got "${N}" (${...} is substituted in text values only: strings, durations and sizes)`,
		}},
		{"every problem at once", "sources:\n  - name: a\n    url: ${A}\n  - name: b\n    url: ${file:ok}\n  - name: c\n    url: ${C}\n", nil, []string{
			`3:10: sources[0].url: environment variable A is not set`,
			`7:10: sources[2].url: environment variable C is not set`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compareLines(t, substErrors(t, dir, tt.yaml, tt.vars), tt.want)
		})
	}
}

// TestSubstitutedValueNotShown: a substituted value is checked like one
// written in the file, and a message names it by its reference, never
// showing it.
func TestSubstitutedValueNotShown(t *testing.T) {
	const secret = "S3CRET-not valid:: <>@@ /x/"
	dir := t.TempDir()
	writeFile(t, dir, "bad", secret+"\n")
	vars := map[string]string{"S": secret, "CREDENTIALS_DIRECTORY": dir}
	yaml := `listen: ${S}
base_url: ${file:bad}
schedule: ${credential:bad}
fetch:
  timeout: ${S}
  max_body: ${S}
  secret_params: ["${S}"]
retention:
  max_age: -${S}
sources:
  - name: ${S}
    url: "https://${S}"
    schedule: "@every ${S}"
    rules: ["${S}x"]
  - name: b
    url: "http://${S}/feed?token=${file:bad}"
sources_opml: ${S}
rules:
  - name: ${S}
    sites: ["${S}"]
    remove:
      - selector: ${S}
      - text: /${S}(/
topics:
  - name: x
    slug: ${S}
    in: ["${S}"]
    sources: ["${S}x"]
    match: {any: ["/${S}[/"]}
alerts:
  - topic: ${S}
    webhook: ${S}
  - topic: x
    ntfy: ${file:bad}
  - topic: x
    email: {to: ["${S}"], from: "${S}", smtp: "${S}"}
trackers:
  lists: ["${S}"]
websub:
  hubs: ["${S}"]
`
	lines := substErrors(t, dir, yaml, vars)
	all := strings.Join(lines, "\n")
	for _, part := range []string{"S3CRET", "not valid::", "<>"} {
		if strings.Contains(all, part) {
			t.Errorf("the messages show the secret (%q):\n%s", part, all)
		}
	}
	want := []string{
		`1:9: listen: the value of ${S} is not host:port`,
		`2:11: base_url: the value of ${file:bad} is not an absolute http(s) URL`,
		`3:11: schedule: the value of ${credential:bad} is not a valid cron spec`,
		`5:12: fetch.timeout: the value of ${S} is not a valid duration (use a Go duration such as 30s, 15m or 720h)`,
		`6:13: fetch.max_body: the value of ${S} is not a valid size (such as 20MiB, 512KB or 1000)`,
		`9:12: retention.max_age: the value of "-${S}" is not a valid duration (use a Go duration such as 30s, 15m or 720h)`,
		`11:11: sources[0].name: the value of ${S} is not a valid name (use a-z, 0-9 and -)`,
		`12:10: sources[0].url: the value of "https://${S}" is not a valid URL (use http, https, file or a path)`,
		`13:15: sources[0].schedule: the value of "@every ${S}" is not a valid cron spec`,
		`14:13: sources[0].rules[0]: the value of "${S}x" is not the name of a rule`,
		`16:10: sources[1].url: the value of "http://${S}/feed?token=${file:bad}" is not a valid URL (use http, https, file or a path)`,
		`17:15: sources_opml: the value of ${S} is not the path of a readable OPML file`,
		`20:13: rules[0].sites[0]: the value of ${S} is not a valid host (write the host only, such as taz.de)`,
		`22:19: rules[0].remove[0].selector: the value of ${S} is not a valid CSS selector`,
		`23:15: rules[0].remove[1].text: the value of "/${S}(/" is not a valid regular expression`,
		`26:11: topics[0].slug: the value of ${S} is not a valid slug (use a-z, 0-9 and -)`,
		`27:10: topics[0].in[0]: the value of ${S} is not a known field (allowed: title, summary, content, categories)`,
		`28:15: topics[0].sources[0]: the value of "${S}x" is not the name of a source`,
		`29:19: topics[0].match.any[0]: the value of "/${S}[/" is not a valid regular expression`,
		`31:12: alerts[0].topic: the value of ${S} is not the slug of a topic`,
		`32:14: alerts[0].webhook: the value of ${S} is not an absolute http(s) URL`,
		`33:12: alerts[1].topic: unknown topic "x"`,
		`34:11: alerts[1].ntfy: the value of ${file:bad} is not an absolute http(s) URL`,
		`35:12: alerts[2].topic: unknown topic "x"`,
		`36:18: alerts[2].email.to[0]: the value of ${S} is not a valid address`,
		`36:33: alerts[2].email.from: the value of ${S} is not a valid address`,
		`36:47: alerts[2].email.smtp: the value of ${S} is not host:port`,
		`38:11: trackers.lists[0]: the value of ${S} is not the path of a readable file`,
		`40:10: websub.hubs[0]: the value of ${S} is not an absolute http(s) URL`,
	}
	compareLines(t, lines, want)
	if t.Failed() {
		t.Log("\n" + all)
	}
}

// TestSubstitutedDuplicates: messages about duplicates name substituted
// values by their reference too.
func TestSubstitutedDuplicates(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"N": "taz", "R": "taz.de", "T": "Korea"}
	lines := substErrors(t, dir, `sources:
  - {name: taz, url: /a}
  - {name: "${N}", url: /b}
rules:
  - name: ${R}
    remove: [{text: x}]
topics:
  - name: Korea
  - name: ${T}
  - name: x
    slug: all
`, vars)
	compareLines(t, lines, []string{
		`3:12: sources[1].name: the value of ${N} is a duplicate source name (first at line 2)`,
		`5:11: rules[0].name: the value of ${R} is the name of a built-in rule`,
		`9:11: topics[1].name: the value of ${T} gives a duplicate topic slug (first at line 8)`,
		`11:11: topics[2].slug: slug "all" is reserved for the feed of all items`,
	})
}

// TestSubstituteFromProcessEnvironment: without LookupEnv, Load reads the
// process's environment, and files relative to the configuration's folder.
func TestSubstituteFromProcessEnvironment(t *testing.T) {
	t.Setenv("REFEED_TEST_URL", "https://example.org/feed")
	dir := t.TempDir()
	writeFile(t, dir, "url", "https://example.org/other\n")
	path := writeFile(t, dir, "config.yaml", "sources:\n  - {name: a, url: \"${REFEED_TEST_URL}\"}\n  - {name: b, url: \"${file:url}\"}\n")
	c, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Sources[0].URL != "https://example.org/feed" || c.Sources[1].URL != "https://example.org/other" {
		t.Errorf("sources %+v", c.Sources)
	}
}

// TestURLErrorsHideSecrets: an invalid URL written in the file itself is
// named in its error without its password or token.
func TestURLErrorsHideSecrets(t *testing.T) {
	for _, u := range []string{
		"ftp://alice:Pw0rdSecret@host/feed?token=TOKSECRET1",
		"https://alice:Pw0rdSecret@/feed?token=TOKSECRET1",
		"http://alice:Pw0rdSecret@[::1/feed?token=TOKSECRET1",
	} {
		_, err := Parse([]byte("sources:\n  - name: s\n    url: \""+u+"\"\n"), "config.yaml", Options{})
		if err == nil {
			t.Errorf("%s: no error", u)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "Pw0rdSecret") || strings.Contains(msg, "TOKSECRET1") || !strings.Contains(msg, "config.yaml:3:") {
			t.Errorf("%s: %s", u, msg)
		}
	}
}
