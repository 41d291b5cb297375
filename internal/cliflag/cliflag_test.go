package cliflag

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		args   []string
		config string
		diff   bool
		rest   []string
	}{
		{[]string{"guardian"}, "config.yaml", false, []string{"guardian"}},
		{[]string{"-diff", "guardian"}, "config.yaml", true, []string{"guardian"}},
		{[]string{"guardian", "-diff"}, "config.yaml", true, []string{"guardian"}},
		{[]string{"guardian", "-config", "x.yaml", "--diff"}, "x.yaml", true, []string{"guardian"}},
		{[]string{"a", "-config=x.yaml", "b", "-diff", "c"}, "x.yaml", true, []string{"a", "b", "c"}},
		{[]string{"a", "--", "-diff", "b"}, "config.yaml", false, []string{"a", "-diff", "b"}},
		{[]string{"-config", "--", "a", "-diff"}, "--", true, []string{"a"}},
		{[]string{"-diff", "--", "-config", "x"}, "config.yaml", true, []string{"-config", "x"}},
		{[]string{"a", "-", "-diff"}, "config.yaml", true, []string{"a", "-"}},
		{[]string{"-diff=false", "a", "-diff"}, "config.yaml", true, []string{"a"}},
		{nil, "config.yaml", false, nil},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		config := fs.String("config", "config.yaml", "")
		diff := fs.Bool("diff", false, "")
		rest, err := Parse(fs, c.args)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.args, err)
			continue
		}
		if *config != c.config || *diff != c.diff || !slices.Equal(rest, c.rest) {
			t.Errorf("Parse(%q): config %q, diff %v, rest %q; want %q, %v, %q", c.args, *config, *diff, rest, c.config, c.diff, c.rest)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"guardian", "-h"}, flag.ErrHelp.Error()},
		{[]string{"guardian", "--help"}, flag.ErrHelp.Error()},
		{[]string{"guardian", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"guardian", "-config"}, "flag needs an argument: -config"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("config", "config.yaml", "")
		_, err := Parse(fs, c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): error %v, want %q", c.args, err, c.want)
		}
		if c.want == flag.ErrHelp.Error() && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Parse(%q): %v is not flag.ErrHelp", c.args, err)
		}
	}
}
