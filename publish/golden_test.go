package publish

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden compares the three renderings of testFeed with
// testdata/politik.{rss,atom,json}. Run `go test ./publish/ -run Golden
// -update` after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	for _, format := range Formats {
		got := render(t, testFeed(), format)
		path := filepath.Join("testdata", "politik"+format.Ext())
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run with -update after an intended change):\n%s", format, path, got)
		}
	}
}
