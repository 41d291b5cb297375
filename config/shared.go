package config

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// localKeys are the keys of the configuration that may differ between the
// instances sharing one store: where an instance listens, keeps its files
// and finds the database (whose URL may carry its own credentials), the
// instance's part in the cluster (its name, its roles and its timings,
// which shape no output), and whether it serves the inspector.
var localKeys = map[string]bool{
	"listen":       true,
	"admin_listen": true,
	"data_dir":     true,
	"store":        true,
	"cluster":      true,
	"inspector":    true,
}

// sharedSalt and the argon2id parameters of SharedHash: OWASP's minimum
// for passwords (19 MiB, 2 passes), about 20 ms on a 2-core machine.
const (
	sharedSalt    = "refeed shared configuration v1"
	sharedTime    = 2
	sharedMemory  = 19 * 1024 // KiB
	sharedThreads = 1
	sharedKeyLen  = 32
)

// SharedHash returns a hash (64 hex digits) of the effective configuration
// that instances sharing a store must agree on: every setting, with its
// default when the file leaves it out, but listen, admin_listen, data_dir,
// store, the cluster section and inspector. Two instances with the same
// file but for those hash equal; a different source, topic, rule, alert, schedule,
// retention, base_url (whose default follows listen: set it behind a load
// balancer) or fetch setting hashes differently. Paths inside the
// configuration file's folder count relative to it, so that the same
// file in two folders hashes equal.
//
// Secrets (alert credentials, private topics' passwords and tokens,
// tokens in source URLs) count as loaded, substituted: an instance with
// another credential differs too. The hash is argon2id, slow on purpose,
// so that one who knows the rest of a configuration cannot test guesses
// of a weak password against it quickly; it costs about 20 ms and 19 MiB,
// so compute it once per load.
func (c *Config) SharedHash() string {
	shared := *c
	shared.Sources = slices.Clone(c.Sources)
	for i, s := range shared.Sources {
		shared.Sources[i].URL = c.relPath(s.URL)
	}
	shared.SourcesOPML = c.relPath(c.SourcesOPML)
	shared.Trackers.Lists = slices.Clone(c.Trackers.Lists)
	for i, p := range shared.Trackers.Lists {
		shared.Trackers.Lists[i] = c.relPath(p)
	}
	var b []byte
	b = appendShared(b, reflect.ValueOf(shared), true)
	sum := argon2.IDKey(b, []byte(sharedSalt), sharedTime, sharedMemory, sharedThreads, sharedKeyLen)
	return hex.EncodeToString(sum)
}

// relPath returns the absolute path p relative to c's folder, as ./REL,
// when it is inside it, else p as it is.
func (c *Config) relPath(p string) string {
	if !filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	rel, err := filepath.Rel(c.Dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return "./" + filepath.ToSlash(rel)
}

// appendShared appends an unambiguous encoding of v to b: structs by
// their fields' yaml names (leaving out fields of no name, such as Pos,
// fields at their zero value, so that a new setting left unset changes
// no hash, and, at the top, the local keys), maps by sorted key, lists
// in order; strings and keys with their length.
func appendShared(b []byte, v reflect.Value, top bool) []byte {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, 'n')
		}
		return appendShared(append(b, 'p'), v.Elem(), false)
	case reflect.Struct:
		type field struct {
			name string
			v    reflect.Value
		}
		var fields []field
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			if name == "" || name == "-" || top && localKeys[name] || v.Field(i).IsZero() || isEmpty(v.Field(i)) {
				continue
			}
			fields = append(fields, field{name, v.Field(i)})
		}
		slices.SortFunc(fields, func(x, y field) int { return cmp.Compare(x.name, y.name) })
		b = append(b, 'm')
		b = strconv.AppendInt(b, int64(len(fields)), 10)
		for _, f := range fields {
			b = appendString(b, f.name)
			b = appendShared(b, f.v, false)
		}
		return b
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys)
		b = append(b, 'm')
		b = strconv.AppendInt(b, int64(len(keys)), 10)
		for _, k := range keys {
			b = appendString(b, k)
			b = appendShared(b, v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())), false)
		}
		return b
	case reflect.Slice:
		b = append(b, 'l')
		b = strconv.AppendInt(b, int64(v.Len()), 10)
		for i := range v.Len() {
			b = appendShared(b, v.Index(i), false)
		}
		return b
	case reflect.String:
		return appendString(b, v.String())
	case reflect.Int, reflect.Int64:
		b = append(b, 'i')
		b = strconv.AppendInt(b, v.Int(), 10)
		return append(b, ';')
	case reflect.Bool:
		if v.Bool() {
			return append(b, 't')
		}
		return append(b, 'f')
	}
	// Only reachable when a field of another type is added to Config.
	panic(fmt.Sprintf("config: SharedHash cannot encode %s", v.Type()))
}

// isEmpty reports whether v is an empty list or map, which counts as
// absent like a nil one.
func isEmpty(v reflect.Value) bool {
	return (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0
}

func appendString(b []byte, s string) []byte {
	b = append(b, 's')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}
