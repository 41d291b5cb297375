package fetch

import (
	"bytes"
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
		"plain feed":         {`<?xml version="1.0"?><rss><channel><item><title>a &lt; b</title></item></channel></rss>`, true},
		"cdata and comments": {`<rss><!-- <a><b><c> --><channel><![CDATA[</x></y><z>]]></channel></rss>`, true},
		"self-closing":       {`<rss>` + strings.Repeat(`<br/>`, 1000) + `</rss>`, true},
		"quoted >":           {`<rss><a title="x>y"><b/></a></rss>`, true},
		"deep":               {strings.Repeat("<a>", MaxDepth+1), false},
		"deep with closes":   {strings.Repeat("<a></a>", 5000) + strings.Repeat("<b>", MaxDepth+1), false},
		"many items":         {strings.Repeat("<item/>", MaxItems+1), false},
		"many namespaces":    {`<rss` + strings.Repeat(` xmlns:a="x"`, MaxNamespaces+1) + `/>`, false},
		"entities":           {`<!DOCTYPE x [<!ENTITY a "b">]><rss/>`, false},
		"many nodes":         {`<rss` + strings.Repeat(` a=""`, MaxNodes) + `/>`, false},
	} {
		if got := withinLimitsXML([]byte(tc.doc)); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("corpus not available (%v)", err)
	}
	quick := 0
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if firstByte(b) == '<' && withinLimitsXML(bytes.TrimSpace(b)) {
			quick++
		}
	}
	if quick < 40 {
		t.Errorf("only %d corpus files pass the quick scan", quick)
	}
}
