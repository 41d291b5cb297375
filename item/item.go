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
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(salt)
	for _, s := range []string{it.Source, it.SourceTitle, it.SourceURL, it.GUID, it.Link, it.Title, it.Summary, it.Content} {
		field(s)
	}
	for _, a := range it.Authors {
		field(a.Name + "\x00" + a.Email + "\x00" + a.URI)
	}
	field(it.Published.UTC().Format(time.RFC3339Nano))
	field(it.Updated.UTC().Format(time.RFC3339Nano))
	for _, c := range it.Categories {
		field(c)
	}
	for _, e := range it.Enclosures {
		field(e.URL + "\x00" + e.Type + "\x00" + strconv.FormatInt(e.Length, 10))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
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
