package main

import (
	"testing"

	"github.com/refeed/refeed/config"
)

func TestFindTopic(t *testing.T) {
	cfg := &config.Config{File: "config.yaml", Topics: []config.Topic{
		{Name: "Politik", Slug: "politik"},
		{Name: "NATO/Korea", Slug: "nato-korea"},
		{Name: "nato-korea", Slug: "other"}, // a name that is another's slug: the slug wins
	}}
	for arg, want := range map[string]string{
		"politik":    "politik",
		"Politik":    "politik",
		"POLITIK":    "politik",
		"nato/korea": "nato-korea",
		"NATO-Korea": "nato-korea",
		"nato-korea": "nato-korea",
	} {
		got, err := findTopic(cfg, arg)
		if err != nil || got.Slug != want {
			t.Errorf("findTopic(%q) = %q, %v; want %q", arg, got.Slug, err, want)
		}
	}
	_, err := findTopic(cfg, "Wetter")
	if want := "unknown topic Wetter; topics: politik (Politik), nato-korea (NATO/Korea), other (nato-korea)"; err == nil || err.Error() != want {
		t.Errorf("findTopic(Wetter): %v, want %q", err, want)
	}
	_, err = findTopic(&config.Config{File: "c.yaml"}, "x")
	if want := "unknown topic x: c.yaml has no topics"; err == nil || err.Error() != want {
		t.Errorf("findTopic without topics: %v, want %q", err, want)
	}
}
