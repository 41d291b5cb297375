package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch/fetchtest"
)

// TestHostileSources fetches every hostile case of fetchtest with a 2 s
// timeout and a 5 MiB max_body: each ends in its own clear error, or in a
// result within the limits, well within the timeout.
func TestHostileSources(t *testing.T) {
	const timeout = 2 * time.Second
	c := NewClient(config.Fetch{Timeout: timeout, MaxBody: 5 << 20, UserAgent: "t"})
	for _, hc := range fetchtest.Cases() {
		t.Run(hc.Name, func(t *testing.T) {
			t.Parallel()
			srv := fetchtest.NewServer(hc)
			defer srv.Close()
			srv.SetHostile(true)
			start := time.Now()
			res, err := c.Source(context.Background(), hc.Name, srv.URL+"/feed", State{})
			took := time.Since(start)
			// A case that fails must fail within the timeout; one that
			// succeeds takes what parsing its (bounded) document takes,
			// which the race detector slows down a lot.
			if hc.Want != "" && took > timeout+time.Second {
				t.Errorf("took %v, beyond the %v timeout", took, timeout)
			}
			if hc.Want == "" {
				if err != nil {
					t.Fatalf("err = %v, want a bounded result", err)
				}
				if n := len(res.Feed.Items); n != hc.Items || n > MaxItems {
					t.Errorf("%d items; want %d", n, hc.Items)
				}
				if hc.Name == "many-items" && (hc.Items != MaxItems || res.Feed.Dropped != fetchtest.ManyItems-MaxItems) {
					t.Errorf("many-items: %d dropped; want %d", res.Feed.Dropped, fetchtest.ManyItems-MaxItems)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; want %q", hc.Want)
			}
			if !strings.Contains(err.Error(), hc.Want) || !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("err = %v; want %q and the URL", err, hc.Want)
			}
			var he *HTTPError
			if hc.Name == "status-429" && (!errors.As(err, &he) || he.RetryAfter != fetchtest.RetryAfterSec*time.Second) {
				t.Errorf("429: Retry-After not read: %v", err)
			}
			t.Logf("%v after %v", err, took.Round(time.Millisecond))
		})
	}
}

func rss(items string) string {
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link><description>d</description>` + items + `</channel></rss>`
}

// TestManyItemsKeepsTheNewest: of a feed with more than MaxItems items, the
// newest MaxItems are kept, in document order, whatever their order in the
// document; undated ones only when there is room.
func TestManyItemsKeepsTheNewest(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("<item><title>undated</title><guid>u</guid></item>")
	// Oldest first: a chronological feed must still give its newest items.
	for i := range MaxItems + 500 {
		fmt.Fprintf(&b, "<item><title>i%d</title><guid>g%d</guid><pubDate>%s</pubDate></item>", i, i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z))
	}
	f, err := Parse([]byte(rss(b.String())), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != MaxItems || f.Dropped != 501 {
		t.Fatalf("%d items, %d dropped", len(f.Items), f.Dropped)
	}
	if f.Items[0].GUID != "g500" || f.Items[MaxItems-1].GUID != fmt.Sprintf("g%d", MaxItems+499) {
		t.Errorf("kept %s..%s, want g500..g%d", f.Items[0].GUID, f.Items[MaxItems-1].GUID, MaxItems+499)
	}

	// The same in Atom, dated by <updated>.
	b.Reset()
	b.WriteString(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>t</id><updated>2026-01-01T00:00:00Z</updated>`)
	for i := range MaxItems + 10 {
		fmt.Fprintf(&b, "<entry><title>e%d</title><id>e%d</id><updated>%s</updated></entry>", i, i, base.Add(-time.Duration(i)*time.Hour).Format(time.RFC3339))
	}
	b.WriteString("</feed>")
	f, err = Parse([]byte(b.String()), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != MaxItems || f.Items[0].GUID != "e0" || f.Items[MaxItems-1].GUID != fmt.Sprintf("e%d", MaxItems-1) {
		t.Errorf("atom: %d items, %s..%s", len(f.Items), f.Items[0].GUID, f.Items[len(f.Items)-1].GUID)
	}

	// JSON Feed.
	var items []map[string]string
	for i := range MaxItems + 10 {
		items = append(items, map[string]string{"id": fmt.Sprint("j", i), "title": "t", "date_published": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)})
	}
	jb, _ := json.Marshal(map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items})
	f, err = Parse(jb, "application/feed+json", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != MaxItems || f.Dropped != 10 || f.Items[0].GUID != "j10" || f.Title != "J" {
		t.Errorf("json: %d items, %d dropped, first %s, title %q", len(f.Items), f.Dropped, f.Items[0].GUID, f.Title)
	}
}

// TestNodeBudget: items too heavy for MaxNodes are dropped, the others
// kept; a document too heavy outside its items is refused.
func TestNodeBudget(t *testing.T) {
	heavy := "<item><title>heavy</title><guid>h</guid>" + strings.Repeat("<x:a/>", MaxNodes) + "</item>"
	doc := strings.Replace(rss("<item><title>light</title><guid>l</guid></item>"+heavy), "<rss ", `<rss xmlns:x="https://x.example/" `, 1)
	f, err := Parse([]byte(doc), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 1 || f.Items[0].GUID != "l" || f.Dropped != 1 {
		t.Errorf("items %+v, dropped %d", f.Items, f.Dropped)
	}
	_, err = Parse([]byte(rss(strings.Repeat("<x/>", MaxNodes+1))), "", "s", "u")
	if !errors.Is(err, ErrTooComplex) {
		t.Errorf("err = %v", err)
	}

	// The same in JSON Feed: an item of MaxNodes attachments.
	heavyJSON := `{"id":"h","attachments":[` + strings.Repeat(`{"url":"https://x.example/a"},`, MaxNodes) + `{"url":"https://x.example/b"}]}`
	doc = `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"l","title":"light, \"quoted\", [1]"},` + heavyJSON + `]}`
	f, err = Parse([]byte(doc), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 1 || f.Items[0].GUID != "l" || f.Dropped != 1 || f.Title != "J" {
		t.Errorf("json: items %+v, dropped %d", f.Items, f.Dropped)
	}
	_, err = Parse([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"J","x":[`+strings.Repeat("1,", MaxNodes)+`1],"items":[]}`), "", "s", "u")
	if !errors.Is(err, ErrTooComplex) {
		t.Errorf("json: err = %v", err)
	}
}

// TestStructureLimits: depth and namespaces just within the limits parse;
// beyond, the document is refused before gofeed sees it.
func TestStructureLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("<b>", n) + "x" + strings.Repeat("</b>", n) }
	// rss, channel, item, description's siblings: 3 levels above.
	ok := rss("<item><title>t</title><guid>g</guid><other>" + nest(MaxDepth-4) + "</other></item>")
	if f, err := Parse([]byte(ok), "", "s", "u"); err != nil || len(f.Items) != 1 {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	deep := rss("<item><title>t</title><guid>g</guid><other>" + nest(MaxDepth-3) + "</other></item>")
	if _, err := Parse([]byte(deep), "", "s", "u"); !errors.Is(err, ErrTooComplex) || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("depth %d: %v", MaxDepth+1, err)
	}
	decl := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, ` xmlns:n%d="https://n%d.example/"`, i, i)
		}
		return b.String()
	}
	if _, err := Parse([]byte(strings.Replace(rss("<item><title>t</title></item>"), "<rss ", "<rss"+decl(MaxNamespaces)+" ", 1)), "", "s", "u"); err != nil {
		t.Errorf("%d namespaces: %v", MaxNamespaces, err)
	}
	if _, err := Parse([]byte(strings.Replace(rss("<item><title>t</title></item>"), "<rss ", "<rss"+decl(MaxNamespaces+1)+" ", 1)), "", "s", "u"); !errors.Is(err, ErrTooComplex) {
		t.Errorf("%d namespaces: %v", MaxNamespaces+1, err)
	}
}

// TestDTD: entities referring to entities are refused; a plain DOCTYPE
// and plain entity declarations are not, and references to these are
// replaced by their values, as text (see fixXML).
func TestDTD(t *testing.T) {
	for _, tc := range []struct {
		doctype string
		refused bool
	}{
		{`<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">`, false},
		{`<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY copy '&#xA9;'>]>`, false},
		{`<!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>`, true},
		{`<!DOCTYPE rss [<!ENTITY % p "<!ENTITY x 'y'>"><!ENTITY q '%p;'>]>`, true},
	} {
		doc := `<?xml version="1.0"?>` + tc.doctype + rss("<item><title>T &nbsp; U</title><guid>g</guid></item>")[len(`<?xml version="1.0"?>`):]
		f, err := Parse([]byte(doc), "", "s", "u")
		if tc.refused {
			if !errors.Is(err, ErrEntityExpansion) {
				t.Errorf("%s: err = %v", tc.doctype, err)
			}
			continue
		}
		if err != nil || len(f.Items) != 1 {
			t.Errorf("%s: %v", tc.doctype, err)
		}
	}
	doc := `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "EXPANDED">]>` + rss("<item><title>x &a; y</title><guid>g</guid></item>")[len(`<?xml version="1.0"?>`):]
	if f, err := Parse([]byte(doc), "", "s", "u"); err != nil || f.Items[0].Title != "x EXPANDED y" {
		t.Errorf("a declared entity: %v %+v", err, f)
	}
}

// TestUTF16AndControlCharacters: a UTF-16 document and one with stray
// control characters parse as before the limits were checked.
func TestUTF16AndControlCharacters(t *testing.T) {
	doc := rss("<item><title>Grüße \x01aus\x1f Köln</title><guid>g</guid></item>")
	f, err := Parse([]byte(doc), "", "s", "u")
	if err != nil || len(f.Items) != 1 || f.Items[0].Title != "Grüße aus Köln" {
		t.Fatalf("control characters: %v %+v", err, f)
	}
	u16 := strings.Replace(rss("<item><title>Grüße</title><guid>g</guid></item>"), `<?xml version="1.0"?>`, `<?xml version="1.0" encoding="UTF-16"?>`, 1)
	for _, e := range []unicode.Endianness{unicode.BigEndian, unicode.LittleEndian} {
		b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes([]byte(u16))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(b, "", "s", "u")
		if err != nil || len(f.Items) != 1 || f.Items[0].Title != "Grüße" {
			t.Errorf("UTF-16 %v: %v %+v", e, err, f)
		}
	}
}

// TestDripTimeoutMessage: a body that trickles in ends at the timeout,
// reported as such.
func TestDripTimeoutMessage(t *testing.T) {
	var drip fetchtest.Case
	for _, c := range fetchtest.Cases() {
		if c.Name == "drip" {
			drip = c
		}
	}
	srv := fetchtest.NewServer(drip)
	defer srv.Close()
	srv.SetHostile(true)
	c := NewClient(config.Fetch{Timeout: 300 * time.Millisecond, MaxBody: 1 << 20})
	_, err := c.Get(context.Background(), srv.URL, State{})
	if err == nil || !strings.Contains(err.Error(), "timeout after 300ms reading the body") {
		t.Errorf("err = %v", err)
	}
}

func TestLimitLeavesOrdinaryDocumentsAlone(t *testing.T) {
	for _, doc := range []string{
		rss("<item><title>a</title></item>"),
		`{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"id":"1"}]}`,
		"not a feed",
		rss("<item><title>a</title></item>") + "<garbage",
	} {
		out, dropped, err := limit([]byte(doc))
		if err != nil || dropped != 0 || !bytes.Equal(out, []byte(doc)) {
			t.Errorf("%q: %q %d %v", doc, out, dropped, err)
		}
	}
}

// TestReadLimited: bodies up to the limit are read whole, whatever their
// announced size; beyond it, ErrTooLarge, at once when announced.
func TestReadLimited(t *testing.T) {
	const limit = 100_000
	for _, n := range []int{0, 1, 65535, 65536, 65537, limit - 1, limit} {
		body := bytes.Repeat([]byte("x"), n)
		for _, size := range []int64{-1, int64(n)} {
			got, err := readLimited(bytes.NewReader(body), limit, size)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("%d bytes (announced %d): %d bytes, %v", n, size, len(got), err)
			}
			if cap(got) > limit+limit/8 { // allocations round up a little
				t.Errorf("%d bytes: capacity %d beyond the limit", n, cap(got))
			}
		}
	}
	for _, size := range []int64{-1, limit + 1, 5} {
		_, err := readLimited(bytes.NewReader(make([]byte, limit+1)), limit, size)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("limit+1 bytes (announced %d): %v", size, err)
		}
	}
	if _, err := readLimited(strings.NewReader(""), limit, limit*10); !errors.Is(err, ErrTooLarge) {
		t.Errorf("announced beyond the limit: %v", err)
	}
}
