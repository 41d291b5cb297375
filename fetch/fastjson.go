package fetch

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/refeed/refeed/item"
)

// The fast path for JSON Feed: fastParseJSON reads a JSON Feed (versions 1
// and 1.1) into what Parse makes of gofeed's result, without gofeed's
// decoding and translation. gofeed decodes the document with
// encoding/json into its json.Feed, whose UnmarshalJSON methods (on the
// feed, each item and each attachment) decode their bytes again through
// an alias type; DefaultJSONTranslator then builds a gofeed.Feed, and
// convert an item.Item. fastParseJSON decodes once, with encoding/json
// (so keys match, duplicates resolve and strings decode as in gofeed),
// into jsonFeed, a copy of gofeed's types in which the fields gofeed
// coerces by hand are raw, and makes the items directly.
//
// Every field of gofeed's types is decoded with its type, whether or not
// Parse uses it, so that a document gofeed rejects for a wrong type is
// rejected here too; the fields gofeed coerces from any type (an item's
// id, an attachment's size_in_bytes and duration_in_seconds, the feed's
// expired) are raw or absent. fastParseJSON declines (errFallback) any
// document it does not read as gofeed does: one encoding/json rejects
// (gofeed reports the error), one beyond the limits (limitJSON would
// change or reject it), one that may repeat the items of the feed or the
// attachments of an item (gofeed decodes the repeat into the items or
// attachments already there, where its UnmarshalJSON resets the coerced
// fields the repeat lacks; see jsonScan), one with a null item or author
// (on which gofeed's translator dereferences nil), and one with a date
// fastDate is not sure of. TestFastParseMatchesGofeed, the
// TestFastParseJSON tests and FuzzFastParseJSON hold it to the gofeed
// path's results.

// jsonFeed is gofeed's json.Feed without its expired (coerced from any
// type, and unused).
type jsonFeed struct {
	Version     string        `json:"version"`
	Title       string        `json:"title"`
	HomePageURL string        `json:"home_page_url"`
	FeedURL     string        `json:"feed_url"`
	Description string        `json:"description"`
	UserComment string        `json:"user_comment"`
	NextURL     string        `json:"next_url"`
	Icon        string        `json:"icon"`
	Favicon     string        `json:"favicon"`
	Author      *jsonAuthor   `json:"author"`
	Items       []*jsonItem   `json:"items"`
	Authors     []*jsonAuthor `json:"authors"`
	Language    string        `json:"language"`
}

// jsonItem is gofeed's json.Item with its id raw, as gofeed's
// UnmarshalJSON takes it before coercing it to a string.
type jsonItem struct {
	ID            json.RawMessage   `json:"id"`
	URL           string            `json:"url"`
	ExternalURL   string            `json:"external_url"`
	Title         string            `json:"title"`
	ContentHTML   string            `json:"content_html"`
	ContentText   string            `json:"content_text"`
	Summary       string            `json:"summary"`
	Image         string            `json:"image"`
	BannerImage   string            `json:"banner_image"`
	DatePublished string            `json:"date_published"`
	DateModified  string            `json:"date_modified"`
	Author        *jsonAuthor       `json:"author"`
	Tags          []string          `json:"tags"`
	Attachments   *[]jsonAttachment `json:"attachments"`
	Authors       []*jsonAuthor     `json:"authors"`
	Language      string            `json:"language"`
}

// jsonAuthor is gofeed's json.Author.
type jsonAuthor struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Avatar string `json:"avatar"`
}

// jsonAttachment is gofeed's json.Attachments with size_in_bytes raw and
// without duration_in_seconds (coerced from any type, and unused).
type jsonAttachment struct {
	URL         string          `json:"url"`
	MimeType    string          `json:"mime_type"`
	Title       string          `json:"title"`
	SizeInBytes json.RawMessage `json:"size_in_bytes"`
}

// fastParseJSON parses body, a JSON Feed as prepare leaves it (UTF-8, but
// not known to be valid: encoding/json replaces invalid bytes, as in
// gofeed), into a Feed (Title not yet made plain text, items without their
// source), or returns errFallback.
func fastParseJSON(body []byte) (*Feed, error) {
	nodes, items, repeats := jsonScan(body)
	if nodes > MaxNodes || items > MaxItems {
		return nil, fallback() // limitJSON would look further
	}
	if repeats {
		return nil, fallback() // gofeed merges the repeat into the first
	}
	var jf jsonFeed
	if err := json.Unmarshal(body, &jf); err != nil {
		return nil, fallback() // gofeed fails the same way
	}
	if len(jf.Items) > MaxItems {
		return nil, fallback() // not after jsonBounds; newest would choose
	}
	f := &Feed{
		Title:    jf.Title,
		Link:     strings.TrimSpace(jf.HomePageURL),
		Language: jf.Language,
		Items:    make([]item.Item, 0, len(jf.Items)),
	}
	for _, ji := range jf.Items {
		if ji == nil {
			return nil, fallback() // gofeed's translator panics
		}
		it, ok := ji.item()
		if !ok {
			return nil, fallback()
		}
		f.Items = append(f.Items, it)
	}
	for _, a := range jf.Authors {
		if a == nil {
			return nil, fallback() // gofeed's translator panics
		}
	}
	return f, nil
}

// jsonScan returns jsonBounds(b) and whether an object of b may have two
// members named items, or two named attachments: names encoding/json
// matches to them (ASCII case folded), counting every name with an escape
// or a non-ASCII byte (which may fold to them) as both.
func jsonScan(b []byte) (nodes, items int, repeats bool) {
	type object struct{ items, attachments int }
	var objectBuf [32]object
	objects := objectBuf[:0] // the counts of the open objects
	var containerBuf [64]bool
	containers := containerBuf[:0] // whether each open container is an object
	wantName := false
	depth, commas := 0, 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			end := stringEnd(b, i+1)
			if wantName && len(objects) > 0 {
				o := &objects[len(objects)-1]
				name := b[i+1 : end]
				odd := bytes.IndexByte(name, '\\') >= 0 || !asciiBytes(name)
				if odd || bytes.EqualFold(name, []byte("items")) {
					o.items++
				}
				if odd || bytes.EqualFold(name, []byte("attachments")) {
					o.attachments++
				}
				if o.items > 1 || o.attachments > 1 {
					repeats = true
				}
			}
			wantName = false
			i = end
		case '{', '[':
			nodes++
			depth++
			if depth == 2 && c == '[' {
				commas = 0
			}
			containers = append(containers, c == '{')
			if c == '{' {
				objects = append(objects, object{})
			}
			wantName = c == '{'
		case ',':
			nodes++
			if depth == 2 {
				commas++
			}
			wantName = len(containers) > 0 && containers[len(containers)-1]
		case '}', ']':
			if depth == 2 && c == ']' {
				items = max(items, commas+1)
			}
			depth--
			if n := len(containers); n > 0 {
				if containers[n-1] && len(objects) > 0 {
					objects = objects[:len(objects)-1]
				}
				containers = containers[:n-1]
			}
			wantName = false
		}
	}
	return nodes, items, repeats
}

// stringEnd returns the index of the quote that closes the JSON string
// whose text starts at b[start], or len(b).
func stringEnd(b []byte, start int) int {
	for j := start; ; j++ {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		j += k
		backslashes := 0
		for m := j - 1; m >= start && b[m] == '\\'; m-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return j
		}
	}
}

// asciiBytes reports whether b is all ASCII.
func asciiBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// item returns what convert makes of DefaultJSONTranslator's item, or
// false when it cannot be sure of a date or an author is null.
func (ji *jsonItem) item() (item.Item, bool) {
	it := item.Item{
		GUID:       strings.TrimSpace(coerceString(ji.ID)),
		Link:       strings.TrimSpace(ji.URL),
		Title:      ji.Title,
		Summary:    ji.Summary,
		Content:    ji.ContentHTML,
		Categories: nonEmpty(ji.Tags),
	}
	if ji.URL == "" && ji.ExternalURL != "" { // the translator's Links[0]
		it.Link = strings.TrimSpace(ji.ExternalURL)
	}
	if it.Content == "" {
		it.Content = ji.ContentText
	}
	if ji.DatePublished != "" {
		t, _, sure := fastDate(ji.DatePublished)
		if !sure {
			return item.Item{}, false
		}
		it.Published = t
	}
	if ji.DateModified != "" {
		t, _, sure := fastDate(ji.DateModified)
		if !sure {
			return item.Item{}, false
		}
		it.Updated = t
	}
	authors := ji.Authors
	if authors == nil && ji.Author != nil {
		authors = []*jsonAuthor{ji.Author}
	}
	for _, a := range authors {
		if a == nil {
			return item.Item{}, false // gofeed's translator panics
		}
		p := personFromText(a.Name)
		if p.Name == "" && p.Email == "" {
			continue
		}
		it.Authors = append(it.Authors, item.Author{Name: strings.TrimSpace(p.Name), Email: strings.TrimSpace(p.Email)})
	}
	if ji.Attachments != nil {
		for _, a := range *ji.Attachments {
			u := strings.TrimSpace(a.URL)
			if u == "" {
				continue
			}
			it.Enclosures = append(it.Enclosures, item.Enclosure{URL: u, Type: a.MimeType, Length: max(coerceInt64(a.SizeInBytes), 0)})
		}
	}
	return it, true
}

// coerceString is gofeed's coercion of an item's id: a JSON string or
// number as a string, anything else as its text.
func coerceString(raw json.RawMessage) string {
	if isEmptyJSON(raw) {
		return ""
	}
	if s, ok := plainString(raw); ok {
		return s
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String()
	}
	return strings.TrimSpace(string(raw))
}

// plainString returns the text of raw, a JSON string without escapes or
// characters encoding/json would replace, as encoding/json decodes it.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// coerceInt64 is gofeed's coercion of an attachment's size_in_bytes: a
// JSON number (integer or float) or a numeric string, else 0.
func coerceInt64(raw json.RawMessage) int64 {
	if isEmptyJSON(raw) {
		return 0
	}
	if len(raw) < 19 && raw[0] >= '0' && raw[0] <= '9' {
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return i
		}
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if i, err := n.Int64(); err == nil {
			return i
		}
		if fl, err := n.Float64(); err == nil {
			return float64ToInt64(fl)
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if fl, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return float64ToInt64(fl)
		}
	}
	return 0
}

// float64ToInt64 converts fl to int64 as gofeed does: 0 for NaN and values
// outside the int64 range.
func float64ToInt64(fl float64) int64 {
	if math.IsNaN(fl) || fl >= 1<<63 || fl < -(1<<63) {
		return 0
	}
	return int64(fl)
}

// isEmptyJSON reports whether raw is absent or null.
func isEmptyJSON(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}
