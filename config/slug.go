package config

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Slug derives a URL and file name from a name: lowercase, diacritics
// folded to their base letters (ö → o, é → e, ß → ss), and every run of
// other characters than a-z and 0-9 turned into a single "-", with none at
// either end. Slug("NATO/Korea") is "nato-korea". The result is empty when
// name has no letter or digit that folds to a-z or 0-9.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	add := func(s string) {
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(s)
	}
	for _, r := range strings.ToLower(norm.NFKD.String(name)) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			add(string(r))
		case unicode.Is(unicode.Mn, r):
			// a combining mark split off its letter by NFKD: dropped
		default:
			if s, ok := foldLetter(r); ok {
				add(s)
			} else {
				dash = true
			}
		}
	}
	return b.String()
}

// foldLetter spells the Latin letters that have no decomposition in
// Unicode in a-z.
func foldLetter(r rune) (string, bool) {
	switch r {
	case 'ß':
		return "ss", true
	case 'æ':
		return "ae", true
	case 'œ':
		return "oe", true
	case 'ø':
		return "o", true
	case 'ł':
		return "l", true
	case 'đ', 'ð':
		return "d", true
	case 'þ':
		return "th", true
	case 'ı':
		return "i", true
	}
	return "", false
}

// validName reports whether s is a non-empty string of a-z, 0-9 and "-",
// the form of source names and topic slugs.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
