package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/fulltext"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/refresh"
	"github.com/refeed/refeed/siteconfig"
)

// options are the command's settings.
type options struct {
	data      string // the benchmark's folder
	python    string // the interpreter for evaluate.py
	bootstrap int    // evaluate.py's --n-bootstrap
	worst     int    // pages to list in print
	keep      string // evaluate.py's folder, kept; "" for a temporary one
	listRules bool   // print lists every removal of a rule
	sites     string // a folder of FiveFilters site configs; "" for none
}

// maxPage bounds a page of the data set, decompressed.
const maxPage = 64 << 20

// A page is one page of the data set.
type page struct {
	id, url string
}

// figures are evaluate.py's figures for one output.
type figures struct {
	F1           float64 `json:"f1"`
	F1Std        float64 `json:"f1_std"`
	Precision    float64 `json:"precision"`
	PrecisionStd float64 `json:"precision_std"`
	Recall       float64 `json:"recall"`
	RecallStd    float64 `json:"recall_std"`
	Accuracy     float64 `json:"accuracy"`
	// TPFPFNs are the true positives, false positives and false
	// negatives of every page, in the order of ground-truth.json,
	// normalized to sum to 1.
	TPFPFNs [][3]float64 `json:"tp_fp_fns"`
}

// A result is what a run measured.
type result struct {
	figures
	pages   []page
	failed  map[string]string // page id: why no article came out
	removed map[string]int    // rule: removals made
	// rules are the removals of rules (not of the built-in steps:
	// sanitizing, trackers, parameters, empty elements), by page id.
	rules    map[string][]clean.Removal
	duration time.Duration // extraction of all pages, decoding included
	evalOut  string        // what evaluate.py printed
}

// run extracts the article of every page of the data set and has
// evaluate.py measure the result.
func run(o options) (*result, error) {
	gtPath := filepath.Join(o.data, "ground-truth.json")
	gtData, err := os.ReadFile(gtPath)
	if err != nil {
		return nil, err
	}
	pages, err := readGroundTruth(gtData)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gtPath, err)
	}
	var sites *siteconfig.Set
	if o.sites != "" {
		if sites, err = siteconfig.Load(o.sites); err != nil {
			return nil, err
		}
	}
	cleaner, err := clean.NewWithOptions(nil, clean.Options{SiteConfigs: sites})
	if err != nil {
		return nil, err
	}
	res := &result{pages: pages, failed: map[string]string{}, removed: map[string]int{}, rules: map[string][]clean.Removal{}}
	texts := make(map[string]string, len(pages))
	articles := make(map[string]string, len(pages))
	start := time.Now()
	for _, p := range pages {
		text, article, removed, err := extractFile(cleaner, sites, filepath.Join(o.data, "html", p.id+".html.gz"), p.url)
		if err != nil {
			res.failed[p.id] = err.Error()
		}
		for _, r := range removed {
			res.removed[r.Rule]++
			switch r.Rule {
			case clean.RuleSanitize, clean.RuleTracker, clean.RuleParams, clean.RuleEmpty:
			default:
				res.rules[p.id] = append(res.rules[p.id], r)
			}
		}
		texts[p.id] = text
		articles[p.id] = article
	}
	res.duration = time.Since(start)

	dir := o.keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "refeed-extract-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	if err := writeEvalDir(dir, gtData, pages, texts, articles, o.keep != ""); err != nil {
		return nil, err
	}
	script, err := filepath.Abs(filepath.Join(o.data, "evaluate.py"))
	if err != nil {
		return nil, err
	}
	res.evalOut, res.figures, err = evaluate(o.python, script, dir, o.bootstrap)
	if err != nil {
		return nil, err
	}
	if len(res.TPFPFNs) != len(pages) {
		return nil, fmt.Errorf("evaluate.py: %d pages measured, %d extracted", len(res.TPFPFNs), len(pages))
	}
	return res, nil
}

// readGroundTruth returns the pages of ground-truth.json in its order,
// the order of evaluate.py's per-page figures.
func readGroundTruth(data []byte) ([]page, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var pages []page
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		id, _ := t.(string)
		var v struct {
			URL string `json:"url"`
		}
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("page %s: %w", id, err)
		}
		if id == "" || strings.ContainsAny(id, `/\`) || id[0] == '.' {
			return nil, fmt.Errorf("page id %q: not a file name", id)
		}
		pages = append(pages, page{id: id, url: v.URL})
	}
	return pages, nil
}

// extractFile returns the article of the page in the gzipped file at
// path, as refeed extracts it from the page fetched from pageURL, as text
// and as HTML, and what cleaning removed.
func extractFile(c *clean.Cleaner, sites *siteconfig.Set, path, pageURL string) (text, article string, removed []clean.Removal, err error) {
	raw, err := readGzip(path)
	if err != nil {
		return "", "", nil, err
	}
	page, err := fulltext.Decode(raw, "text/html")
	if err != nil {
		return "", "", nil, fmt.Errorf("%s: %w", path, err)
	}
	var content string
	if sites != nil {
		// As a fulltext source with site configs reads one page (see
		// fulltext.Fetcher.Article): the host's config, else global.txt.
		host := ""
		if u, err := url.Parse(pageURL); err == nil {
			host = u.Hostname()
		}
		var art fulltext.Article
		art, err = fulltext.ExtractSite(page, pageURL, sites.For(host), fulltext.ExtractOptions{Clean: func(page, pageURL string) string {
			cleaned, rm := c.Page(page, pageURL, nil)
			removed = append(removed, rm...)
			return cleaned
		}})
		content = art.Content
		removed = append(removed, clean.SiteConfigRemovals(art.Stripped, clean.FieldPage)...)
	} else {
		content, removed, err = refresh.Article(c, page, pageURL, nil)
	}
	if err != nil {
		return "", "", removed, err
	}
	it := item.Item{Link: pageURL, Content: content}
	removed = append(removed, c.Item(&it, nil)...)
	text, err = htmlText(it.Content)
	return text, it.Content, removed, err
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxPage+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxPage {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxPage)
	}
	return data, nil
}

// htmlText returns the text of an HTML fragment as a browser's innerText
// gives it: blocks on lines of their own.
func htmlText(s string) (string, error) {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		return "", fmt.Errorf("article text: %w", err)
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	return strings.TrimSpace(render.InnerText(body)), nil
}

// writeEvalDir writes what evaluate.py reads into dir: ground-truth.json
// and output/refeed.json, and with all set every article's text in
// text/ID.txt and its HTML in article/ID.html.
func writeEvalDir(dir string, gtData []byte, pages []page, out, articles map[string]string, all bool) error {
	if err := os.MkdirAll(filepath.Join(dir, "output"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ground-truth.json"), gtData, 0o644); err != nil {
		return err
	}
	type body struct {
		ArticleBody string `json:"articleBody"`
	}
	pred := make(map[string]body, len(out))
	for id, t := range out {
		pred[id] = body{t}
	}
	data, err := json.MarshalIndent(pred, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "output", "refeed.json"), data, 0o644); err != nil {
		return err
	}
	if !all {
		return nil
	}
	for _, sub := range []string{"text", "article"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for _, p := range pages {
		if err := os.WriteFile(filepath.Join(dir, "text", p.id+".txt"), []byte(out[p.id]+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "article", p.id+".html"), []byte(articles[p.id]+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// evaluate runs evaluate.py in dir and returns what it printed and its
// figures for output/refeed.json.
func evaluate(python, script, dir string, bootstrap int) (string, figures, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "--n-bootstrap", fmt.Sprint(max(bootstrap, 2)), "--output", "results.json")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", figures{}, fmt.Errorf("%s %s: %w: %s", python, script, err, strings.TrimSpace(stderr.String()))
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return "", figures{}, fmt.Errorf("evaluate.py: %w", err)
	}
	var all map[string]figures
	if err := json.Unmarshal(data, &all); err != nil {
		return "", figures{}, fmt.Errorf("evaluate.py: results.json: %w", err)
	}
	f, ok := all["refeed"]
	if !ok {
		return "", figures{}, errors.New("evaluate.py: no figures for output/refeed.json")
	}
	return string(out), f, nil
}

// print writes the figures, the pages without an article, the removals
// by rule (each removal of a rule too with listRules) and the worst
// pages.
func (r *result) print(w io.Writer, worst int, listRules bool) {
	fmt.Fprintf(w, "pages %d, extracted in %v (%v a page)\n", len(r.pages), r.duration.Round(time.Millisecond),
		(r.duration / time.Duration(max(len(r.pages), 1))).Round(10*time.Microsecond))
	fmt.Fprintf(w, "F1 %.3f ± %.3f  precision %.3f ± %.3f  recall %.3f ± %.3f  accuracy %.3f\n",
		r.F1, r.F1Std, r.Precision, r.PrecisionStd, r.Recall, r.RecallStd, r.Accuracy)
	if len(r.failed) > 0 {
		fmt.Fprintf(w, "no article in %d pages:\n", len(r.failed))
		for _, id := range slices.Sorted(maps.Keys(r.failed)) {
			fmt.Fprintf(w, "  %s: %s\n", id, r.failed[id])
		}
	}
	if len(r.removed) > 0 {
		fmt.Fprintln(w, "removals by rule:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, rule := range slices.Sorted(maps.Keys(r.removed)) {
			fmt.Fprintf(tw, "  %s\t%d\n", rule, r.removed[rule])
		}
		tw.Flush()
	}
	if listRules {
		fmt.Fprintln(w, "removals by rules:")
		for _, p := range r.pages {
			for _, rm := range r.rules[p.id] {
				fmt.Fprintf(w, "  %s %s\n", p.id[:min(len(p.id), 12)], rm)
			}
		}
	}
	if worst <= 0 {
		return
	}
	type score struct {
		page
		p, r, f1 float64
	}
	var scores []score
	for i, tff := range r.TPFPFNs {
		p, rc := ratio(tff[0], tff[1]), ratio(tff[0], tff[2])
		scores = append(scores, score{r.pages[i], p, rc, 2 * p * rc / max(p+rc, 1e-9)})
	}
	slices.SortStableFunc(scores, func(a, b score) int {
		switch {
		case a.f1 < b.f1:
			return -1
		case a.f1 > b.f1:
			return 1
		}
		return 0
	})
	fmt.Fprintf(w, "the %d pages with the lowest F1:\n", min(worst, len(scores)))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  F1\tprecision\trecall\tpage\thost")
	for _, s := range scores[:min(worst, len(scores))] {
		host := ""
		if u, err := url.Parse(s.url); err == nil {
			host = u.Hostname()
		}
		fmt.Fprintf(tw, "  %.3f\t%.3f\t%.3f\t%s\t%s\n", s.f1, s.p, s.r, s.id[:min(len(s.id), 12)], host)
	}
	tw.Flush()
}

// ratio returns tp/(tp+x), 1 when both are 0 (evaluate.py's convention
// for a page whose true and extracted bodies are both empty).
func ratio(tp, x float64) float64 {
	if tp+x == 0 {
		return 1
	}
	return tp / (tp + x)
}
