package clean

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// sanitize removes the elements the allowlist drops (bySanitize) from the
// tree under root with their content, recording them, and makes URLs
// absolute against base. Attributes are left to the final policy, after
// trackers have been recognized by their style.
func sanitize(root *html.Node, base *url.URL, field string) []Removal {
	var out []Removal
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch c.Type {
			case html.CommentNode, html.DoctypeNode, html.RawNode:
				n.RemoveChild(c)
			case html.ElementNode:
				absolutize(c, base)
				out = append(out, dropUnsafeAttrs(c, field)...)
				if allowlist[c.Data].drop == bySanitize || c.Namespace != "" && c.DataAtom != atom.Img {
					if c.DataAtom == atom.Iframe && allowedIframe.MatchString(attr(c, "src")) {
						// A player is kept without its content: raw
						// text that browsers do not show, and that the
						// policy would escape once more at every pass.
						for c.FirstChild != nil {
							c.RemoveChild(c.FirstChild)
						}
						break
					}
					out = append(out, Removal{Rule: "sanitize", Field: field, Text: describe(c)})
					n.RemoveChild(c)
					break
				}
				walk(c)
			}
			c = next
		}
	}
	walk(root)
	return out
}

// dropUnsafeAttrs removes event handlers and script URLs from n.
func dropUnsafeAttrs(n *html.Node, field string) []Removal {
	var out []Removal
	kept := n.Attr[:0]
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if strings.HasPrefix(key, "on") || (urlAttrs[key] || key == "formaction" || key == "xlink:href") && unsafeURL(a.Val, n.DataAtom == atom.Img && key == "src") || key == "srcset" && unsafeSrcset(a.Val) {
			out = append(out, Removal{Rule: RuleSanitize, Field: field, Text: "<" + n.Data + " " + a.Key + "=\"" + Excerpt(a.Val, 60) + "\">"})
			continue
		}
		kept = append(kept, a)
	}
	n.Attr = kept
	return out
}

// unsafeURL reports whether a URL would run script: javascript: and
// vbscript: URLs, and data: URLs other than images where allowed. Case,
// white space and control characters are ignored, as browsers ignore some.
func unsafeURL(v string, imageOK bool) bool {
	v = strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, v))
	switch {
	case strings.HasPrefix(v, "javascript:"), strings.HasPrefix(v, "vbscript:"):
		return true
	case strings.HasPrefix(v, "data:"):
		return !imageOK || !strings.HasPrefix(v, "data:image/") || strings.HasPrefix(v, "data:image/svg")
	}
	return false
}

func absolutize(n *html.Node, base *url.URL) {
	for i, a := range n.Attr {
		switch {
		case urlAttrs[a.Key]:
			n.Attr[i].Val = resolve(base, a.Val)
		case a.Key == "srcset":
			n.Attr[i].Val = resolveSrcset(base, a.Val)
		}
	}
}

func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if base == nil || ref == "" || strings.HasPrefix(ref, "#") {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() {
		// An absolute URL stays as it is, and so does one that does not
		// parse.
		return ref
	}
	return base.ResolveReference(u).String()
}

func resolveSrcset(base *url.URL, set string) string {
	cands := parseSrcset(set)
	parts := make([]string, len(cands))
	for i, c := range cands {
		parts[i] = resolve(base, c.url)
		if c.desc != "" {
			parts[i] += " " + c.desc
		}
	}
	return strings.Join(parts, ", ")
}

// unsafeSrcset reports whether any image candidate of a srcset is a
// script or data: URL.
func unsafeSrcset(set string) bool {
	for _, c := range parseSrcset(set) {
		if unsafeURL(c.url, false) {
			return true
		}
	}
	return false
}

// A srcCandidate is one image of a srcset attribute.
type srcCandidate struct{ url, desc string }

// parseSrcset splits a srcset attribute into its image candidates as the
// HTML standard does: a URL runs to white space (and may hold commas,
// except at its end, which ends the candidate), its descriptors run to the
// next comma outside parentheses.
func parseSrcset(set string) []srcCandidate {
	var out []srcCandidate
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
	i := 0
	for {
		for i < len(set) && (isSpace(set[i]) || set[i] == ',') {
			i++
		}
		if i >= len(set) {
			return out
		}
		start := i
		for i < len(set) && !isSpace(set[i]) {
			i++
		}
		c := srcCandidate{url: set[start:i]}
		if trimmed := strings.TrimRight(c.url, ","); trimmed != c.url {
			c.url = trimmed
		} else {
			start, depth := i, 0
			for ; i < len(set) && (set[i] != ',' || depth > 0); i++ {
				switch set[i] {
				case '(':
					depth++
				case ')':
					depth = max(depth-1, 0)
				}
			}
			c.desc = strings.Join(strings.Fields(set[start:i]), " ")
		}
		out = append(out, c)
	}
}
