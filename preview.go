package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/internal/suggest"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/topic"
)

// preview runs 'refeed preview'.
type preview struct {
	cfg    *config.Config
	log    *slog.Logger
	out    io.Writer
	format publish.Format
	diff   bool
}

// run prints what refeed makes of the source src.
func (p *preview) run(ctx context.Context, src config.Source) error {
	r, err := refresh.New(p.cfg, nil, p.log)
	if err != nil {
		return err
	}
	feed, items, err := r.PreviewSource(ctx, src)
	if err != nil {
		return err
	}
	// What is shown names the source without its secrets.
	secrets := p.cfg.Fetch.SecretParams
	shown := redact.URL(src.URL, secrets)
	for i := range items {
		items[i].Item.SourceURL = redact.URL(items[i].Item.SourceURL, secrets)
	}
	if p.format != "" {
		f := &publish.Feed{Slug: config.AllFeed, Title: feed.Title, Description: "Preview of " + shown, BaseURL: p.cfg.BaseURL, TopicNames: topicNames(p.cfg)}
		for _, pv := range items {
			f.Items = append(f.Items, pv.Item)
		}
		body, err := publish.Render(f, p.format)
		if err != nil {
			return err
		}
		_, err = p.out.Write(body)
		return err
	}
	names := topicNames(p.cfg)
	matcher, err := topic.Compile(p.cfg.Topics)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.out, "%s: %d items\n", shown, len(items))
	for _, pv := range items {
		it := pv.Item
		fmt.Fprintf(p.out, "\n%s\n  link: %s\n", it.Title, it.Link)
		var tags []string
		for _, t := range it.Topics {
			tags = append(tags, names[t])
		}
		fmt.Fprintf(p.out, "  topics: %s\n", orNone(strings.Join(tags, ", ")))
		explainTopics(p.out, matcher, &it)
		fmt.Fprintf(p.out, "  categories: %s\n", orNone(strings.Join(it.Categories, ", ")))
		if len(pv.Removals) == 0 {
			fmt.Fprintln(p.out, "  removed: nothing")
		}
		for _, rm := range pv.Removals {
			fmt.Fprintf(p.out, "  removed by %s (%s): %s\n", rm.Rule, rm.Field, clean.Excerpt(rm.Text, 80))
			if rm.Detail != "" {
				fmt.Fprintf(p.out, "    because: %s\n", rm.Detail)
			}
		}
		if p.diff {
			after := it.Content
			if strings.TrimSpace(after) == "" {
				after = it.Summary
			}
			if err := writeDiff(p.out, pv.Before, after); err != nil {
				return err
			}
		}
	}
	return nil
}

// previewConfig loads the configuration for a preview; a missing default
// file gives the defaults, so that any URL can be previewed anywhere.
func previewConfig(path string, stderr io.Writer) (*config.Config, bool) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && path == "config.yaml" {
		cfg, err := config.Parse(nil, path, config.Options{KnownRules: clean.PackNames()})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return nil, false
		}
		return cfg, true
	}
	return loadConfig(path, stderr)
}

// previewSource returns the configured source named arg, or a source for
// the URL arg, or for the file arg. An arg that is none of them is an
// error naming the source arg may have meant, or the sources there are.
func previewSource(cfg *config.Config, arg string) (config.Source, error) {
	if s, ok := cfg.Source(arg); ok {
		return s, nil
	}
	if strings.Contains(arg, "://") {
		// fetch refuses schemes other than http, https and file.
		return config.Source{Name: "preview", URL: arg}, nil
	}
	if _, err := os.Stat(arg); err != nil {
		return config.Source{}, unknownSource(cfg, arg)
	}
	u := arg
	if abs, err := filepath.Abs(arg); err == nil {
		u = abs
	}
	return config.Source{Name: "preview", URL: u}, nil
}

// unknownSource returns the error of a preview of arg, which names no
// source, URL or file: the configured source it is closest to, or them
// all.
func unknownSource(cfg *config.Config, arg string) error {
	var names []string
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
	}
	if s, ok := suggest.Closest(arg, names); ok {
		return fmt.Errorf("no source named %s; did you mean %s?", arg, s)
	}
	if len(names) == 0 {
		return fmt.Errorf("no source named %s, and no file %s (the configuration has no sources)", arg, arg)
	}
	return fmt.Errorf("no source named %s, and no file %s; sources: %s", arg, arg, strings.Join(names, ", "))
}

// topicNames maps the slug of every topic to its name.
func topicNames(cfg *config.Config) map[string]string {
	m := map[string]string{}
	for _, t := range cfg.Topics {
		m[t.Slug] = t.Name
	}
	return m
}

// orNone returns s, or "-" for nothing.
func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
