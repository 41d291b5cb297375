package clean

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// residue matches what is left of a tracking pixel when a text extractor
// flattened its <noscript> wrapper, as on the first line of
// ../shared/examples/taz-article-page.txt.
var residue = regexp.MustCompile(`(?i)^(?:piwik|matomo|ivw|vg ?wort)[ _-]*(?:no[ _-]?script)(?:[ _-]*(?:img|image|pixel|tracker|tracking))*$`)

// removeTrackers removes tracking pixels and elements pointing at tracking
// endpoints (the built-in list and the configured Adblock lists, judged
// from a page on pageHost), the <noscript> wrappers left empty by that,
// and flattened residue lines.
func (c *Cleaner) removeTrackers(root *html.Node, field, pageHost string) []Removal {
	var out []Removal
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; {
			next := ch.NextSibling
			if ch.Type == html.ElementNode {
				if why := c.trackerReason(ch, pageHost); why != "" {
					out = append(out, Removal{Rule: RuleTracker, Field: field, Text: describe(ch), Detail: why})
					n.RemoveChild(ch)
				} else {
					walk(ch)
					if ch.DataAtom == atom.Noscript && isBlank(ch) {
						out = append(out, Removal{Rule: RuleTracker, Field: field, Text: "<noscript>", Detail: "emptied by tracker removal"})
						n.RemoveChild(ch)
					}
				}
			}
			ch = next
		}
	}
	walk(root)
	if !mayHoldResidue(root) {
		return out
	}
	rm := removeLines(root, flatten(root), RuleTracker, field, residue)
	for i := range rm {
		rm[i].Detail = "tracking pixel residue"
	}
	return append(out, rm...)
}

// mayHoldResidue reports whether the text of the tree under root, as
// flatten reads it, may hold a line residue matches: one with "cript"
// ("noscript") and "piwi", "atomo", "ivw" or "wort", in any case. Most
// trees do not, and are spared the flattening.
func mayHoldResidue(root *html.Node) bool {
	if !textHas(root, "cript") {
		return false
	}
	for _, w := range []string{"piwi", "atomo", "ivw", "wort"} {
		if textHas(root, w) {
			return true
		}
	}
	return false
}

// textHas reports whether the text under root, as flatten reads it
// (across element boundaries), holds needle, ignoring ASCII case. The
// needle is lower-case ASCII letters, and no prefix of it ends with its
// first letter ("matomo" would not do), so that a mismatch can restart at
// the byte that failed.
func textHas(root *html.Node, needle string) bool {
	matched := 0
	first := needle[0]
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				d := c.Data
				for i := 0; i < len(d); i++ {
					// |0x20 lower-cases letters, and makes no other
					// byte a lower-case letter.
					b := d[i] | 0x20
					if b == needle[matched] {
						if matched++; matched == len(needle) {
							return true
						}
					} else if b == first {
						matched = 1
					} else {
						matched = 0
					}
				}
			case html.ElementNode:
				// flatten reads no text under these.
				if c.DataAtom != atom.Img && c.DataAtom != atom.Script && c.DataAtom != atom.Style && walk(c) {
					return true
				}
			}
		}
		return false
	}
	return walk(root)
}

// trackerReason returns why element n is a tracker (a tracking pixel, or
// an element embedding or only linking to a tracking endpoint), or "".
func (c *Cleaner) trackerReason(n *html.Node, pageHost string) string {
	var typ requestType
	key := "src"
	switch n.DataAtom {
	case atom.Img:
		if why := c.urlReason(attr(n, "src"), typeImage, pageHost); why != "" {
			return why
		}
		if isPixel(n) {
			return "0/1-pixel or hidden image"
		}
		return ""
	case atom.Iframe, atom.Frame:
		typ = typeSubdocument
	case atom.Script:
		typ = typeScript
	case atom.Embed:
		typ = typeObject
	case atom.Object:
		typ, key = typeObject, "data"
	case atom.Audio, atom.Video, atom.Track:
		typ = typeMedia
	case atom.Source:
		typ = typeMedia
		if n.Parent != nil && n.Parent.DataAtom == atom.Picture {
			typ = typeImage
		}
	case atom.Link:
		switch strings.ToLower(attr(n, "as")) {
		case "script":
			typ = typeScript
		case "image":
			typ = typeImage
		default:
			return ""
		}
		key = "href"
	case atom.A, atom.Area:
		// A link goes when it leads to a tracker and shows nothing but
		// trackers.
		if hasText(n) {
			return ""
		}
		if p := c.trackers.find(attr(n, "href")); p != "" && !c.hasRealImage(n, pageHost) {
			return "link to tracker " + p + " (" + builtinTrackersName + ")"
		}
		return ""
	default:
		return ""
	}
	return c.urlReason(attr(n, key), typ, pageHost)
}

// builtinTrackersName names the built-in list in removal details.
const builtinTrackersName = "trackers.txt"

// urlReason returns why a URL loaded as typ from a page on pageHost is a
// tracker, or "".
func (c *Cleaner) urlReason(raw string, typ requestType, pageHost string) string {
	if raw == "" {
		return ""
	}
	if p := c.trackers.find(raw); p != "" {
		return p + " (" + builtinTrackersName + ")"
	}
	if c.lists != nil {
		if r, ok := newRequest(raw, typ, pageHost); ok {
			if f := c.lists.match(r); f != nil {
				return f.origin
			}
		}
	}
	return ""
}

// isPixel reports whether an image is 0 or 1 pixel wide or high, or
// hidden, by its attributes or its style.
func isPixel(n *html.Node) bool {
	w, wok := pixels(attr(n, "width"))
	h, hok := pixels(attr(n, "height"))
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	for _, decl := range strings.Split(style, ";") {
		k, v, _ := strings.Cut(decl, ":")
		switch k {
		case "width", "max-width":
			if px, ok := pixels(v); ok {
				w, wok = px, true
			}
		case "height", "max-height":
			if px, ok := pixels(v); ok {
				h, hok = px, true
			}
		case "display":
			if v == "none" {
				return true
			}
		case "visibility":
			if v == "hidden" {
				return true
			}
		}
	}
	switch {
	case wok && hok:
		return w <= 1 || h <= 1
	case wok:
		return w <= 1
	case hok:
		return h <= 1
	}
	return false
}

// pixels reads a length such as "1", "1px" or "0.5px"; percentages and
// other units are not pixels.
func pixels(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "!important"), "px")
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

// hasRealImage reports whether n holds an image that is not a tracker.
func (c *Cleaner) hasRealImage(n *html.Node, pageHost string) bool {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type != html.ElementNode {
			continue
		}
		if ch.DataAtom == atom.Img && c.trackerReason(ch, pageHost) == "" {
			return true
		}
		if c.hasRealImage(ch, pageHost) {
			return true
		}
	}
	return false
}

// mediaElements count as content even without text.
var mediaElements = map[atom.Atom]bool{
	atom.Img: true, atom.Picture: true, atom.Video: true, atom.Audio: true,
	atom.Iframe: true, atom.Source: true, atom.Hr: true, atom.Table: true,
	atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Canvas: true,
}

func hasMedia(n *html.Node) bool {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == html.ElementNode && (mediaElements[ch.DataAtom] || hasMedia(ch)) {
			return true
		}
	}
	return false
}

// stripLinkParams removes tracking parameters from every link and image
// URL under root.
func (c *Cleaner) stripLinkParams(root *html.Node, field string) []Removal {
	var out []Removal
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != html.ElementNode {
				continue
			}
			for i, a := range ch.Attr {
				if a.Key != "href" && a.Key != "src" {
					continue
				}
				if clean, removed := c.params.strip(a.Val); len(removed) > 0 {
					ch.Attr[i].Val = clean
					out = append(out, Removal{Rule: RuleParams, Field: field, Text: strings.Join(removed, "&")})
				}
			}
			walk(ch)
		}
	}
	walk(root)
	return out
}

// emptyElements are removed when they hold neither text nor media.
var emptyElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Span: true, atom.Section: true, atom.Article: true,
	atom.Aside: true, atom.Header: true, atom.Footer: true, atom.Figure: true,
	atom.Figcaption: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Blockquote: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Strong: true, atom.Em: true, atom.B: true, atom.I: true, atom.A: true, atom.U: true,
	atom.Font: true, atom.Center: true, atom.Noscript: true, atom.Nav: true, atom.Main: true,
	atom.Small: true, atom.Dl: true, atom.Dd: true, atom.Dt: true,
}

// removeEmpty removes elements left without text or media, and line
// breaks at the start and end of the text and of its blocks.
func removeEmpty(root *html.Node, field string) []Removal {
	var out []Removal
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; {
			next := ch.NextSibling
			if ch.Type == html.ElementNode {
				walk(ch)
				if emptyElements[ch.DataAtom] && isBlank(ch) {
					// An inline element's white space separates words
					// (and is code in <pre>): it stays as text, and
					// unwrapping it removes nothing worth a record.
					if ws := rawText(ch); ws != "" && !isBlock(ch) {
						n.InsertBefore(&html.Node{Type: html.TextNode, Data: ws}, ch)
					} else {
						out = append(out, Removal{Rule: RuleEmpty, Field: field, Text: "<" + ch.Data + ">"})
					}
					n.RemoveChild(ch)
				}
			}
			ch = next
		}
		if n == root || isBlock(n) {
			trimBreaks(n)
		}
	}
	walk(root)
	return out
}

// rawText returns the text nodes under n as they are.
func rawText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.Type == html.ElementNode && c.DataAtom != atom.Script && c.DataAtom != atom.Style:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// isBlank reports whether n has no text (other than white space) and no
// media.
func isBlank(n *html.Node) bool {
	return !hasText(n) && !hasMedia(n)
}

// hasText reports whether n holds text other than white space (outside
// scripts and styles), stopping at the first.
func hasText(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode:
			if strings.TrimFunc(c.Data, unicode.IsSpace) != "" {
				return true
			}
		case c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style):
		case hasText(c):
			return true
		}
	}
	return false
}

// trimBreaks removes <br> (and white space between them) at the start and
// the end of n's children.
func trimBreaks(n *html.Node) {
	for _, first := range []bool{true, false} {
		for {
			ch := n.LastChild
			if first {
				ch = n.FirstChild
			}
			if ch == nil {
				break
			}
			if ch.Type == html.TextNode && strings.TrimSpace(ch.Data) == "" && n.FirstChild != n.LastChild {
				if next := siblingAfter(ch, first); next != nil && next.Type == html.ElementNode && next.DataAtom == atom.Br {
					n.RemoveChild(ch)
					continue
				}
				break
			}
			if ch.Type == html.ElementNode && ch.DataAtom == atom.Br {
				n.RemoveChild(ch)
				continue
			}
			break
		}
	}
}

func siblingAfter(n *html.Node, forward bool) *html.Node {
	if forward {
		return n.NextSibling
	}
	return n.PrevSibling
}
