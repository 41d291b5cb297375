package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSiteConfigs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	own := filepath.Join(dir, "ftr")
	if err := os.Mkdir(own, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	tests := []struct {
		name, yaml string
		defaultDir bool // data/site_configs exists
		want       string
	}{
		{"no directory, no default", "data_dir: data\n", false, ""},
		{"default under data_dir", "data_dir: data\n", true, filepath.Join(data, DefaultSiteConfigs)},
		{"relative to the file", "data_dir: data\nfulltext: {site_configs: ftr}\n", true, own},
		{"absolute", "fulltext:\n  site_configs: " + own + "\n", false, own},
		{"explicitly none", "data_dir: data\nfulltext: {site_configs: \"\"}\n", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(data)
			if tt.defaultDir {
				if err := os.MkdirAll(filepath.Join(data, DefaultSiteConfigs), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Parse([]byte(tt.yaml), file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Fulltext.SiteConfigs != tt.want {
				t.Errorf("site_configs = %q, want %q", c.Fulltext.SiteConfigs, tt.want)
			}
		})
	}
}

func TestSiteConfigsErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(filepath.Join(dir, "a-file.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ yaml, want string }{
		{"fulltext: {site_configs: missing}\n", "1:26: fulltext.site_configs: cannot read " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"fulltext: {site_configs: a-file.txt}\n", "1:26: fulltext.site_configs: " + filepath.Join(dir, "a-file.txt") + " is a file, not a directory"},
		{"fulltext: {site_configs: [a]}\n", "1:26: fulltext.site_configs: expected a string"},
		{"fulltext: {site_config: a}\n", `1:12: fulltext: unknown key "site_config" (allowed: site_configs)`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml), file, Options{})
		if err == nil {
			t.Errorf("%q: no error", tt.yaml)
			continue
		}
		if got := strings.TrimPrefix(err.Error(), file+":"); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q:\n got %s\nwant %s", tt.yaml, got, tt.want)
		}
	}
}
