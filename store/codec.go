package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/refeed/refeed/item"
)

// Items are stored (items.data) in a compact binary form: a version byte,
// then every field the store keeps, strings and lists prefixed by their
// length as a uvarint, times as time.Time.MarshalBinary prefixed by its
// length (0: the zero time). Text is made valid UTF-8, as JSON made it. It
// is several times cheaper to write and to
// read than JSON, whose HTML escaping of the content dominated saving.
// Items stored as JSON, before migration 5, are still read: JSON starts
// with '{', never with the version byte.
const codecVersion = 1

// encode returns the stored form of an item, without its topics and
// sources (kept in their tables) and its fingerprint.
func encode(it *item.Item) ([]byte, error) {
	b := make([]byte, 0, encodedSize(it))
	b = append(b, codecVersion)
	for _, s := range []string{it.ID, it.Source, it.SourceTitle, it.SourceURL, it.GUID, it.Link, it.Title, it.Summary, it.Content} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(it.Authors)))
	for _, a := range it.Authors {
		b = appendString(appendString(appendString(b, a.Name), a.Email), a.URI)
	}
	var err error
	for _, t := range []time.Time{it.Published, it.Updated, it.FirstSeen} {
		if b, err = appendTime(b, t); err != nil {
			return nil, err
		}
	}
	b = binary.AppendUvarint(b, uint64(len(it.Categories)))
	for _, c := range it.Categories {
		b = appendString(b, c)
	}
	b = binary.AppendUvarint(b, uint64(len(it.Enclosures)))
	for _, e := range it.Enclosures {
		b = appendString(appendString(b, e.URL), e.Type)
		b = binary.AppendVarint(b, e.Length)
	}
	return b, nil
}

// encodedSize returns at least the length of an item's stored form (each
// length prefix counted at its longest, times at theirs), so that encode
// allocates its bytes once: an article's content doubled the slice, and
// copied it, as the last fields were appended.
func encodedSize(it *item.Item) int {
	const prefix = binary.MaxVarintLen64
	n := 1 + 9*prefix + len(it.ID) + len(it.Source) + len(it.SourceTitle) + len(it.SourceURL) + len(it.GUID) +
		len(it.Link) + len(it.Title) + len(it.Summary) + len(it.Content)
	n += 3 * (1 + 16) // times: a length byte and MarshalBinary's 15 or 16 bytes
	n += 3 * prefix   // counts of the lists
	for _, a := range it.Authors {
		n += 3*prefix + len(a.Name) + len(a.Email) + len(a.URI)
	}
	for _, c := range it.Categories {
		n += prefix + len(c)
	}
	for _, e := range it.Enclosures {
		n += 3*prefix + len(e.URL) + len(e.Type)
	}
	return n
}

// appendString appends s. Like JSON, it replaces each byte that is not
// part of UTF-8 with U+FFFD, so that what is read back is valid text.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = validUTF8(s)
	}
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// validUTF8 returns s with each byte that is not part of UTF-8 replaced
// by U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// appendTime appends t. Like JSON, it refuses years that RFC 3339, in
// which items are published, cannot write.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return append(b, 0), nil
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("encode item: year %d outside of [0,9999]", y)
	}
	at := len(b)
	b, err := t.AppendBinary(append(b, 0)) // as MarshalBinary, in place
	if err != nil {
		return nil, fmt.Errorf("encode item: %w", err)
	}
	b[at] = byte(len(b) - at - 1)
	return b, nil
}

var errCorrupt = errors.New("decode item: corrupt data")

// decode reads an item stored by encode, or as JSON, into *it.
func decode(data []byte, it *item.Item) error {
	*it = item.Item{}
	if len(data) > 0 && data[0] == '{' {
		return json.Unmarshal(data, it)
	}
	if len(data) == 0 || data[0] != codecVersion {
		return errCorrupt
	}
	d := decoder{b: data[1:]}
	for _, s := range []*string{&it.ID, &it.Source, &it.SourceTitle, &it.SourceURL, &it.GUID, &it.Link, &it.Title, &it.Summary, &it.Content} {
		*s = d.string()
	}
	if n := d.count(); n > 0 {
		it.Authors = make([]item.Author, n)
		for i := range it.Authors {
			a := &it.Authors[i]
			a.Name, a.Email, a.URI = d.string(), d.string(), d.string()
		}
	}
	it.Published, it.Updated, it.FirstSeen = d.time(), d.time(), d.time()
	if n := d.count(); n > 0 {
		it.Categories = make([]string, n)
		for i := range it.Categories {
			it.Categories[i] = d.string()
		}
	}
	if n := d.count(); n > 0 {
		it.Enclosures = make([]item.Enclosure, n)
		for i := range it.Enclosures {
			e := &it.Enclosures[i]
			e.URL, e.Type = d.string(), d.string()
			v, k := binary.Varint(d.b)
			if k <= 0 {
				d.err = errCorrupt
				break
			}
			e.Length, d.b = v, d.b[k:]
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return d.err
}

// A decoder reads the fields of an encoded item; after an error it reads
// zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[k:]
	return v
}

// count reads the length of a list, which cannot be longer than what
// remains (each element takes a byte at least).
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	if len(d.b) == 0 || int(d.b[0]) >= len(d.b) {
		d.err = errCorrupt
		return time.Time{}
	}
	n := int(d.b[0])
	if n == 0 {
		d.b = d.b[1:]
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary(d.b[1 : 1+n]); err != nil {
		d.err = errCorrupt
	}
	d.b = d.b[1+n:]
	return t
}
