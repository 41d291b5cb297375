package config

import (
	"strings"
	"testing"
)

func TestInspector(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, yaml string
		want       bool
	}{
		{"off by default", "", false},
		{"on", "inspector: true", true},
		{"off", "inspector: false", false},
		{"on the admin address alone", "listen: \"\"\nadmin_listen: 127.0.0.1:9091\ninspector: true", true},
	} {
		c, err := parseWith(t, dir, tt.yaml, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Inspector != tt.want {
			t.Errorf("%s: inspector %v, want %v", tt.name, c.Inspector, tt.want)
		}
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"nowhere to serve", "listen: \"\"\ninspector: true", `2:12: inspector: needs listen or admin_listen to be served on, but both are empty`},
		{"not a bool", "inspector: yes", `1:12: inspector: `},
	} {
		_, err := parseWith(t, dir, tt.yaml, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one with %q", tt.name, err, tt.want)
		}
	}
}
