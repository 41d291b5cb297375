// Command refeed turns noisy news feeds into clean topical feeds: it
// fetches RSS, Atom and JSON Feed sources, cleans every item, tags it with
// topics from keyword rules and republishes one feed per topic.
//
// Usage:
//
//	refeed run      [-config PATH]   the daemon
//	refeed once     [-config PATH]   one refresh of every source
//	refeed check    [-config PATH] [-site-tests [SITE...]]   validate the configuration
//	refeed preview  [-config PATH] [-format rss|atom|json] [-diff] SOURCE
//	refeed alert-test [-config PATH] TOPIC
//	refeed version
//	refeed help [COMMAND]
//
// Flags may also follow the arguments. 'refeed COMMAND -h' prints what the
// command does and its flags.
//
// See README.md for the configuration and the outputs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/daemon"
	"github.com/refeed/refeed/internal/lockfile"
	"github.com/refeed/refeed/internal/suggest"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // a fetch, a refresh, a delivery or a site test failed
	// exitBadConfig is a configuration that cannot be used, and exitUsage
	// a command line that cannot: an unknown command, flag, source or
	// topic, an argument missing or too many.
	exitBadConfig = 2
	exitUsage     = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// commands returns refeed's commands, in the order the usage lists them.
func commands() []*command {
	return []*command{
		{name: "run", purpose: "fetch sources on their schedules, serve and write feeds (the daemon)", run: cmdRun},
		{name: "once", purpose: "refresh every source once, write all feeds, exit", run: cmdOnce},
		{name: "check", args: "[SITE...]", maxArgs: -1, run: cmdCheck,
			purpose: "validate the configuration; -site-tests runs the site configs' test_url lines",
			about:   "With -site-tests, SITE... are the sites (or hosts) whose tests run; all without."},
		{name: "preview", args: "SOURCE", minArgs: 1, maxArgs: 1, run: cmdPreview,
			purpose: "fetch, clean and tag one source (a name, URL or path); store nothing",
			about:   "SOURCE is a source name from the configuration, a URL or a file path."},
		{name: "alert-test", args: "TOPIC", minArgs: 1, maxArgs: 1, run: cmdAlertTest,
			purpose: "send a sample message to every alert of a topic",
			about:   "TOPIC is a topic's slug or its name (in any case)."},
		{name: "version", purpose: "print version and build information", run: cmdVersion},
	}
}

// findCommand returns the command called name.
func findCommand(name string) (*command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return nil, false
}

// usage returns refeed's usage: its commands and what they do.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: refeed COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands() {
		name := c.name
		if c.args != "" && c.minArgs > 0 {
			name += " " + c.args
		}
		fmt.Fprintf(&b, "  %-17s %s\n", name, c.purpose)
	}
	b.WriteString("\nEvery command but version takes -config PATH (default config.yaml) and -v.\n" +
		"Run 'refeed COMMAND -h' (or 'refeed help COMMAND') for its flags.\n")
	return b.String()
}

// run runs the command args[0] with the flags and arguments that follow
// and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	name, args := args[0], args[1:]
	switch name {
	case "-version", "--version":
		name = "version"
	case "help", "-h", "-help", "--help":
		if len(args) == 0 || slices.Contains([]string{"help", "-h", "-help", "--help"}, args[0]) {
			fmt.Fprint(stdout, usage())
			return exitOK
		}
		// 'refeed help COMMAND' is 'refeed COMMAND -h'.
		name, args = args[0], []string{"-h"}
	}
	cmd, ok := findCommand(name)
	if !ok {
		var names []string
		for _, c := range commands() {
			names = append(names, c.name)
		}
		hint := ""
		if s, ok := suggest.Closest(name, names); ok {
			hint = fmt.Sprintf("; did you mean %s?", s)
		}
		fmt.Fprintf(stderr, "refeed: unknown command %q%s\n\n%s", name, hint, usage())
		return exitUsage
	}
	return cmd.run(cmd, args, stdout, stderr)
}

// common holds the flags every command takes.
type common struct {
	config  string
	verbose bool
}

// newFlags returns the flag set of the command name, with the flags every
// command takes.
func newFlags(name string) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("refeed "+name, flag.ContinueOnError)
	c := &common{}
	fs.StringVar(&c.config, "config", "config.yaml", "configuration file")
	fs.BoolVar(&c.verbose, "v", false, "log debug messages")
	return fs, c
}

// newLogger returns the logger of a command: text on stderr, without
// timestamps when journald reads it (it stamps lines itself).
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if os.Getenv("JOURNAL_STREAM") != "" {
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadConfig loads the configuration, printing its problems to w.
func loadConfig(path string, w io.Writer) (*config.Config, bool) {
	cfg, err := config.Load(path, config.Options{KnownRules: clean.PackNames()})
	if err != nil {
		fmt.Fprintln(w, err)
		return nil, false
	}
	return cfg, true
}

// cmdCheck runs 'refeed check': it prints the problems of the
// configuration, nothing when it is valid, and the warnings of its site
// configs (see sitecheck.go).
func cmdCheck(cmd *command, args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags(cmd.name)
	sites := siteCheckFlags(fs)
	args, status, done := cmd.parse(fs, args, stdout, stderr)
	if done {
		return status
	}
	cfg, ok := loadConfig(c.config, stdout)
	if !ok {
		return exitBadConfig
	}
	return sites.run(cfg, args, stdout, stderr, c.verbose)
}

// cmdRun runs 'refeed run', the daemon, until SIGINT or SIGTERM; SIGHUP
// reloads the configuration.
func cmdRun(cmd *command, args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags(cmd.name)
	if _, status, done := cmd.parse(fs, args, stdout, stderr); done {
		return status
	}
	log := newLogger(stderr, c.verbose)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default: // a reload is pending already
			}
		}
	}()
	err := daemon.Run(ctx, daemon.Options{ConfigPath: c.config, Log: log, Reload: reload})
	switch {
	case errors.Is(err, daemon.ErrConfig):
		fmt.Fprintln(stderr, err)
		return exitBadConfig
	case err != nil:
		log.Error("refeed stopped", "err", err)
		return exitFailed
	}
	return exitOK
}

// cmdOnce runs 'refeed once': one refresh of every source, then the feeds
// and the alerts.
func cmdOnce(cmd *command, args []string, stdout, stderr io.Writer) (status int) {
	fs, c := newFlags(cmd.name)
	if _, status, done := cmd.parse(fs, args, stdout, stderr); done {
		return status
	}
	cfg, ok := loadConfig(c.config, stderr)
	if !ok {
		return exitBadConfig
	}
	log := newLogger(stderr, c.verbose)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// One process at a time uses a data directory.
	lock, err := lockfile.Acquire(cfg.DataDir)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailed
	}
	defer lock.Release()
	// The store is checked as it opens: a damaged one is not written, and
	// the log says how to recover it.
	st, path, err := store.OpenConfigured(ctx, string(cfg.Store), cfg.DataDir)
	if errors.Is(err, store.ErrDamaged) {
		log.Error("cannot open the store", "err", err, "todo", store.Recovery(path))
		return exitFailed
	}
	if err != nil {
		log.Error("cannot open the store", "err", err)
		return exitFailed
	}
	defer st.Close()
	defer func() {
		if dr, ok := st.(interface{ Damaged() error }); ok && dr.Damaged() != nil {
			log.Error("the store is damaged; nothing more was written", "err", dr.Damaged(), "todo", store.Recovery(path))
			status = exitFailed
		}
	}()
	r, err := refresh.New(cfg, st, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailed
	}
	rep, err := r.Once(ctx)
	status = exitOK
	if err != nil {
		log.Error("publishing failed", "err", err)
		status = exitFailed
	}
	if err := deliverAlerts(ctx, cfg, st, log); err != nil {
		log.Error("alerts failed", "err", err)
	}
	if rep != nil {
		if failed := rep.Failed(); len(failed) > 0 {
			for _, o := range failed {
				log.Error("source failed", "source", o.Source, "err", o.Err)
			}
			status = exitFailed
		}
		log.Info("refresh done", "sources", len(rep.Outcomes), "failed", len(rep.Failed()), "feeds", len(r.Feeds()), "public", publish.PublicDir(cfg.DataDir))
	}
	return status
}

// deliverAlerts queues the alerts of what the refresh stored and sends
// what is due; deliveries that fail wait in the store for the next run.
func deliverAlerts(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	d := alert.New(cfg, st, nil, log)
	// Collected even without alerts, so that alerts added later start
	// from now.
	if err := d.Collect(ctx); err != nil || len(cfg.Alerts) == 0 {
		return err
	}
	return d.Deliver(ctx)
}

// cmdAlertTest runs 'refeed alert-test TOPIC'.
func cmdAlertTest(cmd *command, args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags(cmd.name)
	args, status, done := cmd.parse(fs, args, stdout, stderr)
	if done {
		return status
	}
	cfg, ok := loadConfig(c.config, stderr)
	if !ok {
		return exitBadConfig
	}
	tp, err := findTopic(cfg, args[0])
	if err != nil {
		fmt.Fprintf(stderr, "refeed alert-test: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := alert.New(cfg, nil, nil, newLogger(stderr, c.verbose)).Test(ctx, tp.Slug); err != nil {
		fmt.Fprintf(stderr, "refeed alert-test: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "sent a sample message to every alert of %s (%s)\n", tp.Slug, tp.Name)
	return exitOK
}

// cmdVersion runs 'refeed version': the version and what the binary was
// built from.
func cmdVersion(cmd *command, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("refeed "+cmd.name, flag.ContinueOnError)
	if _, status, done := cmd.parse(fs, args, stdout, stderr); done {
		return status
	}
	fmt.Fprintf(stdout, "refeed %s\n", version)
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(stdout, "go: %s\n", bi.GoVersion)
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.time", "vcs.modified", "GOOS", "GOARCH", "CGO_ENABLED":
				fmt.Fprintf(stdout, "%s: %s\n", s.Key, s.Value)
			}
		}
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/mmcdole/gofeed", "github.com/gorilla/feeds", "github.com/robfig/cron/v3", "modernc.org/sqlite":
				fmt.Fprintf(stdout, "%s %s\n", d.Path, d.Version)
			}
		}
	}
	return exitOK
}

// cmdPreview runs 'refeed preview SOURCE'.
func cmdPreview(cmd *command, args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags(cmd.name)
	format := fs.String("format", "", "print the cleaned feed as rss, atom or json instead of the item list")
	diff := fs.Bool("diff", false, "print a line diff of each item's visible text before and after cleaning")
	args, status, done := cmd.parse(fs, args, stdout, stderr)
	if done {
		return status
	}
	if *format != "" && publish.Format(*format).Ext() == "" {
		fmt.Fprintf(stderr, "refeed preview: unknown format %q (use rss, atom or json)\n", *format)
		return exitUsage
	}
	cfg, ok := previewConfig(c.config, stderr)
	if !ok {
		return exitBadConfig
	}
	src, err := previewSource(cfg, args[0])
	if err != nil {
		fmt.Fprintf(stderr, "refeed preview: %v\n", err)
		return exitUsage
	}
	log := newLogger(stderr, c.verbose)
	p := &preview{cfg: cfg, log: log, out: stdout, format: publish.Format(*format), diff: *diff}
	if err := p.run(context.Background(), src); err != nil {
		fmt.Fprintf(stderr, "refeed preview: %v\n", err)
		return exitFailed
	}
	return exitOK
}
