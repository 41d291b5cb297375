package refresh

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
)

// digest returns a digest of what shapes the published feeds besides their
// items: the settings FeedOf reads (base URL, hubs, topics' names, the
// sources, retention's count) and the program that renders them. A
// publication with the same digest and the same items writes the same
// bytes.
func (r *Refresher) digest() string {
	type topic struct {
		Name, Slug string
		Private    bool // the categories and hubs of the feeds change with it
	}
	type source struct{ Name, URL string }
	v := struct {
		BaseURL  string
		Hubs     []string
		Topics   []topic
		Sources  []source
		MaxItems int
		Build    string
	}{BaseURL: r.cfg.BaseURL, Hubs: r.cfg.WebSub.Hubs, MaxItems: r.cfg.Retention.MaxItems, Build: build()}
	for _, t := range r.cfg.Topics {
		v.Topics = append(v.Topics, topic{t.Name, t.Slug, t.IsPrivate()})
	}
	for _, s := range r.cfg.Sources {
		v.Sources = append(v.Sources, source{s.Name, s.URL})
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and ints only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// build identifies the running program: its module version and VCS
// revision, and, for a build from a modified tree or without either, the
// size and time of the executable, so that a rebuilt program publishes
// every feed again.
func build() string {
	var id string
	var revision, dirty bool
	if bi, ok := debug.ReadBuildInfo(); ok {
		id = bi.Main.Version
		dirty = strings.HasSuffix(bi.Main.Version, "+dirty")
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				id += " " + s.Value
				revision = true
			case "vcs.modified":
				dirty = dirty || s.Value == "true"
			}
		}
		// A module's release (go install PATH@VERSION) carries no VCS
		// settings: its version says it all.
		revision = revision || bi.Main.Version != "" && bi.Main.Version != "(devel)"
	}
	if dirty || !revision {
		if exe, err := os.Executable(); err == nil {
			if fi, err := os.Stat(exe); err == nil {
				id += fmt.Sprintf(" %d %d", fi.Size(), fi.ModTime().UnixNano())
			}
		}
	}
	return id
}
