package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/siteconfig"
)

// siteCheck holds the flags of 'refeed check' about site configs.
type siteCheck struct {
	tests        bool
	allowPrivate bool
}

// siteCheckFlags adds the flags of 'refeed check' about site configs to fs.
func siteCheckFlags(fs *flag.FlagSet) *siteCheck {
	sc := &siteCheck{}
	fs.BoolVar(&sc.tests, "site-tests", false, "also fetch the test_url pages of the site configs (of the sites, or hosts, given as arguments; all without) and check that their articles hold the test_contains texts")
	fs.BoolVar(&sc.allowPrivate, "allow-private", false, "with -site-tests, let test pages be at private addresses")
	return sc
}

// run checks the site configs of cfg (fulltext.site_configs): it prints
// the lines the loader could not use, as warnings, and with -site-tests
// the outcome of every test_url. Warnings do not fail the check; a failed
// test does.
func (sc *siteCheck) run(cfg *config.Config, args []string, stdout, stderr io.Writer, verbose bool) int {
	if len(args) > 0 && !sc.tests {
		fmt.Fprintf(stderr, "refeed check: arguments %q need -site-tests\n", args)
		return exitUsage
	}
	dir := cfg.Fulltext.SiteConfigs
	if dir == "" {
		if sc.tests {
			fmt.Fprintln(stderr, "refeed check: -site-tests: no site configs (set fulltext.site_configs)")
			return exitBadConfig
		}
		return exitOK
	}
	sites, err := siteconfig.Load(dir)
	if err != nil {
		fmt.Fprintf(stdout, "%s: fulltext.site_configs: %v\n", cfg.File, err)
		return exitBadConfig
	}
	for _, w := range sites.Warnings {
		pos := filepath.Join(dir, w.File)
		if w.Line > 0 {
			pos += ":" + strconv.Itoa(w.Line)
		}
		fmt.Fprintf(stdout, "%s: warning: %s\n", pos, w.Msg)
	}
	if !sc.tests {
		return exitOK
	}
	log := newLogger(stderr, verbose)
	r, err := refresh.New(cfg, nil, log)
	if err != nil {
		fmt.Fprintf(stderr, "refeed check: %v\n", err)
		return exitFailed
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	secrets := cfg.Fetch.SecretParams
	passed, failed := 0, 0
	err = r.SiteTests(ctx, args, sc.allowPrivate, func(t refresh.SiteTest) {
		where := fmt.Sprintf("%s:%d %s", t.File, t.Line, redact.URL(t.URL, secrets))
		switch {
		case t.Err != nil:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %s\n", where, redact.Text(t.Err.Error(), t.URL, secrets))
		case len(t.Missing) > 0:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: the article lacks %s%s\n", where, quoteAll(t.Missing), how(t))
		default:
			passed++
			fmt.Fprintf(stdout, "ok   %s%s\n", where, how(t))
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "refeed check: %v\n", err)
		return exitBadConfig
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 || err != nil {
		return exitFailed
	}
	return exitOK
}

// how says how a test's article was found.
func how(t refresh.SiteTest) string {
	var parts []string
	switch {
	case t.Site != "":
		parts = append(parts, "body by "+t.Site)
	case t.Fallback != "":
		parts = append(parts, "generic extraction: "+t.Fallback)
	default:
		parts = append(parts, "generic extraction")
	}
	if t.Pages > 1 {
		parts = append(parts, fmt.Sprintf("%d pages", t.Pages))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
