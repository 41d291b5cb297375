package clean

import (
	_ "embed"
	"net/url"
	"strings"
)

//go:embed trackers.txt
var builtinTrackers string

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
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	path := strings.ToLower(u.EscapedPath())
	for _, p := range l.anyPaths {
		if strings.Contains(path, p) {
			return true
		}
	}
	for h := host; h != ""; {
		if l.hosts[h] {
			return true
		}
		for _, p := range l.hostPaths[h] {
			if strings.HasPrefix(path, p) || strings.Contains(path, p) {
				return true
			}
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return false
}
