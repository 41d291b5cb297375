package clean

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
)

// version changes whenever cleaning changes what it makes of the same
// input, so that items cleaned before are cleaned again.
const version = "2"

// fingerprint digests everything that shapes what the cleaner makes of an
// item: the version of the code, the built-in tracker list and site packs,
// the configured rules and the filter lists' contents.
func fingerprint(rules any, lists []string) string {
	h := sha256.New()
	h.Write([]byte(version + "\x00" + builtinTrackers + "\x00" + strings.Join(trackingParams, ",")))
	if names, err := fs.Glob(packFiles, "packs/*.yaml"); err == nil {
		for _, n := range names {
			data, _ := packFiles.ReadFile(n)
			h.Write([]byte(n))
			h.Write(data)
		}
	}
	if b, err := json.Marshal(rules); err == nil {
		h.Write(b)
	}
	for _, path := range lists {
		data, _ := os.ReadFile(path)
		h.Write([]byte(path))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Fingerprint identifies what this cleaner does: two cleaners with the same
// fingerprint clean every item the same way.
func (c *Cleaner) Fingerprint() string { return c.fp }

// Link returns the link raw of an item from the feed at sourceURL as Item
// leaves it: without tracking parameters, relative links resolved against
// sourceURL, and "" for anything but a web (http, https) URL.
func (c *Cleaner) Link(raw, sourceURL string) string {
	link, _ := c.params.strip(strings.TrimSpace(raw))
	link, _ = webURL(link, sourceURL)
	return link
}
