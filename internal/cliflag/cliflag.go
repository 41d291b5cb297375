// Package cliflag parses a command's flags wherever they stand among its
// arguments: "refeed preview guardian -diff" as "refeed preview -diff
// guardian". Package flag stops at the first argument that is not a flag;
// Parse parses the rest again after each one.
package cliflag

import (
	"flag"
	"strings"
)

// Parse parses the flags of args with fs, before, between and after the
// other arguments, and returns those arguments in their order. An
// argument "--" ends the flags: every argument after it is returned, as
// "-" is. fs's errors are returned as fs.Parse returns them (flag.ErrHelp
// for -h, -help and --help); fs should be made with flag.ContinueOnError.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if terminated(fs, args[:len(args)-len(left)]) {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// terminated reports whether the flags that fs.Parse read, parsed, ended
// with "--" (rather than with a flag whose value is "--"), read as
// package flag reads them.
func terminated(fs *flag.FlagSet, parsed []string) bool {
	for i := 0; i < len(parsed); i++ {
		if parsed[i] == "--" {
			return true
		}
		if takesValue(fs, parsed[i]) {
			i++ // its value
		}
	}
	return false
}

// takesValue reports whether arg is a flag of fs that takes the next
// argument as its value: not a boolean flag, and without "=value".
func takesValue(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
