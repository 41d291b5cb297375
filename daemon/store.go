package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/server"
	"github.com/refeed/refeed/store"
)

// Open retries: the first after OpenRetryMin, each next one after twice
// as long, up to OpenRetryMax.
const (
	OpenRetryMin = time.Second
	OpenRetryMax = time.Minute
)

// A damageReporter is a store that can find itself damaged (store.SQLite).
type damageReporter interface{ Damaged() error }

// openStore opens the store. When it cannot, refeed serves the feeds
// last published in public/ and /healthz reports why (503): a damaged
// store (store.ErrDamaged) stays unopened, untouched, until refeed is
// stopped, and the log says how to recover it; any other failure (no
// space left on the device, say) is tried again, with backoff, until the
// store opens. It returns nil, nil when ctx ended first.
func (d *daemon) openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	delay := OpenRetryMin
	for {
		st, path, err := store.OpenConfigured(ctx, storeURL(cfg), cfg.DataDir)
		if err == nil {
			d.mu.Lock()
			d.openErr = nil
			d.mu.Unlock()
			if delay > OpenRetryMin {
				d.log.Info("store opened", "path", path)
			}
			return st, nil
		}
		d.mu.Lock()
		first := d.openErr == nil
		d.openErr = err
		d.mu.Unlock()
		if first {
			d.servePublished(cfg)
			if err := d.listen(cfg); err != nil {
				return nil, err
			}
			d.opt.Notify(sd.SdNotifyReady)
		}
		damaged := errors.Is(err, store.ErrDamaged)
		if damaged {
			d.log.Error("the store is damaged; serving the last published feeds", "err", err, "todo", store.Recovery(path))
		} else {
			d.log.Error("cannot open the store; serving the last published feeds, trying again", "err", err, "retry_in", delay)
		}
		var retry <-chan time.Time
		if !damaged {
			retry = time.After(delay)
			delay = min(2*delay, OpenRetryMax)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return nil, nil
			case err := <-d.serveErr:
				if err := d.serveFailed(err); err != nil {
					return nil, err
				}
			case <-d.opt.Reload:
				d.log.Warn("reload: the store is not open; the configuration is read when it opens")
			case <-retry:
				break wait
			}
		}
	}
}

// storeError reports why the store is unavailable, for /healthz: it could
// not be opened, or it is damaged.
func (d *daemon) storeError() error {
	d.mu.Lock()
	st, err := d.store, d.openErr
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if dr, ok := st.(damageReporter); ok {
		if err := dr.Damaged(); err != nil {
			return err
		}
	}
	if p := d.storeFailure.Load(); p != nil {
		return fmt.Errorf("the store does not answer; serving the feeds read before, trying again: %w", *p)
	}
	return nil
}

// damaged returns the error of a damaged store, nil otherwise; it logs
// the recovery steps the first time.
func (d *daemon) damaged() error {
	d.mu.Lock()
	st := d.store
	d.mu.Unlock()
	dr, ok := st.(damageReporter)
	if !ok {
		return nil
	}
	err := dr.Damaged()
	if err != nil {
		d.damageOnce.Do(func() {
			var de *store.DamagedError
			path := ""
			if errors.As(err, &de) {
				path = de.Path
			}
			d.log.Error("the store is damaged: refreshing stops, the last good feeds are served", "err", err, "todo", store.Recovery(path))
		})
	}
	return err
}

// servePublished serves the feeds of cfg as last published in public/ (and
// private/, for the private topics, with their credentials)
// (those whose files are there).
func (d *daemon) servePublished(cfg *config.Config) {
	feeds, err := loadPublished(cfg, d.access)
	if err != nil {
		d.log.Error("reading the last published feeds", "err", err)
	}
	d.server.SetFeeds(feeds)
	d.log.Info("serving the last published feeds", "feeds", len(feeds), "dir", publish.PublicDir(cfg.DataDir))
}

// loadPublished reads the files of the feeds of cfg (every item and each
// topic) as publish wrote them: those of public feeds from public/, those
// of private topics from private/, served with their access (and not at
// all without one). A feed without files is left out; its date is its
// newest file's.
func loadPublished(cfg *config.Config, access map[string]*server.Access) ([]server.Feed, error) {
	slugs := []string{config.AllFeed}
	titles := map[string]string{}
	for _, t := range cfg.Topics {
		slugs = append(slugs, t.Slug)
		titles[t.Slug] = t.Name
	}
	var feeds []server.Feed
	var errs []error
	for _, slug := range slugs {
		f := server.Feed{Slug: slug, Title: titles[slug], Docs: map[publish.Format][]byte{}}
		dir := publish.PublicDir(cfg.DataDir)
		if t, ok := cfg.Topic(slug); ok && t.IsPrivate() {
			if f.Access = access[slug]; f.Access == nil {
				continue
			}
			dir = publish.PrivateDir(cfg.DataDir)
		}
		for _, format := range publish.Formats {
			name := filepath.Join(dir, slug+format.Ext())
			b, err := os.ReadFile(name)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			f.Docs[format] = b
			if fi, err := os.Stat(name); err == nil && fi.ModTime().After(f.Updated) {
				f.Updated = fi.ModTime()
			}
			if format == publish.JSON {
				var doc struct {
					Items []json.RawMessage `json:"items"`
				}
				if json.Unmarshal(b, &doc) == nil {
					f.Items = len(doc.Items)
				}
			}
		}
		if len(f.Docs) > 0 {
			feeds = append(feeds, f)
		}
	}
	if len(errs) > 0 {
		return feeds, fmt.Errorf("read published feeds: %w", errors.Join(errs...))
	}
	return feeds, nil
}
