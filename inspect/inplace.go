package inspect

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/plaintext"
	"github.com/refeed/refeed/topic"
)

// Kinds of segments.
const (
	kept    = "kept"
	removed = "removed"
	added   = "added"
)

// maxCompared bounds the text, in bytes, of each side that inPlace
// compares; longer texts are shown as cleaned, without the removals in
// place.
const maxCompared = 256 << 10

// diffTimeout bounds the time of one diff; past it the diff is coarser
// (larger pieces marked), not wrong.
const diffTimeout = 250 * time.Millisecond

// A segment is a piece of an item's text: kept by cleaning, removed by it,
// or added (as when sanitizing rewrote a character).
type segment struct {
	Kind string // kept, removed or added
	Text string
	// Removal is the 1-based number, in the item's removals, of the
	// removal that removed Text; 0 when none could be told.
	Removal int
	Rule    string // that removal's rule
	Draft   bool   // the rule is the try page's draft
}

// visible returns the text a reader sees of a field: of HTML, its visible
// text; of plain text, the text.
func visible(s string) string {
	if topic.IsHTML(s) {
		return topic.VisibleText(s)
	}
	return strings.TrimSpace(s)
}

// inPlace returns the visible text of before (a field before cleaning)
// with what cleaning removed from it marked in place, as a word diff with
// after (the field cleaned). Each removed piece is attributed to the
// removal of field, among removals, whose text holds it, or shares most
// words with it. It reports false, with the cleaned text alone, when the
// texts are too long to compare.
func inPlace(before, after string, removals []clean.Removal, field string) ([]segment, bool) {
	b, a := visible(before), visible(after)
	if len(b) > maxCompared || len(a) > maxCompared {
		return []segment{{Kind: kept, Text: a}}, false
	}
	var tk tokenizer
	rb, ra := tk.runes(b), tk.runes(a)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	var segs []segment
	for _, d := range dmp.DiffMainRunes(rb, ra, false) {
		text := tk.text(d.Text)
		kind := kept
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			kind = removed
		case diffmatchpatch.DiffInsert:
			kind = added
		}
		// White space that changed (a line break become a space) is
		// layout, not a removal: the original's is kept, the new dropped.
		if kind != kept && strings.TrimSpace(text) == "" {
			if kind == added {
				continue
			}
			kind = kept
		}
		segs = appendSegment(segs, segment{Kind: kind, Text: text})
	}
	segs = trimRemovals(joinRemovals(segs))
	for i := range segs {
		if segs[i].Kind == removed {
			segs[i].Removal = attribute(segs[i].Text, removals, field)
			if n := segs[i].Removal; n > 0 {
				segs[i].Rule = removals[n-1].Rule
			}
		}
	}
	return segs, true
}

// appendSegment appends s to segs, joined to the last segment when of the
// same kind.
func appendSegment(segs []segment, s segment) []segment {
	if n := len(segs); n > 0 && segs[n-1].Kind == s.Kind {
		segs[n-1].Text += s.Text
		return segs
	}
	return append(segs, s)
}

// joinRemovals joins removed segments separated by white space alone (the
// line break between two removed paragraphs) into one.
func joinRemovals(segs []segment) []segment {
	var out []segment
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		n := len(out)
		if s.Kind == kept && strings.TrimSpace(s.Text) == "" && n > 0 && out[n-1].Kind == removed &&
			i+1 < len(segs) && segs[i+1].Kind == removed {
			out[n-1].Text += s.Text + segs[i+1].Text
			i++
			continue
		}
		out = appendSegment(out, s)
	}
	return out
}

// trimRemovals moves the white space around removed text to the kept
// text beside it, so that a removal's label follows its last word.
func trimRemovals(segs []segment) []segment {
	var out []segment
	for _, s := range segs {
		if s.Kind != removed {
			out = appendSegment(out, s)
			continue
		}
		core := strings.TrimSpace(s.Text)
		lead := s.Text[:strings.Index(s.Text, core)]
		trail := s.Text[len(lead)+len(core):]
		if lead != "" {
			out = appendSegment(out, segment{Kind: kept, Text: lead})
		}
		s.Text = core
		out = append(out, s)
		if trail != "" {
			out = appendSegment(out, segment{Kind: kept, Text: trail})
		}
	}
	return out
}

// attribute returns the 1-based number of the removal of field that
// removed text: the first whose text holds it or is held by it, else the
// one sharing most words with it; 0 when none shares a word.
func attribute(text string, removals []clean.Removal, field string) int {
	t := strings.ToLower(plaintext.Collapse(text))
	words := strings.FieldsFunc(t, notWord)
	best, bestShared := 0, 0
	for i, rm := range removals {
		if rm.Field != field {
			continue
		}
		r := strings.ToLower(plaintext.Collapse(rm.Text))
		r = strings.TrimSuffix(r, "…") // an excerpt
		if r == "" {
			continue
		}
		if strings.Contains(r, t) || strings.Contains(t, r) {
			return i + 1
		}
		shared := 0
		for _, w := range words {
			if strings.Contains(r, w) {
				shared++
			}
		}
		if shared > bestShared {
			best, bestShared = i+1, shared
		}
	}
	return best
}

func notWord(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// A tokenizer splits texts into words and runs of white space, and stands
// one rune for each distinct token, so that a rune diff is a word diff.
type tokenizer struct {
	ids    map[string]rune
	tokens []string // by rune, less one, skipping the surrogates
}

// runes returns the runes of the tokens of s.
func (tk *tokenizer) runes(s string) []rune {
	if tk.ids == nil {
		tk.ids = map[string]rune{}
	}
	var out []rune
	for i := 0; i < len(s); {
		j := i
		space := isSpace(s, i)
		for j < len(s) && isSpace(s, j) == space {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
		}
		tok := s[i:j]
		if space {
			// Only whether white space breaks a line matters.
			tok = " "
			if strings.ContainsRune(s[i:j], '\n') {
				tok = "\n"
			}
		}
		id, ok := tk.ids[tok]
		if !ok {
			id = runeOf(len(tk.tokens))
			tk.ids[tok] = id
			tk.tokens = append(tk.tokens, tok)
		}
		out = append(out, id)
		i = j
	}
	return out
}

// text returns the tokens of the runes of s, joined.
func (tk *tokenizer) text(s string) string {
	var b strings.Builder
	for _, r := range s {
		if n := indexOf(r); n >= 0 && n < len(tk.tokens) {
			b.WriteString(tk.tokens[n])
		}
	}
	return b.String()
}

// runeOf returns the rune standing for token n, and indexOf the converse:
// runes from 1 up, skipping the surrogates, which are not valid in
// strings.
func runeOf(n int) rune {
	r := rune(n + 1)
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

func indexOf(r rune) int {
	if r >= 0xE000 {
		r -= 0x800
	}
	return int(r) - 1
}

func isSpace(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}
