package store

import (
	"fmt"
	"os"
	"time"
)

// A seal records that refeed closed the store cleanly, and how the file
// was then, so that the next open can tell that nothing has changed it
// since and spare the check of every page (checkFile: seconds for a large
// store, on every start of a 'refeed once' that runs every few minutes).
// It is a file beside the store (refeed.db-sealed) holding the file's
// size and modification time after the close, and when checkFile last
// found it sound. Opening the store removes the seal first, so that a
// process that does not close the store cleanly (a crash, kill -9) leaves
// none, and the next open checks the file.
//
// The file is checked at open unless its seal matches it, it has no WAL
// (a clean close leaves none), and it was checked less than
// sealMaxAge ago. Damage written while refeed was stopped changes the
// modification time; damage found later, at run time, is caught by the
// errors SQLite returns (see damage.go).

// sealMaxAge is how long a sealed file goes without a check of every page.
const sealMaxAge = 7 * 24 * time.Hour

// sealPath is the seal's file name for the store at path.
func sealPath(path string) string { return path + "-sealed" }

// seal writes the seal of the closed store at path, checked when the last
// check found it sound.
func seal(path string, checked time.Time) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("seal %s: %w", path, err)
	}
	b := fmt.Appendf(nil, "%d %d %d\n", fi.Size(), fi.ModTime().UnixNano(), checked.UnixNano())
	if err := os.WriteFile(sealPath(path), b, 0o644); err != nil {
		return fmt.Errorf("seal %s: %w", path, err)
	}
	return nil
}

// unseal removes the seal of the store at path and reports when the file
// was last checked, if the seal shows that nothing has changed it since
// (and that was less than sealMaxAge before now); else the zero time: the
// file is to be checked. Should the seal not go, the file is checked too.
func unseal(path string, now time.Time) (checked time.Time) {
	b, err := os.ReadFile(sealPath(path))
	if err != nil {
		return time.Time{}
	}
	if err := os.Remove(sealPath(path)); err != nil {
		return time.Time{}
	}
	var size, mtime, at int64
	if _, err := fmt.Sscanf(string(b), "%d %d %d\n", &size, &mtime, &at); err != nil {
		return time.Time{}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != size || fi.ModTime().UnixNano() != mtime {
		return time.Time{}
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return time.Time{}
	}
	if t := time.Unix(0, at); now.Sub(t) < sealMaxAge && !t.After(now) {
		return t
	}
	return time.Time{}
}
