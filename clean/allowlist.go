package clean

import (
	"regexp"
)

// The sanitizer's whole allowlist, read by the first step of cleaning
// (sanitize: the elements removed with their content, the attributes
// holding URLs, made absolute and checked for script) and by the final
// policy (applyPolicy: the elements kept, their attributes with the checks
// of their values, the URL each element must hold a valid one in).
//
// It is bluemonday's UGCPolicy with refeed's additions (media elements,
// player iframes, data: images; no rel="nofollow"); bluemonday, running
// that policy on the rendering, is the oracle of the tests (policy_test.go).
// An element the table does not allow is unwrapped: its content stays.

// An elementRule is what the allowlist says of one element.
type elementRule struct {
	// attrs are the attributes the policy keeps, each with the check of
	// its value (nil accepts any), on top of globalAttrs.
	attrs map[string]valueCheck
	// bare elements are kept without attributes; the other allowed ones
	// (with attrs) are unwrapped when none is left.
	bare bool
	// url is the attribute in attrs holding a URL that must be valid
	// (validURL), or "".
	url string
	// drop says which step removes the element with its content.
	drop dropStep
}

// allowed reports whether the policy keeps the element.
func (e elementRule) allowed() bool { return e.attrs != nil || e.bare }

// A dropStep says which step of cleaning removes an element with its
// content.
type dropStep uint8

const (
	// keepContent: the element is kept (allowed) or unwrapped.
	keepContent dropStep = iota
	// bySanitize: the first step removes it, and records the removal:
	// scripts, styles, embedded objects, frames (but player iframes),
	// forms and their controls, foreign content, what belongs in a
	// document's head.
	bySanitize
	// byPolicy: the final policy removes it: content not meant to be read
	// (bluemonday's default), kept until then so that the trackers inside
	// a <noscript> are seen and recorded.
	byPolicy
)

// bareElement is an element kept without attributes of its own.
var bareElement = elementRule{bare: true}

// The attribute sets that several elements share.
var (
	listAttrs  = map[string]valueCheck{"type": listType}
	quoteAttrs = map[string]valueCheck{"cite": anyValue}
	editAttrs  = map[string]valueCheck{"cite": paragraph, "datetime": iso8601}
	colAttrs   = map[string]valueCheck{
		"align": cellAlign, "height": numberOrPercent, "width": numberOrPercent,
		"span": integer, "valign": cellVerticalAlign,
	}
	rowAttrs  = map[string]valueCheck{"align": cellAlign, "valign": cellVerticalAlign}
	cellAttrs = map[string]valueCheck{
		"abbr": paragraph, "align": cellAlign, "colspan": integer, "rowspan": integer,
		"headers": spaceSeparatedTokens, "height": numberOrPercent, "width": numberOrPercent,
		"scope": cellScope, "valign": cellVerticalAlign, "nowrap": anyValue,
	}
	dropped    = elementRule{drop: bySanitize}
	unreadable = elementRule{drop: byPolicy}
)

// allowlist is the table of elements, by name, read-only.
var allowlist = map[string]elementRule{
	// Sections, blocks and text, without attributes of their own.
	"article": bareElement, "aside": bareElement, "figure": bareElement, "section": bareElement,
	"summary": bareElement, "h1": bareElement, "h2": bareElement, "h3": bareElement,
	"h4": bareElement, "h5": bareElement, "h6": bareElement, "hgroup": bareElement,
	"br": bareElement, "div": bareElement, "hr": bareElement, "p": bareElement,
	"span": bareElement, "wbr": bareElement, "abbr": bareElement, "acronym": bareElement,
	"cite": bareElement, "code": bareElement, "dfn": bareElement, "em": bareElement,
	"figcaption": bareElement, "mark": bareElement, "s": bareElement, "samp": bareElement,
	"strong": bareElement, "sub": bareElement, "sup": bareElement, "var": bareElement,
	"b": bareElement, "i": bareElement, "pre": bareElement, "small": bareElement,
	"strike": bareElement, "tt": bareElement, "u": bareElement, "bdi": bareElement,
	"rp": bareElement, "rt": bareElement, "ruby": bareElement, "dl": bareElement,
	"dt": bareElement, "dd": bareElement, "caption": bareElement, "picture": bareElement,

	"details":    {attrs: map[string]valueCheck{"open": detailsOpen}, bare: true},
	"blockquote": {attrs: quoteAttrs, bare: true, url: "cite"},
	"q":          {attrs: quoteAttrs, bare: true, url: "cite"},
	"del":        {attrs: editAttrs, bare: true, url: "cite"},
	"ins":        {attrs: editAttrs, bare: true, url: "cite"},
	// UGCPolicy wants an ISO 8601 datetime; refeed's policy allows any.
	"time": {attrs: map[string]valueCheck{"datetime": anyValue}, bare: true},
	"bdo":  {attrs: map[string]valueCheck{"dir": direction}},
	"ol":   {attrs: listAttrs, bare: true},
	"ul":   {attrs: listAttrs, bare: true},
	"li":   {attrs: map[string]valueCheck{"type": listType, "value": integer}, bare: true},

	// Links and image maps.
	"a":   {attrs: map[string]valueCheck{"href": anyValue}, url: "href"},
	"map": {attrs: map[string]valueCheck{"name": mapName}},
	"area": {attrs: map[string]valueCheck{
		"alt": paragraph, "coords": areaCoords, "href": anyValue,
		"rel": spaceSeparatedTokens, "shape": areaShape,
	}, url: "href"},

	// Tables.
	"table": {attrs: map[string]valueCheck{
		"height": numberOrPercent, "width": numberOrPercent, "summary": paragraph,
	}, bare: true},
	"col":      {attrs: colAttrs, bare: true},
	"colgroup": {attrs: colAttrs, bare: true},
	"thead":    {attrs: rowAttrs, bare: true},
	"tbody":    {attrs: rowAttrs, bare: true},
	"tfoot":    {attrs: rowAttrs, bare: true},
	"tr":       {attrs: rowAttrs, bare: true},
	"td":       {attrs: cellAttrs, bare: true},
	"th":       {attrs: cellAttrs, bare: true},

	"meter": {attrs: map[string]valueCheck{
		"value": number, "min": number, "max": number, "low": number, "high": number, "optimum": number,
	}},
	"progress": {attrs: map[string]valueCheck{"value": number, "max": number}},

	// Media. bluemonday checks no URL of <source> (and no srcset, no
	// poster); sanitize has removed script and data: URLs from them.
	"img": {attrs: map[string]valueCheck{
		"usemap": useMap, "align": imageAlign, "alt": paragraph,
		"height": numberOrPercent, "width": numberOrPercent,
		"src": anyValue, "srcset": anyValue, "sizes": anyValue, "loading": anyValue,
	}, url: "src"},
	"source": {attrs: map[string]valueCheck{
		"src": anyValue, "srcset": anyValue, "sizes": anyValue, "type": anyValue, "media": anyValue,
	}},
	"video": {attrs: map[string]valueCheck{
		"src": anyValue, "poster": anyValue, "controls": anyValue, "width": anyValue,
		"height": anyValue, "preload": anyValue, "loop": anyValue, "muted": anyValue,
	}, bare: true, url: "src"},
	"audio": {attrs: map[string]valueCheck{
		"src": anyValue, "controls": anyValue, "preload": anyValue, "loop": anyValue,
	}, bare: true, url: "src"},
	// Players (allowedIframe) only: sanitize removes every other iframe.
	"iframe": {attrs: map[string]valueCheck{
		"src": iframeSrc, "width": anyValue, "height": anyValue, "allowfullscreen": anyValue, "title": anyValue,
	}, url: "src", drop: bySanitize},

	// Removed with their content by sanitize.
	"script": dropped, "style": dropped, "object": dropped, "embed": dropped,
	"applet": dropped, "param": dropped, "form": dropped, "input": dropped,
	"button": dropped, "textarea": dropped, "select": dropped, "link": dropped,
	"meta": dropped, "base": dropped, "head": dropped, "title": dropped,
	"frame": dropped, "frameset": dropped, "noembed": dropped, "noframes": dropped,
	"template": dropped, "svg": dropped, "math": dropped,

	// Removed with their content by the policy.
	"noscript": unreadable, "nostyle": unreadable,
}

// globalAttrs are allowed on every allowed element (UGCPolicy's
// AllowStandardAttributes), when the element's own check of the
// attribute, if any, fails.
var globalAttrs = map[string]valueCheck{
	"dir":   direction,
	"lang":  langCode,
	"id":    idValue,
	"title": paragraph,
}

// urlAttrs are the attributes holding URLs, on any element: sanitize makes
// them absolute, and removes them when they hold script (as it does
// formaction and xlink:href).
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true, "data": true, "action": true, "background": true}

// allowedIframe matches the URLs of the video and audio players whose
// iframes are kept.
var allowedIframe = regexp.MustCompile(`^https://(?:www\.)?(?:youtube\.com/embed/|youtube-nocookie\.com/embed/|player\.vimeo\.com/video/|w\.soundcloud\.com/player/|open\.spotify\.com/embed/|www\.dailymotion\.com/embed/|player\.podigee\.io/)`)
