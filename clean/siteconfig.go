package clean

import (
	"crypto/sha256"
	"encoding/hex"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/siteconfig"
)

// RuleSiteConfig is the rule of the removals that a site config's strip,
// strip_id_or_class and strip_image_src lines make in an item; the
// removal's Detail names the file, the line and the directive.
const RuleSiteConfig = "site-config"

// setSiteConfigs makes the cleaner apply the strip rules of sites to the
// items whose link is on a site of theirs, and adds them to its
// fingerprint.
func (c *Cleaner) setSiteConfigs(sites *siteconfig.Set) {
	if sites == nil || sites.Len() == 0 {
		return
	}
	c.sites = sites
	sum := sha256.Sum256([]byte(c.fp + "\x00site configs\x00" + sites.Digest()))
	c.fp = hex.EncodeToString(sum[:16])
}

// siteStrip applies the strip rules of the site config of host (its own
// file, not global.txt) to the tree of an item's field. A rule whose
// matches hold most of the field's text is skipped: written for the
// site's pages, it may select the whole article in a feed.
func (c *Cleaner) siteStrip(root *html.Node, host, field string) []Removal {
	sc := c.sites.Lookup(host)
	if !sc.HasStrip() {
		return nil
	}
	return SiteConfigRemovals(sc.StripContent(root), field)
}

// SiteConfigRemovals returns what a site config stripped from an item's
// field (or, with FieldPage, from its article's page) as removals.
func SiteConfigRemovals(stripped []siteconfig.Stripped, field string) []Removal {
	var out []Removal
	for _, s := range stripped {
		text := describe(s.Node)
		if s.Attr != "" {
			text = "<" + s.Node.Data + " " + s.Attr + ">"
		}
		detail := s.Pos.String() + ": " + s.Directive + ": " + s.Rule
		if s.File == "" {
			detail = "what FiveFilters strips from every page: " + s.Rule
		}
		out = append(out, Removal{Rule: RuleSiteConfig, Field: field, Text: text, Detail: detail})
	}
	return out
}
