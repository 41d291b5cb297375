package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"guardin", "guardian", 1},
		{"kitten", "sitting", 3},
		{"gaurdian", "guardian", 2},
		{"spiegel", "spiegel", 0},
		{"süddeutsche", "suddeutsche", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"taz", "guardian", "spiegel", "faz", "Heise"}
	for _, c := range []struct {
		typed string
		want  string // "" for no suggestion
	}{
		{"guardin", "guardian"},
		{"gaurdian", "guardian"},
		{"Guardian", "guardian"},
		{"heise", "Heise"},
		{"spigel", "spiegel"},
		{"tz", "taz"},
		{"baz", "taz"}, // as near as faz: the first
		{"xyz", ""},
		{"nytimes", ""},
		{"", ""},
	} {
		got, ok := Closest(c.typed, names)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("Closest(%q) = %q, %v; want %q", c.typed, got, ok, c.want)
		}
	}
	if got, ok := Closest("taz", nil); ok {
		t.Errorf("Closest among no names = %q", got)
	}
}
