package fetch

import (
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// dateLayouts are the usual date formats of feeds, tried first.
var dateLayouts = []string{
	time.RFC3339,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 MST",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// looseLayouts are the formats parseDate tries on a date after looseNorm:
// ISO 8601 with fields of one digit, without seconds or without a zone,
// and RFC 822 without a weekday, with fields of one digit and a 12-hour
// clock.
var looseLayouts = []string{
	"2006-1-2T15:4:5Z07:00",
	"2006-1-2T15:4:5Z0700",
	"2006-1-2T15:4:5Z07",
	"2006-1-2T15:4:5 Z07:00",
	"2006-1-2T15:4:5 Z0700",
	"2006-1-2T15:4:5 MST",
	"2006-1-2T15:4:5",
	"2006-1-2T15:4Z07:00",
	"2006-1-2T15:4Z0700",
	"2006-1-2T15:4",
	"2006-1-2",
	"2 Jan 2006 3:4:5 PM -0700",
	"2 Jan 2006 3:4:5 PM MST",
	"2 Jan 2006 3:4:5 PM",
	"2 Jan 2006 3:4 PM -0700",
	"2 Jan 2006 3:4 PM MST",
	"2 Jan 2006 3:4 PM",
	"2 Jan 2006 15:4:5 -0700",
	"2 Jan 2006 15:4:5 MST",
	"2 Jan 2006 15:4:5",
	"2 Jan 2006 15:4 -0700",
	"2 Jan 2006 15:4 MST",
	"2 Jan 2006 15:4",
	"2 Jan 06 15:4:5 -0700",
	"2 Jan 06 15:4:5 MST",
	"2 Jan 06 15:4 -0700",
	"2 Jan 06 15:4 MST",
	"2 Jan 2006",
}

// zoneOffsets are the zone abbreviations of feed dates, in seconds east of
// UTC. time.Parse gives an abbreviation it does not know (any but UTC and
// the host's own) a zero offset; these are set right. CST and BST are read
// as in North America and Britain, as most feeds mean them.
var zoneOffsets = map[string]int{
	"UT": 0, "GMT": 0, "UTC": 0, "Z": 0, "WET": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600, "HST": -10 * 3600,
	"WEST": 3600, "BST": 3600, "CET": 3600, "CEST": 2 * 3600, "MET": 3600, "MEST": 2 * 3600,
	"EET": 2 * 3600, "EEST": 3 * 3600, "MSK": 3 * 3600, "IST": 5*3600 + 1800, "JST": 9 * 3600,
	"AEST": 10 * 3600, "AEDT": 11 * 3600,
}

// parseDate parses a date of a feed: in a usual format, else one of the
// obvious variants that gofeed does not read (Mon, 21 Jan 2008 8:56 am
// PST; 2006-01-17T12:35:9+01:00; 2025-06-10T05:00). A date without a zone
// is in UTC; a text that is no date is none (no part of a date is
// guessed).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return fixZone(t), true
		}
	}
	n := looseNorm(s)
	for _, l := range looseLayouts {
		if t, err := time.Parse(l, n); err == nil {
			return fixZone(t), true
		}
	}
	return time.Time{}, false
}

// fixZone gives t the offset of its zone abbreviation, when zoneOffsets
// knows it.
func fixZone(t time.Time) time.Time {
	name, offset := t.Zone()
	if want, ok := zoneOffsets[name]; ok && want != offset {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone(name, want))
	}
	return t
}

var (
	looseSpace   = regexp.MustCompile(`\s+`)
	looseWeekday = regexp.MustCompile(`(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+`)
	looseMonth   = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?`)
	looseAMPM    = regexp.MustCompile(`(?i)\s*\b([ap])\.?m\.?(\s|$)`)
	looseISO     = regexp.MustCompile(`(?i)^(\d{4}-\d{1,2}-\d{1,2})[t ](\d)`)
)

// looseNorm brings the variants of a date that parseDate reads to the
// forms of looseLayouts: one space between fields, no weekday, month
// names of three letters, " AM" and " PM", "T" between an ISO date and its
// time, an upper-case "Z".
func looseNorm(s string) string {
	s = looseSpace.ReplaceAllString(s, " ")
	s = looseWeekday.ReplaceAllString(s, "")
	if m := looseISO.FindStringSubmatchIndex(s); m != nil {
		s = s[:m[3]] + "T" + s[m[4]:]
		if strings.HasSuffix(s, "z") {
			s = s[:len(s)-1] + "Z"
		}
		return s
	}
	s = looseMonth.ReplaceAllStringFunc(s, func(m string) string { return m[:3] })
	s = looseAMPM.ReplaceAllStringFunc(s, func(m string) string {
		m = strings.TrimSpace(m)
		return " " + strings.ToUpper(m[:1]) + "M "
	})
	return strings.TrimSpace(s)
}

// amendDates sets the dates gofeed could not read: its published and
// updated texts that parseDate reads, else the Dublin Core terms dates
// (dcterms:issued or dcterms:created as published, dcterms:modified as
// updated), which gofeed keeps as extensions only.
func amendDates(gi *gofeed.Item) {
	if gi.PublishedParsed == nil {
		gi.PublishedParsed = firstDate(gi.Published, extension(gi, "dcterms", "issued"), extension(gi, "dcterms", "created"))
	}
	if gi.UpdatedParsed == nil {
		gi.UpdatedParsed = firstDate(gi.Updated, extension(gi, "dcterms", "modified"))
	}
}

// firstDate returns the first of the texts that parseDate reads, or nil.
func firstDate(texts ...string) *time.Time {
	for _, s := range texts {
		if t, ok := parseDate(s); ok {
			p := new(time.Time) // only then: t escaping would cost one per call
			*p = t
			return p
		}
	}
	return nil
}

// ParseDate parses a date as dates of feeds are parsed: in a usual format
// of feeds, or one of their obvious variants; a date without a zone is in
// UTC. It reports false for a text that is no date it reads, of which no
// part is guessed. The dates that a site config finds in article pages
// are read with it.
func ParseDate(s string) (time.Time, bool) { return parseDate(s) }
