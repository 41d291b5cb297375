package clean

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// The final policy: what bluemonday's UGCPolicy allows, with the
// additions refeed makes (media elements, player iframes, data: images;
// no rel="nofollow"), applied on the tree instead of on its rendering.
// Elements outside the policy are unwrapped (their content kept), except
// those whose content is not meant to be read, which go with it; allowed
// attributes are kept when their values pass the policy's checks, every
// other attribute goes; URLs must parse and be relative or http, https,
// mailto or base64 data: images; an element that needs attributes and
// has none left is unwrapped. bluemonday, running the same policy on the
// rendering, is the oracle of the tests (policy_test.go: the corpus, every
// element and attribute, fuzzing).

// A valueCheck accepts or rejects an attribute's value; nil accepts any.
type valueCheck func(string) bool

// An elementPolicy is what the policy allows of one element.
type elementPolicy struct {
	attrs map[string]valueCheck
	// bare elements are kept without attributes; the others are
	// unwrapped when none is left.
	bare bool
	// urlAttr is the attribute holding a URL that must be valid, or "".
	urlAttr string
}

// The value checks of UGCPolicy (bluemonday's helpers and policies): its
// regular expressions, or functions with the same meaning for the most
// used ones.
var (
	cellAlign            = regexp.MustCompile(`(?i)^(center|justify|left|right|char)$`).MatchString
	cellVerticalAlign    = regexp.MustCompile(`(?i)^(baseline|bottom|middle|top)$`).MatchString
	direction            = regexp.MustCompile(`(?i)^(rtl|ltr)$`).MatchString
	imageAlign           = regexp.MustCompile(`(?i)^(left|right|top|texttop|middle|absmiddle|baseline|bottom|absbottom)$`).MatchString
	integer              = isInteger
	iso8601              = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}(-[0-9]{2}([ T][0-9]{2}(:[0-9]{2}){1,2}(.[0-9]{1,6})?Z?([\+-][0-9]{2}:[0-9]{2})?)?)?)?$`).MatchString
	listType             = regexp.MustCompile(`(?i)^(circle|disc|square|a|A|i|I|1)$`).MatchString
	spaceSeparatedTokens = regexp.MustCompile(`^([\s\p{L}\p{N}_-]+)$`).MatchString
	number               = regexp.MustCompile(`^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$`).MatchString
	numberOrPercent      = isNumberOrPercent
	paragraph            = isParagraph
	detailsOpen          = regexp.MustCompile(`(?i)^(|open)$`).MatchString
	mapName              = regexp.MustCompile(`^([\p{L}\p{N}_-]+)$`).MatchString
	areaCoords           = regexp.MustCompile(`^([0-9]+,)+[0-9]+$`).MatchString
	areaShape            = regexp.MustCompile(`(?i)^(default|circle|rect|poly)$`).MatchString
	useMap               = regexp.MustCompile(`(?i)^#[\p{L}\p{N}_-]+$`).MatchString
	cellScope            = regexp.MustCompile(`(?i)(?:row|col)(?:group)?`).MatchString
	langCode             = hasTwoLetters
	idValue              = hasIDByte
	iframeSrc            = allowedIframe.MatchString

	dataImagePrefix  = regexp.MustCompile(`^image/(gif|jpeg|png|svg\+xml|webp);base64,`)
	dataBase64Prefix = regexp.MustCompile(`^data:[^,]*;base64,`)
)

// The most used checks, written out; TestValueChecks holds them to
// bluemonday's expressions.

// isInteger is ^[0-9]+$.
func isInteger(s string) bool {
	return s != "" && strings.TrimLeft(s, "0123456789") == ""
}

// isNumberOrPercent is ^[0-9]+[%]?$.
func isNumberOrPercent(s string) bool {
	return isInteger(strings.TrimSuffix(s, "%"))
}

// isParagraph is ^[\p{L}\p{N}\s\-_',\[\]!\./\\\(\)]*$: letters, numbers, ASCII
// white space and some punctuation.
func isParagraph(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if !paragraphASCII[r] {
				return false
			}
		} else if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}

// paragraphASCII are the ASCII characters isParagraph allows.
var paragraphASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.ContainsRune("\t\n\f\r -_',[]!./\\()", rune(c))
	}
	return t
}()

// hasTwoLetters is [a-zA-Z]{2,20}, unanchored: two ASCII letters in a row.
func hasTwoLetters(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; 'a' <= c && c <= 'z' {
			if run++; run == 2 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// hasIDByte is [a-zA-Z0-9\:\-_\.]+, unanchored: one such character.
func hasIDByte(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(":-_.", r)
	})
}

// anyValue marks an attribute allowed with any value.
var anyValue valueCheck

// globalAttrs are allowed on every allowed element (AllowStandardAttributes),
// when the element's own check of the attribute, if any, fails.
var globalAttrs = map[string]valueCheck{
	"dir":   direction,
	"lang":  langCode,
	"id":    idValue,
	"title": paragraph,
}

// policy is the final policy's elements, read-only.
var policy = newElementPolicies()

func newElementPolicies() map[string]*elementPolicy {
	p := map[string]*elementPolicy{}
	allow := func(attrs map[string]valueCheck, bare bool, names ...string) {
		for _, n := range names {
			p[n] = &elementPolicy{attrs: attrs, bare: bare}
		}
	}
	// Elements without attributes of their own.
	allow(nil, true, "article", "aside", "figure", "section", "summary",
		"h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "br", "div", "hr", "p", "span", "wbr",
		"abbr", "acronym", "cite", "code", "dfn", "em", "figcaption", "mark", "s", "samp",
		"strong", "sub", "sup", "var", "b", "i", "pre", "small", "strike", "tt", "u",
		"bdi", "rp", "rt", "ruby", "dl", "dt", "dd", "caption", "picture")
	allow(map[string]valueCheck{"open": detailsOpen}, true, "details")
	allow(map[string]valueCheck{"cite": anyValue}, true, "blockquote", "q")
	allow(map[string]valueCheck{"href": anyValue}, false, "a")
	allow(map[string]valueCheck{"name": mapName}, false, "map")
	allow(map[string]valueCheck{
		"alt": paragraph, "coords": areaCoords, "href": anyValue,
		"rel": spaceSeparatedTokens, "shape": areaShape,
	}, false, "area")
	allow(map[string]valueCheck{
		"usemap": useMap, "align": imageAlign, "alt": paragraph,
		"height": numberOrPercent, "width": numberOrPercent,
		"src": anyValue, "srcset": anyValue, "sizes": anyValue, "loading": anyValue,
	}, false, "img")
	// UGCPolicy wants an ISO 8601 datetime; refeed's policy allows any.
	allow(map[string]valueCheck{"datetime": anyValue}, true, "time")
	allow(map[string]valueCheck{"dir": direction}, false, "bdo")
	allow(map[string]valueCheck{"cite": paragraph, "datetime": iso8601}, true, "del", "ins")
	allow(map[string]valueCheck{"type": listType}, true, "ol", "ul")
	allow(map[string]valueCheck{"type": listType, "value": integer}, true, "li")
	allow(map[string]valueCheck{
		"height": numberOrPercent, "width": numberOrPercent, "summary": paragraph,
	}, true, "table")
	allow(map[string]valueCheck{
		"align": cellAlign, "height": numberOrPercent, "width": numberOrPercent,
		"span": integer, "valign": cellVerticalAlign,
	}, true, "col", "colgroup")
	allow(map[string]valueCheck{"align": cellAlign, "valign": cellVerticalAlign}, true, "thead", "tr", "tbody", "tfoot")
	allow(map[string]valueCheck{
		"abbr": paragraph, "align": cellAlign, "colspan": integer, "rowspan": integer,
		"headers": spaceSeparatedTokens, "height": numberOrPercent, "width": numberOrPercent,
		"scope": cellScope, "valign": cellVerticalAlign, "nowrap": anyValue,
	}, true, "td", "th")
	allow(map[string]valueCheck{
		"value": number, "min": number, "max": number, "low": number, "high": number, "optimum": number,
	}, false, "meter")
	allow(map[string]valueCheck{"value": number, "max": number}, false, "progress")
	// bluemonday checks no URL of <source> (and no srcset, no poster);
	// sanitize has removed script and data: URLs from them.
	allow(map[string]valueCheck{
		"src": anyValue, "srcset": anyValue, "sizes": anyValue, "type": anyValue, "media": anyValue,
	}, false, "source")
	allow(map[string]valueCheck{
		"src": anyValue, "poster": anyValue, "controls": anyValue, "width": anyValue,
		"height": anyValue, "preload": anyValue, "loop": anyValue, "muted": anyValue,
	}, true, "video")
	allow(map[string]valueCheck{
		"src": anyValue, "controls": anyValue, "preload": anyValue, "loop": anyValue,
	}, true, "audio")
	allow(map[string]valueCheck{
		"src": iframeSrc, "width": anyValue, "height": anyValue, "allowfullscreen": anyValue, "title": anyValue,
	}, false, "iframe")
	for _, e := range []struct {
		attr  string
		names []string
	}{
		{"href", []string{"a", "area"}},
		{"cite", []string{"blockquote", "del", "ins", "q"}},
		{"src", []string{"audio", "iframe", "img", "video"}},
	} {
		for _, n := range e.names {
			p[n].urlAttr = e.attr
		}
	}
	return p
}

// skipContent are the elements outside the policy that go with their
// content (bluemonday's default): frames, scripts, styles, titles and the
// fallbacks for scripts, frames and plugins, whose content is not text
// for the reader.
var skipContent = map[string]bool{
	"frame": true, "frameset": true, "iframe": true, "noembed": true, "noframes": true,
	"noscript": true, "nostyle": true, "object": true, "script": true, "style": true, "title": true,
}

// applyPolicy applies the final policy to the tree under root (not to
// root itself).
func applyPolicy(root *html.Node) {
	for c := root.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.TextNode:
		case html.ElementNode:
			ep := policy[c.Data]
			if ep == nil && skipContent[c.Data] {
				root.RemoveChild(c)
				break
			}
			applyPolicy(c)
			if ep != nil {
				c.Attr = ep.filter(c.Attr)
				if len(c.Attr) > 0 || ep.bare {
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
func (ep *elementPolicy) filter(attrs []html.Attribute) []html.Attribute {
	kept := attrs[:0]
	for _, a := range attrs {
		if a.Namespace != "" || !ep.allows(a) {
			continue
		}
		if a.Key == ep.urlAttr {
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
func (ep *elementPolicy) allows(a html.Attribute) bool {
	if check, ok := ep.attrs[a.Key]; ok && (check == nil || check(a.Val)) {
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
