package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Fulltext configures the full text that sources with fulltext set read
// from their items' pages.
type Fulltext struct {
	// SiteConfigs is a directory of site configs in the FiveFilters
	// format (such as a copy of the public ftr-site-config set), absolute
	// after loading; empty for none. When the file leaves it out, it is
	// DefaultSiteConfigs under data_dir if that is a directory, else
	// empty.
	SiteConfigs string `yaml:"site_configs"`
}

// DefaultSiteConfigs is the folder of data_dir read for site configs when
// the file does not set fulltext.site_configs.
const DefaultSiteConfigs = "site_configs"

// setFulltextDefaults gives fulltext.site_configs its default: data_dir's
// DefaultSiteConfigs folder when it is there. An explicit empty value
// reads none.
func (d *decoder) setFulltextDefaults(c *Config) {
	if d.has("fulltext.site_configs") {
		return
	}
	dir := filepath.Join(c.DataDir, DefaultSiteConfigs)
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		c.Fulltext.SiteConfigs = dir
	}
}

// checkFulltext resolves fulltext.site_configs against the file's folder
// and checks that it is a directory that can be read.
func (d *decoder) checkFulltext(c *Config) {
	const path = "fulltext.site_configs"
	if !d.given(path) {
		return
	}
	c.Fulltext.SiteConfigs = resolvePath(c.Dir, c.Fulltext.SiteConfigs)
	if err := checkReadableDir(c.Fulltext.SiteConfigs); err != nil {
		d.invalid(path, "is not the path of a readable directory", "%v", err)
	}
}

// checkReadableDir reports why path is not a directory that can be read.
func checkReadableDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot read %s: %v", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", path)
	}
	if _, err := f.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("cannot read %s: %v", path, err)
	}
	return nil
}
