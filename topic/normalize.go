package topic

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the normalized form of the plain text s: the text that
// /regex/ terms are matched against, and the form every word and term is
// compared in.
//
// The normalized text is a sequence of words separated by single ASCII
// spaces, with no leading or trailing space. A word is a maximal run of
// letters and digits; every other character (space, line break, hyphen,
// apostrophe, slash, punctuation, symbol) separates words and is not kept.
// Within a word:
//
//   - text is decomposed for compatibility (NFKD: "ﬁ" is "fi", "Ｎ" is "N",
//     "²" is "2") and lower-cased;
//   - diacritics (nonspacing marks) are dropped, so "é" is "e", "Pyŏngyang"
//     is "pyongyang", and the German umlauts "ä", "ö", "ü" become "a", "o",
//     "u";
//   - "ß" becomes "ss", "æ" "ae", "œ" "oe", "ø" "o", "ł" "l", "đ" and "ð"
//     "d", "þ" "th", "ı" "i", and the final sigma "ς" becomes "σ";
//   - format characters (Unicode category Cf: the soft hyphen U+00AD, the
//     zero-width space and joiners U+200B-U+200D, the word joiner U+2060, the
//     byte order mark U+FEFF, ...) are removed without separating anything,
//     so "Nord\u00adkorea" is "nordkorea".
//
// For example, "Nato-Sprecherin: „Pjöngjang’s Soldaten“" normalizes to
// "nato sprecherin pjongjang s soldaten".
//
// Normalize drops the information that a vowel carried an umlaut; the
// matcher keeps it, so that "Pjöngjang" in a text also matches the term
// "pjoengjang" (see the package documentation).
func Normalize(s string) string {
	j := joiner{out: make([]byte, 0, len(s))}
	f := folder{sink: &j}
	feed(&f, s)
	f.brk()
	return string(j.out)
}

// joiner is the wordSink of Normalize: it joins words with single spaces.
type joiner struct{ out []byte }

func (j *joiner) word(w []byte, _ []int32) {
	if len(j.out) > 0 {
		j.out = append(j.out, ' ')
	}
	j.out = append(j.out, w...)
}

// A wordSink receives the words a folder finds. base is the word in
// normalized form; umlauts lists the offsets in base right after each vowel
// that was written with an umlaut ("pjöngjang" gives base "pjongjang" and
// umlauts [3]). Both are only valid during the call.
type wordSink interface {
	word(base []byte, umlauts []int32)
}

// A folder turns a stream of text into normalized words: feed it text, call
// brk at every boundary that separates words (block elements, the end of a
// field), and it hands each complete word to its sink.
type folder struct {
	buf  []byte  // the word being read, normalized
	ums  []int32 // offsets in buf right after umlaut vowels
	tmp  []byte  // scratch for decompositions
	sink wordSink
}

// brk ends the current word, if any.
func (f *folder) brk() {
	if len(f.buf) > 0 {
		f.sink.word(f.buf, f.ums)
		f.buf = f.buf[:0]
	}
	f.ums = f.ums[:0]
}

// feed folds the text s into the folder.
func feed[S ~string | ~[]byte](f *folder, s S) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				f.buf = append(f.buf, c)
			case 'A' <= c && c <= 'Z':
				f.buf = append(f.buf, c+'a'-'A')
			default:
				f.brk()
				i++
				continue
			}
			// The run of lower-case letters and digits after it, at once.
			j := i + 1
			for j < len(s) && asciiWordByte[s[j]] {
				j++
			}
			f.buf = append(f.buf, s[i+1:j]...)
			i = j
			continue
		}
		end := min(i+utf8.UTFMax, len(s))
		r, size := utf8.DecodeRuneInString(string(s[i:end]))
		f.rune(r)
		i += size
	}
}

// asciiWordByte tells the bytes feed keeps as they are: a-z and 0-9.
var asciiWordByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	return t
}()

// rune folds one non-ASCII rune.
func (f *folder) rune(r rune) {
	if r >= foldTableLo && r < foldTableLo+rune(len(foldTable)) {
		f.apply(foldTable[r-foldTableLo], r)
		return
	}
	if r >= foldPunctLo && r < foldPunctLo+rune(len(foldPunct)) {
		f.apply(foldPunct[r-foldPunctLo], r)
		return
	}
	f.slow(r)
}

// apply performs a precomputed folding.
func (f *folder) apply(e foldEntry, r rune) {
	switch e.kind {
	case fkSep:
		f.brk()
	case fkIgnore:
	case fkDiaeresis:
		f.diaeresis()
	case fkLetters:
		f.buf = append(f.buf, e.s...)
		if e.umlaut {
			f.diaeresis()
		}
	default: // fkSlow
		f.slow(r)
	}
}

// slow folds r by decomposing it.
func (f *folder) slow(r rune) {
	if unicode.Is(unicode.Cf, r) {
		return
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	f.tmp = norm.NFKD.Append(f.tmp[:0], b[:n]...)
	for i := 0; i < len(f.tmp); {
		a, size := utf8.DecodeRune(f.tmp[i:])
		f.atom(a)
		i += size
	}
}

// atom folds one fully decomposed rune.
func (f *folder) atom(r rune) {
	if r < utf8.RuneSelf {
		c := byte(r)
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			f.buf = append(f.buf, c)
		case 'A' <= c && c <= 'Z':
			f.buf = append(f.buf, c+'a'-'A')
		default:
			f.brk()
		}
		return
	}
	switch {
	case r == combiningDiaeresis:
		f.diaeresis()
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		// Diacritics and invisible characters are dropped.
	case apostropheLike(r):
		f.brk()
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
		r = unicode.ToLower(r)
		if s, ok := specialLetters[r]; ok {
			f.buf = append(f.buf, s...)
		} else {
			f.buf = utf8.AppendRune(f.buf, r)
		}
	default:
		f.brk()
	}
}

// diaeresis records that the vowel just read carried an umlaut: a
// diaeresis on a, o or u, as in German "ä", "ö", "ü". A diaeresis on another
// letter ("ë", "ï") is just dropped.
func (f *folder) diaeresis() {
	n := len(f.buf)
	if n == 0 {
		return
	}
	switch f.buf[n-1] {
	case 'a', 'o', 'u':
		if k := len(f.ums); k == 0 || f.ums[k-1] != int32(n) {
			f.ums = append(f.ums, int32(n))
		}
	}
}

const combiningDiaeresis = '\u0308'

// apostropheLike reports whether r is one of the modifier letters that are
// used as apostrophes or primes ("NATOʼs"); they separate words like ’ does.
func apostropheLike(r rune) bool {
	return r >= 0x02B9 && r <= 0x02BD
}

// specialLetters maps lower-case letters that have no decomposition to their
// ASCII transliteration.
var specialLetters = map[rune]string{
	'ß': "ss",
	'æ': "ae",
	'œ': "oe",
	'ø': "o",
	'đ': "d",
	'ð': "d",
	'ł': "l",
	'þ': "th",
	'ı': "i",
	'ħ': "h",
	'ŧ': "t",
	'ς': "σ",
}

// Precomputed foldings of the runes frequent in European text, so that the
// common case needs no decomposition.
const (
	fkSlow      = iota // not precomputed: decompose at run time
	fkSep              // separates words
	fkIgnore           // dropped
	fkDiaeresis        // combining diaeresis
	fkLetters          // appends s, then a diaeresis if umlaut
)

type foldEntry struct {
	kind   uint8
	umlaut bool
	s      string
}

const (
	foldTableLo = 0x80   // Latin-1 Supplement through Combining Diacritical Marks
	foldPunctLo = 0x2000 // General Punctuation
)

var (
	foldTable = makeFoldTable(foldTableLo, 0x370)
	foldPunct = makeFoldTable(foldPunctLo, 0x2070)
)

// makeFoldTable precomputes the folding of the runes in [lo, hi) by running
// them through the slow path. Runes whose folding is more than letters
// followed by an optional umlaut (such as "½", which is "1⁄2") stay fkSlow.
func makeFoldTable(lo, hi rune) []foldEntry {
	t := make([]foldEntry, hi-lo)
	for r := lo; r < hi; r++ {
		var rec recorder
		f := folder{sink: &rec}
		f.buf = append(f.buf, 'x') // a word in progress, to observe separators
		f.slow(r)
		if rec.n == 0 && len(f.buf) == 1 && len(f.ums) == 0 {
			if r == combiningDiaeresis {
				t[r-lo] = foldEntry{kind: fkDiaeresis}
			} else {
				t[r-lo] = foldEntry{kind: fkIgnore}
			}
			continue
		}
		if rec.n == 1 && len(rec.last) == 1 && len(f.buf) == 0 && len(f.ums) == 0 {
			t[r-lo] = foldEntry{kind: fkSep}
			continue
		}
		if rec.n == 0 && len(f.buf) > 1 {
			s := string(f.buf[1:])
			switch {
			case len(f.ums) == 0:
				t[r-lo] = foldEntry{kind: fkLetters, s: s}
			case len(f.ums) == 1 && f.ums[0] == int32(len(f.buf)):
				t[r-lo] = foldEntry{kind: fkLetters, s: s, umlaut: true}
			}
		}
	}
	return t
}

// recorder is the wordSink of makeFoldTable.
type recorder struct {
	n    int
	last []byte
}

func (r *recorder) word(w []byte, _ []int32) {
	r.n++
	r.last = append(r.last[:0], w...)
}
