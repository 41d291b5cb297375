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
	"syscall"
	"time"

	"github.com/refeed/refeed/alert"
	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/daemon"
	"github.com/refeed/refeed/internal/lockfile"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/store"
)

// Exit statuses.
const (
	exitOK        = 0
	exitFailed    = 1
	exitBadConfig = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: refeed COMMAND [flags]

commands:
  run       fetch sources on their schedules, serve and write feeds (the daemon)
  once      refresh every source once, write all feeds, exit
  check     validate the configuration; -site-tests runs the site configs' test_url lines
  preview   fetch, clean and tag one source (a name, URL or path); store nothing
  alert-test TOPIC  send a sample message to every alert of a topic
  version   print version and build information

Every command takes -config PATH (default config.yaml). Run 'refeed COMMAND -h' for its flags.
`

// run runs the command args[0] with the flags and arguments that follow
// and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadConfig
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "once":
		return cmdOnce(args, stdout, stderr)
	case "run":
		return cmdRun(args, stdout, stderr)
	case "check":
		return cmdCheck(args, stdout, stderr)
	case "preview":
		return cmdPreview(args, stdout, stderr)
	case "alert-test":
		return cmdAlertTest(args, stdout, stderr)
	case "version", "-version", "--version":
		return cmdVersion(stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "refeed: unknown command %q\n\n%s", cmd, usage)
		return exitBadConfig
	}
}

// common holds the flags every command takes.
type common struct {
	config  string
	verbose bool
}

// newFlags returns the flag set of the command name, with the flags every
// command takes.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("refeed "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
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

// parseArg parses the flags of a command that takes one argument and
// returns the argument; without it, it prints usage.
func parseArg(fs *flag.FlagSet, args []string, stderr io.Writer, usage string) (string, bool) {
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return "", false
	}
	return fs.Arg(0), true
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
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("check", stderr)
	sites := siteCheckFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitBadConfig
	}
	cfg, ok := loadConfig(c.config, stdout)
	if !ok {
		return exitBadConfig
	}
	return sites.run(cfg, fs.Args(), stdout, stderr, c.verbose)
}

// cmdRun runs 'refeed run', the daemon, until SIGINT or SIGTERM; SIGHUP
// reloads the configuration.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("run", stderr)
	if err := fs.Parse(args); err != nil {
		return exitBadConfig
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
func cmdOnce(args []string, stdout, stderr io.Writer) (status int) {
	fs, c := newFlags("once", stderr)
	if err := fs.Parse(args); err != nil {
		return exitBadConfig
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
func cmdAlertTest(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("alert-test", stderr)
	topic, ok := parseArg(fs, args, stderr, "usage: refeed alert-test [-config PATH] TOPIC\n\nSends one sample message to every alert of the topic (its slug).")
	if !ok {
		return exitBadConfig
	}
	cfg, ok := loadConfig(c.config, stderr)
	if !ok {
		return exitBadConfig
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := alert.New(cfg, nil, nil, newLogger(stderr, c.verbose)).Test(ctx, topic); err != nil {
		fmt.Fprintf(stderr, "refeed alert-test: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "sent a sample message to every alert of %s\n", topic)
	return exitOK
}

// cmdVersion runs 'refeed version': the version and what the binary was
// built from.
func cmdVersion(stdout io.Writer) int {
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
func cmdPreview(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("preview", stderr)
	format := fs.String("format", "", "print the cleaned feed as rss, atom or json instead of the item list")
	diff := fs.Bool("diff", false, "print each item's content before and after cleaning")
	arg, ok := parseArg(fs, args, stderr, "usage: refeed preview [-config PATH] [-format rss|atom|json] [-diff] SOURCE\n\nSOURCE is a source name from the configuration, a URL or a file path.")
	if !ok {
		return exitBadConfig
	}
	if *format != "" && publish.Format(*format).Ext() == "" {
		fmt.Fprintf(stderr, "refeed preview: unknown format %q (use rss, atom or json)\n", *format)
		return exitBadConfig
	}
	cfg, ok := previewConfig(c.config, stderr)
	if !ok {
		return exitBadConfig
	}
	log := newLogger(stderr, c.verbose)
	p := &preview{cfg: cfg, log: log, out: stdout, format: publish.Format(*format), diff: *diff}
	if err := p.run(context.Background(), arg); err != nil {
		fmt.Fprintf(stderr, "refeed preview: %v\n", err)
		return exitFailed
	}
	return exitOK
}
