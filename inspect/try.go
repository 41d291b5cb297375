package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/topic"
)

// maxURL bounds the feed URL of the try page.
const maxURL = 2048

// trySource is the name of the source a feed URL is tried as.
const trySource = "try"

// tryPage is the data of /inspect/try.
type tryPage struct {
	page
	Sources  []string // the configured sources, to choose from
	Source   string   // the one chosen, if any
	URL      string   // the feed URL given, if any
	Draft    string
	Problems []string // of the draft, the fetch or the stages
	Tried    bool     // the draft was tried: Items are its result
	Rules    []string // the draft's rules
	Topics   []string // the draft's topics
	FeedURL  string   // what was fetched, without secrets
	Joined   []tryCount
	Removed  int // removals by the draft's rules
	Items    []itemView
}

// A tryCount is how many items joined a draft topic.
type tryCount struct {
	Name  string
	Items int
}

// draftExample is shown in the empty draft.
const draftExample = `rules:
  - name: appeals
    remove:
      - text: "/^Jetzt unterstützen/"
topics:
  - name: Korea
    match:
      any: ["nordkorea*", kim jong un]`

func (h *Handler) newTryPage() tryPage {
	p := tryPage{page: page{Root: "./", Title: "Try a rule or topic"}}
	for _, s := range h.config().Sources {
		p.Sources = append(p.Sources, s.Name)
	}
	return p
}

func (h *Handler) tryForm(w http.ResponseWriter, r *http.Request) {
	p := h.newTryPage()
	if name := r.URL.Query().Get("source"); slices.Contains(p.Sources, name) {
		p.Source = name
	}
	h.render(w, http.StatusOK, "try.html", p)
}

func (h *Handler) try(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, http.StatusBadRequest, "The form could not be read (at most 64 KiB).")
		return
	}
	cfg := h.config()
	pg := h.newTryPage()
	pg.Source, pg.URL, pg.Draft = r.PostForm.Get("source"), strings.TrimSpace(r.PostForm.Get("url")), r.PostForm.Get("draft")
	src, ok := cfg.Source(pg.Source)
	switch {
	case len(pg.Draft) > MaxDraft:
		pg.Problems = append(pg.Problems, fmt.Sprintf("The draft is %d bytes long; at most %d are tried.", len(pg.Draft), MaxDraft))
		pg.Draft = pg.Draft[:MaxDraft]
	case len(pg.URL) > maxURL:
		pg.Problems = append(pg.Problems, fmt.Sprintf("The feed URL is longer than %d bytes.", maxURL))
		pg.URL = ""
	case pg.URL == "" && !ok:
		pg.Problems = append(pg.Problems, "Choose a source or give a feed URL.")
	}
	if len(pg.Problems) > 0 {
		h.render(w, http.StatusBadRequest, "try.html", pg)
		return
	}
	d, problems := parseDraft(pg.Draft, cfg)
	if len(problems) > 0 {
		pg.Problems = problems
		h.render(w, http.StatusBadRequest, "try.html", pg)
		return
	}
	for _, rl := range d.Rules {
		pg.Rules = append(pg.Rules, rl.Name)
	}
	for _, t := range d.Topics {
		pg.Topics = append(pg.Topics, t.Name)
	}
	select {
	case h.trying <- struct{}{}:
		defer func() { <-h.trying }()
	default:
		h.fail(w, http.StatusServiceUnavailable, "Other drafts are being tried; try again in a moment.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), FetchTimeout)
	defer cancel()
	p := h.pipeline()
	var feed *fetch.Feed
	var err error
	if pg.URL != "" {
		src = config.Source{Name: trySource, URL: pg.URL}
		feed, err = h.fetchURL(ctx, p, pg.URL)
		pg.FeedURL = redact.URL(pg.URL, cfg.Fetch.SecretParams)
	} else {
		feed, _, err = h.fetchSource(ctx, p, src)
		pg.FeedURL = redact.URL(src.URL, cfg.Fetch.SecretParams)
	}
	if err != nil {
		pg.Problems = append(pg.Problems, "The feed could not be read: "+redact.Text(err.Error(), src.URL, cfg.Fetch.SecretParams))
		h.render(w, http.StatusOK, "try.html", pg)
		return
	}
	tcfg, tsrc := tryConfig(cfg, d, src)
	ref, err := newRefresher(tcfg, p.st, h.log)
	var matcher *topic.Matcher
	if err == nil {
		matcher, err = topic.Compile(tcfg.Topics)
	}
	if err != nil {
		pg.Problems = append(pg.Problems, "The draft could not be applied: "+err.Error())
		h.render(w, http.StatusOK, "try.html", pg)
		return
	}
	draftRules := map[string]bool{}
	for _, rl := range d.Rules {
		draftRules[rl.Name] = true
	}
	pg.Tried = true
	pg.Items = h.process(ctx, ref, matcher, tsrc, newest(feed.Items), draftRules)
	if len(d.Topics) > 0 {
		// Draft topics have no page.
		for _, v := range pg.Items {
			for _, rs := range [][]reasonView{v.Joined, v.KeptOut} {
				for j := range rs {
					rs[j].Href = ""
				}
			}
		}
	}
	withRoot(pg.Items, pg.Root)
	for _, v := range pg.Items {
		for _, rm := range v.Removals {
			if rm.Draft {
				pg.Removed++
			}
		}
	}
	for _, t := range d.Topics {
		c := tryCount{Name: t.Name}
		for _, v := range pg.Items {
			if slices.ContainsFunc(v.Joined, func(r reasonView) bool { return r.Slug == t.Slug }) {
				c.Items++
			}
		}
		pg.Joined = append(pg.Joined, c)
	}
	h.render(w, http.StatusOK, "try.html", pg)
}

// fetchURL fetches and parses the feed at link, guarded as full-text
// pages are.
func (h *Handler) fetchURL(ctx context.Context, p *pipeline, link string) (*fetch.Feed, error) {
	body, ct, final, err := p.guarded.Document(ctx, link, h.allowPrivate)
	if err != nil {
		return nil, err
	}
	feed, err := fetch.Parse(body, ct, trySource, final)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", redact.URL(final, p.cfg.Fetch.SecretParams), err)
	}
	return feed, nil
}

// A draft is what the try page tries: rules and topics, as configured.
type draft struct {
	Rules  []config.Rule
	Topics []config.Topic
}

// parseDraft parses text, a part of config.yaml with rules and topics
// only, with the configuration's own parser, and returns it or its
// problems, each with its line and column in text. The topics may name
// the sources of cfg. Substitutions (${NAME}, ${file:PATH}) are refused:
// they would read the environment and files of the server.
func parseDraft(text string, cfg *config.Config) (*draft, []string) {
	if strings.TrimSpace(text) == "" {
		return nil, []string{"The draft is empty: write a rule or a topic, as in config.yaml (rules: or topics:)."}
	}
	if strings.Contains(text, "${") {
		return nil, []string{"A draft may not hold substitutions (${...}): they would read the server's environment and files."}
	}
	if problems := checkDraft(text); len(problems) > 0 {
		return nil, problems
	}
	// The configured sources follow the draft, so that its lines keep
	// their numbers and its topics may name them; their URLs stand in.
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\nsources:\n")
	for _, s := range cfg.Sources {
		fmt.Fprintf(&b, "  - name: %s\n    url: http://localhost/\n", strconv.Quote(s.Name))
	}
	c, err := config.Parse([]byte(b.String()), "draft", config.Options{
		KnownRules: knownRules(),
		LookupEnv:  func(string) (string, bool) { return "", false },
	})
	if err != nil {
		var es config.Errors
		if !errors.As(err, &es) {
			return nil, []string{err.Error()}
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Error())
		}
		return nil, out
	}
	if len(c.Rules) == 0 && len(c.Topics) == 0 {
		return nil, []string{"The draft has no rule and no topic."}
	}
	return &draft{Rules: c.Rules, Topics: c.Topics}, nil
}

// checkDraft reports what in text is not a part of config.yaml that may
// be tried: one YAML document, a mapping of rules and topics only, no
// topic private.
func checkDraft(text string) []string {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return []string{"draft: " + err.Error()}
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return []string{"The draft must be one YAML document."}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return []string{"The draft must be a mapping with rules: or topics:, as in config.yaml."}
	}
	root := doc.Content[0]
	var out []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "rules":
		case "topics":
			if v.Kind != yaml.SequenceNode {
				continue // the parser says what is wrong
			}
			for _, t := range v.Content {
				if t.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(t.Content); j += 2 {
					if t.Content[j].Value == "private" {
						out = append(out, fmt.Sprintf("draft:%d:%d: a draft topic cannot be private", t.Content[j].Line, t.Content[j].Column))
					}
				}
			}
		default:
			out = append(out, fmt.Sprintf("draft:%d:%d: only rules and topics can be tried, not %q", k.Line, k.Column, k.Value))
		}
	}
	return out
}

// tryConfig returns the configuration and source that try d on src: d's
// rules replace the configured ones of the same names and apply to src as
// if it named them; d's topics, when it has any, replace the configured
// ones, else the public topics stay.
func tryConfig(cfg *config.Config, d *draft, src config.Source) (*config.Config, config.Source) {
	c := *cfg
	names := map[string]bool{}
	for _, r := range d.Rules {
		names[r.Name] = true
	}
	c.Rules = nil
	for _, r := range cfg.Rules {
		if !names[r.Name] {
			c.Rules = append(c.Rules, r)
		}
	}
	c.Rules = append(c.Rules, d.Rules...)
	src.Rules = slices.Clone(src.Rules)
	for _, r := range d.Rules {
		if !slices.Contains(src.Rules, r.Name) {
			src.Rules = append(src.Rules, r.Name)
		}
	}
	c.Sources = []config.Source{src}
	c.Topics = publicTopics(cfg.Topics)
	if len(d.Topics) > 0 {
		c.Topics = d.Topics
	}
	return &c, src
}
