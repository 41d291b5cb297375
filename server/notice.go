package server

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// NoticeInterval is how often at most the index page asks Options.Health
// whether sources fail: the index is served from memory, and its notice
// may lag that much behind.
const NoticeInterval = 10 * time.Second

// maxNoticeSources is how many failing sources the notice names.
const maxNoticeSources = 10

// A failNotice is what the index page says of failing sources; its zero
// value says nothing.
type failNotice struct {
	Failing, Total int
	Sources        []failingSource // at most maxNoticeSources
	More           int             // failing sources not named
	// AllFailing reports that every source fails and none has ever
	// succeeded, as on a first run offline: the feeds are empty.
	AllFailing bool
}

// A failingSource is one failing source on the index page.
type failingSource struct {
	Name     string
	Error    string // empty when errors are not shown
	Failures int
}

// Headline returns the notice's first sentence, as "3 of 5 sources are
// failing".
func (n failNotice) Headline() string {
	switch {
	case n.Failing == n.Total && n.Total == 1:
		return "The only source is failing"
	case n.Failing == n.Total:
		return fmt.Sprintf("All %d sources are failing", n.Total)
	case n.Failing == 1:
		return fmt.Sprintf("1 of %d sources is failing", n.Total)
	}
	return fmt.Sprintf("%d of %d sources are failing", n.Failing, n.Total)
}

// noticeOf sums up the sources' health for the index page. The errors are
// named only with showErrors (when /healthz, which shows them, is served
// beside the index anyway).
func noticeOf(sources []SourceHealth, showErrors bool) failNotice {
	n := failNotice{Total: len(sources)}
	succeeded := false
	for _, src := range sources {
		succeeded = succeeded || !src.LastSuccess.IsZero()
		if src.Failures == 0 {
			continue
		}
		n.Failing++
		if len(n.Sources) == maxNoticeSources {
			n.More++
			continue
		}
		fs := failingSource{Name: src.Name, Failures: src.Failures}
		if showErrors {
			fs.Error = excerpt(src.LastError, 160)
		}
		n.Sources = append(n.Sources, fs)
	}
	n.AllFailing = n.Failing == n.Total && !succeeded
	if n.Failing == 0 {
		return failNotice{}
	}
	return n
}

// excerpt returns the first n characters of s, white space collapsed,
// with "…" when cut.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// freshIndex returns the snapshot to serve the index page from: snap, or,
// when NoticeInterval passed since the sources' health was last asked
// for and what the notice says changed, a new snapshot with the index
// rendered again. One request at a time asks; the others meanwhile serve
// snap.
func (s *Server) freshIndex(snap *snapshot) *snapshot {
	if s.health == nil {
		return snap
	}
	now := s.now()
	if last := s.noticeAt.Load(); last != 0 && now.Sub(time.Unix(0, last)) < NoticeInterval {
		return snap
	}
	if !s.noticeMu.TryLock() {
		return snap
	}
	defer s.noticeMu.Unlock()
	n := noticeOf(s.health(), !s.apart)
	s.noticeAt.Store(now.UnixNano())
	if n.equal(snap.notice) {
		return snap
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur.Load().clone()
	next.notice = n
	s.install(next)
	return next
}

// equal reports whether n and o say the same.
func (n failNotice) equal(o failNotice) bool {
	if n.Failing != o.Failing || n.Total != o.Total || n.More != o.More || n.AllFailing != o.AllFailing || len(n.Sources) != len(o.Sources) {
		return false
	}
	for i := range n.Sources {
		if n.Sources[i] != o.Sources[i] {
			return false
		}
	}
	return true
}
