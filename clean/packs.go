package clean

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/refeed/refeed/config"
)

// The built-in site packs: one YAML file per site, in the form of the
// configuration's rules, each named after its site's host: taz.de,
// theguardian.com, spiegel.de, zeit.de, heise.de, golem.de,
// tagesspiegel.de and sueddeutsche.de. Each has a fixture in
// testdata/packs (see packs_test.go).
//
//go:embed packs/*.yaml
var packFiles embed.FS

func loadPacks() ([]*rule, error) {
	names, err := fs.Glob(packFiles, "packs/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("site packs: %w", err)
	}
	sort.Strings(names)
	var out []*rule
	for _, name := range names {
		data, err := packFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("site pack %s: %w", name, err)
		}
		var r config.Rule
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("site pack %s: %w", name, err)
		}
		cr, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("site pack %s: %w", name, err)
		}
		out = append(out, cr)
	}
	return out, nil
}

// PackNames returns the names of the built-in site packs, which sources can
// name in their rules.
func PackNames() []string {
	packs, err := loadPacks()
	if err != nil {
		return nil
	}
	names := make([]string, len(packs))
	for i, p := range packs {
		names[i] = p.name
	}
	return names
}
