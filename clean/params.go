package clean

import (
	"net/url"
	"strings"
)

// trackingParams are query (and fragment) parameters that only identify a
// campaign, a click or a reader. Names ending in "*" are prefixes; a name
// written "name@host" applies only to links to that host and its
// subdomains ("host.*": under any public suffix). Facts from ClearURLs'
// global and per-site rules and Neat-URL's categories (../shared/trackers),
// and the vendors' documentation of the campaign parameters, checked one by
// one: generic names that sites also use for content ("ref", "source",
// "id", "page", "cmp", "campaign", "siteId", ...) are left alone, or only
// removed on the site where they are known to track.
var trackingParams = []string{
	// Google Analytics and Ads.
	"utm_*", "ga_*", "_ga", "_gl", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "gad_source", "srsltid", "gs_l",
	// Matomo / Piwik campaigns (also in the fragment, see filterFragment).
	"mtm_*", "pk_*", "piwik_*", "matomo_*",
	// Social networks' click identifiers.
	"fbclid", "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
	"action_object_map", "action_ref_map", "action_type_map",
	"msclkid", "yclid", "_openstat", "twclid", "__twitter_impression", "ttclid", "igshid", "igsh", "li_fat_id",
	// Newsletter and marketing automation.
	"mc_cid", "mc_eid", "mc_tc", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
	"mkt_tok", "oly_anon_id", "oly_enc_id", "rb_clickid", "vero_conv", "vero_id",
	"ml_subscriber", "ml_subscriber_hash", "wickedid", "elqtrack", "elqtrackid",
	"spmailingid", "spuserid", "spjobid", "spreportid", "nr_email_referer", "__s", "os_ehash",
	// Web analytics suites: Webtrekk/Mapp (heise, Zeit), Adobe, AT Internet,
	// comScore, Parse.ly.
	"wt_mc", "wt_zmc", "wt.mc_id", "wt_mc_id", "wtrid",
	"s_cid", "sc_cid", "sc_campaign", "sc_channel", "sc_content", "sc_country", "sc_geo", "sc_medium", "sc_outcome",
	"xtor", "at_medium", "at_campaign", "at_custom*", "at_creation", "at_variant", "at_send_date",
	"at_recipient_id", "at_recipient_list", "at_link", "at_platform", "at_format",
	"ns_*", "itm_source", "itm_medium", "itm_campaign", "itm_content", "itm_term",
	// Other campaign schemes.
	"hmb_campaign", "hmb_medium", "hmb_source", "soc_src", "soc_trk", "tt_medium", "tt_content",
	"trk", "trkcampaign", "ncid", "cmpid", "mbid", "sr_share", "ocid", "spm", "dpg_*", "stm_*", "otm_*",
	"guce_referrer", "guce_referrer_sig", "echobox", "tracking_source", "ceneo_spo", "vn_*",
	// Per site.
	"cmp@theguardian.com", "source@medium.com", "_branch_match_id@medium.com",
	"si@youtube.com", "si@youtu.be", "feature@youtu.be", "si@open.spotify.com", "context@open.spotify.com",
	"ref_src@twitter.com", "ref_url@twitter.com", "s@twitter.com", "t@twitter.com",
	"ref_src@x.com", "ref_url@x.com", "s@x.com", "t@x.com",
	"__tn__@facebook.com", "hc_ref@facebook.com", "fref@facebook.com", "refsrc@facebook.com", "mibextid@facebook.com",
	"trkemail@linkedin.com", "lipi@linkedin.com", "midtoken@linkedin.com", "midsig@linkedin.com",
	"pd_rd_*@amazon.*", "pf_rd_*@amazon.*", "guccounter@yahoo.com",
}

// builtinParams is the matcher of trackingParams, read-only.
var builtinParams = newParamMatcher(trackingParams)

// paramMatcher tells tracking parameter names.
type paramMatcher struct {
	exact    map[string]bool
	prefixes []string
	scoped   []scopedParam
}

// A scopedParam is a tracking parameter of one site.
type scopedParam struct {
	name   string // a prefix when it ends with "*"
	domain string // "host" or "host.*"
}

func newParamMatcher(names []string) paramMatcher {
	m := paramMatcher{exact: map[string]bool{}}
	for _, n := range names {
		n = strings.ToLower(n)
		if name, host, ok := strings.Cut(n, "@"); ok {
			m.scoped = append(m.scoped, scopedParam{name, host})
			continue
		}
		if p, ok := strings.CutSuffix(n, "*"); ok {
			m.prefixes = append(m.prefixes, p)
		} else {
			m.exact[n] = true
		}
	}
	return m
}

// match reports whether name is a tracking parameter in a URL on host.
func (m paramMatcher) match(name, host string) bool {
	name = strings.ToLower(name)
	if dec, err := url.QueryUnescape(name); err == nil {
		name = dec
	}
	if m.exact[name] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, s := range m.scoped {
		if p, ok := strings.CutSuffix(s.name, "*"); ok && strings.HasPrefix(name, p) || s.name == name {
			if domainIn(host, []string{s.domain}) {
				return true
			}
		}
	}
	return false
}

// strip removes tracking parameters from raw's query and fragment and
// returns the new URL and the removed parameters. Everything else of the
// URL, including the order and encoding of the remaining parameters, stays
// as it was.
func (m paramMatcher) strip(raw string) (string, []string) {
	if strings.IndexByte(raw, '?') < 0 && strings.IndexByte(raw, '#') < 0 {
		// No parameters.
		return raw, nil
	}
	host := strings.ToLower(hostOf(raw))
	base, frag, hasFrag := strings.Cut(raw, "#")
	path, query, hasQuery := strings.Cut(base, "?")
	var removed []string
	if hasQuery {
		n := len(removed)
		query, removed = m.filter(query, host, removed)
		if len(removed) > n {
			base = path
			if query != "" {
				base += "?" + query
			}
		}
	}
	if hasFrag {
		frag, removed = m.filterFragment(frag, host, removed)
		if frag != "" {
			return base + "#" + frag, removed
		}
		return base, removed
	}
	return base, removed
}

// filter drops tracking parameters from an &-separated list.
func (m paramMatcher) filter(list, host string, removed []string) (string, []string) {
	parts := strings.Split(list, "&")
	kept := parts[:0]
	for _, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if name != "" && m.match(name, host) {
			removed = append(removed, p)
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&"), removed
}

// filterFragment drops tracking parameters from a fragment: a plain
// "#pk_campaign=x&pk_kwd=y" list, or Matomo's "#matomo:pk_campaign=..."
// form. A fragment that is an ordinary anchor stays.
func (m paramMatcher) filterFragment(frag, host string, removed []string) (string, []string) {
	prefix := ""
	body := frag
	for _, p := range []string{"matomo:", "piwik:"} {
		if strings.HasPrefix(strings.ToLower(frag), p) {
			prefix, body = frag[:len(p)], frag[len(p):]
		}
	}
	if !strings.Contains(body, "=") {
		if m.match(body, host) {
			return "", append(removed, frag)
		}
		return frag, removed
	}
	n := len(removed)
	body, removed = m.filter(body, host, removed)
	if len(removed) == n {
		return frag, removed
	}
	if body == "" {
		return "", removed
	}
	return prefix + body, removed
}
