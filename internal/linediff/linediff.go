// Package linediff compares two texts line by line and writes the
// difference in the unified style of diff -u: hunks headed by
// "@@ -A,N +B,M @@", lines removed prefixed by "-", lines added by "+",
// and lines of context by " ".
//
// The comparison is Myers' O(ND) algorithm ("An O(ND) Difference
// Algorithm and Its Variations", 1986): the script it finds is a
// shortest one, with the fewest lines removed and added.
package linediff

import (
	"fmt"
	"io"
	"slices"
)

// A Kind says what an edit does to a line.
type Kind int

// The kinds of edits.
const (
	Equal  Kind = iota // the line is in both texts
	Delete             // the line is only in the first text
	Insert             // the line is only in the second text
)

// prefix returns the mark of k in a unified diff.
func (k Kind) prefix() string {
	switch k {
	case Delete:
		return "-"
	case Insert:
		return "+"
	}
	return " "
}

// An Edit is one line of an edit script.
type Edit struct {
	Kind Kind
	Text string
}

// MaxEdits bounds the lines removed and added that Diff looks for: past
// it, texts that differ that much are given as every line of a removed
// and every line of b added, a correct script but not a shortest one. It
// bounds Diff's memory, which grows as the square of the edits.
const MaxEdits = 4000

// Diff returns an edit script that turns a into b: every line of a and of
// b once, in their order, the lines of a marked Equal or Delete and those
// of b Equal or Insert. Within each change the removed lines come before
// the added ones.
func Diff(a, b []string) []Edit {
	// The lines both texts start and end with take no search.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	script := make([]Edit, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		script = append(script, Edit{Equal, l})
	}
	script = append(script, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		script = append(script, Edit{Equal, l})
	}
	return deletesFirst(script)
}

// myers returns a shortest edit script from a to b, or, past MaxEdits,
// every line removed and added.
func myers(a, b []string) []Edit {
	n, m := len(a), len(b)
	limit := min(n+m, MaxEdits)
	off := limit + 1
	// v[off+k] is the furthest x reached on diagonal k (x-y = k).
	v := make([]int, 2*off+1)
	// trace[d] holds v[off-d .. off+d] after d edits.
	var trace [][]int
	for d := 0; d <= limit; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down from diagonal k+1: b[y] is inserted
			} else {
				x = v[off+k-1] + 1 // right from diagonal k-1: a[x] is deleted
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				trace = append(trace, slices.Clone(v[off-d:off+d+1]))
				return backtrack(trace, a, b)
			}
		}
		trace = append(trace, slices.Clone(v[off-d:off+d+1]))
	}
	script := make([]Edit, 0, n+m)
	for _, l := range a {
		script = append(script, Edit{Delete, l})
	}
	for _, l := range b {
		script = append(script, Edit{Insert, l})
	}
	return script
}

// backtrack follows the path myers found back from its end, through the
// furthest points of trace, and returns its edits in order.
func backtrack(trace [][]int, a, b []string) []Edit {
	x, y := len(a), len(b)
	var rev []Edit
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1]
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, Edit{Equal, a[x-1]})
			x, y = x-1, y-1
		}
		if x == px {
			rev = append(rev, Edit{Insert, b[y-1]})
		} else {
			rev = append(rev, Edit{Delete, a[x-1]})
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		rev = append(rev, Edit{Equal, a[x-1]})
		x, y = x-1, y-1
	}
	slices.Reverse(rev)
	return rev
}

// deletesFirst reorders every run of changed lines of script so that its
// removed lines come before its added ones, as diff -u shows them.
func deletesFirst(script []Edit) []Edit {
	for i := 0; i < len(script); {
		if script[i].Kind == Equal {
			i++
			continue
		}
		j := i
		for j < len(script) && script[j].Kind != Equal {
			j++
		}
		slices.SortStableFunc(script[i:j], func(p, q Edit) int { return int(p.Kind) - int(q.Kind) })
		i = j
	}
	return script
}

// A Hunk is a piece of an edit script: changed lines with up to the
// context's lines around them.
type Hunk struct {
	A, B  int // the 1-based numbers of the hunk's first lines in a and b
	Edits []Edit
}

// lens returns how many lines of a and of b h holds.
func (h Hunk) lens() (na, nb int) {
	for _, e := range h.Edits {
		if e.Kind != Insert {
			na++
		}
		if e.Kind != Delete {
			nb++
		}
	}
	return na, nb
}

// Hunks splits script into hunks: each change with context lines of the
// equal lines around it, changes closer than twice that in one hunk. A
// script without changes has no hunks.
func Hunks(script []Edit, context int) []Hunk {
	context = max(context, 0)
	var hunks []Hunk
	// ai, bi are the 0-based numbers in a and b of script[i].
	ai, bi := 0, 0
	start := -1 // of the current hunk in script; -1 without one
	var h Hunk
	lastChange := -1
	for i, e := range script {
		if e.Kind != Equal {
			if start >= 0 && i-lastChange-1 > 2*context {
				// Too far from the last change: close its hunk.
				h.Edits = script[start : lastChange+1+context]
				hunks = append(hunks, h)
				start = -1
			}
			if start < 0 {
				start = max(i-context, lastChange+1, 0)
				back := i - start // equal lines before the change
				h = Hunk{A: ai - back + 1, B: bi - back + 1}
			}
			lastChange = i
		}
		if e.Kind != Insert {
			ai++
		}
		if e.Kind != Delete {
			bi++
		}
	}
	if start >= 0 {
		h.Edits = script[start:min(lastChange+1+context, len(script))]
		hunks = append(hunks, h)
	}
	return hunks
}

// Write writes the difference from a to b to w in the unified style,
// with context lines of context around each change, each line prefixed
// by indent. It writes nothing when a and b are equal.
func Write(w io.Writer, a, b []string, context int, indent string) error {
	for _, h := range Hunks(Diff(a, b), context) {
		na, nb := h.lens()
		if _, err := fmt.Fprintf(w, "%s@@ -%s +%s @@\n", indent, span(h.A, na), span(h.B, nb)); err != nil {
			return err
		}
		for _, e := range h.Edits {
			if _, err := fmt.Fprintf(w, "%s%s%s\n", indent, e.Kind.prefix(), e.Text); err != nil {
				return err
			}
		}
	}
	return nil
}

// span writes a hunk's range as diff -u does: "START,COUNT", "START" for
// one line, and for none the line before it.
func span(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
