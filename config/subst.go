package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Substitution: secrets out of the configuration file.
//
// Every value the configuration reads as text (strings, also in lists,
// durations and sizes; not keys, numbers or booleans) may hold references,
// replaced while the value is decoded, before it is checked:
//
//	${NAME}             the environment variable NAME; NAME is a letter or
//	                    _ followed by letters, digits and _ (an unset
//	                    variable is an error; a set, empty one gives "")
//	${file:PATH}        the contents of the file PATH, relative to the
//	                    configuration file's folder; PATH is any text up to
//	                    the first }
//	${credential:NAME}  the contents of $CREDENTIALS_DIRECTORY/NAME, the
//	                    credential systemd passes for LoadCredential=NAME:...;
//	                    NAME is letters, digits, _, . and - (not . or ..)
//	$${                 a literal ${
//
// One trailing newline ("\n" or "\r\n") of a file's contents is dropped. A $
// not followed by { (or $${) is itself. The text is scanned once, left to
// right: what a reference gives is not scanned again. Any other ${ (a
// malformed reference, a missing }) is an error.
//
// A substituted value never reaches a message: a value that fails its
// check is named by where it came from ("the value of ${TAZ_URL} is not a
// valid URL"), and errors while substituting name the variable or the path,
// never what was read.

// maxFileValue bounds what a ${file:...} or ${credential:...} reference
// reads; a configuration value is never this long.
const maxFileValue = 1 << 20

var (
	envName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	credentialName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// A substitution is what a value with references became.
type substitution struct {
	origin string // "the value of ${X}": names the value without showing it
	empty  bool   // the substituted value is ""
}

// substEnv is how a decoder reads the environment and files.
type substEnv struct {
	dir       string // the configuration file's folder
	lookupEnv func(string) (string, bool)
}

// substitute replaces the references in raw, the text of a value in the
// file. It returns the result, whether raw held references, and an error
// naming the reference (never what it gave) when one is malformed or
// cannot be resolved.
func (e substEnv) substitute(raw string) (string, bool, error) {
	if !strings.Contains(raw, "${") {
		return raw, false, nil
	}
	var b strings.Builder
	found := false
	for i := 0; i < len(raw); {
		switch {
		case strings.HasPrefix(raw[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(raw[i:], "${"):
			end := strings.IndexByte(raw[i:], '}')
			if end < 0 {
				return "", false, fmt.Errorf("unclosed reference %q (write ${NAME}, ${file:PATH} or ${credential:NAME}; $${ is a literal ${)", raw[i:])
			}
			ref := raw[i : i+end+1]
			v, err := e.resolve(ref)
			if err != nil {
				return "", false, err
			}
			b.WriteString(v)
			i += end + 1
			found = true
		default:
			b.WriteByte(raw[i])
			i++
		}
	}
	return b.String(), found, nil
}

// resolve returns what the reference ref ("${...}") stands for.
func (e substEnv) resolve(ref string) (string, error) {
	body := ref[2 : len(ref)-1]
	if path, ok := strings.CutPrefix(body, "file:"); ok {
		if path == "" {
			return "", fmt.Errorf("%s: empty path", ref)
		}
		return readValueFile(ref, resolvePath(e.dir, path))
	}
	if name, ok := strings.CutPrefix(body, "credential:"); ok {
		if !credentialName.MatchString(name) || name == "." || name == ".." {
			return "", fmt.Errorf("%s: invalid credential name %q (use letters, digits, _, . and -)", ref, name)
		}
		dir, set := e.lookupEnv("CREDENTIALS_DIRECTORY")
		if !set || dir == "" {
			return "", fmt.Errorf("%s: CREDENTIALS_DIRECTORY is not set (systemd sets it for a service with LoadCredential=%s:PATH)", ref, name)
		}
		return readValueFile(ref, filepath.Join(dir, name))
	}
	if !envName.MatchString(body) {
		return "", fmt.Errorf("invalid reference %q (write ${NAME} with NAME of letters, digits and _, ${file:PATH} or ${credential:NAME}; $${ is a literal ${)", ref)
	}
	v, set := e.lookupEnv(body)
	if !set {
		return "", fmt.Errorf("environment variable %s is not set", body)
	}
	return v, nil
}

// readValueFile reads the regular file at path for the reference ref,
// without one trailing newline. Its errors name the path, never the
// contents.
func readValueFile(ref, path string) (string, error) {
	fail := func(err error) (string, error) {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("%s: cannot read %s: %v", ref, path, err)
	}
	// A FIFO or a device would block or never end: only regular files.
	fi, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: %s is not a regular file", ref, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileValue+1))
	if err != nil {
		return fail(err)
	}
	if len(b) > maxFileValue {
		return "", fmt.Errorf("%s: %s is larger than %d bytes", ref, path, maxFileValue)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	return s, nil
}

// origin names the value written raw in the file without showing what it
// became: "the value of ${X}" for a value that is one reference, else the
// value of the file's text, quoted.
func origin(raw string) string {
	if strings.HasPrefix(raw, "${") && strings.IndexByte(raw, '}') == len(raw)-1 {
		return "the value of " + raw
	}
	return "the value of " + strconv.Quote(raw)
}
