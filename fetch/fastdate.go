package fetch

import (
	"strings"
	"time"
)

// zoneOffsets are the zone abbreviations gofeed's ParseDate gives a fixed
// offset (in seconds), whatever the host's zone.
var zoneOffsets = map[string]int{
	"GMT": 0, "UTC": 0, "WET": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"WEST": 3600, "BST": 3600, "CET": 3600, "CEST": 2 * 3600, "EET": 2 * 3600, "EEST": 3 * 3600,
}

var shortMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

var shortDays = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// fastDate parses s, a date of a feed, to what gofeed's ParseDate gives,
// in UTC, for the layouts it knows: RFC 3339 (and a plain date), and RFC
// 1123/822 with or without the day of the week or the seconds, with a
// numeric zone or one of zoneOffsets. ok reports whether s is a date; sure
// is false for any other text, which ParseDate may or may not read.
func fastDate(s string) (t time.Time, ok, sure bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, true
	}
	if len(s) >= 10 && s[4] == '-' && isDigit(s[0]) {
		t, ok = isoDate(s)
	} else {
		t, ok = rfc1123Date(s)
	}
	return t, ok, ok
}

// num returns the decimal number of s, all digits, or -1.
func num(s string) int {
	if s == "" {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// makeDate returns the time of the fields, which must be in range, offset
// seconds east of UTC.
func makeDate(year, month, day, hour, min, sec, nsec, offset int) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

// isoDate parses "2006-01-02" and "2006-01-02T15:04:05[.999999999](Z|-07:00)".
func isoDate(s string) (time.Time, bool) {
	if s[7] != '-' {
		return time.Time{}, false
	}
	year, month, day := num(s[:4]), num(s[5:7]), num(s[8:10])
	if year < 0 || month < 0 || day < 0 {
		return time.Time{}, false
	}
	if len(s) == 10 {
		return makeDate(year, month, day, 0, 0, 0, 0, 0)
	}
	if len(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	hour, min, sec := num(s[11:13]), num(s[14:16]), num(s[17:19])
	if hour < 0 || min < 0 || sec < 0 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 || i > 10 {
			return time.Time{}, false
		}
		nsec = num(rest[1:i])
		for j := i; j < 10; j++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		hh, mm := num(rest[1:3]), num(rest[4:6])
		if hh < 0 || mm < 0 || hh > 23 || mm > 59 {
			return time.Time{}, false
		}
		offset = hh*3600 + mm*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	return makeDate(year, month, day, hour, min, sec, nsec, offset)
}

// rfc1123Date parses "Mon, 02 Jan 2006 15:04:05 -0700" and its variants:
// no day of the week, a day of one digit, no seconds, a zone of
// zoneOffsets.
func rfc1123Date(s string) (time.Time, bool) {
	if len(s) > 5 && s[3] == ',' && s[4] == ' ' {
		known := false
		for _, d := range shortDays {
			if s[:3] == d {
				known = true
			}
		}
		if !known {
			return time.Time{}, false
		}
		s = s[5:]
	}
	var f [5]string
	for i := range f {
		var found bool
		f[i], s, found = strings.Cut(s, " ")
		if found != (i < 4) {
			return time.Time{}, false
		}
	}
	day, year := num(f[0]), num(f[2])
	if len(f[0]) > 2 || day < 0 || len(f[2]) != 4 || year < 0 {
		return time.Time{}, false
	}
	month := 0
	for i, m := range shortMonths {
		if f[1] == m {
			month = i + 1
		}
	}
	clock := f[3]
	if (len(clock) != 5 && len(clock) != 8) || clock[2] != ':' || len(clock) == 8 && clock[5] != ':' {
		return time.Time{}, false
	}
	hour, min, sec := num(clock[:2]), num(clock[3:5]), 0
	if len(clock) == 8 {
		sec = num(clock[6:])
	}
	if month == 0 || hour < 0 || min < 0 || sec < 0 {
		return time.Time{}, false
	}
	zone := f[4]
	offset, known := zoneOffsets[zone]
	if !known {
		if len(zone) != 5 || zone[0] != '+' && zone[0] != '-' {
			return time.Time{}, false
		}
		hh, mm := num(zone[1:3]), num(zone[3:5])
		if hh < 0 || mm < 0 || hh > 23 || mm > 59 {
			return time.Time{}, false
		}
		offset = hh*3600 + mm*60
		if zone[0] == '-' {
			offset = -offset
		}
	}
	return makeDate(year, month, day, hour, min, sec, 0, offset)
}
