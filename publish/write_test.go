package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public", "nested") // created on demand
	if err := WriteFile(dir, "all.rss", []byte("one")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "all.rss")
	// Keep a handle on the old file: an atomic replace leaves it intact.
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := WriteFile(dir, "all.rss", []byte("two, longer")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "two, longer" {
		t.Errorf("content %q", got)
	}
	buf := make([]byte, 10)
	n, _ := old.Read(buf)
	if string(buf[:n]) != "one" {
		t.Errorf("the old file was modified in place: %q", buf[:n])
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o755&^currentUmask() {
		t.Errorf("dir mode %v, %v", di.Mode().Perm(), err)
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "all.rss" {
		t.Errorf("files left in dir: %q", names)
	}
}

func currentUmask() os.FileMode {
	dir, err := os.MkdirTemp("", "umask")
	if err != nil {
		return 0
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "d")
	if err := os.Mkdir(p, 0o777); err != nil {
		return 0
	}
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return 0o777 &^ fi.Mode().Perm()
}

func TestWriteFileBadName(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "a/b", "../x"} {
		if err := WriteFile(dir, name, []byte("x")); err == nil {
			t.Errorf("WriteFile(%q) succeeded", name)
		}
	}
}

func TestWriteFileReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, "all.atom", []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	// As root (or with CAP_DAC_OVERRIDE) permissions are not enforced.
	probe := filepath.Join(dir, "probe")
	if f, err := os.Create(probe); err == nil {
		f.Close()
		os.Remove(probe)
		t.Skip("the read-only directory is writable (running as root?)")
	}
	err := WriteFile(dir, "all.atom", []byte("new"))
	if err == nil {
		t.Fatal("no error writing to a read-only directory")
	}
	path := filepath.Join(dir, "all.atom")
	if !strings.HasPrefix(err.Error(), "write "+path+": ") || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("error %q (%#v), want it wrapped with the path", err, err)
	}
	if got := readString(t, path); got != "old" {
		t.Errorf("old content replaced by %q", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("files left in dir: %q", names)
	}
}

// TestWriteFileFailureCleansUp makes the rename fail (the target is a
// non-empty directory) and checks that the temporary file is removed.
func TestWriteFileFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "all.json")
	if err := os.MkdirAll(filepath.Join(target, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(dir, "all.json", []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Fatalf("error %v", err)
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "all.json" {
		t.Errorf("files left in dir: %q", names)
	}
}

func TestWriteFeed(t *testing.T) {
	dir := t.TempDir()
	f := testFeed()
	changed, err := WriteFeed(dir, f)
	if err != nil || !changed {
		t.Fatalf("first write: changed %v, %v", changed, err)
	}
	for _, format := range Formats {
		want := string(render(t, f, format))
		if got := readString(t, filepath.Join(dir, "politik"+format.Ext())); got != want {
			t.Errorf("%s on disk differs from Render", format)
		}
	}
	// Unchanged: nothing written (mtimes kept).
	atomPath := filepath.Join(dir, "politik.atom")
	before, _ := os.Stat(atomPath)
	changed, err = WriteFeed(dir, testFeed())
	if err != nil || changed {
		t.Fatalf("second write: changed %v, %v", changed, err)
	}
	after, _ := os.Stat(atomPath)
	if !os.SameFile(before, after) {
		t.Error("unchanged file was rewritten")
	}
	// One file changed on disk: only it is rewritten.
	if err := os.WriteFile(filepath.Join(dir, "politik.json"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err = WriteFeed(dir, testFeed())
	if err != nil || !changed {
		t.Fatalf("third write: changed %v, %v", changed, err)
	}
	if after2, _ := os.Stat(atomPath); !os.SameFile(before, after2) {
		t.Error("unchanged atom file was rewritten")
	}
	if got := readString(t, filepath.Join(dir, "politik.json")); got != string(render(t, f, JSON)) {
		t.Error("stale json not replaced")
	}
	if n := len(entries(t, dir)); n != 3 {
		t.Errorf("%d files in dir, want 3", n)
	}
	for _, slug := range []string{"", "..", "a/b"} {
		if _, err := WriteFeed(dir, &Feed{Slug: slug}); err == nil {
			t.Errorf("WriteFeed with slug %q succeeded", slug)
		}
	}
}
