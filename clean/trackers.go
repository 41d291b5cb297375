package clean

import (
	_ "embed"
	"net/url"
	"strings"
)

//go:embed trackers.txt
var builtinTrackers string

// builtinTrackerList is the compiled trackers.txt, read-only.
var builtinTrackerList = parseTrackers(builtinTrackers)

// A trackerList matches the URLs of tracking endpoints.
type trackerList struct {
	hosts     map[string]bool     // host (and subdomains)
	hostPaths map[string][]string // host (and subdomains) with a path part
	anyPaths  []string            // path part on any host
}

// parseTrackers reads a list in the form of trackers.txt.
func parseTrackers(text string) *trackerList {
	l := &trackerList{hosts: map[string]bool{}, hostPaths: map[string][]string{}}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		l.add(f[0])
	}
	return l
}

func (l *trackerList) add(pattern string) {
	host, path, hasPath := strings.Cut(strings.ToLower(pattern), "/")
	host = strings.TrimPrefix(host, "*.")
	if hasPath {
		path = "/" + path
	}
	switch {
	case host == "*" || host == "":
		if hasPath {
			l.anyPaths = append(l.anyPaths, path)
		}
	case hasPath:
		l.hostPaths[host] = append(l.hostPaths[host], path)
	default:
		l.hosts[host] = true
	}
}

// match reports whether raw, an absolute or protocol-relative URL, points
// at a tracking endpoint.
func (l *trackerList) match(raw string) bool {
	return l.find(raw) != ""
}

// find returns the pattern of the list that raw matches, or "".
func (l *trackerList) find(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	host, path := strings.ToLower(u.Hostname()), strings.ToLower(u.EscapedPath())
	for _, p := range l.anyPaths {
		if containsPath(path, p, false) {
			return "*" + p
		}
	}
	for h := host; h != ""; {
		if l.hosts[h] {
			return h
		}
		for _, p := range l.hostPaths[h] {
			if containsPath(path, p, true) {
				return h + p
			}
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return ""
}

// containsPath reports whether path holds p (at its start when prefix is
// set) as whole path segments: "/tr" is in "/tr" and "/tr/x", not in
// "/treehugger".
func containsPath(path, p string, prefix bool) bool {
	for from := 0; from <= len(path); {
		k := strings.Index(path[from:], p)
		if k < 0 || prefix && from+k > 0 {
			return false
		}
		end := from + k + len(p)
		if strings.HasSuffix(p, "/") || end == len(path) || !isAlnum(path[end]) {
			return true
		}
		from += k + 1
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
