// Package xsscheck tells whether text that refeed publishes could run
// script in a reader: the checks of the unsafe-content tests and fuzz
// targets, and the hostile vectors they feed refeed with.
//
// It judges output the way a browser or feed reader would read it: HTML is
// parsed with golang.org/x/net/html (with scripting on, as in a browser,
// and off, as in readers without script support, since <noscript> reads
// differently) and walked; URLs are normalized as browsers do before
// their scheme is looked at (control characters and white space removed,
// entities decoded, lower case).
package xsscheck

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// forbidden are the elements no published HTML may hold: they run script,
// load active content, submit data, change how the page is read (base,
// meta, link) or bring foreign content (svg, math) with its own rules.
var forbidden = map[string]bool{
	"script": true, "object": true, "embed": true, "applet": true, "form": true,
	"base": true, "meta": true, "link": true, "svg": true, "math": true,
	"style": true, "frame": true, "frameset": true, "template": true,
	"isindex": true, "iframe": true, "input": true, "button": true,
	"textarea": true, "select": true, "keygen": true, "bgsound": true,
	"noembed": true, "noframes": true, "xmp": true, "plaintext": true,
	"portal": true, "xml": true, "import": true,
}

// embeds are the elements that load, play or link anything: harmless in
// cleaned HTML, never in plain text.
var embeds = map[string]bool{
	"img": true, "image": true, "picture": true, "source": true, "video": true, "audio": true,
	"track": true, "iframe": true, "a": true, "area": true, "map": true, "marquee": true,
	"noscript": true, "title": true, "param": true,
}

// playerPrefixes are the video and audio players whose iframes may stay.
var playerPrefixes = []string{
	"https://www.youtube.com/embed/", "https://youtube.com/embed/",
	"https://www.youtube-nocookie.com/embed/", "https://youtube-nocookie.com/embed/",
	"https://player.vimeo.com/video/", "https://w.soundcloud.com/player/",
	"https://open.spotify.com/embed/", "https://www.dailymotion.com/embed/",
	"https://player.podigee.io/",
}

// urlAttrs are the attributes whose value a browser loads or follows.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "poster": true,
	"data": true, "background": true, "cite": true, "codebase": true, "dynsrc": true,
	"lowsrc": true, "longdesc": true, "usemap": true, "ping": true, "manifest": true,
	"profile": true, "classid": true, "archive": true, "icon": true, "xmlns": true,
	"to": true, "from": true, "values": true, "by": true,
}

// HTML returns the problems of s, an HTML fragment a reader would render:
// forbidden elements, foreign (SVG, MathML) content, event handler and
// style attributes, srcdoc, and URLs with a script scheme (javascript:,
// vbscript:, livescript:) or a data: URL other than a raster image in an
// image source. It returns nil for safe HTML.
func HTML(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, scripting := range []bool{true, false} {
		body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
		nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), body, html.ParseOptionEnableScripting(scripting))
		if err != nil {
			add("does not parse: " + err.Error())
			continue
		}
		for _, n := range nodes {
			walk(n, add)
		}
	}
	// As a document too: a fragment drops <html>, <body> and <frameset>
	// tags, whose attributes a page would take on.
	if doc, err := html.Parse(strings.NewReader(s)); err == nil {
		walk(doc, add)
	}
	return out
}

func walk(n *html.Node, add func(string)) {
	if n.Type == html.ElementNode {
		name := strings.ToLower(n.Data)
		switch {
		case n.Namespace != "":
			add(fmt.Sprintf("<%s:%s>: foreign content", n.Namespace, name))
		case name == "iframe" && player(n):
		case forbidden[name]:
			add(fmt.Sprintf("<%s>: forbidden element", name))
		}
		for _, a := range n.Attr {
			if p := attrProblem(n, a); p != "" {
				add(fmt.Sprintf("<%s %s=%q>: %s", name, attrName(a), a.Val, p))
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, add)
	}
}

func attrName(a html.Attribute) string {
	if a.Namespace != "" {
		return a.Namespace + ":" + a.Key
	}
	return a.Key
}

// player reports whether n is an iframe of an allowed player, without
// srcdoc.
func player(n *html.Node) bool {
	src, ok := "", false
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "src":
			src = a.Val
		case "srcdoc":
			return false
		}
	}
	for _, p := range playerPrefixes {
		if strings.HasPrefix(src, p) {
			ok = true
		}
	}
	return ok
}

func attrProblem(n *html.Node, a html.Attribute) string {
	key := strings.ToLower(a.Key)
	if i := strings.LastIndexByte(key, ':'); i >= 0 {
		key = key[i+1:] // xlink:href as the tokenizer leaves it outside foreign content
	}
	switch {
	case strings.HasPrefix(key, "on"):
		return "event handler"
	case key == "style":
		return "style attribute"
	case key == "srcdoc":
		return "srcdoc"
	case key == "http-equiv":
		return "http-equiv"
	case key == "srcset" || key == "imagesrcset":
		for _, u := range srcsetURLs(a.Val) {
			if unsafeURL(u, true) {
				return "script or data URL"
			}
		}
	case urlAttrs[key]:
		image := key == "src" && (n.DataAtom == atom.Img || n.DataAtom == atom.Source)
		if unsafeURL(a.Val, image) {
			return "script or data URL"
		}
	default:
		// Any other attribute holding a script URL is suspect too (a
		// reader's own scripts may follow data-* URLs).
		if ScriptURL(a.Val) && strings.HasPrefix(key, "data-") {
			return "script URL"
		}
	}
	return ""
}

// srcsetURLs returns the URLs of a srcset attribute: each runs to white
// space, and a comma ends it only at its end; descriptors run to a comma.
func srcsetURLs(set string) []string {
	var out []string
	url := true // the next token starts an image candidate
	for _, tok := range strings.Fields(set) {
		if url {
			tok = strings.TrimLeft(tok, ",")
			if tok == "" {
				continue
			}
			out = append(out, strings.TrimRight(tok, ","))
			url = strings.HasSuffix(tok, ",")
			continue
		}
		if i := strings.IndexByte(tok, ','); i >= 0 {
			url = true
			if rest := strings.TrimLeft(tok[i:], ","); rest != "" {
				out = append(out, strings.TrimRight(rest, ","))
				url = strings.HasSuffix(rest, ",")
			}
		}
	}
	return out
}

// normalize returns v as a browser reads a URL's scheme: entities decoded
// (twice, for double encoding), white space and control characters
// removed, in lower case.
func normalize(v string) string {
	v = html.UnescapeString(html.UnescapeString(v))
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u00a0' || r == '\ufeff' || r == '\u200b' {
			return -1
		}
		return r
	}, v))
}

// ScriptURL reports whether v, normalized, is a URL that runs script:
// javascript:, vbscript: or livescript:.
func ScriptURL(v string) bool {
	v = normalize(v)
	for _, s := range []string{"javascript:", "vbscript:", "livescript:", "mocha:"} {
		if strings.HasPrefix(v, s) {
			return true
		}
	}
	return false
}

// unsafeURL reports whether v is a script URL, or a data: URL other than
// a raster image where an image is allowed.
func unsafeURL(v string, image bool) bool {
	if ScriptURL(v) {
		return true
	}
	n := normalize(v)
	if !strings.HasPrefix(n, "data:") {
		return false
	}
	if !image {
		return true
	}
	for _, t := range []string{"data:image/png", "data:image/gif", "data:image/jpeg", "data:image/jpg", "data:image/webp", "data:image/avif", "data:image/bmp"} {
		if strings.HasPrefix(n, t) {
			return false
		}
	}
	return true
}

// Text returns the problems of s, a string published as plain text (a
// title, an author's name, a category), as a careless reader that takes
// it for HTML would read it: any element with attributes, any forbidden
// element, and any that embeds or links (img, a, iframe, video, ...).
// A tag named in text ("History of the <blink> tag") makes a harmless
// element, which refeed keeps as feedparser does; a tag whose name is
// not letters, digits and hyphens is a problem too.
func Text(s string) []string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var out []string
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && (len(n.Attr) > 0 || forbidden[n.Data] || embeds[n.Data] || n.Namespace != "" || !plainName(n.Data)) {
			out = append(out, fmt.Sprintf("<%s> in plain text %q", n.Data, s))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	for _, n := range nodes {
		find(n)
	}
	return out
}

// plainName reports whether name is a tag name a text would mention:
// letters, digits and hyphens ("<scr<script>" is a trick, not a name).
func plainName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	})
}

// Link returns the problem of a published link (an item's link, an
// enclosure's URL): it must be empty or an absolute http or https URL,
// without white space, quotes or angle brackets (which a reader careless
// with links would let end an attribute or a tag).
func Link(s string) []string {
	if s == "" {
		return nil
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("\"<>`", r) }) {
		return []string{fmt.Sprintf("link %q: white space, control characters, quotes or angle brackets", s)}
	}
	u, err := url.Parse(s)
	if err != nil {
		return []string{fmt.Sprintf("link %q: %v", s, err)}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []string{fmt.Sprintf("link %q: not an absolute http(s) URL", s)}
	}
	if ScriptURL(s) {
		return []string{fmt.Sprintf("link %q: script URL", s)}
	}
	return nil
}
