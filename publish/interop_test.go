package publish

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkFeeds is the shared interop checker (feedparser, xmllint, jing).
var checkFeeds = filepath.Join("..", "..", "shared", "interop", "check-feeds")

// TestInteropCheckFeeds writes a realistic feed and an empty feed and has
// independent clients read them.
func TestInteropCheckFeeds(t *testing.T) {
	if _, err := os.Stat(checkFeeds); err != nil {
		t.Skipf("interop checker not available: %v", err)
	}
	for _, tool := range []string{"/usr/bin/python3", "xmllint", "jing"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("interop checker needs %s (apt-get install -y python3-feedparser libxml2-utils jing): %v", tool, err)
		}
	}
	jing, _ := exec.LookPath("jing")
	if err := exec.Command("/usr/bin/python3", "-c", "import feedparser").Run(); err != nil {
		t.Skip("interop checker needs python3-feedparser (apt-get install -y python3-feedparser)")
	}

	dir := t.TempDir()
	empty := &Feed{Slug: "leer", Title: "Leer", BaseURL: "http://localhost:8080", Hubs: []string{"https://hub.example.org/"}}
	unsafe := testFeed()
	unsafe.Slug = "unsafe"
	unsafe.Items[2].Content += "\x00\ufffe\xed\xa0\x80]]>]]]]><![CDATA["
	unsafe.Items[2].Title += "\x1b]]>"
	for _, f := range []*Feed{testFeed(), empty, unsafe} {
		if _, err := WriteFeed(dir, f); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, checkFeeds, dir)
	cmd.Env = append(os.Environ(), "PATH="+quietJing(t, jing)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	t.Logf("check-feeds:\n%s", out)
	if err != nil {
		t.Fatalf("check-feeds %s: %v", dir, err)
	}
}

// quietJing returns a directory holding a jing that runs the real one but
// drops the java-wrappers warnings about optional jars ("[warning]
// /usr/bin/jing: Unable to locate batik-all in /usr/share/java") that
// Debian's jing prints on stderr when its recommended packages are missing.
// check-feeds counts any jing output as a problem; jing's validation errors
// go to stdout and are kept, as is every other line.
func quietJing(t *testing.T, real string) string {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/bash\n" +
		"exec 3>&1\n" +
		"{ " + shellQuote(real) + " \"$@\" 2>&1 1>&3 3>&- | grep -v '^\\[warning\\] .*: Unable to locate .* in /usr/share/java$' 1>&2 3>&-; } 3>&1\n" +
		"exit ${PIPESTATUS[0]}\n"
	if err := os.WriteFile(filepath.Join(dir, "jing"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
