package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A decoder fills a value from a YAML node tree, strictly: every unknown
// key, duplicate key and value of the wrong type becomes an Error at its
// position. It remembers the node of every path it saw, so that later
// checks can report their problems at the right place too.
//
// Paths name a value the way the messages show it: "fetch.timeout",
// "sources[1].url" (0-based indexes), "" for the whole file.
//
// Values with references (${NAME}, ${file:PATH}, ...; see subst.go) are
// substituted as they are decoded; subs remembers their paths, so that no
// message shows what they became.
type decoder struct {
	file  string
	env   substEnv
	nodes map[string]*yaml.Node   // value node of every path present in the file
	bad   map[string]bool         // paths whose value could not be decoded
	subs  map[string]substitution // paths whose value was substituted
	errs  Errors
}

func newDecoder(file string, env substEnv) *decoder {
	return &decoder{file: file, env: env, nodes: map[string]*yaml.Node{}, bad: map[string]bool{}, subs: map[string]substitution{}}
}

// errorf records a problem at n (nil: no position), prefixed with path.
// When the value at path was substituted, the message is replaced by one
// that names the value by its origin: a message may show the value, and
// what a reference gave must not reach an output (invalid reports such
// values with a message of its own).
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if s, ok := d.subs[path]; ok {
		d.add(n, path, s.origin+" is not valid here")
		return
	}
	d.add(n, path, fmt.Sprintf(format, args...))
}

// add records the message msg at n, prefixed with path.
func (d *decoder) add(n *yaml.Node, path, msg string) {
	if path != "" {
		msg = path + ": " + msg
	}
	e := Error{File: d.file, Msg: msg}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// errorAt records a problem with the value at path, at the position of path
// or, when path is not in the file (a required key is missing), of the
// nearest enclosing value that is.
func (d *decoder) errorAt(path, format string, args ...any) {
	d.errorf(d.node(path), path, format, args...)
}

// invalid records a problem with the value at path, as errorAt does with
// format and args for a value written in the file. For a substituted value
// the message is "ORIGIN SAFE" instead ("the value of ${TAZ_URL} is not a
// valid URL"): safe must not show the value.
func (d *decoder) invalid(path, safe, format string, args ...any) {
	if s, ok := d.subs[path]; ok {
		d.add(d.node(path), path, s.origin+" "+safe)
		return
	}
	d.errorf(d.node(path), path, format, args...)
}

// node returns the node of path or of its nearest enclosing value in the
// file, nil if there is none.
func (d *decoder) node(path string) *yaml.Node {
	for {
		if n, ok := d.nodes[path]; ok {
			return n
		}
		if path == "" {
			return nil
		}
		path = parentPath(path)
	}
}

// has reports whether path is present in the file.
func (d *decoder) has(path string) bool {
	_, ok := d.nodes[path]
	return ok
}

// ok reports whether path is present in the file and was decoded; values
// that could not be decoded were reported already and are not checked again.
func (d *decoder) ok(path string) bool {
	return d.has(path) && !d.bad[path]
}

// pos returns the position of path as recorded for sources, topics, rules
// and alerts.
func (d *decoder) pos(path string) Pos {
	if n := d.node(path); n != nil {
		return Pos{Line: n.Line, Col: n.Column}
	}
	return Pos{}
}

// line returns the line of path, for messages that point back at an
// earlier definition.
func (d *decoder) line(path string) int {
	return d.pos(path).Line
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	sizeType     = reflect.TypeFor[Size]()
)

// decode fills v from n. Values that are present but null become the zero
// value; they count as present (so `listen:` means an empty listen).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.nodes[path] = n
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		v.SetZero()
		return
	}
	if d.secretMismatch(n, v.Type(), path) {
		return
	}
	switch t := v.Type(); {
	case t == durationType:
		s, ok := d.scalar(n, path, "a duration")
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.bad[path] = true
			d.invalid(path, "is not a valid duration (use a Go duration such as 30s, 15m or 720h)",
				"invalid duration %q (use a Go duration such as 30s, 15m or 720h)", s)
			return
		}
		v.SetInt(int64(dur))
	case t == sizeType:
		s, ok := d.scalar(n, path, "a size")
		if !ok {
			return
		}
		size, err := ParseSize(s)
		if err != nil {
			d.bad[path] = true
			d.invalid(path, "is not a valid size (such as 20MiB, 512KB or 1000)", "%v", err)
			return
		}
		v.SetInt(int64(size))
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), indexPath(path, i))
		}
		v.Set(s)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		d.decodeMap(n, v, path)
	case t.Kind() == reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case t.Kind() == reflect.Int:
		var i int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.fail(n, path, "expected an integer, got %s%s", describe(n), textOnly(n))
			return
		}
		v.SetInt(i)
	case t.Kind() == reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "expected true or false, got %s%s", describe(n), textOnly(n))
			return
		}
		v.SetBool(b)
	default:
		// Only reachable when a field of an unsupported type is added to
		// the configuration types.
		panic(fmt.Sprintf("config: cannot decode into %s", t))
	}
}

// fail records a problem with the value at path and marks it as bad.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.errorf(n, path, format, args...)
}

// scalar returns the text of a scalar node with its references
// substituted, or reports that what was expected (want) is missing or that
// a reference cannot be resolved.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected %s, got %s", want, describe(n))
		return "", false
	}
	s, substituted, err := d.env.substitute(n.Value)
	if err != nil {
		d.fail(n, path, "%v", err)
		return "", false
	}
	if substituted {
		d.subs[path] = substitution{origin: origin(n.Value), empty: s == ""}
	} else {
		// A path decoded again (an alias) starts afresh.
		delete(d.subs, path)
	}
	return s, true
}

// decodeStruct fills the struct v from the mapping n, by the fields' yaml
// tags.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		what := "a mapping"
		if path == "" {
			what = "a mapping of settings"
		}
		d.fail(n, path, "expected %s, got %s", what, describe(n))
		return
	}
	fields, names := structFields(v.Type())
	d.eachKey(n, path, func(k, val *yaml.Node) {
		index, known := fields[k.Value]
		if !known {
			d.errorf(k, path, "unknown key %q (allowed: %s)", k.Value, strings.Join(names, ", "))
			return
		}
		d.decode(val, v.Field(index), joinPath(path, k.Value))
	})
}

// eachKey calls f for each key of the mapping n at path and its value, in
// order, after recording as errors the keys that are merge keys (<<), not
// scalars, or repeated.
func (d *decoder) eachKey(n *yaml.Node, path string, f func(k, val *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		switch {
		case k.ShortTag() == "!!merge":
			d.errorf(k, path, "merge keys (<<) are not supported")
			continue
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, path, "expected a key, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, path, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		f(k, val)
	}
}

// decodeMap fills the map v, of string keys, from the mapping n; the value
// of key k is at path.k.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	d.eachKey(n, path, func(k, val *yaml.Node) {
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, joinPath(path, k.Value))
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
	})
	v.Set(m)
}

// structFields returns the index of every field of t by its yaml name, and
// the names in declaration order.
func structFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

// textOnly explains, for a number or boolean written as a reference, that
// references are only substituted in text values.
func textOnly(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		return " (${...} is substituted in text values only: strings, durations and sizes)"
	}
	return ""
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// yamlLine finds the line number in the errors of the YAML parser
// ("yaml: line 3: did not find expected key").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML parses the single document of data. It returns a nil node for
// a file with no content, and Errors when data is not one YAML document.
func parseYAML(data []byte, file string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, Errors{syntaxError(file, err)}
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		switch {
		case errors.Is(err, io.EOF):
			return documentRoot(&doc), nil
		case err != nil:
			return nil, Errors{syntaxError(file, err)}
		case documentRoot(&next) != nil:
			return nil, Errors{{File: file, Line: next.Line, Col: next.Column, Msg: "only one YAML document is allowed"}}
		}
	}
}

// documentRoot returns the content of a document, nil when it is empty.
func documentRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil
	}
	return root
}

// syntaxError turns an error of the YAML parser into an Error. The parser
// reports only lines, so the column is that of the start of the line. It
// leaves out the line when it is the first (its marks count from 0, and 0
// passes for no mark), as for an unclosed quote there.
func syntaxError(file string, err error) Error {
	msg := err.Error()
	e := Error{File: file, Line: 1, Col: 1}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	e.Msg = "invalid YAML: " + msg
	return e
}
