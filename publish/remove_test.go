package publish

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPrivateDir(t *testing.T) {
	if got := PrivateDir("/var/lib/refeed"); got != "/var/lib/refeed/private" {
		t.Errorf("PrivateDir = %q", got)
	}
}

// Remove takes a feed's files away, durably, and forgets them: publishing
// the same documents again writes them again.
func TestPublisherRemove(t *testing.T) {
	dir := t.TempDir()
	p := NewPublisher(dir, nil)
	docs := docsOf("nato")
	if _, err := publishAll(p, feedDocs{"nato", docs}, feedDocs{"open", docsOf("open")}); err != nil {
		t.Fatal(err)
	}
	if !p.Exists("nato") {
		t.Fatal("nato's files do not exist")
	}
	removed, err := p.Remove("nato")
	if err != nil || !removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
	for _, format := range Formats {
		if fileExists(filepath.Join(dir, "nato"+format.Ext())) {
			t.Errorf("nato%s still there", format.Ext())
		}
	}
	if p.Exists("nato") || !p.Missing("nato") || !p.Exists("open") {
		t.Errorf("after Remove: nato exists %v, open exists %v", p.Exists("nato"), p.Exists("open"))
	}
	if removed, err := p.Remove("nato"); err != nil || removed {
		t.Errorf("second Remove = %v, %v", removed, err)
	}
	res, err := publishAll(p, feedDocs{"nato", docs})
	if err != nil || !res[0].Changed {
		t.Fatalf("republish after Remove: %+v, %v", res, err)
	}
	checkFiles(t, dir, "nato", docs)
	if _, err := p.Remove("../x"); err == nil {
		t.Error("Remove of an invalid slug: no error")
	}
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
