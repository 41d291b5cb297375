package store_test

import (
	"path/filepath"
	"testing"

	"github.com/refeed/refeed/store"
	"github.com/refeed/refeed/store/storetest"
)

// TestSQLite runs the conformance suite against the SQLite backend, each
// store a file of its own.
func TestSQLite(t *testing.T) {
	root := t.TempDir()
	storetest.Run(t, func(t *testing.T, name string) store.Store {
		s, err := store.OpenSQLite(filepath.Join(root, name, store.FileName))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
