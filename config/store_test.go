package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	// The tests that read the process's environment (Options without
	// LookupEnv) expect no store from it.
	os.Unsetenv(StoreEnv)
	os.Exit(m.Run())
}

func TestStore(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "db-password", "s3cret\n")
	creds := t.TempDir()
	writeFile(t, creds, "db", "cr3d\n")
	const pg = "postgres://refeed@db.example:5432/refeed?sslmode=verify-full"
	tests := []struct {
		name, yaml string
		vars       map[string]string
		want       StoreURL
	}{
		{"none: SQLite", "", nil, ""},
		{"postgres", "store: " + pg, nil, pg},
		{"postgresql", "store: postgresql://refeed@db.example/refeed", nil, "postgresql://refeed@db.example/refeed"},
		{"empty: SQLite", `store: ""`, nil, ""},
		{"from REFEED_STORE", "", map[string]string{StoreEnv: pg}, pg},
		{"REFEED_STORE empty", "", map[string]string{StoreEnv: ""}, ""},
		{"REFEED_STORE is not substituted", "", map[string]string{StoreEnv: "postgres://u@db/${X}"}, "postgres://u@db/${X}"},
		{"the key wins", "store: " + pg, map[string]string{StoreEnv: "postgres://other@db2/refeed"}, pg},
		{"an empty key wins", `store: ""`, map[string]string{StoreEnv: pg}, ""},
		{"a null key wins", "store:", map[string]string{StoreEnv: pg}, ""},
		{"${NAME}", "store: ${DB_URL}", map[string]string{"DB_URL": pg}, pg},
		{"${file:PATH}", "store: postgres://refeed:${file:db-password}@db/refeed", nil, "postgres://refeed:s3cret@db/refeed"},
		{"${credential:NAME}", "store: postgres://refeed:${credential:db}@db/refeed?sslmode=require",
			map[string]string{"CREDENTIALS_DIRECTORY": creds}, "postgres://refeed:cr3d@db/refeed?sslmode=require"},
		{"several hosts", "store: postgres://refeed@db1:5432,db2:5433/refeed?target_session_attrs=read-write", nil,
			"postgres://refeed@db1:5432,db2:5433/refeed?target_session_attrs=read-write"},
		{"a socket", "store: postgres:///refeed?host=/run/postgresql", nil, "postgres:///refeed?host=/run/postgresql"},
		{"an encoded password", "store: postgres://refeed:p%40ss%23w%3Ard@db/refeed", nil, "postgres://refeed:p%40ss%23w%3Ard@db/refeed"},
		{"a colon in the password", "store: postgres://refeed:pa:ss@db/refeed", nil, "postgres://refeed:pa:ss@db/refeed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseWith(t, dir, tt.yaml, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if c.Store != tt.want || c.Store.IsPostgres() != (tt.want != "") {
				t.Errorf("store %q (postgres %v), want %q", string(c.Store), c.Store.IsPostgres(), string(tt.want))
			}
		})
	}
}

// TestStoreFromEnvironment reads REFEED_STORE from the process's
// environment, as Options without LookupEnv do.
func TestStoreFromEnvironment(t *testing.T) {
	const pg = "postgres://refeed:pw@127.0.0.1:5432/refeed?sslmode=disable"
	t.Setenv(StoreEnv, pg)
	c, err := Parse(nil, "config.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != pg {
		t.Errorf("store %q, want %q", string(c.Store), pg)
	}
	c, err = Parse([]byte("store: postgres://file@db/refeed\n"), "config.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "postgres://file@db/refeed" {
		t.Errorf("store %q: the file's key must win over %s", string(c.Store), StoreEnv)
	}

	t.Setenv(StoreEnv, "mysql://refeed:pw@db/refeed")
	_, err = Parse(nil, "config.yaml", Options{})
	want := `config.yaml: store (from REFEED_STORE): unsupported scheme "mysql"; use postgres://… or leave store unset for SQLite in data_dir`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestStoreErrors: every problem names the key and its place, and none
// shows the password (pw-SECRET in every case).
func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw", "pw-SECRET\n")
	writeFile(t, dir, "bad-url", "postgres://refeed:pw-SECRET@db:54x/refeed\n")
	const secret = "pw-SECRET"
	const encode = "(not shown: it may hold a password; percent-encode @ : / ? # % [ ] and spaces in the user name and password)"
	tests := []struct {
		name, yaml string
		vars       map[string]string
		want       []string
	}{
		{"mysql", "store: mysql://refeed:pw-SECRET@db/refeed\n", nil, []string{
			`1:8: store: unsupported scheme "mysql"; use postgres://… or leave store unset for SQLite in data_dir`,
		}},
		{"sqlite", "listen: \"\"\nstore: \"sqlite:///var/lib/refeed/refeed.db\"\n", nil, []string{
			`2:8: store: unsupported scheme "sqlite"; use postgres://… or leave store unset for SQLite in data_dir`,
		}},
		{"upper case", "store: POSTGRES://refeed:pw-SECRET@db/refeed\n", nil, []string{
			`1:8: store: the scheme must be lower case (postgres://)`,
		}},
		{"keyword/value", "store: host=db user=refeed password=pw-SECRET\n", nil, []string{
			`1:8: store: not a postgres:// URL (not shown: it may hold a password); use postgres://… or leave store unset for SQLite in data_dir`,
		}},
		{"no scheme", "store: refeed:pw-SECRET@db/refeed\n", nil, []string{
			`1:8: store: not a postgres:// URL (not shown: it may hold a password); use postgres://… or leave store unset for SQLite in data_dir`,
		}},
		{"bad port", "store: postgres://refeed:pw-SECRET@db:54x/refeed\n", nil, []string{
			`1:8: store: not a valid URL ` + encode,
		}},
		{"a / in the password", "store: postgres://refeed:pw/-SECRET@db/refeed\n", nil, []string{
			`1:8: store: not a valid URL ` + encode,
		}},
		{"a bad escape", "store: postgres://refeed:pw-SECRET%zz@db/refeed\n", nil, []string{
			`1:8: store: not a valid URL ` + encode,
		}},
		{"a space in the password", "store: \"postgres://refeed:pw-SECRET x@db/refeed\"\n", nil, []string{
			`1:8: store: not a valid URL ` + encode,
		}},
		{"a # in the password", "store: \"postgres://refeed:pw-SECRET#1@db/refeed\"\n", nil, []string{
			`1:8: store: a # ends the URL early (not shown: it may hold a password; percent-encode @ : / ? # % [ ] and spaces in the user name and password: # as %23)`,
		}},
		{"two @", "store: postgres://refeed:pw-SECRET@1@db/refeed\n", nil, []string{
			`1:8: store: an @ or ? in the user name or password makes the URL ambiguous ` + encode,
		}},
		{"a ? in the password", "store: postgres://refeed:12?pw-SECRET@db/refeed\n", nil, []string{
			`1:8: store: an @ or ? in the user name or password makes the URL ambiguous ` + encode,
		}},
		{"a bad query", "store: postgres://refeed:pw-SECRET@db/refeed?sslmode=require&x=%zz\n", nil, []string{
			`1:8: store: not a valid query after ? ` + encode,
		}},
		{"sslmode", "store: postgres://refeed:pw-SECRET@db/refeed?sslmode=verify\n", nil, []string{
			`1:8: store: unknown sslmode "verify" (use disable, allow, prefer, require, verify-ca, verify-full)`,
		}},
		{"not a string", "store: {url: postgres://db/refeed}\n", nil, []string{
			`1:8: store: expected a string, got a mapping`,
		}},
		{"a substituted password", "store: postgres://refeed:${file:pw}@db:54x/refeed\n", nil, []string{
			`1:8: store: not a valid URL ` + encode,
		}},
		{"a substituted URL", "store: ${file:bad-url}\n", nil, []string{
			`1:8: store: not a valid URL ` + encode,
		}},
		{"an empty variable", "store: ${DB_URL}\n", map[string]string{"DB_URL": ""}, []string{
			`1:8: store: the value of ${DB_URL} is empty (for SQLite in data_dir, leave store out or write store: "")`,
		}},
		{"an unset variable", "store: postgres://refeed:${DB_PASSWORD}@db/refeed\n", nil, []string{
			`1:8: store: environment variable DB_PASSWORD is not set`,
		}},
		{"REFEED_STORE", "", map[string]string{StoreEnv: "postgres://refeed:pw-SECRET@db:54x/refeed"}, []string{
			` store (from REFEED_STORE): not a valid URL ` + encode,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := substErrors(t, dir, tt.yaml, tt.vars)
			compareLines(t, got, tt.want)
			for _, line := range got {
				if strings.Contains(line, secret) {
					t.Errorf("the password is in %q", line)
				}
			}
		})
	}
}

// TestStoreRedacted: printing, encoding or logging a Config shows no
// password of its store.
func TestStoreRedacted(t *testing.T) {
	const raw = "postgres://refeed:pw-SECRET@db.example:5432/refeed?sslmode=require&sslpassword=key-SECRET"
	c, err := Parse([]byte("store: "+raw+"\n"), "config.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Store) != raw {
		t.Fatalf("store %q, want %q", string(c.Store), raw)
	}
	const want = "postgres://db.example:5432/refeed?sslmode=require"
	if got := c.Store.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	slog.New(slog.NewTextHandler(&log, nil)).Info("loaded", "config", c, "store", c.Store)
	slog.New(slog.NewJSONHandler(&log, nil)).Info("loaded", "config", c, "store", c.Store)
	outputs := map[string]string{
		"%v":    fmt.Sprintf("%v", c),
		"%+v":   fmt.Sprintf("%+v", c),
		"%#v":   fmt.Sprintf("%#v", c),
		"%s":    fmt.Sprintf("%s", c.Store),
		"%q":    fmt.Sprintf("%q", c.Store),
		"JSON":  string(js),
		"slog":  log.String(),
		"Print": fmt.Sprint(c.Store),
	}
	for how, out := range outputs {
		if strings.Contains(out, "SECRET") {
			t.Errorf("%s shows a secret: %s", how, out)
		}
		if !strings.Contains(out, "db.example:5432/refeed") {
			t.Errorf("%s does not show the store: %s", how, out)
		}
	}
	if s := StoreURL("").String(); s != "" {
		t.Errorf(`StoreURL("").String() = %q`, s)
	}
}

func TestStoreInFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw", "pw-SECRET\n")
	file := writeFile(t, dir, "config.yaml", "store: postgres://refeed:${file:pw}@db/refeed?sslmode=disable\n")
	c, err := Load(file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://refeed:pw-SECRET@db/refeed?sslmode=disable"; string(c.Store) != want {
		t.Errorf("store %q, want %q", string(c.Store), want)
	}
}
