package publish

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden compares the three renderings of testFeed with
// testdata/politik.{rss,atom,json}. Run `go test ./publish/ -run Golden
// -update` after an intended change, and review the diff. JSON Feed is
// published compact; its golden file is indented (json.Indent), so that a
// change reads as a diff of lines.
func TestGolden(t *testing.T) {
	for _, format := range Formats {
		got := render(t, testFeed(), format)
		if format == JSON {
			if !json.Valid(got) || bytes.Count(got, []byte("\n")) != 1 || !bytes.HasSuffix(got, []byte("\n")) {
				t.Errorf("JSON Feed not compact, one line:\n%s", got)
			}
			var b bytes.Buffer
			if err := json.Indent(&b, got, "", "  "); err != nil {
				t.Fatal(err)
			}
			got = b.Bytes()
		}
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
