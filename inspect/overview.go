package inspect

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/redact"
	"github.com/refeed/refeed/store"
)

// overviewPage is the data of /inspect/.
type overviewPage struct {
	page
	StoreError string
	Sources    []sourceRow
	Failing    int
	Topics     []topicRow
}

// A sourceRow is a source with its health.
type sourceRow struct {
	Name, Href, URL string
	Status          string // ok, failing, never fetched
	LastSuccess     stamp
	LastAttempt     stamp
	NextRun         stamp
	LastError       string
	Failures        int
	Items           int // stored, in the feed of all items
	Fulltext        bool
	Rules           []string
}

// A topicRow is a topic with its terms.
type topicRow struct {
	Name, Slug, Href string
	Any, All, None   []string
	In               []string
	Sources          []string
	Items            int
}

// A stamp is a time for people: absolute and relative to now.
type stamp struct {
	When     string // "2025-03-01 12:00:05 UTC"; empty for none
	ISO      string
	Relative string // "3 min ago", "in 2 min"
}

func stampOf(t, now time.Time) stamp {
	if t.IsZero() {
		return stamp{}
	}
	u := t.UTC()
	return stamp{When: u.Format("2006-01-02 15:04:05 UTC"), ISO: u.Format(time.RFC3339), Relative: relative(t, now)}
}

// relative says how far t is from now, roughly.
func relative(t, now time.Time) string {
	d := now.Sub(t)
	suffix, prefix := " ago", ""
	if d < 0 {
		d, suffix, prefix = -d, "", "in "
	}
	var s string
	switch {
	case d < time.Minute:
		s = "less than a minute"
		if prefix == "" {
			return "just now"
		}
	case d < time.Hour:
		s = plural(int(d/time.Minute), "min")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "h")
	default:
		s = plural(int(d/(24*time.Hour)), "days")
	}
	return prefix + s + suffix
}

func plural(n int, unit string) string {
	return strconv.Itoa(n) + " " + unit
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	cfg := h.config()
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	p := overviewPage{page: page{Root: "./", Title: "Inspector"}}
	states, counts, topicCounts, err := h.stored(ctx, cfg)
	if err != nil {
		p.StoreError = err.Error()
	}
	now := h.now()
	for _, src := range cfg.Sources {
		row := sourceOf(src, states[src.Name], cfg, now)
		row.Items = counts[src.Name]
		if row.Status == "failing" {
			p.Failing++
		}
		p.Sources = append(p.Sources, row)
	}
	for _, t := range publicTopics(cfg.Topics) {
		p.Topics = append(p.Topics, topicRow{
			Name: t.Name, Slug: t.Slug, Href: "topic/" + url.PathEscape(t.Slug),
			Any: t.Match.Any, All: t.Match.All, None: t.Match.None, In: t.In, Sources: t.Sources,
			Items: topicCounts[t.Slug],
		})
	}
	h.render(w, http.StatusOK, "overview.html", p)
}

// sourceOf describes src with its stored state.
func sourceOf(src config.Source, st store.SourceState, cfg *config.Config, now time.Time) sourceRow {
	row := sourceRow{
		Name: src.Name, Href: "source/" + url.PathEscape(src.Name), URL: redact.URL(src.URL, cfg.Fetch.SecretParams),
		LastSuccess: stampOf(st.LastSuccess, now), LastAttempt: stampOf(st.LastAttempt, now), NextRun: stampOf(st.NextDue, now),
		LastError: st.LastError, Failures: st.Failures, Fulltext: src.Fulltext, Rules: src.Rules,
	}
	switch {
	case st.Failures > 0:
		row.Status = "failing"
	case st.LastSuccess.IsZero():
		row.Status = "never fetched"
	default:
		row.Status = "ok"
	}
	return row
}

// stored reads the sources' states, the number of stored items of each
// source (in the feed of all items) and of each public topic. Without a
// store, all are empty.
func (h *Handler) stored(ctx context.Context, cfg *config.Config) (map[string]store.SourceState, map[string]int, map[string]int, error) {
	counts, topics := map[string]int{}, map[string]int{}
	states, err := h.states(ctx)
	if err != nil {
		return states, counts, topics, err
	}
	st := h.store()
	items, err := st.Feed(ctx, config.AllFeed, cfg.Retention.MaxItems)
	if err != nil {
		return states, counts, topics, err
	}
	for _, it := range items {
		if len(it.Sources) == 0 {
			counts[it.Source]++
		}
		for _, s := range it.Sources {
			counts[s]++
		}
	}
	for _, t := range publicTopics(cfg.Topics) {
		if n, err := st.Count(ctx, t.Slug); err == nil {
			topics[t.Slug] = n
		}
	}
	return states, counts, topics, nil
}

// states reads the sources' states, by name.
func (h *Handler) states(ctx context.Context) (map[string]store.SourceState, error) {
	states := map[string]store.SourceState{}
	st := h.store()
	if st == nil {
		return states, errNoStore
	}
	list, err := st.Sources(ctx)
	for _, s := range list {
		states[s.Name] = s
	}
	return states, err
}

// errNoStore is the error of pages without a store.
var errNoStore = storeError("the store is not available (not open yet, or damaged): nothing stored can be shown")

type storeError string

func (e storeError) Error() string { return string(e) }
