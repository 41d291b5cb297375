// Package topic implements refeed's term language (SPEC "Matching (topics)")
// and compiles the terms of all configured topics into one matcher that tags
// items with the topics they belong to.
//
// # Terms
//
// A term is a word ("nato"), a phrase of words ("kim jong un"), a word or
// phrase with a "*" at its start and/or end ("nordkorea*", "*korea*"), or an
// RE2 regular expression between slashes ("/cop ?[0-9]{2}/"). A topic
// matches an item when any of its "any" terms matches (or it has none), all
// of its "all" terms match and none of its "none" terms matches, looking only
// in the topic's fields ("in": title, summary, content, categories), and,
// when the topic lists sources, only for items of those sources.
//
// Words are compared whole and in normalized form (see Normalize): case and
// diacritics are ignored, "ß" is "ss", and words are runs of letters and
// digits, so hyphens, apostrophes, slashes and punctuation separate words:
// "nato" matches "NATO", "Nato-Sprecherin", "NATO's" and "NATO’s" but not
// "Senatorin", "Renato" or "Donatoren". A "*" at the end of a term matches
// any continuation of its last word, including none ("nordkorea*" matches
// "Nordkorea", "Nordkoreas" and "nordkoreanischen"); a "*" at the start
// matches any beginning of its first word ("*korea" matches "Südkorea");
// both make the word a substring match ("*korea*" matches "Korea",
// "Südkoreas" and "Koreaner"). A "*" never reaches across a word boundary and
// never relaxes spelling: "*korea*" matches every word that contains
// "korea", names like "Koreander" included, and nothing else: not "Corea",
// "Koran" or "Kore". A "*" inside a word
// ("nord*korea") or a "*" alone is an error. A phrase matches its words in
// consecutive order separated by anything that is not a word character
// (spaces, hyphens, line breaks, punctuation), so "kim jong un" matches "Kim
// Jong-un" and "Kim\nJong Un"; each "*" applies to the phrase's first or last
// word.
//
// # German umlauts
//
// "ä", "ö" and "ü" equal both their base vowel and their transliteration
// with "e": the term "pjöngjang" matches "Pjöngjang", "Pjongjang" and
// "Pjoengjang", and the term "pjoengjang" matches "Pjöngjang" and
// "Pjoengjang". This is done without ever rewriting "ae", "oe" or "ue" in
// text or terms written without umlauts, because most such spellings are not
// umlauts at all ("Joe", "does", "canoe", "Michael", "Israel", "blue",
// "Samuel", "Aero"): the text word "Joe" still only matches the term "joe",
// never "jo", and the term "israel" never matches "Isral".
//
// Instead the umlaut is remembered where it was written: a text word with
// umlauts is read in two spellings, with the umlauts as base vowels
// ("pjongjang") and with them as vowel+e ("pjoengjang"), and a term word
// with umlauts likewise has both spellings. A term matches the base spelling
// as usual, and matches the vowel+e spelling only where every "e" inserted
// for an umlaut is matched by an "e" that follows the same vowel in the
// term. So text "Söder" does not match "*eder" (the "e" would be the
// umlaut's), and a term written with "ae", "oe" or "ue" is the only kind that
// gains matches: "goethe" matches "Göthe", "mueller*" matches "Müllers". The
// one thing this cannot tell apart is an English term whose "ae", "oe" or
// "ue" meets a German umlaut ("blue*" matches "Blüten", as "blueten"); write
// such terms without the "*" or as /regex/ if that matters. The converse
// spelling is not equated: the term "pjoengjang" does not match
// "Pjongjang", since that would mean reading every "oe" as a possible "ö"
// (and "Joe" as "Jo"); write the umlaut ("pjöngjang") to match all three.
//
// # Regular expressions
//
// A /regex/ term is an RE2 expression, made case-insensitive, searched for in
// the normalized text of each field (and of each category on its own): the
// words, lower-cased and without diacritics, umlauts as their base vowels,
// separated by single spaces, with no punctuation (see Normalize). So write
// /kim jong ?un/, not /Kim Jong-un/, and /pjongjang/, not /pjöngjang/.
//
// # HTML
//
// Summary and content are read as HTML when they contain a tag or a
// character reference (see IsHTML), otherwise as plain text; the title and
// the categories are plain text. Of HTML only the visible text is matched
// (see VisibleText): never tags, attributes, URLs, comments, scripts or
// styles. Block-level elements and <br> separate words; inline elements do
// not.
//
// # Performance
//
// The word and phrase terms of all topics are compiled into one
// Aho–Corasick automaton, which reads each word of the text once (framed by
// start and end markers, so that one pass finds whole words, prefixes,
// suffixes and infixes alike), and one trie of phrases over the word
// patterns found. Matching an item therefore costs time proportional to the
// length of its text (and to the number of term occurrences in it), not to
// the number of terms configured. Regular expression terms are the
// exception: each is run on every field it applies to. The automaton takes
// about 1.2 KB of memory per term.
package topic

import (
	"golang.org/x/net/html"

	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// Field bits.
const (
	bitTitle uint8 = 1 << iota
	bitSummary
	bitContent
	bitCategories
	bitAllFields = bitTitle | bitSummary | bitContent | bitCategories
)

var fieldBits = map[string]uint8{
	config.FieldTitle:      bitTitle,
	config.FieldSummary:    bitSummary,
	config.FieldContent:    bitContent,
	config.FieldCategories: bitCategories,
}

// Lists of a topic's terms.
const (
	listAny uint8 = iota
	listAll
	listNone
)

var listNames = [...]string{listAny: "any", listAll: "all", listNone: "none"}

// Sentinels that mark the start and end of a word for the automaton; they
// never occur in a normalized word.
const (
	wordStart = 0x02
	wordEnd   = 0x03
)

// A Matcher tags items with the topics they match. It is built by Compile,
// its rules never change afterwards, and it is safe for concurrent use (it
// recycles its working memory between calls internally).
type Matcher struct {
	topics  []cTopic
	ac      *acMachine // all words of all word and phrase terms
	phrases []pnode    // trie of terms over word patterns; node 0 is the root
	terms   []cTerm
	regexes []int32 // indexes into terms of the regex terms
	// regexFields are the fields some regex term looks at.
	regexFields uint8

	// What Explain needs besides: each topic's name and terms as
	// configured, and the number of words of each term (0 for a regex).
	info      []topicInfo
	termWords []int32

	pool sync.Pool // of *scratch
}

type cTopic struct {
	slug     string
	in       uint8
	sources  []string
	nAll     int32 // distinct "all" terms
	anyEmpty bool
}

// A cTerm is a distinct term, with the topic lists that use it.
type cTerm struct {
	re     *regexp.Regexp // for regex terms
	refs   []termRef
	fields uint8 // union of the fields of the topics that use it
}

type termRef struct {
	topic int32
	list  uint8
}

// A pnode is a node of the phrase trie: its edges are labelled with word
// patterns, and the terms ending here are listed.
type pnode struct {
	next  map[int32]int32
	terms []int32
}

// A wordPat is one word of a term: its normalized spellings and whether it
// has a "*" at its start (lead) or end (trail).
type wordPat struct {
	lead, trail bool
	base        string
	umlauts     []int32 // offsets in base right after vowels written with umlauts
}

// Compile compiles the topics' terms into one Matcher. It fails, naming the
// topic and term, on a term without words, a misplaced "*", a regular
// expression that does not compile, an unknown field in "in", or a missing
// or duplicate slug.
func Compile(topics []config.Topic) (*Matcher, error) {
	m := &Matcher{
		ac:      newACMachine(),
		phrases: []pnode{{}},
	}
	wpIDs := map[string]int32{}   // word pattern key -> id
	termIDs := map[string]int32{} // term key -> index in m.terms
	slugs := map[string]bool{}
	var errs []error
	for ti, t := range topics {
		ct := cTopic{slug: t.Slug, sources: slices.Clone(t.Sources), anyEmpty: len(t.Match.Any) == 0}
		switch {
		case t.Slug == "":
			errs = append(errs, fmt.Errorf("topic %q: no slug", t.Name))
		case slugs[t.Slug]:
			errs = append(errs, fmt.Errorf("topic %q: duplicate slug", t.Slug))
		}
		slugs[t.Slug] = true
		for _, f := range t.In {
			b, ok := fieldBits[f]
			if !ok {
				errs = append(errs, fmt.Errorf("topic %q: unknown field %q in \"in\" (want title, summary, content or categories)", t.Slug, f))
			}
			ct.in |= b
		}
		if len(t.In) == 0 {
			ct.in = bitAllFields
		}
		info := topicInfo{name: t.Name}
		for list, raws := range [...][]string{listAny: t.Match.Any, listAll: t.Match.All, listNone: t.Match.None} {
			for _, raw := range raws {
				id, err := m.addTerm(raw, wpIDs, termIDs)
				if err != nil {
					errs = append(errs, fmt.Errorf("topic %q: %s term %q: %w", t.Slug, listNames[list], raw, err))
					continue
				}
				ref := termRef{topic: int32(ti), list: uint8(list)}
				if slices.Contains(m.terms[id].refs, ref) {
					continue // the same term twice in one list
				}
				info.terms = append(info.terms, configuredTerm{raw: strings.TrimSpace(raw), list: uint8(list), id: id})
				m.terms[id].refs = append(m.terms[id].refs, ref)
				m.terms[id].fields |= ct.in
				if uint8(list) == listAll {
					ct.nAll++
				}
			}
		}
		m.topics = append(m.topics, ct)
		m.info = append(m.info, info)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m.ac.build()
	for _, id := range m.regexes {
		m.regexFields |= m.terms[id].fields
	}
	m.pool.New = func() any { return m.newScratch() }
	return m, nil
}

// addTerm parses raw and adds it to the automaton and the phrase trie unless
// an identical term is there already, returning its index in m.terms.
func (m *Matcher) addTerm(raw string, wpIDs, termIDs map[string]int32) (int32, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '/' && raw[len(raw)-1] == '/' {
		expr := raw[1 : len(raw)-1]
		if expr == "" {
			return 0, errors.New("empty regular expression")
		}
		key := "/" + expr
		if id, ok := termIDs[key]; ok {
			return id, nil
		}
		re, err := regexp.Compile("(?i)" + expr)
		if err != nil {
			return 0, err
		}
		id := int32(len(m.terms))
		m.terms = append(m.terms, cTerm{re: re})
		m.termWords = append(m.termWords, 0)
		m.regexes = append(m.regexes, id)
		termIDs[key] = id
		return id, nil
	}

	words, err := parseWords(raw)
	if err != nil {
		return 0, err
	}
	path := make([]int32, len(words))
	for i, w := range words {
		path[i] = m.addWordPat(w, wpIDs)
	}
	key := fmt.Sprint(path)
	if id, ok := termIDs[key]; ok {
		return id, nil
	}
	id := int32(len(m.terms))
	m.terms = append(m.terms, cTerm{})
	m.termWords = append(m.termWords, int32(len(path)))
	termIDs[key] = id
	n := int32(0)
	for _, wp := range path {
		next, ok := m.phrases[n].next[wp]
		if !ok {
			next = int32(len(m.phrases))
			m.phrases = append(m.phrases, pnode{})
			if m.phrases[n].next == nil {
				m.phrases[n].next = map[int32]int32{}
			}
			m.phrases[n].next[wp] = next
		}
		n = next
	}
	m.phrases[n].terms = append(m.phrases[n].terms, id)
	return id, nil
}

// addWordPat adds the spellings of w to the automaton unless an identical
// word pattern is there already, returning its id.
func (m *Matcher) addWordPat(w wordPat, wpIDs map[string]int32) int32 {
	spellings := []string{w.base}
	if len(w.umlauts) > 0 {
		spellings = append(spellings, string(expand(nil, w.base, w.umlauts)))
	}
	key := fmt.Sprintf("%t %t %q", w.lead, w.trail, spellings)
	if id, ok := wpIDs[key]; ok {
		return id
	}
	id := int32(len(wpIDs))
	wpIDs[key] = id
	for _, s := range spellings {
		p := make([]byte, 0, len(s)+2)
		if !w.lead {
			p = append(p, wordStart)
		}
		p = append(p, s...)
		if !w.trail {
			p = append(p, wordEnd)
		}
		m.ac.add(p, acOut{wp: id, len: int32(len(p))})
	}
	return id
}

// expand appends to dst the spelling of the word base with an "e" after each
// umlaut vowel.
func expand[S ~string | ~[]byte](dst []byte, base S, umlauts []int32) []byte {
	prev := 0
	for _, u := range umlauts {
		dst = append(dst, base[prev:u]...)
		dst = append(dst, 'e')
		prev = int(u)
	}
	return append(dst, base[prev:]...)
}

// parseWords splits a word or phrase term into normalized words, applying
// a leading "*" to its first word and a trailing "*" to its last.
func parseWords(raw string) ([]wordPat, error) {
	var c collector
	f := folder{sink: &c}
	for chunk := range strings.FieldsSeq(raw) {
		lead := strings.HasPrefix(chunk, "*")
		body := strings.TrimLeft(chunk, "*")
		trail := strings.HasSuffix(body, "*")
		body = strings.TrimRight(body, "*")
		if strings.Contains(body, "*") {
			return nil, errors.New(`"*" is only allowed at the start or end of a word`)
		}
		first := len(c.words)
		feed(&f, body)
		f.brk()
		if len(c.words) == first {
			if body == "" {
				return nil, errors.New(`"*" must be attached to a word`)
			}
			return nil, fmt.Errorf("no word (letters or digits) in %q", chunk)
		}
		c.words[first].lead = c.words[first].lead || lead
		c.words[len(c.words)-1].trail = c.words[len(c.words)-1].trail || trail
	}
	if len(c.words) == 0 {
		return nil, errors.New("empty term")
	}
	return c.words, nil
}

// collector is the wordSink of parseWords.
type collector struct{ words []wordPat }

func (c *collector) word(w []byte, umlauts []int32) {
	c.words = append(c.words, wordPat{base: string(w), umlauts: slices.Clone(umlauts)})
}

// Match returns the slugs of the topics that it matches, in the order the
// topics were given to Compile, or nil if it matches none. A topic that lists
// sources only matches items whose Source is among them. Match does not
// modify it.
func (m *Matcher) Match(it *item.Item) []string {
	return m.MatchTrees(it, nil, nil)
}

// MatchTrees is Match for an item whose summary or content is also at hand
// parsed: summary and content, when not nil, are parsed HTML fragments
// whose children render as it.Summary and it.Content do (what cleaning
// leaves), and are read instead of the HTML. So the HTML need not be
// tokenized again.
func (m *Matcher) MatchTrees(it *item.Item, summary, content *html.Node) []string {
	if m == nil || it == nil || len(m.topics) == 0 {
		return nil
	}
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	s.begin()

	var fields uint8
	for i, t := range m.topics {
		ok := len(t.sources) == 0 || slices.Contains(t.sources, it.Source)
		s.eligible[i] = ok
		if ok {
			fields |= t.in
		}
	}
	if fields == 0 {
		return nil
	}
	if fields&bitTitle != 0 {
		s.scan(bitTitle, it.Title, false)
	}
	if fields&bitSummary != 0 {
		s.scanField(bitSummary, it.Summary, summary)
	}
	if fields&bitContent != 0 {
		s.scanField(bitContent, it.Content, content)
	}
	if fields&bitCategories != 0 {
		for _, c := range it.Categories {
			s.scan(bitCategories, c, false)
		}
	}
	return s.result()
}

// scanField matches a field that may be HTML: from its tree when given.
func (s *scratch) scanField(field uint8, text string, tree *html.Node) {
	if tree == nil {
		s.scan(field, text, IsHTML(text))
		return
	}
	if text == "" {
		return
	}
	s.start(field)
	walkTree(tree, s)
	s.end(field)
}

// scratch is the working memory of one Match call.
type scratch struct {
	m *Matcher
	f folder

	field    uint8   // the field being scanned
	wantNorm bool    // collect the normalized text of the field for regexes
	norm     []byte  // normalized text of the field so far
	formB    []byte  // a word's vowel+e spelling
	inserted []int32 // positions of the inserted "e"s in formB, automaton coordinates
	wps      []int32 // word patterns the current word matches
	active   []int32 // phrase trie nodes reached by the words so far
	next     []int32

	// Terms matched: gen[t] == g marks term t matched in the fields mask[t].
	g       uint32
	gen     []uint32
	mask    []uint8
	touched []int32

	eligible []bool // per topic: the item's source is acceptable
	anyHit   []bool
	noneHit  []bool
	allCount []int32
}

func (m *Matcher) newScratch() *scratch {
	s := &scratch{
		m:        m,
		gen:      make([]uint32, len(m.terms)),
		mask:     make([]uint8, len(m.terms)),
		eligible: make([]bool, len(m.topics)),
		anyHit:   make([]bool, len(m.topics)),
		noneHit:  make([]bool, len(m.topics)),
		allCount: make([]int32, len(m.topics)),
	}
	s.f.sink = s
	return s
}

// begin prepares s for a new item.
func (s *scratch) begin() {
	s.g++
	if s.g == 0 { // wrapped around: forget every old mark
		clear(s.gen)
		s.g = 1
	}
	s.touched = s.touched[:0]
}

// scan matches one text: a field, or one category.
func (s *scratch) scan(field uint8, text string, isHTML bool) {
	if text == "" {
		return
	}
	s.start(field)
	if isHTML {
		walkHTML(text, s)
	} else {
		feed(&s.f, text)
	}
	s.end(field)
}

// start prepares the matching of one text of field.
func (s *scratch) start(field uint8) {
	s.field = field
	s.active = s.active[:0]
	s.wantNorm = s.m.regexFields&field != 0
	s.norm = s.norm[:0]
	s.f.buf = s.f.buf[:0]
	s.f.ums = s.f.ums[:0]
}

// end ends the matching of one text of field.
func (s *scratch) end(field uint8) {
	s.f.brk()
	if s.wantNorm {
		for _, id := range s.m.regexes {
			t := &s.m.terms[id]
			if t.fields&field == 0 || s.gen[id] == s.g && s.mask[id]&field != 0 {
				continue
			}
			if t.re.Match(s.norm) {
				s.mark(id)
			}
		}
	}
}

// text and brk make scratch a textSink for walkHTML.
func (s *scratch) text(b []byte) { feed(&s.f, b) }
func (s *scratch) str(t string)  { feed(&s.f, t) }
func (s *scratch) brk(bool)      { s.f.brk() }

// word makes scratch the wordSink of its folder: it matches one word.
func (s *scratch) word(base []byte, umlauts []int32) {
	if s.wantNorm {
		if len(s.norm) > 0 {
			s.norm = append(s.norm, ' ')
		}
		s.norm = append(s.norm, base...)
	}
	s.wps = s.wps[:0]
	s.scanWord(base, nil)
	if len(umlauts) > 0 {
		s.formB = expand(s.formB[:0], base, umlauts)
		s.inserted = s.inserted[:0]
		for k, u := range umlauts {
			s.inserted = append(s.inserted, u+int32(k)+1) // +1: the wordStart sentinel
		}
		s.scanWord(s.formB, s.inserted)
	}
	if len(s.wps) == 0 {
		s.active = s.active[:0]
		return
	}
	next := s.next[:0]
	for _, wp := range s.wps {
		next = s.advance(0, wp, next)
		for _, n := range s.active {
			next = s.advance(n, wp, next)
		}
	}
	s.active, s.next = next, s.active
}

// advance follows the edge wp from phrase trie node n, marking the terms it
// completes and appending the node reached to next if phrases continue there.
func (s *scratch) advance(n, wp int32, next []int32) []int32 {
	c, ok := s.m.phrases[n].next[wp]
	if !ok {
		return next
	}
	for _, t := range s.m.phrases[c].terms {
		s.mark(t)
	}
	if len(s.m.phrases[c].next) > 0 && !slices.Contains(next, c) {
		next = append(next, c)
	}
	return next
}

// scanWord runs the automaton over one spelling of a word, framed by the
// sentinels, and adds the word patterns found to s.wps. Matches that start
// on an "e" inserted for an umlaut (listed in inserted) do not count.
func (s *scratch) scanWord(w []byte, inserted []int32) {
	// acMachine.next, inlined by hand: the loop reads one entry of trans
	// per byte, holding both the next row and whether the state reached
	// has outputs.
	ac := s.m.ac
	trans, class := ac.trans, &ac.class
	e := trans[class[wordStart]]
	if e&1 != 0 {
		s.emit(ac.stateOf(e), 0, inserted)
	}
	for i, c := range w {
		e = trans[e>>1+uint32(class[c])]
		if e&1 != 0 {
			s.emit(ac.stateOf(e), int32(i+1), inserted)
		}
	}
	e = trans[e>>1+uint32(class[wordEnd])]
	if e&1 != 0 {
		s.emit(ac.stateOf(e), int32(len(w)+1), inserted)
	}
}

// emit records the patterns ending in state st at position pos.
func (s *scratch) emit(st, pos int32, inserted []int32) {
	for _, o := range s.m.ac.outputs(st) {
		if inserted != nil && slices.Contains(inserted, pos-o.len+1) {
			continue
		}
		if !slices.Contains(s.wps, o.wp) {
			s.wps = append(s.wps, o.wp)
		}
	}
}

// mark records that term t matched in the current field.
func (s *scratch) mark(t int32) {
	if s.gen[t] != s.g {
		s.gen[t] = s.g
		s.mask[t] = 0
		s.touched = append(s.touched, t)
	}
	s.mask[t] |= s.field
}

// result evaluates the topics on the terms matched.
func (s *scratch) result() []string {
	topics := s.m.topics
	clear(s.anyHit)
	clear(s.noneHit)
	clear(s.allCount)
	for _, t := range s.touched {
		mask := s.mask[t]
		for _, r := range s.m.terms[t].refs {
			if !s.eligible[r.topic] || mask&topics[r.topic].in == 0 {
				continue
			}
			switch r.list {
			case listAny:
				s.anyHit[r.topic] = true
			case listAll:
				s.allCount[r.topic]++
			case listNone:
				s.noneHit[r.topic] = true
			}
		}
	}
	var out []string
	for i, t := range topics {
		if s.eligible[i] && (t.anyEmpty || s.anyHit[i]) && s.allCount[i] == t.nAll && !s.noneHit[i] {
			out = append(out, t.slug)
		}
	}
	return out
}
