// Package suggest finds, for a name a user typed that is not known, the
// known name they probably meant: "no source named guardin; did you mean
// guardian?".
package suggest

import (
	"strings"
	"unicode/utf8"
)

// Closest returns the name of names nearest to typed, by the edit
// distance of their lower case forms (letters inserted, removed or
// replaced), when it is reasonably close: at most a third of the longer
// name's letters differ. Of names as near, the first is returned. It
// returns false when no name is that close.
func Closest(typed string, names []string) (string, bool) {
	best, bestDist := "", -1
	t := strings.ToLower(typed)
	for _, n := range names {
		d := Distance(t, strings.ToLower(n))
		if 3*d > max(utf8.RuneCountInString(t), utf8.RuneCountInString(n)) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = n, d
		}
	}
	return best, bestDist >= 0
}

// Distance returns the Levenshtein distance of a and b: the fewest
// letters (runes) to insert, remove or replace to turn a into b.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	row := make([]int, len(rb)+1)
	for j := range row {
		row[j] = j
	}
	for i := range ra {
		diag := row[0] // the distance of ra[:i] and rb[:j]
		row[0] = i + 1
		for j := range rb {
			up := row[j+1]
			cost := 1
			if ra[i] == rb[j] {
				cost = 0
			}
			row[j+1] = min(up+1, row[j]+1, diag+cost)
			diag = up
		}
	}
	return row[len(rb)]
}
