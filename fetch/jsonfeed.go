package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// gofeed decodes a JSON Feed with encoding/json into structs of fixed
// types, so that one mistyped optional member ("tags": "a,b", an author
// object where an array belongs, a number where a string belongs, a null
// item) loses the whole feed. repairJSON brings such a document to the
// types gofeed expects: it reads the document with encoding/json down to
// the members of the feed, its items, authors and attachments (each kept
// as raw JSON, in order, under its own key) and coerces or drops the
// members of the wrong type, before gofeed parses it again.

// A jsonKind is the type gofeed expects of a member.
type jsonKind int

const (
	jsonLoose   jsonKind = iota // any: gofeed coerces it itself (id, expired, sizes)
	jsonString                  // a string, or null
	jsonObject                  // an object, or null
	jsonObjects                 // an array of objects, or null
	jsonStrings                 // an array of strings, or null
)

// A jsonSpec is the type of a member and, for objects, of their members
// (by lower-cased key: encoding/json matches keys regardless of case).
type jsonSpec struct {
	kind    jsonKind
	members map[string]jsonSpec
}

var (
	jsonStr    = jsonSpec{kind: jsonString}
	jsonAuthor = map[string]jsonSpec{"name": jsonStr, "url": jsonStr, "avatar": jsonStr}
	jsonItem   = map[string]jsonSpec{
		"id": {}, "url": jsonStr, "external_url": jsonStr, "title": jsonStr, "content_html": jsonStr,
		"content_text": jsonStr, "summary": jsonStr, "image": jsonStr, "banner_image": jsonStr,
		"date_published": jsonStr, "date_modified": jsonStr, "language": jsonStr,
		"author":  {kind: jsonObject, members: jsonAuthor},
		"authors": {kind: jsonObjects, members: jsonAuthor},
		"tags":    {kind: jsonStrings},
		"attachments": {kind: jsonObjects, members: map[string]jsonSpec{
			"url": jsonStr, "mime_type": jsonStr, "title": jsonStr, "size_in_bytes": {}, "duration_in_seconds": {},
		}},
	}
	jsonFeed = map[string]jsonSpec{
		"version": jsonStr, "title": jsonStr, "home_page_url": jsonStr, "feed_url": jsonStr,
		"description": jsonStr, "user_comment": jsonStr, "next_url": jsonStr, "icon": jsonStr,
		"favicon": jsonStr, "language": jsonStr, "expired": {},
		"author":  {kind: jsonObject, members: jsonAuthor},
		"authors": {kind: jsonObjects, members: jsonAuthor},
		"items":   {kind: jsonObjects, members: jsonItem},
	}
)

// errNotJSONObject is repairJSON's error for a document that is not a
// JSON object.
var errNotJSONObject = errors.New("not a JSON object")

// repairJSON returns the JSON Feed body with its mistyped members coerced
// or dropped, and a warning for each kind of repair (once, however many
// items it concerned). It fails for a document that is not valid JSON or
// not an object.
func repairJSON(body []byte) ([]byte, []string, error) {
	r := jsonRepair{counts: map[string]int{}, budget: MaxNodes}
	out, ok, err := r.object(body, jsonFeed, "")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, errNotJSONObject
	}
	warnings := make([]string, 0, len(r.counts))
	for w, n := range r.counts {
		if n > 1 {
			w += fmt.Sprintf(" (%d times)", n)
		}
		warnings = append(warnings, "JSON Feed "+w)
	}
	slices.Sort(warnings)
	return out, warnings, nil
}

// A jsonRepair counts the repairs of a document, by what was repaired.
type jsonRepair struct {
	counts map[string]int
	// budget is how many values splitting tags may still add: the
	// document was within MaxNodes, and stays within twice that.
	budget int
}

func (r *jsonRepair) warn(path, what string) {
	r.counts[path+": "+what]++
}

// object returns the object raw with its members repaired by spec, or
// false when raw is not an object.
func (r *jsonRepair) object(raw []byte, spec map[string]jsonSpec, path string) ([]byte, bool, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, false, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, false, err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, false, err
		}
		if s, ok := spec[strings.ToLower(key)]; ok {
			var keep bool
			if v, keep, err = r.value(v, s, path+strings.ToLower(key)); err != nil {
				return nil, false, err
			}
			if !keep {
				continue
			}
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	if _, err := d.Token(); err != nil {
		return nil, false, err
	}
	b.WriteByte('}')
	return b.Bytes(), true, nil
}

// value returns raw, a member of the path, as spec wants it, or false
// when it is to be dropped.
func (r *jsonRepair) value(raw json.RawMessage, spec jsonSpec, path string) (json.RawMessage, bool, error) {
	c := firstByte(raw)
	if c == 'n' || spec.kind == jsonLoose {
		return raw, true, nil
	}
	switch spec.kind {
	case jsonString:
		if s, ok := r.scalar(raw, path); ok {
			return s, true, nil
		}
		r.warn(path, "an array or object where a string belongs, dropped")
		return nil, false, nil
	case jsonObject:
		switch c {
		case '{':
			o, _, err := r.object(raw, spec.members, path+".")
			return o, true, err
		case '[':
			objs, err := r.objects(raw, spec, path)
			if err != nil || len(objs) == 0 {
				r.warn(path, "an array without an object where an object belongs, dropped")
				return nil, false, err
			}
			r.warn(path, "an array where an object belongs, its first object kept")
			return objs[0], true, nil
		case '"':
			if _, named := spec.members["name"]; named {
				r.warn(path, "a string where an object belongs, taken as the name")
				return named0(raw), true, nil
			}
		}
		r.warn(path, "a value that is no object where an object belongs, dropped")
		return nil, false, nil
	case jsonObjects:
		switch c {
		case '[':
			objs, err := r.objects(raw, spec, path)
			return joinJSON('[', objs, ']'), true, err
		case '{':
			o, _, err := r.object(raw, spec.members, path+".")
			r.warn(path, "an object where an array belongs, taken as an array of one")
			return joinJSON('[', [][]byte{o}, ']'), true, err
		case '"':
			if _, named := spec.members["name"]; named {
				r.warn(path, "a string where an array of objects belongs, taken as the name of one")
				return joinJSON('[', [][]byte{named0(raw)}, ']'), true, nil
			}
		}
		r.warn(path, "a value that is no array where an array of objects belongs, dropped")
		return nil, false, nil
	case jsonStrings:
		switch c {
		case '[':
			var elems []json.RawMessage
			if err := json.Unmarshal(raw, &elems); err != nil {
				return nil, false, err
			}
			out := make([][]byte, 0, len(elems))
			for _, e := range elems {
				if firstByte(e) == 'n' {
					out = append(out, e)
				} else if s, ok := r.scalar(e, path+"[]"); ok {
					out = append(out, s)
				} else {
					r.warn(path+"[]", "an array or object where a string belongs, dropped")
				}
			}
			return joinJSON('[', out, ']'), true, nil
		case '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, false, err
			}
			var out [][]byte
			for part := range strings.SplitSeq(s, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				if r.budget == 0 {
					r.warn(path, "more tags than the limits allow, the rest dropped")
					break
				}
				r.budget--
				p, _ := json.Marshal(part)
				out = append(out, p)
			}
			r.warn(path, "a string where an array of strings belongs, split at commas")
			return joinJSON('[', out, ']'), true, nil
		case '{':
			r.warn(path, "an object where an array of strings belongs, dropped")
			return nil, false, nil
		}
		s, _ := r.scalar(raw, path)
		return joinJSON('[', [][]byte{s}, ']'), true, nil
	}
	return raw, true, nil
}

// objects returns the objects of the array raw repaired by spec.members,
// without the elements that are no object (a string is taken as the name
// of an author).
func (r *jsonRepair) objects(raw []byte, spec jsonSpec, path string) ([][]byte, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, err
	}
	_, named := spec.members["name"]
	out := make([][]byte, 0, len(elems))
	for _, e := range elems {
		switch c := firstByte(e); {
		case c == '{':
			o, _, err := r.object(e, spec.members, path+"[].")
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		case c == '"' && named:
			r.warn(path+"[]", "a string where an object belongs, taken as the name")
			out = append(out, named0(e))
		case c == 'n':
			r.warn(path+"[]", "null where an object belongs, dropped")
		default:
			r.warn(path+"[]", "a value that is no object where an object belongs, dropped")
		}
	}
	return out, nil
}

// scalar returns raw as a JSON string: itself if it is one, the text of a
// number or boolean; false for an array or object.
func (r *jsonRepair) scalar(raw []byte, path string) ([]byte, bool) {
	switch c := firstByte(raw); {
	case c == '"':
		return raw, true
	case c == '{' || c == '[':
		return nil, false
	}
	r.warn(path, "a number or boolean where a string belongs, taken as its text")
	s, _ := json.Marshal(string(bytes.TrimSpace(raw)))
	return s, true
}

// named0 returns the object {"name": s} of the JSON string s.
func named0(s []byte) []byte {
	return joinJSON('{', [][]byte{append([]byte(`"name":`), s...)}, '}')
}

// joinJSON returns parts joined by commas between open and end.
func joinJSON(open byte, parts [][]byte, end byte) []byte {
	n := 2
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, open)
	for i, p := range parts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p...)
	}
	return append(b, end)
}
