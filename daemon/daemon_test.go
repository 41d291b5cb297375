package daemon

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/refeed/refeed/config"
)

func TestMaxAge(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 7, 0, 0, time.UTC)
	for _, tc := range []struct {
		schedules []string
		want      time.Duration
	}{
		{[]string{"*/15 * * * *", "@hourly"}, 7*time.Minute + 30*time.Second},
		{[]string{"@every 10s"}, time.Minute},
		{[]string{"@daily"}, 30 * time.Minute},
		{nil, 7*time.Minute + 30*time.Second},
	} {
		cfg, err := config.Parse(nil, filepath.Join(t.TempDir(), "config.yaml"), config.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range tc.schedules {
			cfg.Sources = append(cfg.Sources, config.Source{Name: string(rune('a' + i)), Schedule: s})
		}
		if got := maxAge(cfg, now); got != tc.want {
			t.Errorf("%v: maxAge = %v, want %v", tc.schedules, got, tc.want)
		}
	}
}
