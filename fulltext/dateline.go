package fulltext

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A dateline is a line that holds nothing but when (and by whom) an
// article was published or updated: "Published 4:00 am CST, Wednesday,
// November 20, 2019", "Updated Nov 19, 9:41 AM; Posted Nov 18, 8:19 PM",
// "Veröffentlicht am 19.11.2019 um 08:57 Uhr", "By Jane Doe". Without a
// <time> element or a class to say so, the text says it.
var dateline = func() *regexp.Regexp {
	const (
		weekday = `(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di|mi|do|fr|sa|so`
		month   = `jan(?:uary|uar)?|feb(?:ruary|ruar)?|mar(?:ch)?|märz|mär|apr(?:il)?|may|mai|june?|juni?|july?|juli?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dez(?:ember)?`
		day     = `\d{1,2}(?:st|nd|rd|th|\.)?`
		date    = `(?:(?:` + weekday + `),? )?(?:(?:` + month + `)\.? ` + day + `,? \d{4}|` + day + ` (?:` + month + `)\.?,? \d{4}|(?:` + month + `)\.? ` + day + `|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})`
		clock   = `\d{1,2}[:.]\d{2}(?: ?[ap]\.?m\.?)?(?: ?(?:uhr|[a-z]{2,4}))?`
		when    = `(?:` + date + `(?:,? (?:at |um |- |– |\| )?` + clock + `)?|(?:(?:` + weekday + `),? )?(?:at |um )?` + clock + `(?:,? (?:` + date + `))?)`
		label   = `(?:(?:first |last )?(?:published|updated|posted|modified|created)|veröffentlicht|aktualisiert|zuletzt aktualisiert|erstellt|stand)(?: on| am| at)?:?`
		part    = `(?:` + label + ` )?` + when
		sep     = `\s*[|;/·•,–-]?\s*`
	)
	return regexp.MustCompile(`^(?:` + part + `(?:` + sep + part + `){0,2}|` + label + `)\W*$`)
}()

// byline matches "By Jane Doe", "Von Max Muster", on the line's own
// letter case: names start with capitals.
var byline = regexp.MustCompile(`^(?:By|BY|Von|VON)\s+(?:\p{Lu}[\p{L}.'’-]*(?:\s+|$)){1,4}(?:(?:and|und|&)\s+(?:\p{Lu}[\p{L}.'’-]*(?:\s+|$)){1,4})?(?:[|,–-]\s*.*)?$`)

// maxDatelineWords bounds a dateline.
const maxDatelineWords = 20

// isDateline reports whether the element n, a block without blocks in
// it, holds a dateline or a byline (one followed by a dateline, too).
func isDateline(n *html.Node) bool {
	if !lineBlocks[n.DataAtom] || hasBlockChild(n) {
		return false
	}
	text := strings.Join(strings.Fields(nodeText(n)), " ")
	if text == "" || strings.Count(text, " ") >= maxDatelineWords {
		return false
	}
	lower := strings.ToLower(text)
	if dateline.MatchString(lower) {
		return true
	}
	if m := byline.FindStringSubmatchIndex(text); m != nil {
		rest := strings.TrimLeft(text[bylineEnd(text):], " |,–-")
		return rest == "" || dateline.MatchString(strings.ToLower(rest))
	}
	return false
}

// bylineEnd returns where the names of the byline at the start of text
// end.
func bylineEnd(text string) int {
	if i := strings.IndexAny(text, "|,–"); i >= 0 {
		return i
	}
	if i := strings.Index(text, " - "); i >= 0 {
		return i
	}
	return len(text)
}

// lineBlocks are the elements a dateline stands in.
var lineBlocks = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Span: true, atom.Small: true, atom.Li: true, atom.Address: true}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			switch c.DataAtom {
			case atom.P, atom.Div, atom.Ul, atom.Ol, atom.Li, atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Figure, atom.Section, atom.Article:
				return true
			}
			if hasBlockChild(c) {
				return true
			}
		}
	}
	return false
}

// nodeText returns the text under n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
