package fetch

import (
	"testing"
	"time"

	"github.com/refeed/refeed/item"
)

// TestParseDate: the obvious dates gofeed does not read, and texts that
// are no date, which stay none.
func TestParseDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Mon, 21 Jan 2008 8:56 am PST", "2008-01-21T16:56:00Z"},
		{"Mon, 21 Jan 2008 8:56 p.m. PST", "2008-01-22T04:56:00Z"},
		{"Monday, 21 January 2008 12:05:07 AM -0500", "2008-01-21T05:05:07Z"},
		{"21 Jan 2008 8:56:03 CEST", "2008-01-21T06:56:03Z"},
		{"Tue, 3 Jun 2008 9:5:7 GMT", "2008-06-03T09:05:07Z"},
		{"2006-01-17T12:35:9+01:00", "2006-01-17T11:35:09Z"},
		{"2006-1-7t2:35:09.5z", "2006-01-07T02:35:09.5Z"},
		{"2006-01-17 12:35:09 +0100", "2006-01-17T11:35:09Z"},
		{"2025-06-10T05:00", "2025-06-10T05:00:00Z"},
		{"2025-06-10T05:00+02:00", "2025-06-10T03:00:00Z"},
		{"2025-06-10T05:00:00", "2025-06-10T05:00:00Z"},
		{"2025-6-1", "2025-06-01T00:00:00Z"},
		{"Tue, 10 Jun 2025 04:00:00 PDT", "2025-06-10T11:00:00Z"},
		{"junk", ""},
		{"", ""},
		{"2025", ""},
		{"8:56 am", ""},
		{"Jan 2008", ""},
		{"2025-13-45T99:99", ""},
		{"yesterday", ""},
	} {
		got, ok := parseDate(tc.in)
		switch {
		case tc.want == "" && ok:
			t.Errorf("parseDate(%q) = %v, want none", tc.in, got)
		case tc.want != "" && !ok:
			t.Errorf("parseDate(%q): none, want %s", tc.in, tc.want)
		case tc.want != "" && !got.Equal(date(tc.want)):
			t.Errorf("parseDate(%q) = %v, want %s", tc.in, got.UTC(), tc.want)
		}
	}
}

// TestParseLooseDates: items dated in the variants parseDate reads, in
// RSS (pubDate, dc:date, dcterms:issued, dcterms:created,
// dcterms:modified), Atom and JSON Feed (without seconds or zone).
func TestParseLooseDates(t *testing.T) {
	rss := `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:terms="http://purl.org/dc/terms/"><channel><title>t</title>
<item><guid>1</guid><pubDate>Mon, 21 Jan 2008 8:56 am PST</pubDate></item>
<item><guid>2</guid><pubDate>2006-01-17T12:35:9+01:00</pubDate><dc:date>2006-01-18T12:35:9+01:00</dc:date></item>
<item><guid>3</guid><terms:issued>2008-01-22</terms:issued><terms:created>2008-01-20T01:02:03+02:00</terms:created><terms:modified>2008-01-23T10:00Z</terms:modified></item>
<item><guid>4</guid><terms:created>2008-01-20T01:02:03+02:00</terms:created></item>
<item><guid>5</guid><pubDate>soon</pubDate><terms:modified>never</terms:modified></item>
</channel></rss>`
	f, err := Parse([]byte(rss), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ published, updated string }{
		{"2008-01-21T16:56:00Z", ""},
		{"2006-01-17T11:35:09Z", "2006-01-18T11:35:09Z"},
		{"2008-01-22T00:00:00Z", "2008-01-23T10:00:00Z"},
		{"2008-01-19T23:02:03Z", ""},
		{"", ""},
	}
	checkDates(t, "rss", f.Items, want)

	atom := `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><id>a</id><updated>2006-01-17T12:35:9+01:00</updated></entry>
<entry><id>b</id><published>2025-06-10T05:00</published><updated>Mon, 21 Jan 2008 8:56 am PST</updated></entry></feed>`
	if f, err = Parse([]byte(atom), "", "s", "u"); err != nil {
		t.Fatal(err)
	}
	checkDates(t, "atom", f.Items, []struct{ published, updated string }{
		{"2006-01-17T11:35:09Z", "2006-01-17T11:35:09Z"},
		{"2025-06-10T05:00:00Z", "2008-01-21T16:56:00Z"},
	})

	jf := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
{"id":"1","content_text":"x","date_published":"2025-06-10T05:00","date_modified":"2025-06-10T05:00:00"},
{"id":"2","content_text":"x","date_published":"2025-06-10 05:00+02:00","date_modified":"tomorrow"}]}`
	if f, err = Parse([]byte(jf), "", "s", "u"); err != nil {
		t.Fatal(err)
	}
	checkDates(t, "json", f.Items, []struct{ published, updated string }{
		{"2025-06-10T05:00:00Z", "2025-06-10T05:00:00Z"},
		{"2025-06-10T03:00:00Z", ""},
	})
}

func checkDates(t *testing.T, name string, items []item.Item, want []struct{ published, updated string }) {
	t.Helper()
	if len(items) != len(want) {
		t.Fatalf("%s: %d items, want %d", name, len(items), len(want))
	}
	for i, w := range want {
		for _, c := range []struct {
			field string
			got   time.Time
			want  string
		}{{"published", items[i].Published, w.published}, {"updated", items[i].Updated, w.updated}} {
			if c.want == "" && !c.got.IsZero() || c.want != "" && !c.got.Equal(date(c.want)) {
				t.Errorf("%s item %d: %s %v, want %q", name, i, c.field, c.got, c.want)
			}
		}
	}
}
