// Package benchdata provides the inputs of refeed's benchmarks and of the
// refeed-bench load harness: the files of the shared corpus of real feeds,
// a taz-like feed (the seed article as HTML paragraphs, with a tracking
// pixel and the donation appeal) and the example configuration's topics.
//
// The benchmarks of every package (fetch, clean, topic, store, publish,
// refresh, server) use it from their external test packages (package
// fetch_test, ...), which may import packages that import the package under
// test.
package benchdata

import (
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/clean"
	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/fetch"
	"github.com/refeed/refeed/item"
	"github.com/refeed/refeed/publish"
	"github.com/refeed/refeed/topic"
)

// CorpusEnv names an environment variable that overrides where the corpus
// is; by default it is ../shared/corpus next to the module's root.
const CorpusEnv = "REFEED_CORPUS"

// ErrNoShared is returned when ../shared (the corpus and the seed example)
// is absent.
var ErrNoShared = errors.New("../shared is absent")

// sharedDir returns the shared folder: ../shared from the module root.
func sharedDir() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				shared := filepath.Join(d, "..", "shared")
				if _, err := os.Stat(shared); err == nil {
					return filepath.Clean(shared), nil
				}
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", ErrNoShared
}

// CorpusDir returns the folder of the corpus of real feeds.
func CorpusDir() (string, error) {
	if d := os.Getenv(CorpusEnv); d != "" {
		return d, nil
	}
	shared, err := sharedDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(shared, "corpus"), nil
}

// A File is one file of the corpus.
type File struct {
	Name string
	Body []byte
}

// CorpusFiles returns every file of the corpus but its TSV tables, sorted by
// name. Not all of them are feeds: callers keep those fetch.Parse accepts.
func CorpusFiles() ([]File, error) {
	dir, err := CorpusDir()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoShared, err)
	}
	var out []File
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: e.Name(), Body: b})
	}
	return out, nil
}

// CorpusURL is the URL the benchmarks give a corpus file as its feed URL.
func CorpusURL(name string) string { return "https://corpus.example/" + name }

// Taz is the seed example, ../shared/examples/taz-article-page.txt, split
// into its parts.
type Taz struct {
	Residue  string   // the tracking pixel's residue, "piwik no script img"
	Title    string   // the headline
	Subtitle string   // the standfirst
	Article  []string // the article's paragraphs after the standfirst
	Appeal   []string // the donation appeal's paragraphs
	Size     int      // bytes of the file
}

// TazArticle reads the seed example.
func TazArticle() (*Taz, error) {
	shared, err := sharedDir()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(shared, "examples", "taz-article-page.txt"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoShared, err)
	}
	paras := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	if len(paras) < 5 {
		return nil, errors.New("taz example: too few paragraphs")
	}
	t := &Taz{Residue: paras[0], Title: paras[1], Subtitle: paras[2], Size: len(b)}
	for i, p := range paras[3:] {
		if strings.HasPrefix(p, "Eine Koalition") {
			t.Article, t.Appeal = paras[3:3+i], paras[3+i:]
			return t, nil
		}
	}
	return nil, errors.New("taz example: appeal not found")
}

// TazFeedURL is the URL of the taz-like feed.
const TazFeedURL = "https://taz.de/!p4608;rss/"

// TazLink returns the link of item i of the taz-like feed.
func TazLink(i int) string { return fmt.Sprintf("https://taz.de/!60%05d/", 43131+i) }

// ContentHTML returns the article as a feed would carry it in
// content:encoded: a Piwik pixel in noscript, the paragraphs (the first
// one's "Nato-Sprecherin" a link with utm parameters), and the appeal box
// with its "Jetzt unterstützen" button.
func (t *Taz) ContentHTML(i int) string {
	var b strings.Builder
	b.WriteString(`<noscript><img src="https://taz.de/stats/piwik.php?idsite=1&amp;rec=1&amp;url=` + TazLink(i) + `" style="border:0;" alt="" /></noscript>` + "\n")
	for j, p := range t.Article {
		p = html.EscapeString(p)
		if j == 0 {
			p = strings.Replace(p, "Nato-Sprecherin", `<a href="https://www.nato.int/cps/en/natohq/news.htm?utm_source=taz&amp;utm_medium=rss">Nato-Sprecherin</a>`, 1)
		}
		b.WriteString("<p>" + p + "</p>\n")
	}
	b.WriteString(`<div class="sect_donation"><h2>` + html.EscapeString(t.Appeal[0]) + "</h2>\n")
	for _, p := range t.Appeal[1:] {
		b.WriteString("<p>" + html.EscapeString(strings.TrimSuffix(p, " Jetzt unterstützen")) + "</p>\n")
	}
	b.WriteString(`<a href="https://taz.de/zahlich/?utm_campaign=zahlich&amp;utm_source=rss">Jetzt unterstützen</a></div>`)
	return b.String()
}

// TazFeed returns an RSS 2.0 feed of n items like the seed example: each
// item's content:encoded is ContentHTML, its description the standfirst.
// Items differ in title, link and date only.
func TazFeed(n int) ([]byte, error) {
	t, err := TazArticle()
	if err != nil {
		return nil, err
	}
	base := time.Date(2024, 10, 23, 18, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">` + "\n<channel>\n")
	b.WriteString("<title>taz.de - Politik</title>\n<link>https://taz.de/Politik/!p4608/</link>\n<description>taz.de - Nachrichten</description>\n<language>de-DE</language>\n")
	for i := range n {
		fmt.Fprintf(&b, "<item>\n<title>%s (%d)</title>\n<link>%s</link>\n<guid isPermaLink=\"true\">%s</guid>\n<pubDate>%s</pubDate>\n<dc:creator>taz</dc:creator>\n<category>Politik</category>\n<category>Ausland</category>\n",
			html.EscapeString(t.Title), i+1, TazLink(i), TazLink(i), base.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z))
		b.WriteString("<description>" + html.EscapeString(t.Subtitle) + "</description>\n")
		b.WriteString("<content:encoded><![CDATA[" + strings.ReplaceAll(t.ContentHTML(i), "]]>", "]]]]><![CDATA[>") + "]]></content:encoded>\n</item>\n")
	}
	b.WriteString("</channel>\n</rss>\n")
	return []byte(b.String()), nil
}

// Topics returns the topics of the example configuration (config.yaml):
// NATO/Korea, Klima and KI, in the form config.Load gives them.
func Topics() []config.Topic {
	all := []string{config.FieldTitle, config.FieldSummary, config.FieldContent, config.FieldCategories}
	return []config.Topic{
		{Name: "NATO/Korea", Slug: "nato-korea", In: all, Match: config.Match{
			Any: []string{"nato", "nordatlantik*", "atlantic alliance", "*korea*", "pjöngjang", "pyongyang", "kim jong un"}}},
		{Name: "Klima", Slug: "klima", In: all, Match: config.Match{
			Any:  []string{"klima*", "climate", "erderwärmung", "global warming", "emission*", "cop 30", "cop30"},
			None: []string{"betriebsklima", "klimaanlage*"}}},
		{Name: "KI", Slug: "ki", In: []string{config.FieldTitle, config.FieldSummary, config.FieldCategories}, Match: config.Match{
			Any: []string{"ki", "künstliche intelligenz", "artificial intelligence", "machine learning", "chatgpt", "openai", "large language model*", "llm*"}}},
	}
}

// Config returns the configuration config.Parse makes of an empty file in
// dir (every default: fetch concurrency 8, 2 per host, 200 items per feed,
// 720h, data under dir/data) with the example's topics and no source. The
// built-in site packs apply; there are no rules of its own.
func Config(dir string) (*config.Config, error) {
	cfg, err := config.Parse(nil, filepath.Join(dir, "config.yaml"), config.Options{})
	if err != nil {
		return nil, err
	}
	cfg.Topics = Topics()
	return cfg, nil
}

// A Feed is one feed document of a benchmark set, parsed.
type Feed struct {
	Name  string // the source's name
	URL   string
	Body  []byte
	Items []item.Item // as fetch.Parse returns them
}

// Sets are the benchmark sets of documents, for Feeds.
var Sets = []string{"corpus", "taz"}

// Feeds returns a set of parsed feed documents: "corpus" is every corpus
// file that fetch.Parse accepts, "taz" the taz-like feed of 50 items. It
// returns their total size in bytes and number of items too.
func Feeds(set string) (feeds []Feed, size, items int, err error) {
	switch set {
	case "corpus":
		files, err := CorpusFiles()
		if err != nil {
			return nil, 0, 0, err
		}
		for _, f := range files {
			u := CorpusURL(f.Name)
			pf, err := fetch.Parse(f.Body, "", f.Name, u)
			if err != nil {
				continue
			}
			feeds = append(feeds, Feed{Name: f.Name, URL: u, Body: f.Body, Items: pf.Items})
		}
	case "taz":
		body, err := TazFeed(50)
		if err != nil {
			return nil, 0, 0, err
		}
		pf, err := fetch.Parse(body, "", "taz", TazFeedURL)
		if err != nil {
			return nil, 0, 0, err
		}
		feeds = []Feed{{Name: "taz", URL: TazFeedURL, Body: body, Items: pf.Items}}
	default:
		return nil, 0, 0, fmt.Errorf("unknown benchmark set %q", set)
	}
	for _, f := range feeds {
		size += len(f.Body)
		items += len(f.Items)
	}
	return feeds, size, items, nil
}

// CloneItems returns a copy of items that cleaning can change in place
// without changing items (strings are shared, slices copied).
func CloneItems(items []item.Item) []item.Item {
	out := slices.Clone(items)
	for i := range out {
		out[i].Enclosures = slices.Clone(out[i].Enclosures)
		out[i].Categories = slices.Clone(out[i].Categories)
		out[i].Authors = slices.Clone(out[i].Authors)
	}
	return out
}

// Process cleans and tags copies of the feeds' items as
// refresh.Refresher.Process does (clean, id, topics), for the benchmarks of
// the stages after them.
func Process(feeds []Feed, c *clean.Cleaner, m *topic.Matcher) []Feed {
	out := slices.Clone(feeds)
	for i := range out {
		out[i].Items = CloneItems(out[i].Items)
		for j := range out[i].Items {
			it := &out[i].Items[j]
			_, parsed := c.ItemParsed(it, nil)
			it.ID = item.NewID(out[i].Name, it)
			it.Topics = m.MatchTrees(it, parsed.Summary, parsed.Content)
		}
	}
	return out
}

// Stages returns a cleaner and a matcher configured as Config's.
func Stages() (*clean.Cleaner, *topic.Matcher, error) {
	c, err := clean.New(nil)
	if err != nil {
		return nil, nil, err
	}
	m, err := topic.Compile(Topics())
	if err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// AllFeed returns the output feed "all" of a set as refresh would publish it
// after one refresh of its feeds: the newest 200 items (the default
// retention.max_items), cleaned and tagged, newest first as the store orders
// them, with their first-seen time, sources and the topics' names.
func AllFeed(set string) (*publish.Feed, error) {
	feeds, _, _, err := Feeds(set)
	if err != nil {
		return nil, err
	}
	c, m, err := Stages()
	if err != nil {
		return nil, err
	}
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	f := &publish.Feed{
		Slug: config.AllFeed, Title: "All items", Description: "Every item of every source, cleaned by refeed",
		BaseURL: "http://localhost:8080", TopicNames: map[string]string{}, Sources: map[string]publish.SourceInfo{},
	}
	for _, t := range Topics() {
		f.TopicNames[t.Slug] = t.Name
	}
	for _, fd := range Process(feeds, c, m) {
		f.Sources[fd.Name] = publish.SourceInfo{Title: fd.Name, URL: fd.URL}
		for _, it := range fd.Items {
			it.FirstSeen = now
			it.Sources = []string{fd.Name}
			f.Items = append(f.Items, it)
		}
	}
	// By publication date, but never later than first seen.
	sortTime := func(it *item.Item) time.Time {
		if !it.Published.IsZero() && it.Published.Before(it.FirstSeen) {
			return it.Published
		}
		return it.FirstSeen
	}
	slices.SortStableFunc(f.Items, func(a, b item.Item) int { return sortTime(&b).Compare(sortTime(&a)) })
	f.Items = f.Items[:min(len(f.Items), 200)]
	return f, nil
}

// Load returns the feeds of a set for a benchmark, as Feeds does, and
// skips the benchmark when the set's input (the shared corpus) is absent.
func Load(b *testing.B, set string) (feeds []Feed, size, items int) {
	b.Helper()
	feeds, size, items, err := Feeds(set)
	if err != nil {
		b.Skipf("benchmark input not available: %v", err)
	}
	return feeds, size, items
}

// ReportItems reports items per second besides a benchmark's MB/s, for
// items handled per iteration.
func ReportItems(b *testing.B, items int) {
	b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
