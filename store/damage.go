package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"modernc.org/sqlite"
)

// A damaged store is one whose file SQLite found corrupt (SQLITE_CORRUPT)
// or not a database at all (SQLITE_NOTADB), when it was opened (see
// checkFile) or at any time after. From then on the store refuses every
// call, reads too (what it would read may be wrong, and publishing it
// would replace the last good feeds), with an error wrapping ErrDamaged;
// it never writes the file again: its checkpoints stop, and closing it
// leaves its connections open (closing the last connection would copy
// the WAL into the damaged file) until the process exits.

// ErrDamaged is wrapped by the errors of a damaged store (see DamagedError).
var ErrDamaged = errors.New("store damaged")

// A DamagedError says that the store's file is damaged, and why. It wraps
// ErrDamaged and SQLite's error.
type DamagedError struct {
	Path string // the database file
	Err  error  // what SQLite reported
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("store %s is damaged: %v", e.Path, e.Err)
}

// Unwrap returns ErrDamaged and SQLite's error.
func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// Recovery returns what to do about the damaged store at path: the steps
// of README.md's "A damaged store". The damaged files are kept as they
// are; SQLite recovers what it can from a copy (sqlite3 modifies the file
// it reads, and 3.40's plain .recover fails where --ignore-freelist works)
// into a new store, schema version included.
func Recovery(path string) string {
	dir, name := filepath.Dir(path), filepath.Base(path)
	return fmt.Sprintf("refeed writes nothing to the damaged store and serves the last good feeds; "+
		"to recover: stop refeed; cd %s; mkdir damaged; mv %s %s-wal %s-shm damaged/ (those that exist, together; keep them as they are); "+
		"cp -r damaged recovering; sqlite3 recovering/%s '.recover --ignore-freelist' | sqlite3 %s; "+
		"sqlite3 %s 'PRAGMA integrity_check' (must say ok); start refeed",
		dir, name, name, name, name, name, name)
}

// A DiskFullError says that SQLite failed for want of space on the
// filesystem of the store. It wraps syscall.ENOSPC and SQLite's error.
type DiskFullError struct {
	Dir string // the store's directory
	Err error  // what SQLite reported
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("no space left on device: %s (SQLite: %v)", e.Dir, e.Err)
}

// Unwrap returns syscall.ENOSPC and SQLite's error.
func (e *DiskFullError) Unwrap() []error { return []error{syscall.ENOSPC, e.Err} }

// SQLite's primary result codes that classify errors.
const (
	codeIOErr   = 10 // SQLITE_IOERR
	codeCorrupt = 11 // SQLITE_CORRUPT
	codeFull    = 13 // SQLITE_FULL
	codeNotADB  = 26 // SQLITE_NOTADB
)

// lowSpace is the free space under which an I/O error of SQLite is taken
// for a full disk: what remains once a write failed for want of space
// is less than SQLite's next write needs.
const lowSpace = 1 << 20

// sqliteCode returns the primary result code of the SQLite error in err's
// chain, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// IsCorrupt reports whether err is SQLite's SQLITE_CORRUPT or
// SQLITE_NOTADB: the file is damaged.
func IsCorrupt(err error) bool {
	c := sqliteCode(err)
	return c == codeCorrupt || c == codeNotADB
}

// classify returns err as what it means: a DamagedError for a corrupt
// file, a DiskFullError for SQLITE_FULL, or for SQLITE_IOERR when the
// filesystem of path has (almost) no space left; otherwise err itself.
func classify(path string, err error) error {
	if err == nil || errors.Is(err, ErrDamaged) || errors.Is(err, syscall.ENOSPC) {
		return err
	}
	switch sqliteCode(err) {
	case codeCorrupt, codeNotADB:
		return &DamagedError{Path: path, Err: err}
	case codeFull:
		return &DiskFullError{Dir: filepath.Dir(path), Err: err}
	case codeIOErr:
		var fs unix.Statfs_t
		if unix.Statfs(filepath.Dir(path), &fs) == nil && fs.Bavail*uint64(fs.Bsize) < lowSpace {
			return &DiskFullError{Dir: filepath.Dir(path), Err: err}
		}
	}
	return err
}

// Damaged returns the DamagedError of a damaged store, nil for a sound one.
func (s *SQLite) Damaged() error {
	if d := s.damage.Load(); d != nil {
		return d
	}
	return nil
}

// classify classifies *err (see classify), and marks the store damaged
// when it says so. Methods defer it with their named error result.
func (s *SQLite) classify(err *error) {
	if *err == nil {
		return
	}
	*err = s.check(*err)
}

// check returns err classified (see classify), marking the store damaged
// when it says so.
func (s *SQLite) check(err error) error {
	err = classify(s.path, err)
	var d *DamagedError
	if errors.As(err, &d) {
		s.damage.CompareAndSwap(nil, d)
		// The error wraps the store's first DamagedError: later ones
		// may be a consequence.
		if first := s.damage.Load(); first != d {
			return fmt.Errorf("%w (%v)", first, err)
		}
	}
	return err
}

// checkFile runs PRAGMA quick_check on the database at path, if it exists,
// on a read-only connection of its own, before anything writes it: it
// returns a DamagedError when the file is damaged. quick_check reads every
// page (about 1 s for a store of 1 GB in the page cache, 19 s read from
// this machine's disk; see BenchmarkStoreQuickCheck).
func checkFile(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	// A read-only connection never copies the WAL into the file, not even
	// as the last connection closing.
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), `PRAGMA quick_check(20)`)
	if err != nil {
		return classify(path, fmt.Errorf("check: %w", err))
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return classify(path, fmt.Errorf("check: %w", err))
		}
		if p != "ok" {
			problems = append(problems, p)
		}
	}
	if err := rows.Err(); err != nil {
		return classify(path, fmt.Errorf("check: %w", err))
	}
	if len(problems) > 0 {
		return &DamagedError{Path: path, Err: fmt.Errorf("quick_check: %s", strings.Join(problems, "; "))}
	}
	return nil
}
