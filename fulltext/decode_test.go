package fulltext

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	padding := "<!-- " + strings.Repeat("ascii ", 200) + "-->" // beyond DetermineEncoding's 1024 bytes
	for _, tc := range []struct {
		name, ct, page, want string
	}{
		{"utf-8, meta after 1 KB", "text/html", "<html><head>" + padding + `<meta charset="utf-8"></head><body><p>It’s “quoted”, Grüße</p>`, "It’s “quoted”, Grüße"},
		{"utf-8, no meta", "", "<html><head>" + padding + "</head><body><p>Grüße – so</p>", "Grüße – so"},
		{"utf-8, mislabelled meta", "text/html", `<html><head><meta charset="iso-8859-1">` + padding + "</head><body><p>Grüße</p>", "Grüße"},
		{"windows-1252, meta", "text/html", `<html><head><meta charset="windows-1252"></head><body><p>Gr` + "\xfc\xdf" + "e \x93quoted\x94</p>", "Grüße “quoted”"},
		{"latin-1, no meta", "text/html", "<html><head>" + padding + "</head><body><p>Gr\xfc\xdfe</p>", "Grüße"},
		{"header charset", "text/html; charset=iso-8859-1", "<p>Gr\xfc\xdfe</p>", "Grüße"},
		{"header charset wins", "text/html; charset=iso-8859-1", "<p>Gr\xc3\xbc\xc3\x9fe</p>", "GrÃ¼ÃŸe"},
		{"utf-16 BOM", "text/html", "\xff\xfe<\x00p\x00>\x00\xfc\x00<\x00/\x00p\x00>\x00", "ü"},
	} {
		got, err := Decode([]byte(tc.page), tc.ct)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !strings.Contains(string(got), tc.want) {
			t.Errorf("%s: got %q, want it to hold %q", tc.name, got, tc.want)
		}
	}
}
