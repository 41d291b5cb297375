package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/refeed/refeed/internal/cliflag"
)

// A command is one of refeed's commands: what 'refeed help' and
// 'refeed COMMAND -h' say of it, and how it runs.
type command struct {
	name    string
	purpose string // what it does, on one line
	args    string // its arguments in its usage line: "SOURCE"
	about   string // about its arguments, or ""
	// minArgs and maxArgs bound its arguments; maxArgs -1: any number.
	minArgs, maxArgs int
	run              func(cmd *command, args []string, stdout, stderr io.Writer) int
}

// parse parses args with fs, the command's flags: they may stand before,
// between or after its arguments. It returns the arguments, or, when the
// command is done, its exit status: with -h, -help or --help, exitOK
// after the command's help on stdout; with a flag that fs does not know,
// a flag without its value or the wrong number of arguments, exitUsage
// after the problem and the usage on stderr.
func (c *command) parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (rest []string, status int, done bool) {
	// The problems are printed below, once, with the usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	rest, err := cliflag.Parse(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, "refeed %s: %s\n\n", c.name, c.purpose)
		c.usage(stdout, fs)
		return nil, exitOK, true
	case err != nil:
		return nil, c.usageError(stderr, fs, err.Error()), true
	case len(rest) < c.minArgs:
		return nil, c.usageError(stderr, fs, c.args+" missing"), true
	case c.maxArgs >= 0 && len(rest) > c.maxArgs:
		extra := rest[c.maxArgs:]
		if c.maxArgs == 0 {
			return nil, c.usageError(stderr, fs, fmt.Sprintf("takes no arguments, got %q", strings.Join(extra, " "))), true
		}
		return nil, c.usageError(stderr, fs, fmt.Sprintf("unexpected argument %q after %s", extra[0], c.args)), true
	}
	return rest, exitOK, false
}

// usageError prints problem and the command's usage to w and returns
// exitUsage.
func (c *command) usageError(w io.Writer, fs *flag.FlagSet, problem string) int {
	fmt.Fprintf(w, "refeed %s: %s\n\n", c.name, problem)
	c.usage(w, fs)
	return exitUsage
}

// usage writes the command's usage line, what its arguments are and its
// flags to w.
func (c *command) usage(w io.Writer, fs *flag.FlagSet) {
	line := "usage: refeed " + c.name
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		line += " [flags]"
	}
	if c.args != "" {
		line += " " + c.args
	}
	fmt.Fprintln(w, line)
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", c.about)
	}
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
