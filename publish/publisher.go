package publish

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// PublicDir returns the directory under the data directory dataDir where
// feeds are published: public/.
func PublicDir(dataDir string) string { return filepath.Join(dataDir, "public") }

// PrivateDir returns the directory under the data directory dataDir where
// private feeds are published: private/, beside public/ and never in it,
// so that serving public/ as it is (a web server's root, a sync to a
// static host) never serves a private feed.
func PrivateDir(dataDir string) string { return filepath.Join(dataDir, "private") }

// A Publisher writes the files of feeds, SLUG.rss, SLUG.atom and SLUG.json,
// into one directory. A file is replaced atomically (as by [WriteFile]), and
// only when its bytes change; the renames of a publication are made durable
// together, with one sync of the directory.
//
// A Publisher remembers the hash of what each file holds, as it wrote or
// read it, so that republishing an unchanged feed reads none of its files.
// It assumes that nothing else writes the directory's feed files meanwhile.
// Publications happen one at a time. A Publisher is safe for concurrent use.
type Publisher struct {
	path string
	log  *slog.Logger

	// turn is held by a publication: one at a time.
	turn   sync.Mutex
	tidied bool // stale temporary files removed; guarded by turn

	mu       sync.Mutex
	unsynced map[string]bool              // files renamed since the last successful sync
	sums     map[string][sha256.Size]byte // file name -> hash of what it holds
}

// NewPublisher returns a publisher writing into the directory dir, which is
// created (0755) when a file is first written. Its first publication
// removes the temporary files that a write cut short (a crash, kill -9)
// left in dir: they are incomplete, and nothing else would remove them.
// Only one Publisher should publish into a directory at a time. log may be
// nil: nothing is logged.
func NewPublisher(dir string, log *slog.Logger) *Publisher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{path: dir, log: log, unsynced: map[string]bool{}, sums: map[string][sha256.Size]byte{}}
}

// Publish runs one publication. feeds calls add for each feed to publish,
// with its slug and its documents in every format (docs[i] in Formats[i],
// as RenderAll returns them), from the goroutine running feeds, at most
// once per slug. The feed's files are written in the background as it is
// added, while feeds goes on (rendering the next feed, say), each unless
// it already holds the same bytes; then Publish makes them durable with
// one sync of the directory.
//
// Publish returns a result per feed, in the order added, and every error,
// joined: each failed write's, and the sync's. A sync that fails is tried
// again by the next publication, even if that one writes nothing.
// Publications happen one at a time: Publish waits for one in progress.
func (p *Publisher) Publish(feeds func(add func(slug string, docs [][]byte))) ([]Result, error) {
	p.turn.Lock()
	defer p.turn.Unlock()
	if !p.tidied {
		p.removeTemps()
		p.tidied = true
	}
	pub := &publication{p: p, seen: map[string]bool{}}
	// Should feeds panic, its writes still end before the next
	// publication starts.
	defer pub.wg.Wait()
	feeds(pub.add)
	return pub.finish()
}

// A publication is the writing of the files of a set of feeds; see
// [Publisher.Publish].
type publication struct {
	p     *Publisher
	wg    sync.WaitGroup
	feeds []*feedWrite
	seen  map[string]bool // slugs added
}

// feedWrite is one feed of a publication being written.
type feedWrite struct {
	slug  string
	names []string            // by format: its file name
	sums  [][sha256.Size]byte // by format: the hash of its document
	wrote []bool              // by format: whether its file was written
	errs  []error             // by format: its write's error
	err   error               // an error of the feed as a whole
}

// A Result says what a publication did with one feed.
type Result struct {
	Slug string
	// Changed reports that a file of the feed was written: its bytes
	// differed from those in place.
	Changed bool
	// Err, when not nil, is why the feed's files may not hold its
	// documents durably: a write failed, or the sync of the directory
	// after a file of the feed was written (by this publication or one
	// before whose sync failed). Those files that could not be written
	// keep their previous content. Such a feed is to be published again.
	Err error
}

// add writes the files of the feed slug from docs, its documents in every
// format (docs[i] in Formats[i], as RenderAll returns them), each file
// unless it already holds the same bytes. The writes run in the
// background; finish reports them.
func (pub *publication) add(slug string, docs [][]byte) {
	fw := &feedWrite{
		slug:  slug,
		names: make([]string, len(Formats)),
		sums:  make([][sha256.Size]byte, len(Formats)),
		wrote: make([]bool, len(Formats)),
		errs:  make([]error, len(Formats)),
	}
	pub.feeds = append(pub.feeds, fw)
	switch {
	case !validSlug(slug):
		fw.err = fmt.Errorf("publish %q: invalid slug", slug)
		return
	case pub.seen[slug]:
		fw.err = fmt.Errorf("publish %s: added twice to one publication", slug)
		return
	case len(docs) != len(Formats):
		fw.err = fmt.Errorf("publish %s: %d documents, want one per format (%d)", slug, len(docs), len(Formats))
		return
	}
	pub.seen[slug] = true
	for i, format := range Formats {
		fw.names[i] = slug + format.Ext()
		fw.sums[i] = sha256.Sum256(docs[i])
		pub.wg.Go(func() { fw.wrote[i], fw.errs[i] = pub.p.write(fw.names[i], fw.sums[i], docs[i]) })
	}
}

// finish waits for the writes of the feeds added, makes them durable and
// reports them, as Publish does.
func (pub *publication) finish() ([]Result, error) {
	pub.wg.Wait()
	p := pub.p
	var errs []error
	for _, fw := range pub.feeds {
		if fw.err != nil {
			errs = append(errs, fw.err)
		}
		for _, err := range fw.errs {
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	syncErr := p.sync()
	if syncErr != nil {
		errs = append(errs, syncErr)
	}
	out := make([]Result, len(pub.feeds))
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, fw := range pub.feeds {
		res := Result{Slug: fw.slug}
		var ferrs []error
		if fw.err != nil {
			ferrs = append(ferrs, fw.err)
		}
		unsynced := false
		for j, name := range fw.names {
			res.Changed = res.Changed || fw.wrote[j]
			unsynced = unsynced || p.unsynced[name]
			if fw.errs[j] != nil {
				ferrs = append(ferrs, fw.errs[j])
			}
		}
		if unsynced {
			ferrs = append(ferrs, syncErr)
		}
		res.Err = errors.Join(ferrs...)
		// What a feed's files hold is remembered once it is durable; until
		// then it is read again from the files.
		for j, name := range fw.names {
			switch {
			case name == "":
			case res.Err == nil:
				p.sums[name] = fw.sums[j]
			default:
				delete(p.sums, name)
			}
		}
		out[i] = res
	}
	return out, errors.Join(errs...)
}

// write writes the file name unless it already holds data, whose hash is
// sum, and reports whether it wrote.
func (p *Publisher) write(name string, sum [sha256.Size]byte, data []byte) (bool, error) {
	p.mu.Lock()
	prev, known := p.sums[name]
	p.mu.Unlock()
	if known && prev == sum {
		return false, nil
	}
	if unchanged(p.path, name, data) {
		return false, nil
	}
	if err := replace(p.path, name, data); err != nil {
		return false, err
	}
	p.mu.Lock()
	p.unsynced[name] = true
	p.mu.Unlock()
	return true, nil
}

// sync makes the files written so far durable: it syncs the directory,
// when a file was written since the last successful sync.
func (p *Publisher) sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.unsynced) == 0 {
		return nil
	}
	if err := syncDir(p.path); err != nil {
		return fmt.Errorf("sync %s: %w", p.path, err)
	}
	clear(p.unsynced)
	return nil
}

// removeTemps removes the temporary files that replace leaves behind when
// the process is killed while writing (see tempPattern). It runs before
// the first publication, when none is in use.
func (p *Publisher) removeTemps() {
	temps, _ := filepath.Glob(filepath.Join(p.path, tempPattern("*")))
	for _, path := range temps {
		if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(path); err != nil {
			p.log.Warn("cannot remove a stale temporary file", "path", path, "err", err)
			continue
		}
		p.log.Info("removed a stale temporary file", "path", path)
	}
}

// tempPattern is the pattern of the names of the temporary files written
// while replacing the file name, for os.CreateTemp and filepath.Glob.
func tempPattern(name string) string { return "." + name + ".tmp-*" }

// validSlug reports whether slug can name a feed's files.
func validSlug(slug string) bool {
	return slug != "" && slug != "." && slug != ".." && !strings.ContainsAny(slug, `/\`)
}

// Missing reports whether a file of the feed slug is missing from the
// directory (never written, or removed since), so that it is published
// although its items did not change.
func (p *Publisher) Missing(slug string) bool {
	for _, format := range Formats {
		fi, err := os.Lstat(filepath.Join(p.path, slug+format.Ext()))
		if err != nil || !fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Exists reports whether a file of the feed slug is in the directory.
func (p *Publisher) Exists(slug string) bool {
	for _, format := range Formats {
		if _, err := os.Lstat(filepath.Join(p.path, slug+format.Ext())); err == nil {
			return true
		}
	}
	return false
}

// Remove removes the files of the feed slug from the directory, as when
// the feed is no longer published there, and makes the removal durable. It
// reports whether it removed a file; files that are not there are no
// error. It waits for a publication in progress.
func (p *Publisher) Remove(slug string) (bool, error) {
	if !validSlug(slug) {
		return false, fmt.Errorf("remove %q: invalid slug", slug)
	}
	p.turn.Lock()
	defer p.turn.Unlock()
	removed := false
	var errs []error
	for _, format := range Formats {
		name := slug + format.Ext()
		p.mu.Lock()
		delete(p.sums, name)
		p.mu.Unlock()
		switch err := os.Remove(filepath.Join(p.path, name)); {
		case err == nil:
			removed = true
		case !errors.Is(err, os.ErrNotExist):
			errs = append(errs, err)
		}
	}
	if removed {
		if err := syncDir(p.path); err != nil {
			errs = append(errs, fmt.Errorf("sync %s: %w", p.path, err))
		}
	}
	return removed, errors.Join(errs...)
}
