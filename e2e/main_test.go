package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// refeedBin is the refeed binary the tests run: TestMain builds it before
// any test starts; it is only read afterwards.
var refeedBin string

// TestMain builds refeed once, with -race when the tests are built with
// it, and runs the tests against that binary. A failed build fails the run.
func TestMain(m *testing.M) {
	os.Exit(buildAndTest(m))
}

// buildAndTest builds refeed into a temporary folder, runs the tests and
// returns their exit status.
func buildAndTest(m *testing.M) int {
	dir, err := os.MkdirTemp("", "refeed-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	refeedBin = filepath.Join(dir, "refeed")
	args := []string{"build", "-o", refeedBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "github.com/refeed/refeed")
	// go test puts its own go first in PATH.
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go %s: %v\n%s", strings.Join(args, " "), err, out)
		return 1
	}
	return m.Run()
}

// watchRepository looks at every file of the repository (once a test
// binary), so that a change to any of them runs the tests again: go test
// keeps the result of these tests until a file they opened or looked at
// during the tests changes (os.Stat's size and time; for a folder, only
// its names), and go build read refeed's sources in another process.
var watchRepository = sync.OnceValue(func() error {
	return filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules"):
			return filepath.SkipDir
		case !d.IsDir():
			_, err = os.Stat(path)
		}
		return err
	})
})

// shared is the folder of examples, corpus and interop checks beside the
// repository.
var shared = filepath.Join("..", "..", "shared")

// seedPath is the taz article the project started with (a copy of
// ../shared/examples/taz-article-page.txt, kept so that a fresh clone
// runs the end-to-end tests).
var seedPath = filepath.Join("..", "testdata", "taz-article-page.txt")

// seedFeed returns an RSS feed with the taz example twice: as plain text,
// and as HTML with the tracking image in a <noscript>.
func seedFeed(t *testing.T) (feed string, article []string) {
	t.Helper()
	b, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatalf("seed example: %v", err)
	}
	text := strings.TrimSpace(string(b))
	paras := strings.Split(text, "\n\n")
	var htmlBody strings.Builder
	htmlBody.WriteString(`<p><noscript><img src="https://taz.de/stats/piwik.php?idsite=1&rec=1" style="border:0" alt=""></noscript></p>`)
	for _, p := range paras[1:] {
		if strings.HasPrefix(p, "Eine Koalition") {
			article = paras[1 : len(paras)-len(paras[1:])+indexOf(paras[1:], p)]
		}
		htmlBody.WriteString("<p>" + html.EscapeString(p) + "</p>")
	}
	feed = fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>taz</title><link>https://taz.de/</link><description>taz</description>
<item><title>Deutschland, USA und Nato warnen Nordkorea scharf</title><link>https://taz.de/!6043131/?utm_source=rss&amp;utm_medium=feed</link><guid>https://taz.de/!6043131/</guid><pubDate>Wed, 30 Oct 2024 18:00:00 +0100</pubDate><description>%s</description></item>
<item><title>Nato und Nordkorea (HTML)</title><link>https://taz.de/!6043132/</link><guid>https://taz.de/!6043132/</guid><pubDate>Wed, 30 Oct 2024 17:00:00 +0100</pubDate><description>%s</description></item>
<item><title>Wetter in Berlin</title><link>https://taz.de/!1/</link><guid>https://taz.de/!1/</guid><pubDate>Wed, 30 Oct 2024 16:00:00 +0100</pubDate><description>Sonne und Wolken.</description></item>
</channel></rss>`, html.EscapeString(text), html.EscapeString(htmlBody.String()))
	return feed, article
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// feedServer serves body with an ETag and answers If-None-Match with 304.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []http.Header
}

func newFeedServer(t *testing.T, body string) *feedServer {
	fs := &feedServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.requests = append(fs.requests, r.Header.Clone())
		fs.mu.Unlock()
		if r.URL.Path == "/broken" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		const etag = `"seed-1"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", "Wed, 30 Oct 2024 18:00:00 GMT")
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte(body))
	}))
	t.Cleanup(fs.Close)
	return fs
}

func writeConfig(t *testing.T, dir, sources string) string {
	t.Helper()
	cfg := `listen: ""
base_url: http://feeds.example
sources:
` + sources + `
topics:
  - name: NATO/Korea
    slug: nato-korea
    match:
      any: [nato, nordatlantik*, "*korea*", pjöngjang, pyongyang, kim jong un]
  - name: Wetter
    match:
      any: [wetter]
`
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCmd runs the refeed binary with args and returns its exit status,
// stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runProcess(t, exec.Command(refeedBin, args...))
}

// runProcess runs cmd, a refeed process, to its end and returns its exit
// status, stdout and stderr; a process that could not start or was killed
// fails the test.
func runProcess(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	if err := watchRepository(); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.Exited() {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, errb.String())
	}
	return 0, out.String(), errb.String()
}

type rssDoc struct {
	Items []struct {
		Title      string   `xml:"title"`
		GUID       string   `xml:"guid"`
		Categories []string `xml:"category"`
		Encoded    string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		Desc       string   `xml:"description"`
	} `xml:"channel>item"`
}

type atomDoc struct {
	Entries []struct {
		ID         string `xml:"id"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
		Content string `xml:"content"`
		Summary string `xml:"summary"`
	} `xml:"entry"`
}

type jsonDoc struct {
	Items []struct {
		ID          string   `json:"id"`
		Tags        []string `json:"tags"`
		ContentHTML string   `json:"content_html"`
	} `json:"items"`
}

func readOutputs(t *testing.T, public, slug string) (rssDoc, atomDoc, jsonDoc) {
	t.Helper()
	var r rssDoc
	var a atomDoc
	var j jsonDoc
	for ext, v := range map[string]any{".rss": &r, ".atom": &a, ".json": &j} {
		b, err := os.ReadFile(filepath.Join(public, slug+ext))
		if err != nil {
			t.Fatal(err)
		}
		if ext == ".json" {
			err = json.Unmarshal(b, v)
		} else {
			err = xml.Unmarshal(b, v)
		}
		if err != nil {
			t.Fatalf("%s%s: %v", slug, ext, err)
		}
	}
	return r, a, j
}

// TestOnceSeed is the case that started the project: the taz article, as
// plain text and as HTML, comes out of 'refeed once' in the NATO/Korea
// feeds, its paragraphs intact, without the tracker residue and the appeal.
func TestOnceSeed(t *testing.T) {
	body, article := seedFeed(t)
	srv := newFeedServer(t, body)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+srv.URL+"/feed\n")
	code, _, stderr := runCmd(t, "once", "-config", cfg)
	if code != 0 {
		t.Fatalf("once: exit %d\n%s", code, stderr)
	}
	public := filepath.Join(dir, "data", "public")
	r, a, j := readOutputs(t, public, "nato-korea")
	if len(r.Items) != 2 || len(a.Entries) != 2 || len(j.Items) != 2 {
		t.Fatalf("nato-korea: %d rss, %d atom, %d json items, want 2", len(r.Items), len(a.Entries), len(j.Items))
	}
	docs := map[string][]string{}
	for i := range 2 {
		docs[fmt.Sprint("rss ", i)] = []string{r.Items[i].Encoded + r.Items[i].Desc}
		docs[fmt.Sprint("atom ", i)] = []string{a.Entries[i].Content + a.Entries[i].Summary}
		docs[fmt.Sprint("json ", i)] = []string{j.Items[i].ContentHTML}
		if !contains(r.Items[i].Categories, "NATO/Korea") || !containsTerm(a.Entries[i].Categories, "NATO/Korea") || !contains(j.Items[i].Tags, "NATO/Korea") {
			t.Errorf("item %d lacks category NATO/Korea: rss %v, atom %v, json %v", i, r.Items[i].Categories, a.Entries[i].Categories, j.Items[i].Tags)
		}
	}
	for name, d := range docs {
		text := html.UnescapeString(d[0])
		for _, p := range article {
			if !strings.Contains(text, p) {
				t.Errorf("%s: article paragraph missing: %.60q", name, p)
			}
		}
		for _, bad := range []string{"piwik no script img", "piwik.php", "Eine Koalition, die was bewegt", "Unsere Community ermöglicht", "Mit nur 5,- Euro", "Jetzt unterstützen"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: still carries %q", name, bad)
			}
		}
	}
	w, _, _ := readOutputs(t, public, "wetter")
	if len(w.Items) != 1 || w.Items[0].Title != "Wetter in Berlin" {
		t.Errorf("wetter feed: %+v", w.Items)
	}
	all, _, _ := readOutputs(t, public, "all")
	if len(all.Items) != 3 {
		t.Errorf("all feed: %d items", len(all.Items))
	}
	checkFeeds(t, public)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func containsTerm(cs []struct {
	Term string `xml:"term,attr"`
}, s string) bool {
	for _, c := range cs {
		if c.Term == s {
			return true
		}
	}
	return false
}

// TestOnceTwiceSendsValidators runs 'refeed once' twice against an
// unchanged source: the second run sends the validators, gets 304, and the
// outputs keep their items and ids.
func TestOnceTwiceSendsValidators(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+srv.URL+"/feed\n")
	public := filepath.Join(dir, "data", "public")
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("first once: exit %d\n%s", code, stderr)
	}
	r1, a1, j1 := readOutputs(t, public, "all")
	before, _ := os.ReadFile(filepath.Join(public, "all.atom"))
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("second once: exit %d\n%s", code, stderr)
	}
	srv.mu.Lock()
	last := srv.requests[len(srv.requests)-1]
	srv.mu.Unlock()
	if last.Get("If-None-Match") != `"seed-1"` || last.Get("If-Modified-Since") != "Wed, 30 Oct 2024 18:00:00 GMT" {
		t.Errorf("second fetch sent If-None-Match %q, If-Modified-Since %q", last.Get("If-None-Match"), last.Get("If-Modified-Since"))
	}
	r2, a2, j2 := readOutputs(t, public, "all")
	if len(r2.Items) != len(r1.Items) || len(r2.Items) != 3 {
		t.Fatalf("items %d then %d", len(r1.Items), len(r2.Items))
	}
	for i := range r1.Items {
		if r1.Items[i].GUID != r2.Items[i].GUID || a1.Entries[i].ID != a2.Entries[i].ID || j1.Items[i].ID != j2.Items[i].ID {
			t.Errorf("item %d: ids changed", i)
		}
		if r1.Items[i].GUID != a1.Entries[i].ID || a1.Entries[i].ID != j1.Items[i].ID {
			t.Errorf("item %d: ids differ between formats", i)
		}
	}
	after, _ := os.ReadFile(filepath.Join(public, "all.atom"))
	if !bytes.Equal(before, after) {
		t.Error("all.atom changed although nothing did")
	}
}

// TestOnceFailingSource: one source failing gives exit status 1, the other
// is still refreshed and every output written.
func TestOnceFailingSource(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+srv.URL+"/feed\n  - name: broken\n    url: "+srv.URL+"/broken\n")
	code, _, stderr := runCmd(t, "once", "-config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "broken") || !strings.Contains(stderr, "503") {
		t.Errorf("the failure is not reported:\n%s", stderr)
	}
	r, _, _ := readOutputs(t, filepath.Join(dir, "data", "public"), "all")
	if len(r.Items) != 3 {
		t.Errorf("all: %d items, want 3", len(r.Items))
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, dir, "  - name: taz\n    url: https://taz.de/!p4608;rss/\n")
	if code, out, _ := runCmd(t, "check", "-config", good); code != 0 || out != "" {
		t.Errorf("valid config: exit %d, output %q", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen: \"\"\nsourcez: []\nsources:\n  - name: Taz\n    url: ftp://x\n    schedule: \"61 * * * *\"\n"), 0o644)
	code, out, _ := runCmd(t, "check", "-config", bad)
	if code != 2 {
		t.Errorf("invalid config: exit %d, want 2", code)
	}
	for _, want := range []string{bad + ":2:1:", bad + ":4:11:", bad + ":5:10:", bad + ":6:15:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCmd(t, "once", "-config", bad); code != 2 {
		t.Errorf("once with an invalid config: exit %d, want 2", code)
	}
}

func TestPreview(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+srv.URL+"/feed\n")
	code, out, stderr := runCmd(t, "preview", "-config", cfg, "taz")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"Deutschland, USA und Nato warnen Nordkorea scharf",
		"link: https://taz.de/!6043131/\n",
		"topics: NATO/Korea",
		`topic NATO/Korea: "nato" in title: "Deutschland, USA und Nato warnen Nordkorea scharf"`,
		"removed by tracker (summary): piwik no script img",
		"removed by taz.de (summary): Eine Koalition, die was bewegt",
		"removed by tracking-params (link): utm_source=rss&utm_medium=feed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "refeed.db")); err == nil {
		t.Error("preview created a store")
	}
	code, out, _ = runCmd(t, "preview", "-config", cfg, "-format", "atom", srv.URL+"/feed")
	if code != 0 || !strings.Contains(out, "<feed") || strings.Contains(out, "Jetzt unterstützen") {
		t.Errorf("preview -format atom: exit %d\n%.300s", code, out)
	}
	if code, _, _ := runCmd(t, "preview", "-config", cfg, srv.URL+"/broken"); code != 1 {
		t.Errorf("preview of a failing URL: exit %d, want 1", code)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "refeed ") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

// requireReal reports whether the tests must not do without a real part
// (a tool, the shared folder): in CI (CI set) and under .ci/run
// (REFEED_REQUIRE_INTEROP set).
func requireReal() bool {
	return os.Getenv("CI") != "" || os.Getenv("REFEED_REQUIRE_INTEROP") != ""
}

// skipOrFail skips the test for want of a real part, or fails it when
// requireReal.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if requireReal() {
		t.Fatalf(format+" (required in CI)", args...)
	}
	t.Skipf(format, args...)
}

// logOrFail logs a check left out for want of a real part, or fails the
// test when requireReal.
func logOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if requireReal() {
		t.Fatalf(format+" (required in CI)", args...)
	}
	t.Logf("skipped: "+format, args...)
}

// checkFeeds runs the shared interoperability check (Python feedparser,
// xmllint, jing) and the JSON Feed check (feedsmith) over dir, when their
// tools are installed.
func checkFeeds(t *testing.T, dir string) {
	t.Helper()
	checkJSONFeeds(t, dir)
	script := filepath.Join(shared, "interop", "check-feeds")
	if _, err := os.Stat(script); err != nil {
		logOrFail(t, "the interop check cannot run: %v", err)
		return
	}
	for _, tool := range []string{"/usr/bin/python3", "xmllint", "jing"} {
		if _, err := exec.LookPath(tool); err != nil {
			logOrFail(t, "the interop check cannot run: %s is not installed", tool)
			return
		}
	}
	out, err := exec.Command(script, dir).CombinedOutput()
	if err != nil {
		t.Errorf("check-feeds %s: %v\n%s", dir, err, out)
	}
}

// checkJSONFeeds reads the JSON Feeds in dir with feedsmith, an
// independent parser from npm, through .ci/jsonfeed-check.mjs: version
// 1.1, ids and content, the same item counts as the RSS and Atom files. It
// needs node and the module pinned in .ci/package.json (npm ci --prefix
// .ci).
func checkJSONFeeds(t *testing.T, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("..", ".ci", "node_modules", "feedsmith", "package.json"))
	}
	if err != nil {
		logOrFail(t, "the JSON Feed check cannot run (npm ci --prefix .ci): %v", err)
		return
	}
	out, err := exec.Command(node, filepath.Join("..", ".ci", "jsonfeed-check.mjs"), dir).CombinedOutput()
	if err != nil {
		t.Errorf("jsonfeed-check %s: %v\n%s", dir, err, out)
	}
}

// TestOnceCorpus runs 'refeed once' over every file of the shared corpus:
// the files that are not feeds fail one by one, the others are published,
// and every output passes the interoperability check.
func TestOnceCorpus(t *testing.T) {
	corpus, err := filepath.Abs(filepath.Join(shared, "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(corpus)
	if err != nil {
		skipOrFail(t, "corpus not available (%v): the shared folder beside the repository is absent", err)
	}
	var sources strings.Builder
	n := 0
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		n++
		fmt.Fprintf(&sources, "  - name: c%02d\n    url: %s\n", n, filepath.Join(corpus, e.Name()))
	}
	dir := t.TempDir()
	cfg := writeConfig(t, dir, sources.String())
	code, _, stderr := runCmd(t, "once", "-config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some corpus files are not feeds)\n%s", code, stderr)
	}
	if strings.Contains(stderr, "panic") {
		t.Errorf("panic:\n%s", stderr)
	}
	public := filepath.Join(dir, "data", "public")
	r, _, _ := readOutputs(t, public, "all")
	if len(r.Items) != 200 {
		t.Errorf("all: %d items, want max_items (200)", len(r.Items))
	}
	checkFeeds(t, public)
}

// TestOnceAnnouncesToHubs: with websub hubs, every changed feed carries a
// hub link and is announced once; unchanged feeds are not announced.
func TestOnceAnnouncesToHubs(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	var mu sync.Mutex
	var pings [][]string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		pings = append(pings, r.PostForm["hub.url"])
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+srv.URL+"/feed\nwebsub:\n  hubs: ["+hub.URL+"]\n")
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	mu.Lock()
	first := len(pings)
	got := map[string]bool{}
	for _, p := range pings {
		if len(p) != 3 {
			t.Errorf("ping for %v, want the three formats of one feed", p)
		}
		if len(p) > 0 {
			got[p[0]] = true
		}
	}
	mu.Unlock()
	for _, slug := range []string{"all", "nato-korea", "wetter"} {
		if !got["http://feeds.example/"+slug+".rss"] {
			t.Errorf("no ping for %s: %v", slug, pings)
		}
	}
	if first != 3 {
		t.Errorf("%d pings, want 3 (one per feed)", first)
	}
	atom, _ := os.ReadFile(filepath.Join(dir, "data", "public", "all.atom"))
	if !bytes.Contains(atom, []byte(`href="`+hub.URL+`" rel="hub"`)) && !bytes.Contains(atom, []byte(`rel="hub" href="`+hub.URL+`"`)) {
		t.Errorf("all.atom has no hub link")
	}
	if code, _, _ := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatal("second once failed")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pings) != first {
		t.Errorf("unchanged feeds announced again: %d pings after the second run", len(pings)-first)
	}
}

// TestLoggerOmitsTimeUnderJournald: refeed's log lines carry time=,
// except when JOURNAL_STREAM says journald reads them (it stamps lines
// itself).
func TestLoggerOmitsTimeUnderJournald(t *testing.T) {
	srv := newCountingFeed(t, "log")
	cfg := writeConfig(t, t.TempDir(), "  - name: log\n    url: "+srv.URL+"\n")
	t.Setenv("JOURNAL_STREAM", "")
	code, _, stderr := runCmd(t, "once", "-config", cfg)
	if code != 0 || !strings.Contains(stderr, "time=") {
		t.Errorf("no time without journald: exit %d\n%s", code, stderr)
	}
	t.Setenv("JOURNAL_STREAM", "8:12345")
	code, _, stderr = runCmd(t, "once", "-config", cfg)
	if code != 0 || strings.Contains(stderr, "time=") || !strings.Contains(stderr, `msg="refresh done"`) {
		t.Errorf("under journald: exit %d\n%s", code, stderr)
	}
}

// TestSameStoryFromTwoSources: two feeds carry the same story with
// different tracking parameters; the topic feed has it once, naming both
// sources.
func TestSameStoryFromTwoSources(t *testing.T) {
	story := func(src, params string) string {
		return fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>%s news</title><link>https://%s.example/</link><description>d</description>
<item><title>Nato-Gipfel berät über Nordkorea</title><link>https://www.example.org/politik/nato-gipfel/?%s</link><description>Die Nato berät.</description></item>
<item><title>%s only</title><link>https://%s.example/own</link><description>Nato intern.</description></item>
</channel></rss>`, src, src, params, src, src)
	}
	a := newFeedServer(t, story("alpha", "utm_source=alpha&amp;utm_medium=rss"))
	b := newFeedServer(t, story("beta", "fbclid=XYZ&amp;mc_cid=1#comments"))
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: alpha\n    url: "+a.URL+"/feed\n  - name: beta\n    url: "+b.URL+"/feed\n")
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	public := filepath.Join(dir, "data", "public")
	r, _, _ := readOutputs(t, public, "nato-korea")
	n := 0
	for _, it := range r.Items {
		if it.Title == "Nato-Gipfel berät über Nordkorea" {
			n++
		}
	}
	if n != 1 || len(r.Items) != 3 {
		t.Errorf("nato-korea: the story %d times, %d items (want once, 3 items)", n, len(r.Items))
	}
	var jf struct {
		Items []struct {
			Title  string `json:"title"`
			URL    string `json:"url"`
			Refeed struct {
				Sources []struct{ Name, Title, URL string } `json:"sources"`
			} `json:"_refeed"`
		} `json:"items"`
	}
	b2, _ := os.ReadFile(filepath.Join(public, "nato-korea.json"))
	json.Unmarshal(b2, &jf)
	for _, it := range jf.Items {
		if it.Title != "Nato-Gipfel berät über Nordkorea" {
			continue
		}
		// Either source may be stored first (they are fetched at once);
		// its link stands, without tracking parameters.
		if strings.Contains(it.URL, "?") {
			t.Errorf("link keeps tracking parameters: %s", it.URL)
		}
		var names []string
		for _, s := range it.Refeed.Sources {
			names = append(names, s.Name+"="+s.Title)
		}
		sort.Strings(names)
		if strings.Join(names, ",") != "alpha=alpha news,beta=beta news" {
			t.Errorf("sources %v, want alpha and beta named", names)
		}
	}
	atom, _ := os.ReadFile(filepath.Join(public, "nato-korea.atom"))
	for _, want := range []string{`rel="via" title="alpha news"`, `rel="via" title="beta news"`} {
		if !bytes.Contains(atom, []byte(want)) {
			t.Errorf("nato-korea.atom lacks %s", want)
		}
	}
	checkFeeds(t, public)
}

// TestOnceAlerts: a webhook alert gets nothing for the first refresh of a
// source, one message for a new item of its topic, nothing for an
// unchanged run; alert-test sends a sample.
func TestOnceAlerts(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer hook.Close()
	items := []string{"Nato warnt Nordkorea"}
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		mu.Lock()
		for i, title := range items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>https://ex.org/%d</link></item>", title, i)
		}
		mu.Unlock()
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://ex.org/</link><description>d</description>%s</channel></rss>`, b.String())
	}))
	defer feed.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: ex\n    url: "+feed.URL+"\nalerts:\n  - topic: nato-korea\n    webhook: "+hook.URL+"\n")
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	alert := func(i int) map[string]any { mu.Lock(); defer mu.Unlock(); return got[i] }
	if code, _, stderr := runCmd(t, "once", "-config", cfg); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := count(); n != 0 {
		t.Errorf("first refresh alerted %d times", n)
	}
	// Under mu: the server reads items while refeed, another process,
	// fetches, which the race detector does not see as synchronization.
	mu.Lock()
	items = append(items, "Wetter: Sonne", "Pjöngjang testet Rakete")
	mu.Unlock()
	runCmd(t, "once", "-config", cfg)
	runCmd(t, "once", "-config", cfg)
	if n := count(); n != 1 {
		t.Fatalf("%d alerts, want 1 (the new NATO/Korea item)", n)
	}
	if a := alert(0); a["title"] != "Pjöngjang testet Rakete" || a["topic"] != "NATO/Korea" || a["source"] != "ex" {
		t.Errorf("alert = %v", a)
	}
	code, out, stderr := runCmd(t, "alert-test", "-config", cfg, "nato-korea")
	if code != 0 || count() != 2 || alert(1)["test"] != true {
		t.Errorf("alert-test: exit %d, %q %q, alerts %d", code, out, stderr, count())
	}
	if code, _, _ := runCmd(t, "alert-test", "-config", cfg, "wetter"); code != 1 {
		t.Errorf("alert-test for a topic without alerts: exit %d, want 1", code)
	}
}
