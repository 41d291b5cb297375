package publish

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
)

// Decoding views of the three formats, independent of the encoding types.

type rssView struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		// AtomLinks comes before Link: a field without namespace matches
		// elements of any namespace, the first matching field wins.
		AtomLinks []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Title         string `xml:"title"`
		Link          string `xml:"link"`
		Description   string `xml:"description"`
		LastBuildDate string `xml:"lastBuildDate"`
		Items         []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			Description string `xml:"description"`
			Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			GUID        struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				ID          string `xml:",chardata"`
			} `xml:"guid"`
			PubDate    string   `xml:"pubDate"`
			Categories []string `xml:"category"`
			Creators   []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Author     string   `xml:"author"`
			Source     *struct {
				URL  string `xml:"url,attr"`
				Name string `xml:",chardata"`
			} `xml:"source"`
			Enclosures []struct {
				URL    string `xml:"url,attr"`
				Type   string `xml:"type,attr"`
				Length string `xml:"length,attr"`
			} `xml:"enclosure"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomLinkView struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr"`
	Type   string `xml:"type,attr"`
	Length string `xml:"length,attr"`
}

type atomTextView struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomView struct {
	XMLName xml.Name       `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string         `xml:"title"`
	ID      string         `xml:"id"`
	Updated string         `xml:"updated"`
	Authors []string       `xml:"author>name"`
	Links   []atomLinkView `xml:"link"`
	Entries []struct {
		ID         string         `xml:"id"`
		Title      atomTextView   `xml:"title"`
		Published  string         `xml:"published"`
		Updated    string         `xml:"updated"`
		Summary    *atomTextView  `xml:"summary"`
		Content    *atomTextView  `xml:"content"`
		Links      []atomLinkView `xml:"link"`
		Authors    []string       `xml:"author>name"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
		SourceTitle string `xml:"source>title"`
	} `xml:"entry"`
}

type jsonView struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	HomePageURL string `json:"home_page_url"`
	FeedURL     string `json:"feed_url"`
	Hubs        []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"hubs"`
	Items []struct {
		ID            string          `json:"id"`
		URL           string          `json:"url"`
		Title         string          `json:"title"`
		ContentHTML   *string         `json:"content_html"`
		Summary       string          `json:"summary"`
		DatePublished string          `json:"date_published"`
		DateModified  string          `json:"date_modified"`
		Author        json.RawMessage `json:"author"`
		Authors       []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"authors"`
		Tags        []string `json:"tags"`
		Attachments []struct {
			URL      string `json:"url"`
			MIMEType string `json:"mime_type"`
			Size     int64  `json:"size_in_bytes"`
		} `json:"attachments"`
	} `json:"items"`
}

func render(t *testing.T, f *Feed, format Format) []byte {
	t.Helper()
	b, err := Render(f, format)
	if err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return b
}

func decodeRSS(t *testing.T, b []byte) *rssView {
	t.Helper()
	var v rssView
	if err := xml.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode rss: %v\n%s", err, b)
	}
	return &v
}

func decodeAtom(t *testing.T, b []byte) *atomView {
	t.Helper()
	var v atomView
	if err := xml.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode atom: %v\n%s", err, b)
	}
	return &v
}

func decodeJSON(t *testing.T, b []byte) *jsonView {
	t.Helper()
	var v jsonView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode json: %v\n%s", err, b)
	}
	return &v
}

var wantTags = [][]string{
	{"Politik", "Wirtschaft", "Inland", "Haushalt"},
	{"Politik", "Podcast", "WAHLEN"},
	{"Wirtschaft"},
	{"unbekannt"},
}

func TestRenderRSS(t *testing.T) {
	f := testFeed()
	v := decodeRSS(t, render(t, f, RSS))
	ch := v.Channel
	if v.Version != "2.0" || ch.Title != "Politik & Gesellschaft" || ch.Link != "http://localhost:8080/" || ch.Description != f.Description {
		t.Errorf("channel: version %q title %q link %q description %q", v.Version, ch.Title, ch.Link, ch.Description)
	}
	if want := "Fri, 15 Mar 2024 15:05:30 +0000"; ch.LastBuildDate != want {
		t.Errorf("lastBuildDate = %q, want newest item date %q", ch.LastBuildDate, want)
	}
	var self, hubs []string
	for _, l := range ch.AtomLinks {
		switch l.Rel {
		case "self":
			self = append(self, l.Href)
			if l.Type != "application/rss+xml" {
				t.Errorf("self link type %q", l.Type)
			}
		case "hub":
			hubs = append(hubs, l.Href)
		}
	}
	if !slices.Equal(self, []string{"http://localhost:8080/politik.rss"}) {
		t.Errorf("self links %q", self)
	}
	if !slices.Equal(hubs, f.Hubs) {
		t.Errorf("hub links %q, want %q", hubs, f.Hubs)
	}
	if len(ch.Items) != len(f.Items) {
		t.Fatalf("%d items, want %d", len(ch.Items), len(f.Items))
	}
	for i, it := range ch.Items {
		if it.GUID.ID != f.Items[i].ID || it.GUID.IsPermaLink != "false" {
			t.Errorf("item %d guid %+v, want %q not a permalink", i, it.GUID, f.Items[i].ID)
		}
		if !slices.Equal(it.Categories, wantTags[i]) {
			t.Errorf("item %d categories %q, want %q", i, it.Categories, wantTags[i])
		}
	}
	first := ch.Items[0]
	if first.Content != f.Items[0].Content {
		t.Errorf("content:encoded = %q", first.Content)
	}
	if first.Description != f.Items[0].Summary {
		t.Errorf("description = %q, want the summary HTML", first.Description)
	}
	if first.Source == nil || first.Source.URL != f.Items[0].SourceURL || first.Source.Name != f.Items[0].SourceTitle {
		t.Errorf("source = %+v", first.Source)
	}
	if !slices.Equal(first.Creators, []string{"Jörg Müller", "Anna Weiß"}) || first.Author != "joerg.mueller@example.org (Jörg Müller)" {
		t.Errorf("creators %q author %q", first.Creators, first.Author)
	}
	if first.PubDate != "Fri, 15 Mar 2024 13:30:00 +0000" {
		t.Errorf("pubDate %q", first.PubDate)
	}
	// RSS allows one enclosure: the first, with its length and type.
	if e := ch.Items[1].Enclosures; len(e) != 1 || e[0].URL != "https://podcast.example.com/folge-42.mp3" || e[0].Length != "48213400" || e[0].Type != "audio/mpeg" {
		t.Errorf("enclosures %+v", e)
	}
	// The item with only FirstSeen: that is its pubDate; no source without url.
	if it := ch.Items[2]; it.PubDate != "Wed, 13 Mar 2024 09:00:00 +0000" || it.Source != nil {
		t.Errorf("item 2 pubDate %q source %+v", it.PubDate, it.Source)
	}
	// Without a summary, the description is an excerpt of the content.
	if d := ch.Items[2].Description; !strings.HasPrefix(d, "Code: if a[b[0]]&gt;1 { } ends with ]]&gt; and a bell here.") {
		t.Errorf("description excerpt %q", d)
	}
	// Without a link, no (empty) link element.
	if ch.Items[3].Link != "" {
		t.Errorf("link %q", ch.Items[3].Link)
	}
}

func TestRenderAtom(t *testing.T) {
	f := testFeed()
	v := decodeAtom(t, render(t, f, Atom))
	if v.ID != "http://localhost:8080/politik.atom" || v.Title != "Politik & Gesellschaft" || v.Updated != "2024-03-15T15:05:30Z" {
		t.Errorf("feed id %q title %q updated %q", v.ID, v.Title, v.Updated)
	}
	if len(v.Authors) != 1 || v.Authors[0] == "" {
		t.Errorf("feed authors %q, want one (entries without author need it)", v.Authors)
	}
	rels := map[string][]string{}
	for _, l := range v.Links {
		rels[l.Rel] = append(rels[l.Rel], l.Href)
	}
	if !slices.Equal(rels["self"], []string{v.ID}) || !slices.Equal(rels["alternate"], []string{"http://localhost:8080/"}) || !slices.Equal(rels["hub"], f.Hubs) {
		t.Errorf("feed links %v", rels)
	}
	if len(v.Entries) != len(f.Items) {
		t.Fatalf("%d entries, want %d", len(v.Entries), len(f.Items))
	}
	wantPublished := []string{"2024-03-15T13:30:00Z", "2024-03-14T06:00:00Z", "", ""}
	wantUpdated := []string{"2024-03-15T15:05:30Z", "2024-03-14T06:00:00Z", "2024-03-13T09:00:00Z", "2024-03-12T08:00:00Z"}
	for i, e := range v.Entries {
		if e.ID != f.Items[i].ID {
			t.Errorf("entry %d id %q, want %q", i, e.ID, f.Items[i].ID)
		}
		if e.Published != wantPublished[i] || e.Updated != wantUpdated[i] {
			t.Errorf("entry %d published %q updated %q, want %q %q", i, e.Published, e.Updated, wantPublished[i], wantUpdated[i])
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry %d updated: %v", i, err)
		}
		var terms []string
		for _, c := range e.Categories {
			terms = append(terms, c.Term)
		}
		if !slices.Equal(terms, wantTags[i]) {
			t.Errorf("entry %d terms %q, want %q", i, terms, wantTags[i])
		}
		if e.Title.Type != "text" {
			t.Errorf("entry %d title type %q", i, e.Title.Type)
		}
	}
	first := v.Entries[0]
	if first.Summary == nil || first.Summary.Type != "html" || first.Summary.Text != f.Items[0].Summary {
		t.Errorf("summary %+v", first.Summary)
	}
	if first.Content == nil || first.Content.Type != "html" || first.Content.Text != f.Items[0].Content {
		t.Errorf("content %+v", first.Content)
	}
	if !slices.Equal(first.Authors, []string{"Jörg Müller", "Anna Weiß"}) || first.SourceTitle != f.Items[0].SourceTitle {
		t.Errorf("authors %q source %q", first.Authors, first.SourceTitle)
	}
	var enclosures, alternates int
	for _, l := range v.Entries[1].Links {
		switch l.Rel {
		case "enclosure":
			enclosures++
		case "alternate":
			alternates++
		}
	}
	if enclosures != 3 || alternates != 1 || len(v.Entries[1].Links) != 4 {
		t.Errorf("entry 1 links %+v, want one alternate and three enclosures", v.Entries[1].Links)
	}
	// No link: no empty alternate link, but content.
	if last := v.Entries[3]; len(last.Links) != 0 || last.Content == nil || last.Content.Text != "Nur ein Satz." {
		t.Errorf("entry 3 links %+v content %+v", last.Links, last.Content)
	}
}

func TestRenderJSON(t *testing.T) {
	f := testFeed()
	b := render(t, f, JSON)
	v := decodeJSON(t, b)
	if v.Version != "https://jsonfeed.org/version/1.1" || v.Title != "Politik & Gesellschaft" ||
		v.FeedURL != "http://localhost:8080/politik.json" || v.HomePageURL != "http://localhost:8080/" {
		t.Errorf("feed %q %q %q %q", v.Version, v.Title, v.FeedURL, v.HomePageURL)
	}
	if len(v.Hubs) != 2 || v.Hubs[0].Type != "WebSub" || v.Hubs[0].URL != f.Hubs[0] || v.Hubs[1].URL != f.Hubs[1] {
		t.Errorf("hubs %+v", v.Hubs)
	}
	if len(v.Items) != len(f.Items) {
		t.Fatalf("%d items, want %d", len(v.Items), len(f.Items))
	}
	for i, it := range v.Items {
		if it.ID != f.Items[i].ID {
			t.Errorf("item %d id %q", i, it.ID)
		}
		if !slices.Equal(it.Tags, wantTags[i]) {
			t.Errorf("item %d tags %q, want %q", i, it.Tags, wantTags[i])
		}
		if it.ContentHTML == nil {
			t.Errorf("item %d without content_html", i)
		}
		if it.Author != nil {
			t.Errorf("item %d has the deprecated author %s", i, it.Author)
		}
		for _, d := range []string{it.DatePublished, it.DateModified} {
			if _, err := time.Parse(time.RFC3339, d); err != nil {
				t.Errorf("item %d date: %v", i, err)
			}
		}
	}
	first := v.Items[0]
	if *first.ContentHTML != f.Items[0].Content || first.URL != f.Items[0].Link {
		t.Errorf("item 0 content %q url %q", *first.ContentHTML, first.URL)
	}
	if first.Summary != "Der Bundestag hat den Haushalt beschlossen. Die Grünen & die FDP äußern Kritik." {
		t.Errorf("summary %q, want plain text", first.Summary)
	}
	if first.DatePublished != "2024-03-15T13:30:00Z" || first.DateModified != "2024-03-15T15:05:30Z" {
		t.Errorf("dates %q %q", first.DatePublished, first.DateModified)
	}
	if len(first.Authors) != 2 || first.Authors[0].Name != "Jörg Müller" {
		t.Errorf("authors %+v", first.Authors)
	}
	if a := v.Items[1].Attachments; len(a) != 3 || a[0].Size != 48213400 || a[1].MIMEType != "audio/ogg" {
		t.Errorf("attachments %+v", a)
	}
	// No content: the summary HTML is the content.
	if c := *v.Items[1].ContentHTML; c != f.Items[1].Summary {
		t.Errorf("item 1 content_html %q", c)
	}
	if v.Items[2].DatePublished != "2024-03-13T09:00:00Z" {
		t.Errorf("item 2 date_published %q, want FirstSeen", v.Items[2].DatePublished)
	}
	if bytes.Contains(b, []byte(`\u003c`)) {
		t.Errorf("HTML escaped in JSON")
	}
}

func TestRenderDeterministic(t *testing.T) {
	for _, format := range Formats {
		a, b := render(t, testFeed(), format), render(t, testFeed(), format)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ", format)
		}
	}
}

// TestRenderUnsafeText checks that characters XML cannot carry are removed
// and that "]]>" survives the CDATA section of content:encoded.
func TestRenderUnsafeText(t *testing.T) {
	f := testFeed()
	it := &f.Items[2]
	wantContent := strings.ReplaceAll(it.Content, "\x07", "")
	it.Content += "\x00\ufffe\uffff\xed\xa0\x80 <b>ende</b>" // NUL, non-characters, an encoded surrogate
	wantContent += " <b>ende</b>"
	it.Categories = []string{"a\x0bb"}
	for _, format := range Formats {
		b := render(t, f, format)
		for _, bad := range []string{"\x00", "\x01", "\x07", "\x0b", "\ufffe", "\uffff", "\xed\xa0\x80", `\u0000`, `\u0001`, `\u0007`} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s: output contains %q", format, bad)
			}
		}
	}
	rss := decodeRSS(t, render(t, f, RSS))
	if got := rss.Channel.Items[2].Content; got != wantContent {
		t.Errorf("content:encoded round trip:\n got %q\nwant %q", got, wantContent)
	}
	if got := rss.Channel.Items[2].Title; got != `Escaping <tricky> & "quoted" text` {
		t.Errorf("title %q", got)
	}
	if got := rss.Channel.Items[2].Categories; !slices.Equal(got, []string{"Wirtschaft", "ab"}) {
		t.Errorf("categories %q", got)
	}
	atom := decodeAtom(t, render(t, f, Atom))
	if got := atom.Entries[2].Content.Text; got != wantContent {
		t.Errorf("atom content %q", got)
	}
	j := decodeJSON(t, render(t, f, JSON))
	if got := *j.Items[2].ContentHTML; got != wantContent {
		t.Errorf("json content %q", got)
	}
}

func TestRenderEmptyFeed(t *testing.T) {
	f := &Feed{Slug: "leer", BaseURL: "http://localhost:8080/", TopicNames: map[string]string{"leer": "Leeres Thema"}}
	rssOut := render(t, f, RSS)
	rss := decodeRSS(t, rssOut)
	if rss.Channel.Title != "Leeres Thema" || rss.Channel.Description != "refeed: Leeres Thema" || len(rss.Channel.Items) != 0 {
		t.Errorf("rss channel %+v", rss.Channel)
	}
	if bytes.Contains(rssOut, []byte("lastBuildDate")) || bytes.Contains(rssOut, []byte("pubDate")) {
		t.Errorf("rss of an empty feed has dates:\n%s", rssOut)
	}
	if rss.Channel.AtomLinks[0].Href != "http://localhost:8080/leer.rss" {
		t.Errorf("self %q", rss.Channel.AtomLinks[0].Href)
	}
	atom := decodeAtom(t, render(t, f, Atom))
	if atom.Updated != "1970-01-01T00:00:00Z" || len(atom.Entries) != 0 {
		t.Errorf("atom updated %q entries %d", atom.Updated, len(atom.Entries))
	}
	b := render(t, f, JSON)
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if items, ok := raw["items"].([]any); !ok || len(items) != 0 {
		t.Errorf("json items = %#v, want []", raw["items"])
	}
	if _, ok := raw["hubs"]; ok {
		t.Errorf("json hubs without hubs")
	}
}

func TestRenderDates(t *testing.T) {
	// The feed date is the newest of any item date, wherever it is.
	f := &Feed{Slug: "x", BaseURL: "http://h", Items: []item.Item{
		{ID: "urn:refeed:1", FirstSeen: date("2024-01-01T00:00:00Z")},
		{ID: "urn:refeed:2", Published: date("2023-01-01T00:00:00Z"), FirstSeen: date("2024-06-01T12:00:00.75+02:00")},
		{ID: "urn:refeed:3"}, // no date at all
	}}
	atom := decodeAtom(t, render(t, f, Atom))
	if atom.Updated != "2024-06-01T10:00:00Z" {
		t.Errorf("feed updated %q", atom.Updated)
	}
	if got := atom.Entries[2].Updated; got != atom.Updated {
		t.Errorf("undated entry updated %q, want the feed's %q", got, atom.Updated)
	}
	if got := atom.Entries[1].Published; got != "2023-01-01T00:00:00Z" {
		t.Errorf("published %q", got)
	}
	rss := decodeRSS(t, render(t, f, RSS))
	if got := rss.Channel.Items[2].PubDate; got != "" {
		t.Errorf("undated item pubDate %q", got)
	}
}

func TestRenderNoHubs(t *testing.T) {
	f := testFeed()
	f.Hubs = nil
	for _, format := range []Format{RSS, Atom} {
		if b := render(t, f, format); bytes.Contains(b, []byte(`rel="hub"`)) {
			t.Errorf("%s: hub link without hubs", format)
		}
	}
}

func TestRenderMissingID(t *testing.T) {
	f := testFeed()
	f.Items[0].ID = ""
	want := item.NewID(f.Items[0].Source, &f.Items[0])
	a, b := render(t, f, Atom), render(t, f, Atom)
	if !bytes.Equal(a, b) {
		t.Fatal("renders differ")
	}
	if got := decodeAtom(t, a).Entries[0].ID; got != want {
		t.Errorf("id %q, want %q", got, want)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if _, err := Render(testFeed(), "html"); err == nil {
		t.Error("no error for an unknown format")
	}
	if _, err := Render(nil, RSS); err == nil {
		t.Error("no error for a nil feed")
	}
}

func TestFormat(t *testing.T) {
	want := map[Format][2]string{
		RSS:  {".rss", "application/rss+xml; charset=utf-8"},
		Atom: {".atom", "application/atom+xml; charset=utf-8"},
		JSON: {".json", "application/feed+json; charset=utf-8"},
	}
	if len(Formats) != 3 {
		t.Errorf("Formats = %v", Formats)
	}
	for _, f := range Formats {
		if f.Ext() != want[f][0] || f.ContentType() != want[f][1] {
			t.Errorf("%s: %q %q", f, f.Ext(), f.ContentType())
		}
	}
	if Format("x").Ext() != "" || Format("x").ContentType() != "" {
		t.Error("unknown format has an extension or content type")
	}
	f := &Feed{Slug: "all", BaseURL: "http://localhost:8080"}
	if got := f.URL(Atom); got != "http://localhost:8080/all.atom" {
		t.Errorf("URL = %q", got)
	}
}

func TestTags(t *testing.T) {
	it := &item.Item{Topics: []string{"ki", "sport", "ki"}, Categories: []string{" KI ", "Sport", "", "Fußball", "fußball", "Tennis  Damen"}}
	got := tags(it, map[string]string{"ki": "KI"})
	want := []string{"KI", "sport", "Fußball", "Tennis Damen"}
	if !slices.Equal(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}
	// Categories are plain text, even a topic named with markup.
	it = &item.Item{Topics: []string{"x"}, Categories: []string{"<b>Welt</b>", "&lt;i&gt;"}}
	got = tags(it, map[string]string{"x": `<script>alert(1)</script>C++ &amp; "Go"`})
	if want := []string{`C++ & "Go"`, "Welt"}; !slices.Equal(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain Ünïcödé 😀":            "plain Ünïcödé 😀",
		"tab\tnl\ncr\r":              "tab\tnl\ncr\r",
		"a\x00b\x1fc\x7f":            "abc\x7f",
		"x\ufffey\uffffz\ufffd":      "xyz\ufffd",
		"bad\xffutf8\xed\xa0\x80end": "badutf8end",
	} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"<p>Eins <b>zwei</b>.</p><p>Drei&amp;vier &#1;</p>": "Eins zwei. Drei&vier",
		"a<br>b<script>x()</script>c<!-- n -->d":            "a bcd",
		"1 < 2":                                             "1 < 2",
		// Text that spells out markup loses it: the excerpt reads the
		// same as text and as HTML.
		"<p>&lt;img src=x onerror=alert(1)&gt;Bild &lt;b&gt;</p>": "Bild",
	} {
		if got := excerpt(in, 100); got != want {
			t.Errorf("excerpt(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("Wörter ", 100)
	got := excerpt(long, 50)
	if !strings.HasSuffix(got, "…") || len([]rune(got)) > 51 || strings.Contains(got, "Wört…") {
		t.Errorf("excerpt cut badly: %q", got)
	}
}

// TestRenderTopicIDs: a topic feed gives each item the id ITEMID#SLUG in
// every format, so that readers keying items by id across subscriptions
// (newsboat) show it in the topic feed and in all; the feed of all items
// keeps the item's own id.
func TestRenderTopicIDs(t *testing.T) {
	for _, topic := range []bool{false, true} {
		f := testFeed()
		f.Slug = "nato-korea"
		f.Topic = topic
		var want []string
		for _, it := range f.Items {
			id := it.ID
			if topic {
				id += "#nato-korea"
			}
			want = append(want, id)
		}
		got := map[string][]string{}
		for _, it := range decodeRSS(t, render(t, f, RSS)).Channel.Items {
			got["rss"] = append(got["rss"], it.GUID.ID)
			if it.GUID.IsPermaLink != "false" {
				t.Errorf("rss guid %s: isPermaLink %q, want false", it.GUID.ID, it.GUID.IsPermaLink)
			}
		}
		for _, e := range decodeAtom(t, render(t, f, Atom)).Entries {
			got["atom"] = append(got["atom"], e.ID)
		}
		for _, it := range decodeJSON(t, render(t, f, JSON)).Items {
			got["json"] = append(got["json"], it.ID)
		}
		for format, ids := range got {
			if !slices.Equal(ids, want) {
				t.Errorf("topic %v, %s ids %q, want %q", topic, format, ids, want)
			}
		}
	}
}
