package fetch

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// xmlDecl matches an XML declaration at the start of a document (after an
// optional byte order mark and white space) and captures its encoding.
var xmlDecl = regexp.MustCompile(`^(?:\xEF\xBB\xBF)?\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["'][^>]*\?>`)

// ToUTF8 returns body as UTF-8, with any XML declaration changed to say so.
//
// A document in UTF-16 or UTF-32 is recognized by its byte order mark, or,
// without one, by how the "<?xml" of its declaration is encoded (as XML
// 1.0's appendix F describes), and decoded. A body that is valid UTF-8 is kept, even when its XML declaration claims
// another encoding (a common mistake of feeds written by string templates).
// Otherwise the declared encoding is used; a document that declares none
// (or declares UTF-8 but is not) is decoded with contentTypeCharset, else
// as windows-1252, byte sequences that are valid UTF-8 being kept as they
// are.
func ToUTF8(body []byte, contentTypeCharset string) []byte {
	declared := ""
	if m := xmlDecl.FindSubmatch(body); m != nil {
		declared = strings.ToLower(strings.TrimSpace(string(m[1])))
	}
	if enc := unicodeEncoding(body); enc != nil {
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			return setDeclUTF8(out)
		}
	}
	if utf8.Valid(body) {
		if declared == "" || isUTF8Label(declared) {
			return body
		}
		return setDeclUTF8(body)
	}
	var enc encoding.Encoding
	if declared != "" && !isUTF8Label(declared) {
		enc = lookup(declared)
	}
	if enc == nil && contentTypeCharset != "" && !isUTF8Label(contentTypeCharset) {
		enc = lookup(contentTypeCharset)
	}
	body = bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	var out []byte
	if enc != nil {
		dec, err := enc.NewDecoder().Bytes(body)
		if err == nil {
			out = dec
		}
	}
	if out == nil {
		out = repairUTF8(body)
	}
	if declared != "" {
		out = setDeclUTF8(out)
	}
	return out
}

func isUTF8Label(l string) bool {
	return l == "utf-8" || l == "utf8"
}

// unicodeEncoding returns the encoding of a document in UTF-16 or UTF-32,
// or nil for any other: from its byte order mark, else from the encoding of
// its first characters, "<?" (an XML declaration) or, for JSON, "{".
// UTF-32 is tested first: its little-endian byte order mark starts with
// UTF-16's.
func unicodeEncoding(b []byte) encoding.Encoding {
	for _, e := range []struct {
		prefix []byte
		enc    encoding.Encoding
	}{
		{[]byte{0x00, 0x00, 0xFE, 0xFF}, utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM)},
		{[]byte{0xFF, 0xFE, 0x00, 0x00}, utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM)},
		{[]byte{0xFE, 0xFF}, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)},
		{[]byte{0xFF, 0xFE}, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)},
		{[]byte{0x00, 0x00, 0x00, '<'}, utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)},
		{[]byte{'<', 0x00, 0x00, 0x00}, utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)},
		{[]byte{0x00, 0x00, 0x00, '{'}, utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)},
		{[]byte{'{', 0x00, 0x00, 0x00}, utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)},
		{[]byte{0x00, '<', 0x00, '?'}, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)},
		{[]byte{'<', 0x00, '?', 0x00}, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
		{[]byte{0x00, '{'}, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)},
		{[]byte{'{', 0x00}, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
	} {
		if bytes.HasPrefix(b, e.prefix) {
			return e.enc
		}
	}
	return nil
}

func lookup(label string) encoding.Encoding {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil
	}
	if enc == encoding.Replacement {
		return nil
	}
	return enc
}

// repairUTF8 keeps valid UTF-8 sequences and reads every other byte as
// windows-1252.
func repairUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	dec := charmap.Windows1252
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, dec.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return out
}

var declEncoding = regexp.MustCompile(`(\bencoding\s*=\s*["'])[^"']*(["'])`)

// setDeclUTF8 rewrites the encoding of the XML declaration to UTF-8.
func setDeclUTF8(b []byte) []byte {
	loc := xmlDecl.FindIndex(b)
	if loc == nil {
		return b
	}
	decl := declEncoding.ReplaceAll(b[loc[0]:loc[1]], []byte("${1}utf-8${2}"))
	out := make([]byte, 0, len(b))
	out = append(out, decl...)
	return append(out, b[loc[1]:]...)
}
