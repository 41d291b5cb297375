package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWithinLimitsXML: the quick scan lets ordinary feeds through and sends
// every document that might exceed a limit to the full check.
func TestWithinLimitsXML(t *testing.T) {
	for name, tc := range map[string]struct {
		doc  string
		want bool
	}{
		"plain feed":          {`<?xml version="1.0"?><rss><channel><item><title>a &lt; b</title></item></channel></rss>`, true},
		"cdata and comments":  {`<rss><!-- <a><b><c> --><channel><![CDATA[</x></y><z>]]></channel></rss>`, true},
		"self-closing":        {`<rss>` + strings.Repeat(`<br/>`, 1000) + `</rss>`, true},
		"quoted >":            {`<rss><a title="x>y"><b/></a></rss>`, true},
		"deep":                {strings.Repeat("<a>", MaxDepth+1), false},
		"deep with closes":    {strings.Repeat("<a></a>", 5000) + strings.Repeat("<b>", MaxDepth+1), false},
		"many items":          {strings.Repeat("<item/>", MaxItems+1), false},
		"many namespaces":     {`<rss` + strings.Repeat(` xmlns:a="x"`, MaxNamespaces+1) + `/>`, false},
		"one per element":     {`<rss xmlns:a="x">` + strings.Repeat(`<a:b xmlns:a="x">t</a:b><a:c xmlns:a="x"/>`, MaxNamespaces) + `</rss>`, true},
		"nested namespaces":   {strings.Repeat(`<a xmlns:a="x">`, MaxNamespaces+1), false},
		"nested, then closed": {strings.Repeat(`<a xmlns:a="x">`, MaxNamespaces/2) + strings.Repeat(`</a>`, MaxNamespaces/2) + strings.Repeat(`<a xmlns:a="x">`, MaxNamespaces/2+1), true},
		"in a comment":        {`<rss><!--` + strings.Repeat(` xmlns:a="x"`, MaxNamespaces+1) + `--></rss>`, true},
		"entities":            {`<!DOCTYPE x [<!ENTITY a "b">]><rss/>`, false},
		"many nodes":          {`<rss` + strings.Repeat(` a=""`, MaxNodes) + `/>`, false},
	} {
		if got := withinLimitsXML([]byte(tc.doc)); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
		if tc.want {
			checkQuick(t, name, []byte(tc.doc))
		}
	}
	for name, tc := range map[string]string{
		"nested namespaces": strings.Repeat(`<a xmlns:a="x">`, MaxNamespaces+1),
		"many namespaces":   `<rss` + strings.Repeat(` xmlns:a="x"`, MaxNamespaces+1) + `/>`,
		"deep":              strings.Repeat("<a>", MaxDepth+1),
	} {
		if _, _, err := limitXML([]byte(tc)); !errors.Is(err, ErrTooComplex) {
			t.Errorf("%s: limitXML: %v, want ErrTooComplex", name, err)
		}
	}
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("corpus not available (%v)", err)
	}
	quick, xmlDocs := 0, 0
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		b = prepare(b, "")
		if firstByte(b) != '<' {
			continue
		}
		xmlDocs++
		if withinLimitsXML(b) {
			quick++
			checkQuick(t, e.Name(), b)
		} else {
			t.Logf("%s: left to the full check", e.Name())
		}
	}
	// Every XML document of the corpus is within the limits by the quick
	// scan (giantbomb-podcast-huge.rss declares a namespace on 4,396
	// elements, one at a time).
	t.Logf("%d of %d XML corpus files pass the quick scan", quick, xmlDocs)
	if quick < xmlDocs {
		t.Errorf("only %d of %d XML corpus files pass the quick scan", quick, xmlDocs)
	}
}

// TestIndexControl: the word-at-a-time scan finds what a byte loop finds.
func TestIndexControl(t *testing.T) {
	for n := range 40 {
		for pos := range n {
			for _, c := range []byte{0, 1, 8, 9, 10, 11, 13, 0x1F, 0x20, 0x7F, 0x80, 0x9F, 0xFF} {
				b := []byte(strings.Repeat("a\n\t\rxé", 8)[:n])
				b[pos] = c
				want := -1
				for i, x := range b {
					if badControl(x) {
						want = i
						break
					}
				}
				if got := indexControl(b); got != want {
					t.Fatalf("%q: %d, want %d", b, got, want)
				}
			}
		}
	}
}

// TestJSONBounds: jsonBounds counts the values outside strings, also
// around escaped quotes and runs of backslashes, and bounds the items;
// a JSON document it lets through is one limitJSON leaves as it is.
func TestJSONBounds(t *testing.T) {
	for _, tc := range []struct {
		doc          string
		nodes, items int
	}{
		{`{"a":"x\"],[{","b":[1,2,3]}`, 5, 3},
		{`{"a":"x\\","b":[1,2,3],"c":"\\\"[,"}`, 6, 3},
		{`{"a":"\\\\\\\"","items":[1,2],"items":[3]}`, 6, 2},
		{`{"items":[{"attachments":[],"x":{"attachments":[]},"ATTACHMENTS":[]}]}`, 9, 1},
		{`{"items":[1,2],"a":"unterminated,[`, 4, 2},
		{`{"a":[[[1,2],[3]],{"b":[4,5,6,7]}],"c":[]}`, 15, 2},
	} {
		if nodes, items := jsonBounds([]byte(tc.doc)); nodes != tc.nodes || items != tc.items {
			t.Errorf("%s: %d nodes, %d items; want %d, %d", tc.doc, nodes, items, tc.nodes, tc.items)
		}
	}

	docs := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil {
			docs[name] = b
		}
	}
	var items strings.Builder
	for i := range MaxItems + 1 {
		if i > 0 {
			items.WriteString(",")
		}
		fmt.Fprintf(&items, `{"id":"%d","tags":["a","b"]}`, i)
	}
	docs["many"] = []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"[x]","items":[` + items.String() + `]}`)
	docs["escaped key"] = []byte(`{"it\u0065ms":[` + items.String() + `]}`)
	for name, body := range docs {
		if firstByte(body) != '{' {
			continue
		}
		nodes, n := jsonBounds(body)
		if nodes > MaxNodes || n > MaxItems {
			continue
		}
		out, dropped, err := limitJSON(body)
		if err != nil || dropped != 0 || !bytes.Equal(out, body) {
			t.Errorf("%s: within the bounds (%d nodes, %d items), but limitJSON drops %d (%v)", name, nodes, n, dropped, err)
		}
	}
	if _, n := jsonBounds(docs["many"]); n != MaxItems+1 {
		t.Errorf("many: %d items, want %d", n, MaxItems+1)
	}
	if _, dropped, err := limitJSON(docs["many"]); err != nil || dropped != 1 {
		t.Errorf("many: limitJSON drops %d (%v), want 1", dropped, err)
	}
}

// checkQuick fails when the quick scan lets through an XML document that
// the full check would change or refuse.
func checkQuick(t testing.TB, name string, b []byte) {
	t.Helper()
	if out, dropped, err := limitXML(b); err != nil || dropped != 0 || !bytes.Equal(out, b) {
		t.Errorf("%s: within the quick bounds, but limitXML drops %d (%v)", name, dropped, err)
	}
}
