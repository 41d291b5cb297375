package fetch

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

func TestToUTF8(t *testing.T) {
	latin1 := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>Caf\xe9</title></channel></rss>"
	for _, tc := range []struct {
		name, in, ct, want string
	}{
		{"utf8 kept", "<rss><title>Café</title></rss>", "", "<rss><title>Café</title></rss>"},
		{"declared latin1", latin1, "", `<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Café</title></channel></rss>`},
		{"undeclared, charset from header", "<rss><title>\xc0 bient\xf4t</title></rss>", "text/xml; charset=ISO-8859-1", "<rss><title>À bientôt</title></rss>"},
		{"undeclared, windows-1252 fallback", "<rss><title>\x80 don\x92t</title></rss>", "", "<rss><title>€ don’t</title></rss>"},
		{"undeclared cyrillic by header", "<rss><title>\xcf\xf0\xe8\xe2\xe5\xf2</title></rss>", "text/xml; charset=windows-1251", "<rss><title>Привет</title></rss>"},
		{"declared latin1 but utf8", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><feed><title>Café</title></feed>", "", `<?xml version="1.0" encoding="utf-8"?><feed><title>Café</title></feed>`},
		{"unknown encoding name, utf8 body", "<?xml version=\"1.0\" encoding=\"bogus\"?><feed><title>Café</title></feed>", "", `<?xml version="1.0" encoding="utf-8"?><feed><title>Café</title></feed>`},
		{"mixed: valid utf8 kept, stray bytes as 1252", "<rss><title>Café \x93quoted\x94</title></rss>", "", "<rss><title>Café “quoted”</title></rss>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(ToUTF8([]byte(tc.in), contentTypeCharset(tc.ct)))
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParseUndeclaredLatin1(t *testing.T) {
	doc := "<rss version=\"2.0\"><channel><title>UOL</title><item><title>\xdaltimas Not\xedcias</title><link>http://x.example/1</link></item></channel></rss>"
	f, err := Parse([]byte(doc), "", "uol", "http://x.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 1 || f.Items[0].Title != "Últimas Notícias" {
		t.Fatalf("items = %+v", f.Items)
	}
	if !strings.Contains(f.Title, "UOL") {
		t.Errorf("title %q", f.Title)
	}
}

// TestParseUTF16AndUTF32: documents in UTF-16 and UTF-32, with a byte
// order mark or only an XML declaration naming them (or a JSON Feed's
// "{"), are decoded before parsing, non-ASCII characters and all.
func TestParseUTF16AndUTF32(t *testing.T) {
	rss := `<?xml version="1.0" encoding="%s"?><rss version="2.0"><channel><title>Größe</title>` +
		`<item><title>Ünïcödé 🎉</title><link>https://x.example/1</link></item></channel></rss>`
	jsonFeed := `{"version":"https://jsonfeed.org/version/1.1","title":"Größe","items":[{"id":"1","title":"Ünïcödé 🎉","content_text":"x"}]}`
	for _, tc := range []struct {
		name string
		enc  encoding.Encoding
		decl string
		doc  string
	}{
		{"UTF-16BE with BOM", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "UTF-16", rss},
		{"UTF-16LE with BOM", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "UTF-16", rss},
		{"UTF-16BE declared", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "UTF-16BE", rss},
		{"UTF-16LE declared", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", rss},
		{"UTF-32BE with BOM", utf32.UTF32(utf32.BigEndian, utf32.UseBOM), "UTF-32", rss},
		{"UTF-32LE with BOM", utf32.UTF32(utf32.LittleEndian, utf32.UseBOM), "UTF-32", rss},
		{"UTF-32BE declared", utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "UTF-32BE", rss},
		{"UTF-32LE declared", utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "UTF-32LE", rss},
		{"JSON UTF-16LE with BOM", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "", jsonFeed},
		{"JSON UTF-16BE", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "", jsonFeed},
		{"JSON UTF-32LE", utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "", jsonFeed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc
			if strings.Contains(doc, "%s") {
				doc = fmt.Sprintf(doc, tc.decl)
			}
			body, err := tc.enc.NewEncoder().Bytes([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(body, "", "s", "u")
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != "Größe" || len(f.Items) != 1 || f.Items[0].Title != "Ünïcödé 🎉" {
				t.Errorf("feed %q, items %+v", f.Title, f.Items)
			}
		})
	}
}
