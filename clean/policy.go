package clean

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// The final policy: the allowlist (allowlist.go), applied on the tree
// instead of on its rendering. Elements it does not allow are unwrapped
// (their content kept), except those whose content is not meant to be
// read, which go with it; allowed attributes are kept when their values
// pass the checks below, every other attribute goes; URLs must parse and be
// relative or http, https, mailto or base64 data: images; an element that
// needs attributes and has none left is unwrapped.

// A valueCheck accepts or rejects an attribute's value; nil accepts any.
type valueCheck func(string) bool

// The value checks of UGCPolicy: bluemonday's regular expressions (its
// helpers and policies).
var (
	cellAlign            = regexp.MustCompile(`(?i)^(center|justify|left|right|char)$`).MatchString
	cellVerticalAlign    = regexp.MustCompile(`(?i)^(baseline|bottom|middle|top)$`).MatchString
	direction            = regexp.MustCompile(`(?i)^(rtl|ltr)$`).MatchString
	imageAlign           = regexp.MustCompile(`(?i)^(left|right|top|texttop|middle|absmiddle|baseline|bottom|absbottom)$`).MatchString
	integer              = regexp.MustCompile(`^[0-9]+$`).MatchString
	iso8601              = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}(-[0-9]{2}([ T][0-9]{2}(:[0-9]{2}){1,2}(.[0-9]{1,6})?Z?([\+-][0-9]{2}:[0-9]{2})?)?)?)?$`).MatchString
	listType             = regexp.MustCompile(`(?i)^(circle|disc|square|a|A|i|I|1)$`).MatchString
	spaceSeparatedTokens = regexp.MustCompile(`^([\s\p{L}\p{N}_-]+)$`).MatchString
	number               = regexp.MustCompile(`^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$`).MatchString
	numberOrPercent      = regexp.MustCompile(`^[0-9]+[%]?$`).MatchString
	paragraph            = regexp.MustCompile(`^[\p{L}\p{N}\s\-_',\[\]!\./\\\(\)]*$`).MatchString
	detailsOpen          = regexp.MustCompile(`(?i)^(|open)$`).MatchString
	mapName              = regexp.MustCompile(`^([\p{L}\p{N}_-]+)$`).MatchString
	areaCoords           = regexp.MustCompile(`^([0-9]+,)+[0-9]+$`).MatchString
	areaShape            = regexp.MustCompile(`(?i)^(default|circle|rect|poly)$`).MatchString
	useMap               = regexp.MustCompile(`(?i)^#[\p{L}\p{N}_-]+$`).MatchString
	cellScope            = regexp.MustCompile(`(?i)(?:row|col)(?:group)?`).MatchString
	langCode             = regexp.MustCompile(`[a-zA-Z]{2,20}`).MatchString
	idValue              = regexp.MustCompile(`[a-zA-Z0-9\:\-_\.]+`).MatchString
	iframeSrc            = allowedIframe.MatchString

	dataImagePrefix  = regexp.MustCompile(`^image/(gif|jpeg|png|svg\+xml|webp);base64,`)
	dataBase64Prefix = regexp.MustCompile(`^data:[^,]*;base64,`)
)

// anyValue marks an attribute allowed with any value.
var anyValue valueCheck

// applyPolicy applies the final policy to the tree under root (not to
// root itself).
func applyPolicy(root *html.Node) {
	for c := root.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.TextNode:
		case html.ElementNode:
			e := allowlist[c.Data]
			if !e.allowed() && e.drop != keepContent {
				root.RemoveChild(c)
				break
			}
			applyPolicy(c)
			if e.allowed() {
				c.Attr = e.filter(c.Attr)
				if len(c.Attr) > 0 || e.bare {
					if c.Data == "iframe" {
						// Its raw text is no content: browsers do
						// not show it (sanitize dropped it already).
						for c.FirstChild != nil {
							c.RemoveChild(c.FirstChild)
						}
					}
					break
				}
			}
			// Unwrapped: its children, already cleaned, take its place.
			for c.FirstChild != nil {
				ch := c.FirstChild
				c.RemoveChild(ch)
				root.InsertBefore(ch, c)
			}
			root.RemoveChild(c)
		default:
			root.RemoveChild(c)
		}
		c = next
	}
}

// filter returns the attributes the policy keeps of attrs, in place.
func (e elementRule) filter(attrs []html.Attribute) []html.Attribute {
	kept := attrs[:0]
	for _, a := range attrs {
		if a.Namespace != "" || !e.allows(a) {
			continue
		}
		if a.Key == e.url {
			u, ok := validURL(a.Val)
			if !ok {
				continue
			}
			a.Val = u
		}
		kept = append(kept, a)
	}
	// Leave no references to removed values in the spare capacity.
	clear(attrs[len(kept):])
	return kept
}

// allows reports whether the element's checks or the global ones accept
// attribute a.
func (e elementRule) allows(a html.Attribute) bool {
	if check, ok := e.attrs[a.Key]; ok && (check == nil || check(a.Val)) {
		return true
	}
	check, ok := globalAttrs[a.Key]
	return ok && check(a.Val)
}

// validURL returns the URL in v as the policy writes it (as net/url
// prints it), and whether the policy allows it: it must parse, and be
// relative or an http, https or mailto URL or a data: URL of a base64
// image.
func validURL(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, " \t\n") {
		if !strings.HasPrefix(v, "data:") {
			return "", false
		}
		if m := dataBase64Prefix.FindString(v); m != "" {
			v = m + strings.NewReplacer("\r", "", "\n", "").Replace(v[len(m):])
		}
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "http", "https", "mailto":
	case "data":
		if !dataImage(u) {
			return "", false
		}
	case "":
		// A relative URL.
	default:
		return "", false
	}
	s := u.String()
	return s, s != ""
}

// dataImage reports whether a data: URL holds a base64 image of a common
// web format.
func dataImage(u *url.URL) bool {
	if u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	m := dataImagePrefix.FindString(u.Opaque)
	if m == "" {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(u.Opaque[len(m):])
	return err == nil
}
