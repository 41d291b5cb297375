package topic

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// The automaton reports at every position of a text exactly the patterns
// that end there, stepping through trans as the matching loop does, and
// its table agrees with delta and the output lists.
func TestACMachineFindsEveryOccurrence(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("abcz\x02\x03")
	word := func(n int) []byte {
		w := make([]byte, n)
		for i := range w {
			w[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return w
	}
	for round := range 50 {
		m := newACMachine()
		var pats [][]byte
		for i := range 1 + rng.IntN(30) {
			p := word(1 + rng.IntN(5))
			pats = append(pats, p)
			m.add(p, acOut{wp: int32(i), len: int32(len(p))})
		}
		m.build()
		for range 20 {
			text := append(word(rng.IntN(40)), 'q') // 'q' is in no pattern
			e, st := uint32(0), int32(0)
			for i, c := range text {
				e, st = m.next(e, c), m.step(st, c)
				if got := m.stateOf(e); got != st {
					t.Fatalf("round %d: %q at %d: trans gives state %d, delta %d", round, text, i, got, st)
				}
				var got, want []int32
				for _, o := range m.outputs(st) {
					got = append(got, o.wp)
				}
				if (e&1 != 0) != (len(got) > 0) {
					t.Fatalf("round %d: %q at %d: state %d has outputs %v, its entry's flag is %d", round, text, i, st, got, e&1)
				}
				for id, p := range pats {
					if bytes.HasSuffix(text[:i+1], p) {
						want = append(want, int32(id))
					}
				}
				slices.Sort(got)
				got = slices.Compact(got)
				if !slices.Equal(got, want) {
					t.Fatalf("round %d: %q at %d: outputs %v, want %v (patterns %q)", round, text, i, got, want, pats)
				}
			}
		}
	}
}
