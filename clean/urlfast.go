package clean

import "strings"

// splitWebURL splits raw into its host (with port) and path when it is
// a plain absolute web URL, one that net/url parses and prints back as it
// is, with that host and an escaped path equal to the path as written:
// "http://" or "https://" in lower case, a host of letters, digits, dots
// and hyphens with an optional numeric port, then only unreserved and
// sub-delimiter characters, "/", ":", "?", and at most one "#" that is not
// last. It returns false for any other URL (percent-escapes, user info,
// brackets, non-ASCII, ...), which then takes net/url's way. It spares
// url.Parse for most URLs in feeds; TestSplitWebURL holds it to net/url.
func splitWebURL(raw string) (host, path string, ok bool) {
	rest, ok := strings.CutPrefix(raw, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(raw, "http://"); !ok {
			return "", "", false
		}
	}
	end := len(rest)
	colon := -1
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c == '/' || c == '?' || c == '#' {
			end = i
			break
		}
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-':
			if colon >= 0 && !('0' <= c && c <= '9') {
				return "", "", false
			}
		case c == ':' && colon < 0:
			colon = i
		default:
			return "", "", false
		}
	}
	host = rest[:end]
	if host == "" || colon == 0 || colon == len(host)-1 {
		return "", "", false
	}
	hash := false
	pathEnd := len(rest)
	for i := end; i < len(rest); i++ {
		c := rest[i]
		switch {
		case urlSafe[c]:
		case c == '?':
			pathEnd = min(pathEnd, i)
		case c == '#' && !hash && i < len(rest)-1:
			hash = true
			pathEnd = min(pathEnd, i)
		default:
			return "", "", false
		}
	}
	return host, rest[end:pathEnd], true
}

// urlSafe are the bytes splitWebURL accepts in the path, query and
// fragment of a URL.
var urlSafe = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~!$&'()*+,;=:/@" {
		t[c] = true
	}
	return t
}()
