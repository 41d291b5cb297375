package fulltext

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// Decode returns raw, an HTML page served with the Content-Type
// contentType (may be empty), as UTF-8. Its encoding is the one a byte
// order mark or the Content-Type names; else, when the whole page is valid
// UTF-8, UTF-8; else the one a <meta> in its first 1024 bytes declares,
// or windows-1252 (see charset.DetermineEncoding). Page decodes what it
// fetches so; a page read from elsewhere (a file) is decoded the same way
// with Decode(raw, "text/html").
//
// The check of the whole page matters: DetermineEncoding looks at its
// first 1024 bytes only, and takes a UTF-8 page whose <meta charset> comes
// later, after 1024 bytes of ASCII, for windows-1252, which turns every
// curly quote into "â€™". Text in a legacy encoding is valid UTF-8 only
// by accident, and seldom beyond a few bytes.
func Decode(raw []byte, contentType string) ([]byte, error) {
	enc, name, certain := charset.DetermineEncoding(raw, contentType)
	if name == "utf-8" || !certain && utf8.Valid(raw) {
		// charset.NewReader would strip a BOM; the parser skips it.
		return raw, nil
	}
	page, err := io.ReadAll(enc.NewDecoder().Reader(bytes.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("charset %s: %w", name, err)
	}
	return page, nil
}
