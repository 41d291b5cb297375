package clean

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/plaintext"
)

// Rule names of the generic boilerplate families, as they appear in
// removals. Unlike the site packs, they apply to every item and page.
const (
	RuleCookie      = "boilerplate-cookie"       // cookie and consent notices
	RuleNewsletter  = "boilerplate-newsletter"   // newsletter sign-ups
	RuleTeaser      = "boilerplate-teaser"       // "Read more", "Lesen Sie auch", "Related" teasers and their lists
	RuleEmbed       = "boilerplate-embed"        // consent boxes of embedded content
	RuleComments    = "boilerplate-comments"     // comment counters and links
	RuleAffiliate   = "boilerplate-affiliate"    // affiliate-link notices
	RuleErrorReport = "boilerplate-error-report" // "Fehler entdeckt? ... Mail an ..."
	RuleBreadcrumb  = "boilerplate-breadcrumb"   // breadcrumbs and skip links
	RuleReadingTime = "boilerplate-reading-time" // "5 min read", "Lesezeit: 3 Min."
	RuleJavaScript  = "boilerplate-javascript"   // "please enable JavaScript"
	RuleAdLabel     = "boilerplate-ad-label"     // "Advertisement", "Anzeige" standing alone
	RuleShare       = "boilerplate-share"        // "Share this article", rows of network names
)

// A family is one kind of generic boilerplate: the lines (blocks, or
// lines of a block) that are all of it.
type family struct {
	name     string
	maxWords int            // lines of more words are never of the family
	lines    *regexp.Regexp // matches the lines of the family
	// Teaser labels ("Mehr zum Thema", "Read more:"): alone matches a
	// label alone on its line, which goes with the list of links that
	// follows it; titled matches a label followed by a title, which goes
	// when the title is a link (most of the line's text is links).
	alone, titled *regexp.Regexp
	// needs are words a line of the family holds one of (in lower
	// case); a line without any is not matched against the patterns.
	// Empty: every line is.
	needs []string
}

// compileFamily compiles a family's patterns, which are matched against
// a line's text with white space collapsed, in lower case, entirely
// (each is put between ^ and $).
func compileFamily(name string, maxWords int, needs, lines, labels []string) *family {
	f := &family{name: name, maxWords: maxWords, needs: needs}
	if len(lines) > 0 {
		f.lines = regexp.MustCompile(`^(?:` + strings.Join(lines, "|") + `)$`)
	}
	if len(labels) > 0 {
		l := `^[\[(]?(?:` + strings.Join(labels, "|") + `)`
		f.alone = regexp.MustCompile(l + punct + `[\])]?$`)
		f.titled = regexp.MustCompile(l + `\s*[:|»›]\s*[^\s:|»›]`)
	}
	return f
}

// punct is an optional run of closing punctuation after a label.
const punct = `\s*[:.…!?»›>|\-–—]*\s*`

var families = []*family{
	compileFamily(RuleCookie, 80, []string{"cookie"}, []string{
		`(?:we|we and our partners|this (?:web)?site|our (?:web)?site|this page) (?:use|uses|are using)\b.{0,60}\bcookies?\b.*`,
		`.*\bby (?:continuing|using|browsing|clicking)\b.{0,100}\byou (?:agree|accept|consent)\b.{0,100}\bcookies?\b.*`,
		`(?:accept|allow|reject|decline|manage)(?: all)? cookies(?:\W+(?:accept|allow|reject|decline|settings|preferences|manage|more info|read more|learn more|ok|okay))*\W*`,
		`cookie (?:settings|preferences|policy|consent|notice|banner)\W*`,
		`(?:wir|wir und unsere partner|diese (?:web)?seite|unsere (?:web)?seite|diese website|unsere website) (?:verwende[nt]|nutz(?:t|en)|setz(?:t|en)|benutz(?:t|en)|speicher(?:t|n))\b.{0,60}\bcookies?\b.*`,
		`.*\b(?:durch|mit|bei) (?:der |die |dem )?(?:weitere[n]? )?(?:nutzung|benutzung|besuch)\b.{0,100}\b(?:stimmen sie|erklären sie sich|akzeptieren sie|willigen sie)\b.{0,100}\bcookies?\b.*`,
		`.*\b(?:sind sie|bin ich|ich bin|erklären sie sich) (?:damit )?einverstanden\b.{0,100}\bcookies?\b.*`,
		`(?:alle )?cookies (?:akzeptieren|zulassen|ablehnen|erlauben)(?:\W+(?:akzeptieren|ablehnen|einstellungen|mehr erfahren|ok))*\W*`,
		`cookie-?(?:einstellungen|richtlinie|hinweis|banner)\W*`,
	}, nil),
	compileFamily(RuleNewsletter, 45, []string{"newsletter", "inbox", "mail"}, []string{
		`(?:(?:click|tap) here to |please )?(?:sign up|signup|subscribe|register|join)\b.*\b(?:newsletters?|inbox|e-?mail alerts?)\b.*`,
		`.*\b(?:sign up|subscribe)\b[^.!?]{0,60}\b(?:our|today|now|here|free)\b[^.!?]{0,80}\b(?:newsletters?|inbox)\b.*`,
		`get (?:the|our) .{0,100}\b(?:newsletters?|in your inbox|delivered to your inbox)\b.*`,
		`.*\b(?:delivered|straight|direct(?:ly)?) to your inbox\b.*`,
		`(?:jetzt |hier )?(?:(?:den|unseren|zum) |kostenlos(?:en)? |gratis )*newsletter(?: kostenlos| gratis)? (?:abonnieren|bestellen|anmelden|erhalten)\b.*`,
		`.*\bmelden sie sich\b.{0,80}\bnewsletter\b.*\ban\b.*`,
		`.*\b(?:abonnieren|bestellen) sie\b.{0,80}\bnewsletter\b.*`,
		`.*\bnewsletter\b.{0,100}\b(?:jetzt|hier|kostenlos) (?:abonnieren|anmelden|bestellen)\b.*`,
	}, nil),
	compileFamily(RuleTeaser, 30, []string{"read", "also", "more", "further", "related", "see", "you", "recommended", "don", "trending", "latest", "popular", "most", "top", "what", "lesen", "mehr", "auch", "das", "weitere", "verwandte", "ähnliche", "meistgelesen", "empfehlungen", "zum"}, nil, []string{
		`read more`, `read also`, `also read`, `read next`, `more reading`, `further reading`,
		`related(?: articles?| stories| posts?| coverage| content| news| links?| reading| topics?)?(?: from [^:]{1,40})?`,
		`see also`, `see more`, `more(?: on this(?: story| topic)?| stories| news| articles)?`,
		`more (?:great )?\S+ stories`, `more from \S+(?: \S+){0,3}`,
		`you (?:may|might) (?:also )?(?:like|enjoy|be interested in)`, `recommended(?: for you| stories| articles| reading)?`,
		`don(?:'|’)t miss`, `also on \S+`, `trending(?: now| stories)?`, `latest (?:news|stories|articles)`,
		`(?:most )?popular(?: now| stories| articles| this week)?`, `most read`, `top stories`, `what to read next`,
		`lesen sie (?:auch|dazu|mehr|weiter)(?: bei \S+)?`, `mehr zum thema(?: \S+){0,3}`, `mehr dazu`, `mehr (?:aus|zu) (?:dem |der )?(?:ressort|rubrik|thema)(?: \S+){0,3}`,
		`auch interessant`, `das könnte sie (?:auch )?interessieren`, `das könnte sie auch interessieren`, `weitere (?:artikel|beiträge|nachrichten|meldungen)(?: zum thema(?: \S+){0,3})?`,
		`verwandte (?:artikel|themen|beiträge)`, `ähnliche (?:artikel|beiträge)`, `meistgelesen(?:e artikel)?`, `empfehlungen(?: der redaktion)?`,
		`zum thema`, `weiterlesen`,
	}),
	compileFamily(RuleEmbed, 60, []string{"inhalt", "content", "embed", "video", "tweet", "post", "map"}, []string{
		`externen? inhalte? (?:anzeigen|laden|zulassen|aktivieren)\b.*`,
		`empfohlener redaktioneller inhalt\b.*`,
		`.*\ban dieser stelle finden sie (?:einen |einige )?(?:externen?|ergänzenden?) inhalte?\b.*`,
		`.*\bich bin damit einverstanden, dass mir externe inhalte angezeigt werden\b.*`,
		`.*\bum (?:diesen|den) (?:externen )?inhalt (?:zu sehen|anzuzeigen|zu laden)\b.*\b(?:zustimm\w*|einwillig\w*|akzeptier\w*|aktivier\w*|klick\w*)\b.*`,
		`externer inhalt(?: von \S+)?`,
		`(?:show|load|view|display|allow) (?:external|third[- ]party|embedded) content\b.*`,
		`.*\bthis (?:content|embed|video|post) (?:is|was) (?:hosted|provided|served) by (?:a )?third[- ]party\b.*`,
		`.*\b(?:to (?:view|see|display|load|watch) this (?:content|embed|video|post|tweet)|this (?:content|embed) (?:is not available|cannot be (?:shown|displayed)|is blocked))\b.*\b(?:accept|enable|allow|consent|cookies|privacy|preferences|settings)\b.*`,
		`(?:click|tap) (?:here )?to (?:load|show|view|display) (?:the )?(?:external |embedded )?(?:content|embed|video|tweet|map)\b.*`,
	}, nil),
	compileFamily(RuleComments, 12, []string{"comment", "kommentar", "repl", "respons", "antwort", "conversation", "discussion", "diskutier"}, []string{
		`\d*\s*(?:comments?|kommentare?|responses|replies|antworten)`,
		`(?:comments?|kommentare?) \(\d+\)`,
		`(?:post|leave|write|add|show|view|read|see) (?:a |your |all )?(?:\d+ )?comments?(?: \(\+\))?`,
		`(?:kommentare? (?:schreiben|anzeigen|lesen|verfassen|einblenden)|zu den kommentaren|jetzt kommentieren|kommentieren|diskutieren sie mit\W*)`,
		`join the (?:conversation|discussion)\W*`, `comments are closed\W*`,
		`(?:die )?kommentarfunktion (?:ist )?(?:geschlossen|deaktiviert)\W*`,
	}, nil),
	compileFamily(RuleAffiliate, 60, []string{"affiliate", "commission", "provision", "share of", "links"}, []string{
		`(?:\W*(?:disclosure|note|hinweis|transparenz|werbung|anzeige)\W*)?(?:this|the|our) (?:post|article|page|site|story|review|guide)\b.{0,40}\b(?:contains?|includes?|uses?|has)\b.{0,40}\baffiliate\b.*`,
		`.*\b(?:we|i|this (?:site|website|page|publication)) (?:may|might|will|can|could) (?:earn|receive|get|make)\b.{0,40}\b(?:commission|share of (?:sales|revenue)|compensation)\b.*`,
		`.*\bmay earn an affiliate commission\b.*`,
		`(?:\W*(?:hinweis|transparenz|werbung|anzeige)\W*)?(?:dieser|der|unser) (?:artikel|beitrag|text|ratgeber|test)\b.{0,40}\b(?:enthält|beinhaltet)\b.{0,40}\baffiliate.*`,
		`.*\b(?:mit|durch) (?:einem )?(?:\*|sternchen|„\*“)\W{0,3}\b.{0,40}\b(?:gekennzeichnete|markierte)\b.{0,40}\blinks\b.*`,
		`.*\b(?:erhalten|bekommen) wir (?:(?:ggf\.|gegebenenfalls|unter umständen|eventuell) )?(?:eine )?(?:kleine )?provision\b.*`,
	}, nil),
	compileFamily(RuleErrorReport, 60, []string{"fehler", "error", "mistake", "typo", "correction"}, []string{
		`fehler (?:entdeckt|gefunden)\W.{0,200}\b(?:mail|e-mail|schreiben|melden|hinweis|kontakt)\w*\b.*`,
		`(?:haben sie|sie haben) einen fehler (?:entdeckt|gefunden)\W.*`,
		`(?:spotted|found|see|noticed) (?:an? )?(?:error|mistake|typo)s?\W.{0,200}\b(?:let us know|e-?mail|mail|contact|report|tell us|write to)\b.*`,
		`(?:report an? (?:error|typo|correction)|submit a correction|suggest a correction)\W*`,
	}, nil),
	compileFamily(RuleBreadcrumb, 30, []string{"»", "›", ">", "/", "|", "home", "start", "skip", "jump", "inhalt", "navigation", "hier", "here"}, []string{
		`(?:home|homepage|startseite|start)(?:\s*[»›>/|]\s*[^»›«‹>/|]{1,60}){1,6}`,
		`[^»›«‹\s][^»›«‹]{0,59}(?:\s*[»›]\s*[^»›«‹\s][^»›«‹]{0,59}){2,6}`,
		`(?:you are here|sie sind hier)\s*:.*`,
		`(?:skip|jump) to (?:main |the )?(?:content|navigation|article|main)`,
		`(?:zum inhalt (?:springen|wechseln)|direkt zum inhalt|springe zum inhalt|zur navigation springen)`,
	}, nil),
	compileFamily(RuleReadingTime, 8, []string{"min"}, []string{
		`(?:estimated )?reading time\s*:?\s*(?:about |approx\.? |ca\. |~)?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:ute)?s?\.?)`,
		`(?:about |approx\.? |~)?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:ute)?s?\.?|-minute) read`,
		`lesezeit\s*:?\s*(?:ca\. |etwa |rund |~)?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:uten|\.)?)`,
		`(?:ca\. |etwa )?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:uten|\.)?)\s*lesezeit`,
	}, nil),
	compileFamily(RuleJavaScript, 40, []string{"javascript", "playback", "browser"}, []string{
		`(?:please |you (?:need|have|must) to |to (?:view|see|use|watch|play|read) [^.]{0,60}?,? (?:please |you (?:need|have|must) to )?)?(?:enable|turn on|activate|allow|switch on) javascript\b.*`,
		`(?:this|the) (?:slideshow|gallery|video|content|page|site|website|feature|player|app|application|map|form|widget|quiz|poll|embed)(?: \S+)? requires? javascript\b.*`,
		`.*\bjavascript\b.{0,40}\b(?:disabled|deactivated|turned off|switched off|not enabled)\b.{0,40}\b(?:your browser|please)\b.*`,
		`(?:your browser does(?: not|n(?:'|’)t) support (?:javascript|the video tag|iframes|html5 video|this (?:video|content|feature)))\b.*`,
		`(?:media|video|audio) playback is (?:unsupported|not supported) on your device\W*`,
		`(?:bitte )?aktivieren sie (?:bitte )?javascript\b.*`,
		`.*\bjavascript\b.{0,40}\b(?:deaktiviert|ausgeschaltet|abgeschaltet)\b.{0,40}\b(?:ihr(?:em)? browser|bitte)\b.*`,
		`(?:diese|die) (?:seite|website|funktion|anwendung|galerie|bildergalerie|karte|umfrage)\b.{0,30}\b(?:benötigt|erfordert) javascript\b.*`,
		`ihr browser unterstützt (?:kein(?:e|en)?|nicht) (?:javascript|videos?|iframes|html5)\b.*`,
	}, nil),
	compileFamily(RuleAdLabel, 8, []string{"ad", "sponsor", "anzeige", "werb", "continu"}, []string{
		`\W*(?:advertisement|advertising|advert|ad|sponsored|anzeige|werbung)\W*`,
		`(?:story|article) continues (?:below|after (?:the )?(?:advertisement|ad))\W*(?:advertisement)?`,
		`continue reading (?:below|the (?:main )?story)\W*`,
		`(?:artikel|text|lesen sie) (?:wird )?(?:nach|unter) der anzeige (?:weiter|fortgesetzt)\W*`,
		`weiter nach der anzeige\W*`,
	}, nil),
	compileFamily(RuleShare, 16, []string{"share", "teilen", "tweet", "mail", "print", "drucken", "facebook", "twitter", "whatsapp", "linkedin", "pinterest", "telegram", "reddit", "xing", "messenger", "flipboard", "pocket", "threads", "bluesky", "mastodon", "link", "versenden"}, []string{
		`(?:share|teilen)(?: this| (?:the|this|diesen|den) (?:article|story|post|page|artikel|beitrag|seite))?(?: on| via| auf| per| mit)?` + punct + `(?:(?:facebook|twitter|x|whatsapp|e-?mail|linkedin|pinterest|telegram|reddit|xing|flipboard|pocket|messenger|threads|bluesky|mastodon)\W*)*`,
		`(?:(?:share|teilen|tweet|e-?mail|print|drucken|facebook|twitter|whatsapp|linkedin|pinterest|telegram|reddit|xing|messenger|copy link|link kopieren|flipboard|pocket|threads|bluesky|mastodon)\b\W*){3,}`,
		`(?:like|liked|enjoy(?:ed)?) this (?:story|article|post)\W+share it\b.*`,
		`(?:artikel|beitrag) (?:teilen|versenden|drucken)(?:\W+(?:teilen|versenden|drucken|e-mail|mail))*\W*`,
	}, nil),
}

// maxBoilerplate bounds the removals of boilerplate in one tree: each
// walks the tree, and a hostile item could hold thousands of lines that
// match. Real pages have a few dozen.
const maxBoilerplate = 100

// maxFamilyWords is the most words a line of any family has.
var maxFamilyWords = func() int {
	n := 0
	for _, f := range families {
		n = max(n, f.maxWords)
	}
	return n
}()

// fewWords reports whether s has at most n words (runs of characters
// other than white space).
func fewWords(s string, n int) bool {
	words, in := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			in = false
		} else if !in {
			in = true
			if words++; words > n {
				return false
			}
		}
	}
	return true
}

// maxLineShare is the largest part of a tree's text one line of
// boilerplate may hold: a line holding more is (most of) the article, or
// the item's content, whatever it says.
const maxLineShare = 0.5

// removeBoilerplate removes the lines of the tree of tc that belong to a
// family of generic boilerplate, each with the list of links that follows
// a teaser label (at most maxBoilerplate), and returns what it removed.
func removeBoilerplate(tc *textCache, field string) []Removal {
	root, f := tc.root, tc.get()
	total := len(f.text)
	var out []Removal
	for start := 0; start < len(f.text) && len(out) < maxBoilerplate; {
		end := strings.IndexByte(f.text[start:], '\n')
		if end < 0 {
			end = len(f.text)
		} else {
			end += start
		}
		if fewWords(f.text[start:end], maxFamilyWords) {
			line := plaintext.Collapse(f.text[start:end])
			if line == "" || float64(len(line)) > maxLineShare*float64(total) {
				start = end + 1
				continue
			}
			if fam, list, ok := matchLine(root, f, start, end, line, total); ok {
				var removed []*html.Node
				if list != nil {
					removed = append(removed, list)
				}
				if rm := f.removeSpan(root, start, end); len(rm) > 0 {
					if !hasBlock(rm) {
						f.removeBreakAround(start, end)
					}
					removed = append(removed, rm...)
				}
				if list != nil && list.Parent != nil {
					line += " " + textOf(list)
					list.Parent.RemoveChild(list)
				}
				if len(removed) > 0 {
					out = append(out, Removal{Rule: fam.name, Field: field, Text: line})
				}
			}
		}
		start = end + 1
	}
	if len(out) > 0 {
		tc.changed()
	}
	return out
}

// matchLine returns the family of the line [start, end) of f, with the
// link list that follows it when it is a teaser label standing alone.
func matchLine(root *html.Node, f *flat, start, end int, line string, total int) (*family, *html.Node, bool) {
	lower := strings.ToLower(line)
	words := strings.Count(line, " ") + 1 // line is collapsed
	for _, fam := range families {
		if words > fam.maxWords || !holdsAny(lower, fam.needs) {
			continue
		}
		if fam.lines != nil && fam.lines.MatchString(lower) {
			return fam, nil, true
		}
		if fam.alone != nil && fam.alone.MatchString(lower) {
			// The list of links after the label goes with it. A word
			// alone in a table or a list ("Popular", "More") is the
			// table's or the list's, unless links follow.
			block := f.blockNode(root, start, end)
			list := followingLinks(block, total)
			if list == nil && (lower[0] == '(' || inTableOrList(block)) {
				continue
			}
			return fam, list, true
		}
		if fam.titled != nil && fam.titled.MatchString(lower) {
			if block := f.blockNode(root, start, end); block != nil && linkShare(block) >= 0.5 {
				return fam, nil, true
			}
		}
	}
	return nil, nil, false
}

// inTableOrList reports whether n is in a table or a list item.
func inTableOrList(n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Table || n.DataAtom == atom.Li || n.DataAtom == atom.Dd || n.DataAtom == atom.Dt) {
			return true
		}
	}
	return false
}

// holdsAny reports whether s holds one of words, or words is empty.
func holdsAny(s string, words []string) bool {
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// followingLinks returns the element after block (or after the ancestors
// it is the last part of) when it is a list of links: a list or a box
// whose text is mostly links, of at most maxTeaserWords words and less
// than maxLineShare of the tree's text. Else nil.
func followingLinks(block *html.Node, total int) *html.Node {
	for n := block; n != nil && n.Parent != nil; n = n.Parent {
		// The next element with text: a rule (<hr>) or an empty box
		// between label and list are skipped.
		next := n.NextSibling
		for next != nil && (next.Type != html.ElementNode || textOf(next) == "" && !showsPicture(next)) {
			if next.Type == html.TextNode && strings.TrimSpace(next.Data) != "" {
				return nil
			}
			next = next.NextSibling
		}
		if next == nil {
			if n.Parent.DataAtom == atom.Body || n.Parent.Parent == nil {
				return nil
			}
			continue
		}
		text := textOf(next)
		if text == "" || len(strings.Fields(text)) > maxTeaserWords ||
			float64(len(text)) > maxLineShare*float64(total) || !linkList(next) {
			return nil
		}
		return next
	}
	return nil
}

// linkList reports whether n is a list of links: a list (<ul>, <ol>)
// each of whose items holds a link, and a third of whose text is links
// (teaser lists link part of a title, or a title and not its summary),
// or a box half of whose text is links.
func linkList(n *html.Node) bool {
	if n.DataAtom != atom.Ul && n.DataAtom != atom.Ol {
		return linkShare(n) >= 0.5
	}
	items := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom != atom.Li || findElement(c, atom.A) == nil {
			return false
		}
		items++
	}
	return items > 0 && linkShare(n) >= 0.3
}

// showsPicture reports whether n holds an image, a picture or a video.
func showsPicture(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Img || c.DataAtom == atom.Picture || c.DataAtom == atom.Video || showsPicture(c)) {
			return true
		}
	}
	return false
}

// maxTeaserWords bounds the list of links a teaser label takes along.
const maxTeaserWords = 150

// blockNode returns the deepest element holding the text range [s, e)
// that is a block, or nil.
func (f *flat) blockNode(root *html.Node, s, e int) *html.Node {
	var best *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			sp, ok := f.spans[c]
			if !ok || sp.start > s || sp.end < e {
				continue
			}
			if isBlock(c) {
				best = c
			}
			walk(c)
		}
	}
	walk(root)
	return best
}

// linkShare returns the part of the letters of n's text that is the text
// of links.
func linkShare(n *html.Node) float64 {
	all, linked := 0, 0
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		switch n.Type {
		case html.TextNode:
			l := letters(n.Data)
			all += l
			if inLink {
				linked += l
			}
		case html.ElementNode:
			if n.DataAtom == atom.Script || n.DataAtom == atom.Style {
				return
			}
			inLink = inLink || n.DataAtom == atom.A
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, inLink)
			}
		default:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, inLink)
			}
		}
	}
	walk(n, false)
	if all == 0 {
		return 0
	}
	return float64(linked) / float64(all)
}

func hasBlock(ns []*html.Node) bool {
	for _, n := range ns {
		if isBlock(n) {
			return true
		}
	}
	return false
}

// letters returns the number of letters and digits in s.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if isLetterOrDigit(r) {
			n++
		}
	}
	return n
}

func isLetterOrDigit(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
