package siteconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// GlobalName is the name, without .txt, of the file whose rules are merged
// into every site's.
const GlobalName = "global"

// maxFile bounds the size of a site config file; larger ones are skipped
// with a warning.
const maxFile = 1 << 20

// A Set is the site configs of a directory. It is not changed after Load
// and is safe for concurrent use.
type Set struct {
	// Dir is the directory the set was read from.
	Dir string
	// Files is how many site config files were read (global.txt included).
	Files int
	// Skipped names the .txt files that are not named after a host (such
	// as LICENSE.txt), which were not read.
	Skipped []string
	// Warnings are the lines that were not understood and the files that
	// could not be read, by file and line.
	Warnings []Warning
	// Unapplied counts the lines of directives that refeed does not
	// apply, by directive, over all files.
	Unapplied map[string]int

	digest string

	sites  map[string]*Config // by file name without .txt: "example.com", ".example.com"
	merged map[string]*Config // the same, merged with global
	global *Config            // nil without global.txt
}

// fileHost is what the name of a site's file looks like without .txt: a
// host name with at least one dot, or such a name after a dot.
var fileHost = regexp.MustCompile(`^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)+$`)

// Load reads the site configs of dir: every file named HOST.txt or
// .HOST.txt, and global.txt. Only a directory that cannot be read is an
// error; a file that cannot be read or a line that cannot be used is a
// warning (Set.Warnings).
func Load(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("site configs: %w", err)
	}
	s := &Set{Dir: dir, sites: map[string]*Config{}, merged: map[string]*Config{}, Unapplied: map[string]int{}}
	h := sha256.New()
	for _, e := range entries {
		name := e.Name()
		key, ok := strings.CutSuffix(strings.ToLower(name), ".txt")
		if !ok || e.IsDir() {
			continue
		}
		if key != GlobalName && !fileHost.MatchString(key) {
			s.Skipped = append(s.Skipped, name)
			continue
		}
		data, err := readFile(filepath.Join(dir, name))
		if err != nil {
			s.Warnings = append(s.Warnings, Warning{Pos: Pos{File: name}, Msg: err.Error()})
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
		c, warnings := Parse(name, data)
		s.Files++
		s.Warnings = append(s.Warnings, warnings...)
		for d, n := range c.Unapplied {
			s.Unapplied[d] += n
		}
		if key == GlobalName {
			s.global = c
			continue
		}
		if old := s.sites[key]; old != nil {
			// Names differing only in case: the first in order is kept.
			s.Warnings = append(s.Warnings, Warning{Pos: Pos{File: name}, Msg: "another file is for the same host: " + old.Name()})
			continue
		}
		s.sites[key] = c
	}
	s.digest = hex.EncodeToString(h.Sum(nil)[:16])
	for key, c := range s.sites {
		s.merged[key] = c
		if s.global != nil && c.Autodetects() {
			s.merged[key] = c.merge(s.global)
		}
	}
	sort.Slice(s.Warnings, func(i, j int) bool {
		a, b := s.Warnings[i], s.Warnings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return s, nil
}

// readFile reads a file of at most maxFile bytes.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("larger than %d bytes: skipped", maxFile)
	}
	return data, nil
}

// Digest identifies the files read: two sets with the same digest were
// read from the same files with the same contents.
func (s *Set) Digest() string {
	if s == nil {
		return ""
	}
	return s.digest
}

// Len returns the number of sites the set has configs for (global.txt not
// counted).
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.sites)
}

// Sites returns the names of the sites' files without .txt, sorted:
// "example.com" for example.com.txt, ".example.com" for .example.com.txt.
func (s *Set) Sites() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.sites))
	for k := range s.sites {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Site returns the config of the file named name without .txt (see
// Sites), unmerged, or nil.
func (s *Set) Site(name string) *Config {
	if s == nil {
		return nil
	}
	return s.sites[strings.ToLower(name)]
}

// Global returns the rules of global.txt, or nil.
func (s *Set) Global() *Config {
	if s == nil {
		return nil
	}
	return s.global
}

// Lookup returns the site's own config for host, or nil: the file named
// after host (after a www. is dropped; www.example.com.txt matches only
// www.example.com), else the .PARENT.txt of its nearest parent domain
// that has one. The parents tried have at least two labels: for
// news.example.co.uk, .example.co.uk then .co.uk.
func (s *Set) Lookup(host string) *Config {
	key := s.lookupKey(host)
	if key == "" {
		return nil
	}
	return s.sites[key]
}

// For returns the rules for pages of host, as FiveFilters builds them: the
// site's config (see Lookup) merged with global.txt unless the site says
// autodetect_on_failure: no; global.txt alone for a host without a config
// of its own. It returns nil when there are none, and for a nil Set.
func (s *Set) For(host string) *Config {
	if s == nil {
		return nil
	}
	if key := s.lookupKey(host); key != "" {
		return s.merged[key]
	}
	return s.global
}

// lookupKey returns the key of host's own config in s.sites, or "".
func (s *Set) lookupKey(host string) string {
	if s == nil {
		return ""
	}
	h := normalizeHost(host)
	if h == "" {
		return ""
	}
	if strings.HasPrefix(h, "www.") {
		if _, ok := s.sites[h]; ok {
			return h
		}
		h = h[len("www."):]
	}
	if _, ok := s.sites[h]; ok {
		return h
	}
	for rest := h; ; {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
		if !strings.Contains(rest, ".") {
			return ""
		}
		if _, ok := s.sites["."+rest]; ok {
			return "." + rest
		}
	}
}
