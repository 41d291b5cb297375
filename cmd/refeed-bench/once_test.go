//go:build unix

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestReadRefeedLog checks what the once mode reads from refeed's log: the
// sources of the "refresh done" line, the new items of the "refreshed"
// lines, and the sources that logged none as unchanged.
func TestReadRefeedLog(t *testing.T) {
	log := `time=2026-01-01T00:00:00Z level=INFO msg=refreshed source=s00001 not_modified=false items=51 unchanged=50 new=1 updated=0 merged=0 took=2ms
time=2026-01-01T00:00:00Z level=INFO msg=refreshed source=s00011 not_modified=false items=51 unchanged=50 new=1 updated=0 merged=0 took=2ms
time=2026-01-01T00:00:00Z level=INFO msg="refresh done" sources=20 failed=0 feeds=4 public=/tmp/x
`
	var run onceRun
	if err := readRefeedLog(strings.NewReader(log), &run); err != nil {
		t.Fatal(err)
	}
	if run.sources != 20 || run.newItems != 2 || run.notModified != 18 {
		t.Errorf("read %+v, want 20 sources, 2 new items, 18 unchanged", run)
	}
	failed := strings.Replace(log, "failed=0", "failed=3", 1)
	if err := readRefeedLog(strings.NewReader(failed), &run); err == nil {
		t.Error("a log with failed sources read without an error")
	}
	if err := readRefeedLog(strings.NewReader(""), &run); err == nil {
		t.Error(`a log without "refresh done" read without an error`)
	}
}

// TestArticleItems checks that article-sized items are about 4 KB of HTML
// each and still every one its own story.
func TestArticleItems(t *testing.T) {
	fs, err := newFeedServer(feedParams{sources: 2, items: 10, article: true})
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	body := fs.feed(1, 0)
	if n := bytes.Count(body, []byte("<item>")); n != 10 {
		t.Fatalf("%d items, want 10", n)
	}
	if size := len(body) / 10; size < 4000 || size > 6000 {
		t.Errorf("%d bytes an item, want about 4 KB of HTML and the item's fields", size)
	}
	if !bytes.Contains(body, []byte("<content:encoded><![CDATA[<noscript>")) {
		t.Error("no article HTML in CDATA")
	}
	if bytes.Equal(fs.feed(0, 0), body) {
		t.Error("two sources sent the same document")
	}
}
