package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/refeed/refeed/publish"
)

// A doc is one served document with everything a response needs computed
// ahead. It is immutable once created.
type doc struct {
	body    []byte
	gz      []byte    // gzip encoding of body; nil when not smaller
	modTime time.Time // Last-Modified, UTC, whole seconds
	tag     string    // opaque entity tag, unquoted: hex of a hash of body

	// Header values, preallocated (see the note on allowGetHead).
	contentType []string
	etag        []string // `"TAG"`
	etagGz      []string // `"TAG-gz"`
	lastMod     []string
	length      []string
	lengthGz    []string
}

// gzSuffix marks the entity tag of the gzip encoding of a document.
const gzSuffix = "-gz"

// newDoc prepares body for serving. Its error only says that the gzip
// encoding failed: the returned doc is usable and served uncompressed.
func newDoc(body []byte, contentType string, modified time.Time) (*doc, error) {
	tag := publish.ETag(body)
	d := &doc{
		body:        body,
		modTime:     modified.UTC().Truncate(time.Second),
		tag:         tag,
		contentType: []string{contentType},
		etag:        []string{`"` + tag + `"`},
		length:      []string{strconv.Itoa(len(body))},
	}
	d.lastMod = []string{d.modTime.Format(http.TimeFormat)}
	gz, err := gzipBytes(body)
	if err != nil {
		return d, err
	}
	if len(gz) < len(body) {
		d.gz = gz
		d.etagGz = []string{`"` + tag + gzSuffix + `"`}
		d.lengthGz = []string{strconv.Itoa(len(gz))}
	}
	return d, nil
}

// gzipBytes compresses b at the default level: within 1% of the best
// compression, at half the cost.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// serve answers a GET or HEAD request for the document, with cacheControl
// as Cache-Control, and returns the status code.
func (d *doc) serve(w http.ResponseWriter, r *http.Request, cacheControl []string) int {
	gz := d.gz != nil && acceptsGzip(r.Header["Accept-Encoding"])
	h := w.Header()
	h["Vary"] = varyAE
	h["Cache-Control"] = cacheControl
	h["Last-Modified"] = d.lastMod
	h["X-Content-Type-Options"] = nosniff
	if gz {
		h["Etag"] = d.etagGz
	} else {
		h["Etag"] = d.etag
	}
	if d.notModified(r) {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	h["Content-Type"] = d.contentType
	body := d.body
	if gz {
		h["Content-Encoding"] = gzipEnc
		h["Content-Length"] = d.lengthGz
		body = d.gz
	} else {
		h["Content-Length"] = d.length
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		// An error means the client went away; there is no one to tell.
		_, _ = w.Write(body)
	}
	return http.StatusOK
}

// notModified evaluates the request's preconditions (RFC 9110 section
// 13.2.2, for GET and HEAD): If-None-Match when present, else
// If-Modified-Since.
func (d *doc) notModified(r *http.Request) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		for _, list := range inm {
			if matchETag(list, d.tag) {
				return true
			}
		}
		return false
	}
	ims := r.Header["If-Modified-Since"]
	if len(ims) != 1 {
		return false
	}
	if ims[0] == d.lastMod[0] {
		return true
	}
	t, err := http.ParseTime(ims[0])
	return err == nil && !d.modTime.After(t)
}

// matchETag reports whether an If-None-Match field value (a comma-separated
// list of entity tags, or "*") matches a document with the opaque tag tag,
// in either its identity or gzip encoding, with the weak comparison. A
// malformed list matches up to the first malformed element.
func matchETag(list, tag string) bool {
	for {
		list = strings.TrimLeft(list, " \t,")
		switch {
		case list == "":
			return false
		case list[0] == '*':
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			return false
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		opaque := list[1 : 1+end]
		if opaque == tag || (len(opaque) == len(tag)+len(gzSuffix) && strings.HasPrefix(opaque, tag) && strings.HasSuffix(opaque, gzSuffix)) {
			return true
		}
		list = list[end+2:]
	}
}

// acceptsGzip reports whether Accept-Encoding field values admit gzip: gzip
// (or x-gzip) is listed with a non-zero weight, or is not listed and "*" is,
// with a non-zero weight (RFC 9110 section 12.5.3). No field means no
// preference; identity is then the safer choice.
func acceptsGzip(values []string) bool {
	gzipQ, anyQ := -1, -1 // -1 not listed, 0 refused, 1 accepted
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.TrimSpace(coding)
			q := 1
			if zeroWeight(params) {
				q = 0
			}
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				gzipQ = max(gzipQ, q)
			case coding == "*":
				anyQ = max(anyQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// zeroWeight reports whether the parameters of an Accept-Encoding element
// hold q=0 (as "0", "0.", "0.0", "0.00" or "0.000").
func zeroWeight(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		p = strings.TrimSpace(p)
		if len(p) < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
			continue
		}
		w := strings.TrimSpace(p[2:])
		if w == "" || w[0] != '0' {
			return false
		}
		w = strings.TrimPrefix(w[1:], ".")
		return strings.Trim(w, "0") == "" && len(w) <= 3
	}
	return false
}
