package publish

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// docsOf returns the documents of a feed in every format, each saying
// text.
func docsOf(text string) [][]byte {
	var docs [][]byte
	for _, format := range Formats {
		docs = append(docs, []byte(text+" in "+string(format)))
	}
	return docs
}

// feedDocs is one feed to publish.
type feedDocs struct {
	slug string
	docs [][]byte
}

// publishAll publishes feeds with p.
func publishAll(p *Publisher, feeds ...feedDocs) ([]Result, error) {
	return p.Publish(func(add func(string, [][]byte)) {
		for _, f := range feeds {
			add(f.slug, f.docs)
		}
	})
}

// checkFiles checks that dir holds the documents of slug.
func checkFiles(t *testing.T, dir, slug string, docs [][]byte) {
	t.Helper()
	for i, format := range Formats {
		if got := readString(t, filepath.Join(dir, slug+format.Ext())); got != string(docs[i]) {
			t.Errorf("%s%s holds %q, want %q", slug, format.Ext(), got, docs[i])
		}
	}
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestPublicDir(t *testing.T) {
	if got := PublicDir("/var/lib/refeed"); got != "/var/lib/refeed/public" {
		t.Errorf("PublicDir = %q", got)
	}
}

// A Publisher writes every format of the feeds it is given, only the files
// whose bytes changed, and remembers what it wrote: republishing an
// unchanged feed reads none of its files.
func TestPublisher(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	p := NewPublisher(dir, nil)
	// Nothing to publish: nothing to sync, even without the directory.
	if res, err := publishAll(p); err != nil || len(res) != 0 {
		t.Fatalf("empty publication: %v, %v", res, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("an empty publication made the directory: %v", err)
	}

	all, nato := docsOf("all"), docsOf("nato")
	res, err := publishAll(p, feedDocs{"all", all}, feedDocs{"nato", nato})
	if err != nil || !slices.Equal(res, []Result{{Slug: "all", Changed: true}, {Slug: "nato", Changed: true}}) {
		t.Fatalf("first publication: %+v, %v", res, err)
	}
	checkFiles(t, dir, "all", all)
	checkFiles(t, dir, "nato", nato)
	if got := entries(t, dir); strings.Join(got, " ") != "all.atom all.json all.rss nato.atom nato.json nato.rss" {
		t.Errorf("files %q", got)
	}

	// Unchanged: nothing written (the same files stay).
	before, _ := os.Stat(filepath.Join(dir, "all.atom"))
	res, err = publishAll(p, feedDocs{"all", all}, feedDocs{"nato", nato})
	if err != nil || !slices.Equal(res, []Result{{Slug: "all"}, {Slug: "nato"}}) {
		t.Fatalf("unchanged publication: %+v, %v", res, err)
	}
	if after, _ := os.Stat(filepath.Join(dir, "all.atom")); !os.SameFile(before, after) {
		t.Error("an unchanged file was rewritten")
	}

	// One format changed: only its file is written.
	all2 := slices.Clone(all)
	all2[2] = []byte("all, new, in json")
	if res, err := publishAll(p, feedDocs{"all", all2}); err != nil || !slices.Equal(res, []Result{{Slug: "all", Changed: true}}) {
		t.Fatalf("one format changed: %+v, %v", res, err)
	}
	checkFiles(t, dir, "all", all2)
	if after, _ := os.Stat(filepath.Join(dir, "all.atom")); !os.SameFile(before, after) {
		t.Error("the unchanged atom file was rewritten")
	}

	// What the publisher wrote is remembered: it does not read the file
	// again (so misses a change made behind its back), where a new
	// publisher reads and replaces it.
	stale := filepath.Join(dir, "nato.rss")
	if err := os.WriteFile(stale, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := publishAll(p, feedDocs{"nato", nato}); err != nil || res[0].Changed {
		t.Fatalf("republishing nato: %+v, %v", res, err)
	}
	if got := readString(t, stale); got != "stale" {
		t.Errorf("nato.rss was read and rewritten: %q", got)
	}
	if res, err := publishAll(NewPublisher(dir, nil), feedDocs{"nato", nato}, feedDocs{"all", all2}); err != nil || !slices.Equal(res, []Result{{Slug: "nato", Changed: true}, {Slug: "all"}}) {
		t.Fatalf("a new publisher: %+v, %v", res, err)
	}
	checkFiles(t, dir, "nato", nato)
	if n := len(entries(t, dir)); n != 6 {
		t.Errorf("%d files in dir, want 6", n)
	}
}

// A feed that cannot be published is reported, with the file's path, and
// leaves the others be; it is written once it can be.
func TestPublisherBadFeeds(t *testing.T) {
	dir := t.TempDir()
	p := NewPublisher(dir, nil)
	// A directory where all.rss goes makes its write fail, even as root.
	if err := os.MkdirAll(filepath.Join(dir, "all.rss", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	all, nato := docsOf("all"), docsOf("nato")
	res, err := publishAll(p,
		feedDocs{"all", all},
		feedDocs{"nato", nato},
		feedDocs{"../x", nato},
		feedDocs{"", nato},
		feedDocs{"nato", nato},
		feedDocs{"short", nato[:2]},
	)
	if len(res) != 6 {
		t.Fatalf("%d results, want 6", len(res))
	}
	if path := filepath.Join(dir, "all.rss"); res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "write "+path+": ") || !res[0].Changed {
		t.Errorf("all, whose rss cannot be written: %+v", res[0])
	}
	if res[1] != (Result{Slug: "nato", Changed: true}) {
		t.Errorf("nato: %+v", res[1])
	}
	for _, r := range res[2:] {
		if r.Err == nil || r.Changed {
			t.Errorf("%q: %+v, want an error", r.Slug, r)
		}
	}
	for _, r := range res {
		if r.Err != nil && !strings.Contains(err.Error(), r.Err.Error()) {
			t.Errorf("the error %q lacks that of %q: %v", err, r.Slug, r.Err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "x.rss")); !os.IsNotExist(err) {
		t.Errorf("written out of the directory: %v", err)
	}
	checkFiles(t, dir, "nato", nato)

	// Repaired: all.rss is written; the files of all that were written
	// are read again, not rewritten.
	atom, _ := os.Stat(filepath.Join(dir, "all.atom"))
	if err := os.RemoveAll(filepath.Join(dir, "all.rss")); err != nil {
		t.Fatal(err)
	}
	if res, err := publishAll(p, feedDocs{"all", all}); err != nil || res[0] != (Result{Slug: "all", Changed: true}) {
		t.Fatalf("after the repair: %+v, %v", res, err)
	}
	checkFiles(t, dir, "all", all)
	if after, _ := os.Stat(filepath.Join(dir, "all.atom")); !os.SameFile(atom, after) {
		t.Error("all.atom was rewritten")
	}
	if got := entries(t, dir); strings.Join(got, " ") != "all.atom all.json all.rss nato.atom nato.json nato.rss" {
		t.Errorf("files %q", got)
	}
}

// A failed sync of the directory fails the feeds that changed, is reported
// with the directory's path, and is tried again by the next publication.
func TestPublisherSyncFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	p := NewPublisher(dir, nil)
	all, nato := docsOf("all"), docsOf("nato")
	if _, err := publishAll(p, feedDocs{"nato", nato}); err != nil {
		t.Fatal(err)
	}
	// The directory goes between the writes and the sync.
	pub := &publication{p: p, seen: map[string]bool{}}
	pub.add("all", all)
	pub.add("nato", nato)
	pub.wg.Wait()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	res, err := pub.finish()
	if err == nil || !strings.HasPrefix(err.Error(), "sync "+dir+": ") {
		t.Errorf("Publish with the directory removed: %v", err)
	}
	if len(res) != 2 || res[0].Err == nil || !errors.Is(res[0].Err, os.ErrNotExist) || !res[0].Changed || res[1] != (Result{Slug: "nato"}) {
		t.Errorf("results %+v", res)
	}
	// Nothing to write, but the sync is owed: it fails again, which
	// fails the feeds whose files await it, not the others.
	if res, err := publishAll(p, feedDocs{"nato", nato}); err == nil || res[0] != (Result{Slug: "nato"}) {
		t.Errorf("the failed sync tried again: %+v, %v", res, err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := publishAll(p); err != nil {
		t.Errorf("the sync once the directory is back: %v", err)
	}
	// all, which failed, is not remembered: it is written again.
	if res, err := publishAll(p, feedDocs{"all", all}); err != nil || !res[0].Changed {
		t.Errorf("all again: %+v, %v", res, err)
	}
	checkFiles(t, dir, "all", all)
}

// The first publication removes the temporary files that a write cut
// short left behind, and only those; later ones leave such files be.
func TestPublisherRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".all.rss.tmp-123456")
	keep := []string{filepath.Join(dir, ".keep"), filepath.Join(dir, "all.rss.tmp-1"), filepath.Join(dir, "nato.rss")}
	for _, path := range append(keep, stale) {
		if err := os.WriteFile(path, []byte("<?xml version="), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	notFile := filepath.Join(dir, ".nato.rss.tmp-1")
	if err := os.Mkdir(notFile, 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, notFile)
	var log bytes.Buffer
	p := NewPublisher(dir, newTextLogger(&log))
	if _, err := publishAll(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file: %v", err)
	}
	if !strings.Contains(log.String(), "removed a stale temporary file") || !strings.Contains(log.String(), stale) {
		t.Errorf("log: %s", log.String())
	}
	for _, path := range keep {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("removed: %v", err)
		}
	}
	// Once: a later publication leaves one be.
	if err := os.WriteFile(stale, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := publishAll(p, feedDocs{"all", docsOf("all")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("a second publication removed temporary files: %v", err)
	}
}

// A publication whose feeds panic ends its writes and leaves the publisher
// usable.
func TestPublisherPanic(t *testing.T) {
	dir := t.TempDir()
	p := NewPublisher(dir, nil)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		p.Publish(func(add func(string, [][]byte)) {
			add("all", docsOf("all"))
			panic("render failed")
		})
	}()
	if res, err := publishAll(p, feedDocs{"nato", docsOf("nato")}); err != nil || len(res) != 1 || !res[0].Changed {
		t.Fatalf("after a panic: %+v, %v", res, err)
	}
	checkFiles(t, dir, "nato", docsOf("nato"))
}
