// Package lockfile keeps two refeed processes from using one data
// directory at once: each takes an exclusive lock (flock) on a file in it,
// which the kernel releases when the process ends, however it ends.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Name is the lock file's name in the data directory.
const Name = "refeed.lock"

// ErrLocked is the error of Acquire when another process holds the lock.
var ErrLocked = errors.New("another refeed uses this data directory")

// A Lock is a held lock on a data directory.
type Lock struct {
	f *os.File
}

// Acquire takes the lock of the data directory dir, creating dir (0755)
// and the lock file when missing, and writes this process's id into the
// file. When another process holds the lock, it returns an error wrapping
// ErrLocked that names that process's id (as it wrote it) and the file.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	path := filepath.Join(dir, Name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: process %s holds %s", ErrLocked, holder(path), path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The file holds the id of the process that holds the lock, for the
	// error of the next one.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// holder returns the process id written in the lock file at path, or
// "(unknown)".
func holder(path string) string {
	b, err := os.ReadFile(path)
	if pid := strings.TrimSpace(string(b)); err == nil && pid != "" {
		if _, err := strconv.Atoi(pid); err == nil {
			return pid
		}
	}
	return "(unknown)"
}

// Release releases the lock. The file stays, for the next process.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}
