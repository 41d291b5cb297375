package config

import (
	"fmt"
	"sort"
	"strings"
)

// An Error is one problem in a configuration file, at a position in it.
//
// Line and Col are 1-based; both are 0 for problems with the file as a
// whole, such as a file that cannot be read.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error formats the problem as FILE:LINE:COL: MESSAGE, or as
// FILE: MESSAGE when it has no position.
func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found in a configuration file, in file order.
type Errors []Error

// Error returns the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortErrors puts es in file order, keeping the order of problems found at
// the same position.
func sortErrors(es Errors) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Col < es[j].Col
	})
}
