package config

import "testing"

// Feeds have an address when base_url is given or the server listens.
func TestNoAddress(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want bool
	}{
		{"", false},
		{"listen: \"\"\n", true},
		{"listen: \"\"\nbase_url: https://feeds.example/\n", false},
		{"listen: 127.0.0.1:9000\n", false},
	} {
		c, err := Parse([]byte(tc.yaml), "config.yaml", Options{})
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.yaml, err)
		}
		if c.NoAddress != tc.want {
			t.Errorf("Parse(%q).NoAddress = %v, want %v", tc.yaml, c.NoAddress, tc.want)
		}
	}
}
