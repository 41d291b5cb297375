package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfig parses arbitrary files: no panic, and every problem is an
// Error of the file with a position in it.
func FuzzConfig(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "../config.yaml", "../examples/*/config.yaml", "../../shared/examples/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("sources:\n  - name: x\n    url: https://ex.org/feed\n\t- bad\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte("sources:\n  - name: ${NAME}\n    url: \"${URL}?t=${file:token}&$${x}\"\nlisten: ${credential:listen}\nfetch: {timeout: ${UNSET}}\n"))
	f.Add([]byte("store: postgres://refeed:${file:token}@db:5432,db2/refeed?sslmode=verify-full\ncluster:\n  instance: web-1\n  roles: [fetch, serve]\n  lease: 10s\n  poll: 100ms\n  leader_ttl: 5s\n"))
	f.Add([]byte("store: \"postgres://u:p@ss#x@[::1:5432/db?sslmode=on&%zz\"\ncluster: {instance: \"\", roles: [], lease: 1ms, poll: 1h}\n"))
	dir := f.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("T0KEN\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	// A fixed environment, so that a run does not depend on the process's.
	vars := map[string]string{"NAME": "a", "URL": "https://example.org/feed", "CREDENTIALS_DIRECTORY": dir}
	opt := Options{KnownRules: []string{"taz.de"}, LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, file, opt)
		if err == nil {
			if c == nil {
				t.Fatal("no configuration and no error")
			}
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %T %v, want Errors", err, err)
		}
		for _, e := range es {
			if e.File != file || e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Errorf("error without a position: %#v", e)
			}
		}
	})
}
