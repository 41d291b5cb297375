package fetch

import "encoding/xml"

// An RSS item's xhtml:body is content in XHTML; fixXML writes it as HTML
// for content:encoded with these.

// voidElements are the HTML elements without end tags.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

// appendHTMLStart appends the start tag t, an XHTML element, as HTML:
// names without prefixes, without namespace declarations.
func appendHTMLStart(b []byte, t xml.StartElement) []byte {
	b = append(b, '<')
	b = append(b, t.Name.Local...)
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			continue
		}
		b = append(b, ' ')
		b = append(b, a.Name.Local...)
		b = append(b, `="`...)
		b = appendEscaped(b, []byte(a.Value))
		b = append(b, '"')
	}
	return append(b, '>')
}

// appendEscaped appends s with the characters HTML gives a meaning
// escaped.
func appendEscaped(b, s []byte) []byte {
	for _, c := range s {
		switch c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&#34;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
