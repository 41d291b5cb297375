package store

import (
	"errors"
	"os"
	"testing"
	"time"
)

// TestSealSparesTheCheck: a store closed cleanly and unchanged since is
// opened without checking every page (its last check is carried over);
// one changed while closed (damaged, here), one not closed cleanly, and one
// checked too long ago are checked.
func TestSealSparesTheCheck(t *testing.T) {
	path := filled(t) // closed cleanly
	if _, err := os.Stat(sealPath(path)); err != nil {
		t.Fatalf("no seal after a clean close: %v", err)
	}
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sealPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the seal stays while the store is open: %v", err)
	}
	first := s.checked
	s.Close()
	if s, err = OpenSQLite(path); err != nil {
		t.Fatal(err)
	}
	if !s.checked.Equal(first) {
		t.Errorf("a sealed, unchanged file was checked again (%v, first %v)", s.checked, first)
	}
	s.Close()

	// Checked too long ago: checked now.
	old := time.Now().Add(-sealMaxAge - time.Hour)
	if err := seal(path, old); err != nil {
		t.Fatal(err)
	}
	if s, err = OpenSQLite(path); err != nil {
		t.Fatal(err)
	}
	if !s.checked.After(old.Add(time.Hour)) {
		t.Errorf("a file last checked %v was not checked", old)
	}
	// Not closed cleanly: no seal, so the next open checks the file.
	s.db.Close()
	s.ckpt.close()
	if _, err := os.Stat(sealPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a seal without a clean close: %v", err)
	}
	if s, err = OpenSQLite(path); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Changed while closed: the seal no longer matches, and the check
	// finds the damage.
	damage(t, path)
	if _, err := OpenSQLite(path); !errors.Is(err, ErrDamaged) {
		t.Errorf("a sealed file damaged since opened with %v, want ErrDamaged", err)
	}
}
