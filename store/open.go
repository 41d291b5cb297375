package store

import (
	"context"
	"path/filepath"
)

// OpenConfigured opens the store a configuration names: the PostgreSQL
// database at url, or, when url is empty, the SQLite file FileName in
// dataDir. It also returns where the store is, for messages: the file's
// path, or the URL without its password.
func OpenConfigured(ctx context.Context, url, dataDir string) (Store, string, error) {
	if url == "" {
		path := filepath.Join(dataDir, FileName)
		st, err := Open(path)
		return st, path, err
	}
	st, err := OpenPostgres(ctx, url)
	if err != nil {
		return nil, redactURL(url), err
	}
	return st, redactURL(url), nil
}
