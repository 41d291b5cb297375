package topic

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// A Reason explains the matching of one item against one topic: why the
// item joined it, or which "none" terms kept it out.
type Reason struct {
	Topic string // the topic's slug
	Name  string // the topic's name
	// Joined reports that the item joined the topic. When it is false,
	// the topic's "any" and "all" terms were met but a "none" term kept
	// the item out.
	Joined bool
	// Hits are the topic's terms that matched in the fields it looks at,
	// in the order configured ("any", "all", then "none"), each once per
	// field it matched in. A joined topic without "any" and "all" terms
	// (one that takes every item of its sources) has none.
	Hits []Hit
}

// A Hit is one term that matched in one field.
type Hit struct {
	Term  string // the term as configured, such as "nordkorea*"
	List  string // the list it is in: "any", "all" or "none"
	Field string // config.FieldTitle, FieldSummary, FieldContent or FieldCategories
	// Text is the first match in the field, as the field reads (its
	// visible text, for HTML); Before and After are some of the text
	// around it, with "…" where they are cut.
	Text, Before, After string
	Count               int // the term's matches in the field
}

// Context returns the match in its context, as in "…warnen Nordkorea
// scharf…".
func (h Hit) Context() string { return h.Before + h.Text + h.After }

// contextRunes is about how many characters of context a Hit has on either
// side of its match.
const contextRunes = 30

// A topicInfo is what Explain knows of a topic besides what Match needs.
type topicInfo struct {
	name  string
	terms []configuredTerm
}

// A configuredTerm is one term of a topic as configured.
type configuredTerm struct {
	raw  string
	list uint8
	id   int32 // index in Matcher.terms
}

// Explain tells why the item joined each topic it joins, in the order the
// topics were given to Compile, and which "none" terms kept it out of each
// topic it would otherwise have joined. Its answer agrees with
// MatchTrees's: the slugs of the reasons that Joined are those Match
// returns. Explain is much slower than Match (it records where every term
// matched); it is meant for people asking why, not for every item.
func (m *Matcher) Explain(it *item.Item) []Reason {
	if m == nil || it == nil || len(m.topics) == 0 {
		return nil
	}
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	var fields uint8
	for i, t := range m.topics {
		ok := len(t.sources) == 0 || slices.Contains(t.sources, it.Source)
		s.eligible[i] = ok
		if ok {
			fields |= t.in
		}
	}
	e := explainer{s: s, hits: map[termField]*Hit{}}
	// As in MatchTrees, an empty field is not read, but an HTML field
	// without visible text is (a regular expression may match nothing).
	if fields&bitTitle != 0 && it.Title != "" {
		e.scan(bitTitle, it.Title)
	}
	if fields&bitSummary != 0 && it.Summary != "" {
		e.scan(bitSummary, visibleField(it.Summary))
	}
	if fields&bitContent != 0 && it.Content != "" {
		e.scan(bitContent, visibleField(it.Content))
	}
	if fields&bitCategories != 0 {
		for _, c := range it.Categories {
			if c != "" {
				e.scan(bitCategories, c)
			}
		}
	}
	return e.reasons()
}

// visibleField returns the text of a summary or content as matching reads
// it: the visible text of HTML, plain text as it is.
func visibleField(s string) string {
	if IsHTML(s) {
		return VisibleText(s)
	}
	return s
}

// A termField is a term and a field it matched in.
type termField struct {
	term  int32
	field uint8
}

// An explainer records where the terms match in an item's fields.
type explainer struct {
	s     *scratch
	hits  map[termField]*Hit
	words []spannedWord
	norm  []byte
	offs  []int // offset in norm of each word
}

// A spannedWord is a normalized word with the bytes of the text it was
// read from.
type spannedWord struct {
	base       []byte
	umlauts    []int32
	start, end int
}

// A spanner is the wordSink that records where each word is.
type spanner struct {
	words      []spannedWord
	start, pos int
}

func (sp *spanner) word(base []byte, umlauts []int32) {
	sp.words = append(sp.words, spannedWord{
		base:    slices.Clone(base),
		umlauts: slices.Clone(umlauts),
		start:   sp.start,
		end:     max(sp.pos, sp.start),
	})
}

// words splits text into normalized words as Match reads them, with their
// places in text.
func spannedWords(text string, dst []spannedWord) []spannedWord {
	sp := spanner{words: dst[:0]}
	f := folder{sink: &sp}
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		if len(f.buf) == 0 {
			sp.start = i
		}
		sp.pos = i
		feed(&f, text[i:i+size])
		i += size
	}
	sp.pos = len(text)
	f.brk()
	return sp.words
}

// scan records the terms matching in one text of field: a field, or one
// category.
func (e *explainer) scan(field uint8, text string) {
	s := e.s
	s.field = field
	s.wantNorm = false
	s.active = s.active[:0]
	e.words = spannedWords(text, e.words)
	// Each word starts a new generation, so that every term a word
	// completes is listed in s.touched.
	for i, w := range e.words {
		s.begin()
		s.word(w.base, w.umlauts)
		for _, t := range s.touched {
			first := max(i-int(s.m.termWords[t])+1, 0)
			e.hit(t, field, text, e.words[first].start, w.end)
		}
	}
	if s.m.regexFields&field == 0 {
		return
	}
	e.norm, e.offs = e.norm[:0], e.offs[:0]
	for _, w := range e.words {
		if len(e.norm) > 0 {
			e.norm = append(e.norm, ' ')
		}
		e.offs = append(e.offs, len(e.norm))
		e.norm = append(e.norm, w.base...)
	}
	for _, id := range s.m.regexes {
		if s.m.terms[id].fields&field == 0 {
			continue
		}
		for _, loc := range s.m.terms[id].re.FindAllIndex(e.norm, -1) {
			first, last := e.wordAt(loc[0]), e.wordAt(max(loc[1]-1, loc[0]))
			if first < 0 {
				e.hit(id, field, text, 0, 0) // the empty text matched
				continue
			}
			e.hit(id, field, text, e.words[first].start, e.words[last].end)
		}
	}
}

// wordAt returns the index of the word holding offset off of e.norm (of
// the word before, for the space between two), or -1 when there is none.
func (e *explainer) wordAt(off int) int {
	return sort.Search(len(e.offs), func(i int) bool { return e.offs[i] > off }) - 1
}

// hit records a match of term t in field at text[start:end].
func (e *explainer) hit(t int32, field uint8, text string, start, end int) {
	k := termField{t, field}
	if h := e.hits[k]; h != nil {
		h.Count++
		return
	}
	before, after := text[:start], text[end:]
	e.hits[k] = &Hit{
		Field:  fieldName(field),
		Text:   collapse(text[start:end]),
		Before: contextBefore(before),
		After:  contextAfter(after),
		Count:  1,
	}
}

// reasons evaluates the topics on the hits, as scratch.result does.
func (e *explainer) reasons() []Reason {
	s := e.s
	var out []Reason
	for i, t := range s.m.topics {
		if !s.eligible[i] {
			continue
		}
		info := s.m.info[i]
		anyHit, noneHit := false, false
		allCount := int32(0)
		var hits []Hit
		for _, ct := range info.terms {
			matched := false
			for _, f := range fieldOrder {
				if t.in&f == 0 {
					continue
				}
				h := e.hits[termField{ct.id, f}]
				if h == nil {
					continue
				}
				matched = true
				hit := *h
				hit.Term, hit.List = ct.raw, listNames[ct.list]
				hits = append(hits, hit)
			}
			if !matched {
				continue
			}
			switch ct.list {
			case listAny:
				anyHit = true
			case listAll:
				allCount++
			case listNone:
				noneHit = true
			}
		}
		if (t.anyEmpty || anyHit) && allCount == t.nAll {
			out = append(out, Reason{Topic: t.slug, Name: info.name, Joined: !noneHit, Hits: hits})
		}
	}
	return out
}

// fieldOrder is the order of the fields in explanations.
var fieldOrder = [...]uint8{bitTitle, bitSummary, bitContent, bitCategories}

// fieldName returns the configuration's name of a field bit.
func fieldName(b uint8) string {
	switch b {
	case bitTitle:
		return config.FieldTitle
	case bitSummary:
		return config.FieldSummary
	case bitContent:
		return config.FieldContent
	}
	return config.FieldCategories
}

// collapse replaces every run of white space in s by one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// contextBefore returns the end of s, about contextRunes characters cut
// at a word's start, with "…" before it when it is cut.
func contextBefore(s string) string {
	lead := len(s) > 0 && unicode.IsSpace(lastRune(s))
	s = collapse(s)
	if lead && s != "" {
		s += " "
	}
	if utf8.RuneCountInString(s) <= contextRunes {
		return s
	}
	r := []rune(s)
	cut := string(r[len(r)-contextRunes:])
	if i := strings.IndexByte(cut, ' '); i >= 0 && i < len(cut)-1 {
		cut = cut[i+1:]
	}
	return "…" + cut
}

// contextAfter returns the start of s, about contextRunes characters cut
// at a word's end, with "…" after it when it is cut.
func contextAfter(s string) string {
	r0, _ := utf8.DecodeRuneInString(s)
	lead := len(s) > 0 && unicode.IsSpace(r0)
	s = collapse(s)
	if lead && s != "" {
		s = " " + s
	}
	if utf8.RuneCountInString(s) <= contextRunes {
		return s
	}
	r := []rune(s)
	cut := string(r[:contextRunes])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut + "…"
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
