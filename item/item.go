// Package item defines the feed item that every stage of refeed's pipeline
// shares, from fetching through cleaning, tagging, storing and publishing.
package item

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
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
	// Each field is its length, then its bytes, hashed through a buffer:
	// hashing an item costs about what hashing its bytes does, and
	// allocates nothing in proportion to them (the buffer escapes to the
	// heap, through the hash.Hash: four allocations, 1.3 KB, per call).
	var w fingerprinter
	w.h = sha256.New()
	for _, s := range []string{salt, it.Source, it.SourceTitle, it.SourceURL, it.GUID, it.Link, it.Title, it.Summary, it.Content} {
		w.field(s)
	}
	for _, a := range it.Authors {
		w.field3(a.Name, a.Email, a.URI)
	}
	var tb [64]byte
	for _, t := range []time.Time{it.Published, it.Updated} {
		f := t.UTC().AppendFormat(tb[:0], time.RFC3339Nano)
		w.uint64(uint64(len(f)))
		w.write(f)
	}
	for _, c := range it.Categories {
		w.field(c)
	}
	for _, e := range it.Enclosures {
		w.field3(e.URL, e.Type, strconv.FormatInt(e.Length, 10))
	}
	w.flush()
	var sum [sha256.Size]byte
	w.h.Sum(sum[:0])
	return hex.EncodeToString(sum[:16])
}

// A fingerprinter writes the fields of a fingerprint to a hash, through a
// buffer.
type fingerprinter struct {
	h   hash.Hash
	n   int // bytes of buf in use
	buf [1024]byte
}

// field writes a field: its length, then s.
func (w *fingerprinter) field(s string) {
	w.uint64(uint64(len(s)))
	w.str(s)
}

// field3 writes the field x + "\x00" + y + "\x00" + z.
func (w *fingerprinter) field3(x, y, z string) {
	w.uint64(uint64(len(x) + len(y) + len(z) + 2))
	w.str(x)
	w.str("\x00")
	w.str(y)
	w.str("\x00")
	w.str(z)
}

func (w *fingerprinter) uint64(v uint64) {
	if len(w.buf)-w.n < 8 {
		w.flush()
	}
	binary.LittleEndian.PutUint64(w.buf[w.n:], v)
	w.n += 8
}

func (w *fingerprinter) str(s string) {
	for len(s) > 0 {
		if w.n == len(w.buf) {
			w.flush()
		}
		c := copy(w.buf[w.n:], s)
		w.n += c
		s = s[c:]
	}
}

func (w *fingerprinter) write(b []byte) {
	for len(b) > 0 {
		if w.n == len(w.buf) {
			w.flush()
		}
		c := copy(w.buf[w.n:], b)
		w.n += c
		b = b[c:]
	}
}

func (w *fingerprinter) flush() {
	w.h.Write(w.buf[:w.n])
	w.n = 0
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
