package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/refeed/refeed/daemon"
)

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
