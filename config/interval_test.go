package config

import (
	"testing"
	"time"
)

func TestInterval(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 7, 0, 0, time.UTC)
	for spec, want := range map[string]time.Duration{
		"*/15 * * * *":                    15 * time.Minute,
		"@every 10m":                      10 * time.Minute,
		"@hourly":                         time.Hour,
		"CRON_TZ=Europe/Berlin 0 6 * * *": 24 * time.Hour,
		"bogus":                           0,
	} {
		if got := Interval(spec, at); got != want {
			t.Errorf("Interval(%q) = %v, want %v", spec, got, want)
		}
	}
}
