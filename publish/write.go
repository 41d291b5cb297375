package publish

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces the file name in dir with data: it writes a
// temporary file in dir, syncs and closes it, makes it mode 0644, renames it
// over the target and syncs dir. Readers see either the old or the new
// content, never a partial file, even across a crash. dir is created (0755)
// when missing. name must be a plain file name, without directories.
//
// On an error before the rename the old file is untouched and the temporary
// file is removed. An error syncing dir after the rename means the new
// content is in place but may not survive a crash. Errors carry the path:
// "write PATH: ...".
func WriteFile(dir, name string, data []byte) error {
	if err := replace(dir, name, data); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// replace is WriteFile but for syncing dir.
func replace(dir, name string, data []byte) (err error) {
	path := filepath.Join(dir, name)
	defer func() {
		if err != nil {
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("invalid file name %q", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tempPattern(name))
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			_ = tmp.Close() // may already be closed; the error does not matter
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmpName, path); err != nil {
		return err
	}
	renamed = true
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFeed renders the feed in every format and writes the files
// SLUG.rss, SLUG.atom and SLUG.json to dir with [WriteFile], skipping a file
// whose content on disk is already identical. changed reports whether any
// file was written. Nothing is written unless all three formats render.
func WriteFeed(dir string, f *Feed) (changed bool, err error) {
	if f == nil {
		return false, errors.New("publish: write feed: nil feed")
	}
	if !validSlug(f.Slug) {
		return false, fmt.Errorf("publish: write feed: invalid slug %q", f.Slug)
	}
	data, err := RenderAll(f)
	if err != nil {
		return false, err
	}
	for i, format := range Formats {
		wrote, err := WriteChanged(dir, f.Slug+format.Ext(), data[i])
		if err != nil {
			return changed, err
		}
		changed = changed || wrote
	}
	return changed, nil
}

// WriteChanged writes data to the file name in dir with WriteFile unless
// the file already holds exactly data, and reports whether it wrote. A
// missing or unreadable file is (re)written; WriteFile reports what is
// really wrong, if anything.
func WriteChanged(dir, name string, data []byte) (bool, error) {
	if unchanged(dir, name, data) {
		return false, nil
	}
	if err := WriteFile(dir, name, data); err != nil {
		return false, err
	}
	return true, nil
}

// unchanged reports whether the file name in dir holds exactly data.
func unchanged(dir, name string, data []byte) bool {
	old, err := os.ReadFile(filepath.Join(dir, name))
	return err == nil && bytes.Equal(old, data)
}
