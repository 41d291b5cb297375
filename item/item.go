// Package item defines the feed item that every stage of refeed's pipeline
// shares, from fetching through cleaning, tagging, storing and publishing.
package item

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// An Item is one entry of a feed. Summary and Content hold HTML; Title is
// plain text once the item has been cleaned.
type Item struct {
	// ID is the item's stable identifier (see NewID). The store may replace
	// it with the ID of an earlier copy of the same story.
	ID string `json:"id"`
	// Source is the name of the configured source that first carried the
	// item; Sources lists every source that carried the same story.
	Source  string   `json:"source"`
	Sources []string `json:"sources,omitempty"`
	// SourceTitle and SourceURL describe the feed the item came from.
	SourceTitle string `json:"source_title,omitempty"`
	SourceURL   string `json:"source_url,omitempty"`

	GUID       string      `json:"guid,omitempty"`
	Link       string      `json:"link,omitempty"`
	Title      string      `json:"title,omitempty"`
	Summary    string      `json:"summary,omitempty"`
	Content    string      `json:"content,omitempty"`
	Authors    []Author    `json:"authors,omitempty"`
	Published  time.Time   `json:"published,omitzero"`
	Updated    time.Time   `json:"updated,omitzero"`
	Categories []string    `json:"categories,omitempty"`
	Enclosures []Enclosure `json:"enclosures,omitempty"`

	// Topics holds the slugs of the topics the item matched.
	Topics []string `json:"topics,omitempty"`
	// FirstSeen is when refeed first stored the item.
	FirstSeen time.Time `json:"first_seen,omitzero"`

	// Fingerprint identifies the item as its source sent it, before
	// cleaning (see Fingerprint), so that an unchanged item need not be
	// cleaned again. It is not published.
	Fingerprint string `json:"-"`
}

// An Author is a person credited with an item.
type Author struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URI   string `json:"uri,omitempty"`
}

// An Enclosure is a media file attached to an item (a podcast episode, say).
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// NewID returns the stable identifier of an item of the named source. It is
// derived from the item's GUID when it has one, else from its link, else
// from its title and publication date, so that the same item read again
// later gets the same identifier. The result is a URN usable as an Atom id,
// an RSS guid and a JSON Feed id.
func NewID(source string, it *Item) string {
	key := Key(it)
	sum := sha256.Sum256([]byte(source + "\x00" + key))
	return "urn:refeed:" + hex.EncodeToString(sum[:16])
}

// Fingerprint returns a digest of everything the source sent for an item
// (not the fields refeed adds: ID, Sources, Topics, FirstSeen), extended by
// salt, which callers use for what else shapes the result (the cleaning
// rules, say).
func Fingerprint(it *Item, salt string) string {
	// Each field is its length, then its bytes, all in one buffer: hashing
	// an item costs about what hashing its bytes does.
	n := 256 + len(salt) + len(it.Source) + len(it.SourceTitle) + len(it.SourceURL) + len(it.GUID) + len(it.Link) + len(it.Title) + len(it.Summary) + len(it.Content)
	b := make([]byte, 0, n)
	for _, s := range []string{salt, it.Source, it.SourceTitle, it.SourceURL, it.GUID, it.Link, it.Title, it.Summary, it.Content} {
		b = appendField(b, s)
	}
	for _, a := range it.Authors {
		b = appendField3(b, a.Name, a.Email, a.URI)
	}
	for _, t := range []time.Time{it.Published, it.Updated} {
		at := len(b)
		b = append(b, make([]byte, 8)...)
		b = t.UTC().AppendFormat(b, time.RFC3339Nano)
		binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	}
	for _, c := range it.Categories {
		b = appendField(b, c)
	}
	for _, e := range it.Enclosures {
		b = appendField3(b, e.URL, e.Type, strconv.FormatInt(e.Length, 10))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// appendField appends a field of a fingerprint: its length, then s.
func appendField(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint64(b, uint64(len(s))), s...)
}

// appendField3 appends the field x + "\x00" + y + "\x00" + z.
func appendField3(b []byte, x, y, z string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(x)+len(y)+len(z)+2))
	b = append(append(b, x...), 0)
	b = append(append(b, y...), 0)
	return append(b, z...)
}

// Key is the part of an item that identifies it within its source: its
// GUID, else its link, else its title and publication date.
func Key(it *Item) string {
	switch {
	case strings.TrimSpace(it.GUID) != "":
		return "guid:" + strings.TrimSpace(it.GUID)
	case strings.TrimSpace(it.Link) != "":
		return "link:" + strings.TrimSpace(it.Link)
	default:
		return "title:" + strings.TrimSpace(it.Title) + "\x00" + it.Published.UTC().Format(time.RFC3339)
	}
}
