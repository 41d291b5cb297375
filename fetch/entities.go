package fetch

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strings"
)

// gofeed expands no entity that a document's DTD declares: fixXML
// replaces the references to them with these.

// entityName matches a general entity declaration with a literal value.
var entityName = regexp.MustCompile(`<!ENTITY\s+([^\s%"']+)\s+(?:"([^"]*)"|'([^']*)')`)

// declaredEntities returns the general entities that a DOCTYPE declares
// with literal values, each as the text that replaces a reference: its
// "<" and ">" escaped, character references kept for gofeed to read.
// Values that refer to entities (refused by checkDTD before) are left
// out.
func declaredEntities(dir xml.Directive) map[string]string {
	if !bytes.HasPrefix(dir, []byte("DOCTYPE")) {
		return nil
	}
	var m map[string]string
	for _, s := range entityName.FindAllSubmatch(dir, -1) {
		v := s[2]
		if v == nil {
			v = s[3]
		}
		if entityRef.Match(v) {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		if _, seen := m[string(s[1])]; !seen { // the first declaration binds
			m[string(s[1])] = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(string(v))
		}
	}
	return m
}

// expandEntities returns raw, text of the document, with its references
// to the entities replaced, and whether there was one.
func expandEntities(raw []byte, entities map[string]string) ([]byte, bool) {
	var out []byte
	last := 0
	for i := 0; i < len(raw); i++ {
		if raw[i] != '&' {
			continue
		}
		end := bytes.IndexByte(raw[i:min(len(raw), i+256)], ';')
		if end < 0 {
			continue
		}
		v, ok := entities[string(raw[i+1:i+end])]
		if !ok {
			continue
		}
		out = append(out, raw[last:i]...)
		out = append(out, v...)
		last = i + end + 1
		i += end
	}
	if out == nil {
		return nil, false
	}
	return append(out, raw[last:]...), true
}
