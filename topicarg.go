package main

import (
	"fmt"
	"strings"

	"github.com/refeed/refeed/config"
)

// findTopic returns the topic arg names: its slug, or its name or slug in
// any case ("Politik" or "politik"). A topic arg does not name is an
// error listing the topics there are, slug and name.
func findTopic(cfg *config.Config, arg string) (config.Topic, error) {
	if t, ok := cfg.Topic(arg); ok {
		return t, nil
	}
	for _, t := range cfg.Topics {
		if strings.EqualFold(t.Name, arg) || strings.EqualFold(t.Slug, arg) {
			return t, nil
		}
	}
	if len(cfg.Topics) == 0 {
		return config.Topic{}, fmt.Errorf("unknown topic %s: %s has no topics", arg, cfg.File)
	}
	known := make([]string, len(cfg.Topics))
	for i, t := range cfg.Topics {
		known[i] = fmt.Sprintf("%s (%s)", t.Slug, t.Name)
	}
	return config.Topic{}, fmt.Errorf("unknown topic %s; topics: %s", arg, strings.Join(known, ", "))
}
