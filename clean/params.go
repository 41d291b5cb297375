package clean

import (
	"net/url"
	"strings"
)

// trackingParams are query (and fragment) parameters that only identify a
// campaign, a click or a reader. Names ending in "*" are prefixes. Facts
// from ClearURLs' global rules and Neat-URL's categories (see
// ../shared/trackers), checked one by one: generic names such as "ref" or
// "source" are left alone because sites use them for content.
var trackingParams = []string{
	"utm_*", "mtm_*", "pk_*", "piwik_*", "matomo_*", "ga_*", "_ga", "_gl",
	"fbclid", "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
	"gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
	"mc_cid", "mc_eid", "mc_tc",
	"wt_mc", "wt_zmc", "wt.mc_id", "wt_mc_id",
	"_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
	"mkt_tok", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "sc_cid",
	"vero_conv", "vero_id", "_openstat", "igshid", "srsltid", "spm",
	"at_medium", "at_campaign", "at_custom*", "at_source", "xtor",
	"ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
	"itm_source", "itm_medium", "itm_campaign", "itm_content", "itm_term",
	"hmb_campaign", "hmb_medium", "hmb_source",
	"soc_src", "soc_trk", "tt_medium", "tt_content",
	"trk", "trkcampaign", "ncid", "cmpid", "sr_share", "ocid", "__twitter_impression",
	"ml_subscriber", "ml_subscriber_hash", "wickedid", "dpg_*", "stm_*", "otm_*",
	"elqtrack", "elqtrackid", "spmailingid", "spuserid", "spjobid", "spreportid",
	"nr_email_referer", "cmp", "mbid", "feature_source", "guce_referrer", "guce_referrer_sig",
}

// paramMatcher tells tracking parameter names.
type paramMatcher struct {
	exact    map[string]bool
	prefixes []string
}

func newParamMatcher(names []string) paramMatcher {
	m := paramMatcher{exact: map[string]bool{}}
	for _, n := range names {
		n = strings.ToLower(n)
		if p, ok := strings.CutSuffix(n, "*"); ok {
			m.prefixes = append(m.prefixes, p)
		} else {
			m.exact[n] = true
		}
	}
	return m
}

func (m paramMatcher) match(name string) bool {
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
	return false
}

// strip removes tracking parameters from raw's query and fragment and
// returns the new URL and the removed parameters. Everything else of the
// URL, including the order and encoding of the remaining parameters, stays
// as it was.
func (m paramMatcher) strip(raw string) (string, []string) {
	base, frag, hasFrag := strings.Cut(raw, "#")
	path, query, hasQuery := strings.Cut(base, "?")
	var removed []string
	if hasQuery {
		n := len(removed)
		query, removed = m.filter(query, removed)
		if len(removed) > n {
			base = path
			if query != "" {
				base += "?" + query
			}
		}
	}
	if hasFrag {
		frag, removed = m.filterFragment(frag, removed)
		if frag != "" {
			return base + "#" + frag, removed
		}
		return base, removed
	}
	return base, removed
}

// filter drops tracking parameters from an &-separated list.
func (m paramMatcher) filter(list string, removed []string) (string, []string) {
	parts := strings.Split(list, "&")
	kept := parts[:0]
	for _, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if name != "" && m.match(name) {
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
func (m paramMatcher) filterFragment(frag string, removed []string) (string, []string) {
	prefix := ""
	body := frag
	for _, p := range []string{"matomo:", "piwik:"} {
		if strings.HasPrefix(strings.ToLower(frag), p) {
			prefix, body = frag[:len(p)], frag[len(p):]
		}
	}
	if !strings.Contains(body, "=") {
		if m.match(body) {
			return "", append(removed, frag)
		}
		return frag, removed
	}
	n := len(removed)
	body, removed = m.filter(body, removed)
	if len(removed) == n {
		return frag, removed
	}
	if body == "" {
		return "", removed
	}
	return prefix + body, removed
}
