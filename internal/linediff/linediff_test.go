package linediff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// sides returns the lines of a and of b that script holds.
func sides(script []Edit) (a, b []string) {
	for _, e := range script {
		if e.Kind != Insert {
			a = append(a, e.Text)
		}
		if e.Kind != Delete {
			b = append(b, e.Text)
		}
	}
	return a, b
}

// changes counts the removed and added lines of script.
func changes(script []Edit) int {
	n := 0
	for _, e := range script {
		if e.Kind != Equal {
			n++
		}
	}
	return n
}

// lcs returns the length of a longest common subsequence of a and b, by
// dynamic programming: a shortest script changes len(a)+len(b)-2*lcs
// lines.
func lcs(a, b []string) int {
	row := make([]int, len(b)+1)
	for i := range a {
		diag := 0
		for j := range b {
			up := row[j+1]
			if a[i] == b[j] {
				row[j+1] = diag + 1
			} else {
				row[j+1] = max(row[j+1], row[j])
			}
			diag = up
		}
	}
	return row[len(b)]
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n") && len(a) == len(b)
}

// TestDiffIsShortest compares Diff on random texts of a few distinct
// lines with the longest common subsequence: the script gives back both
// texts, changes as few lines as can be, and puts removals first.
func TestDiffIsShortest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d"}
	text := func() []string {
		s := make([]string, r.IntN(12))
		for i := range s {
			s[i] = words[r.IntN(len(words))]
		}
		return s
	}
	for range 3000 {
		a, b := text(), text()
		script := Diff(a, b)
		ga, gb := sides(script)
		if !equal(ga, a) || !equal(gb, b) {
			t.Fatalf("Diff(%q, %q) = %v: gives back %q and %q", a, b, script, ga, gb)
		}
		if got, want := changes(script), len(a)+len(b)-2*lcs(a, b); got != want {
			t.Fatalf("Diff(%q, %q) changes %d lines, want %d: %v", a, b, got, want, script)
		}
		for i := 1; i < len(script); i++ {
			if script[i-1].Kind == Insert && script[i].Kind == Delete {
				t.Fatalf("Diff(%q, %q): an insertion before a deletion: %v", a, b, script)
			}
		}
	}
}

// TestDiffPastMaxEdits: texts with nothing in common and more lines than
// MaxEdits are every line removed and added.
func TestDiffPastMaxEdits(t *testing.T) {
	var a, b []string
	for i := range MaxEdits {
		a = append(a, "a"+strings.Repeat("x", i%7))
		b = append(b, "b"+strings.Repeat("y", i%5))
	}
	script := Diff(a, b)
	ga, gb := sides(script)
	if !equal(ga, a) || !equal(gb, b) || changes(script) != 2*MaxEdits {
		t.Errorf("%d edits, %d changes", len(script), changes(script))
	}
}

func TestWrite(t *testing.T) {
	a := strings.Split("title\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\nDonate now!", "\n")
	b := strings.Split("title\none\n2\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten", "\n")
	for _, c := range []struct {
		name    string
		a, b    []string
		context int
		want    string
	}{
		{"two hunks", a, b, 2, `  @@ -1,5 +1,5 @@
   title
   one
  -two
  +2
   three
   four
  @@ -10,3 +10,2 @@
   nine
   ten
  -Donate now!
`},
		{"one hunk: the changes are close", a, b, 4, `  @@ -1,12 +1,11 @@
   title
   one
  -two
  +2
   three
   four
   five
   six
   seven
   eight
   nine
   ten
  -Donate now!
`},
		{"no context", a, b, 0, `  @@ -3 +3 @@
  -two
  +2
  @@ -12 +11,0 @@
  -Donate now!
`},
		{"added to nothing", nil, []string{"x", "y"}, 3, `  @@ -0,0 +1,2 @@
  +x
  +y
`},
		{"added at the start", []string{"b", "c"}, []string{"a", "b", "c"}, 1, `  @@ -1 +1,2 @@
  +a
   b
`},
		{"equal", a, a, 3, ""},
	} {
		var w strings.Builder
		if err := Write(&w, c.a, c.b, c.context, "  "); err != nil {
			t.Fatal(err)
		}
		if w.String() != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, w.String(), c.want)
		}
	}
}

func BenchmarkDiff(b *testing.B) {
	var x, y []string
	for i := range 500 {
		x = append(x, strings.Repeat("line ", i%13)+string(rune('a'+i%26)))
		if i%10 != 0 {
			y = append(y, x[i])
		} else {
			y = append(y, "changed")
		}
	}
	for b.Loop() {
		Diff(x, y)
	}
}
