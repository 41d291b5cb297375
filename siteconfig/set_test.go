package siteconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// writeSet writes files (name: content) into a new directory and loads it.
func writeSet(t *testing.T, files map[string]string) *Set {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLookup(t *testing.T) {
	s := writeSet(t, map[string]string{
		"example.com.txt":        "body: //div[@id='example']\n",
		".example.com.txt":       "body: //div[@id='subdomains']\n",
		"sport.example.com.txt":  "body: //div[@id='sport']\n",
		"www.blue.example.txt":   "body: //div[@id='www-blue']\n",
		".co.uk.txt":             "body: //div[@id='co-uk']\n",
		"news.example.co.uk.txt": "body: //div[@id='news-co-uk']\n",
		"LICENSE.txt":            "These files are released to the public domain.\n",
		"README.md":              "# not a site\n",
	})
	tests := []struct{ host, want string }{
		{"example.com", "example.com.txt"},
		{"www.example.com", "example.com.txt"},
		{"WWW.Example.COM.", "example.com.txt"},
		{"news.example.com", ".example.com.txt"},
		{"a.b.example.com", ".example.com.txt"},
		{"www.news.example.com", ".example.com.txt"},
		{"sport.example.com", "sport.example.com.txt"},
		{"www.sport.example.com", "sport.example.com.txt"},
		{"live.sport.example.com", ".example.com.txt"},
		{"www.blue.example", "www.blue.example.txt"},
		{"blue.example", ""},
		{"news.example.co.uk", "news.example.co.uk.txt"},
		{"example.co.uk", ".co.uk.txt"},
		{"other.com", ""},
		{"com", ""},
		{"", ""},
		{"license", ""},
	}
	for _, tt := range tests {
		if got := s.Lookup(tt.host).Name(); got != tt.want {
			t.Errorf("Lookup(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
	if s.Len() != 6 || s.Files != 6 {
		t.Errorf("Len() = %d, Files = %d, want 6", s.Len(), s.Files)
	}
	if strings.Join(s.Skipped, ",") != "LICENSE.txt" {
		t.Errorf("Skipped = %q, want LICENSE.txt", s.Skipped)
	}
	if len(s.Warnings) > 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
}

func TestFor(t *testing.T) {
	s := writeSet(t, map[string]string{
		"global.txt": `title: //meta[@property="og:title"]/@content
strip: //div[@class='ad']
strip_id_or_class: sharedaddy
find_string: <amp-img
replace_string: <img
http_header(user-agent): global-agent
http_header(referer): https://global.example/
prune: no
`,
		"example.com.txt": `title: //h1
strip: //div[@class='ad']
strip: //aside
http_header(User-Agent): site-agent
`,
		"alone.example.txt": "autodetect_on_failure: no\nbody: //article\n",
	})
	c := s.For("www.example.com")
	if got := strings.Join(c.Files, ","); got != "example.com.txt,global.txt" {
		t.Errorf("files = %s", got)
	}
	var strips []string
	for _, e := range c.Strip {
		strips = append(strips, e.Source)
	}
	if got := strings.Join(strips, " "); got != "//div[@class='ad'] //aside" {
		t.Errorf("strip = %s, want the site's then global's, without repeats", got)
	}
	if len(c.Title) != 2 || c.Title[0].Source != "//h1" {
		t.Errorf("title: the site's does not come first: %v", c.Title)
	}
	if c.HTTPHeader["user-agent"] != "site-agent" || c.HTTPHeader["referer"] != "https://global.example/" {
		t.Errorf("headers = %v, want the site's over global's", c.HTTPHeader)
	}
	if c.Prunes() {
		t.Errorf("prune: global's no does not apply where the site does not say")
	}
	if len(c.Replace) != 1 || len(c.StripIDOrClass) != 1 {
		t.Errorf("global's replacements and strip_id_or_class are not merged")
	}
	if own := s.Lookup("example.com"); len(own.Strip) != 2 || len(own.Files) != 1 {
		t.Errorf("Lookup merged global in: %v", own.Files)
	}
	if got := s.For("alone.example").Files; len(got) != 1 {
		t.Errorf("autodetect_on_failure: no merged global in: %v", got)
	}
	if got := s.For("elsewhere.example").Name(); got != "global.txt" {
		t.Errorf("For a host without a config = %q, want global.txt", got)
	}
	var none *Set
	if none.For("example.com") != nil || none.Lookup("example.com") != nil || none.Len() != 0 {
		t.Errorf("a nil set has configs")
	}
}

// TestConfigDigest: a config's digest names the texts of its files, its
// site's and global.txt's: the same files give the same digest in any
// directory; changing either file, or its name, gives another.
func TestConfigDigest(t *testing.T) {
	files := map[string]string{
		"example.com.txt":   "body: //article\n",
		"other.example.txt": "body: //article\n",
		"global.txt":        "strip: //aside\n",
	}
	a, b := writeSet(t, files), writeSet(t, files)
	d := a.For("example.com").Digest()
	if d == "" || d != b.For("www.example.com").Digest() {
		t.Errorf("the same files: %q and %q", d, b.For("www.example.com").Digest())
	}
	if a.For("other.example").Digest() == d {
		t.Error("another file of the same text has the same digest")
	}
	if a.Lookup("example.com").Digest() == d {
		t.Error("the site's file alone has the digest of the site merged with global.txt")
	}
	if g := a.For("elsewhere.example").Digest(); g == "" || g != a.Global().Digest() {
		t.Errorf("global.txt alone: %q, want global's %q", g, a.Global().Digest())
	}
	files["global.txt"] = "strip: //nav\n"
	c := writeSet(t, files)
	if c.For("example.com").Digest() == d {
		t.Error("a change of global.txt leaves the site's digest")
	}
	files["global.txt"] = "strip: //aside\n"
	files["example.com.txt"] = "body: //main\n"
	c = writeSet(t, files)
	if c.For("example.com").Digest() == d || c.For("other.example").Digest() != a.For("other.example").Digest() {
		t.Error("a change of one site's file changes no digest but its site's")
	}
	var none *Config
	if none.Digest() != "" {
		t.Error("a nil config has a digest")
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("Load of a missing directory: no error")
	}
	s := writeSet(t, map[string]string{
		"big.example.txt": "body: //article\n" + strings.Repeat("# padding\n", maxFile/10+1),
		"ok.example.txt":  "body: //article\nwhat: ever\n",
	})
	if s.Lookup("big.example") != nil || s.Lookup("ok.example") == nil {
		t.Errorf("a file over the limit was read, or the other was not")
	}
	if len(s.Warnings) != 2 || s.Warnings[0].File != "big.example.txt" || s.Warnings[1].String() != `ok.example.txt:2: unknown directive "what"` {
		t.Errorf("warnings = %v", s.Warnings)
	}
}

// setDir is the public set of site configs, beside the repository.
var setDir = filepath.Join("..", "..", "shared", "ftr-site-config")

// TestWholeSet loads every file of the public set: none is an error, every
// site's file is found from its host, and every config runs on a page
// without failing.
func TestWholeSet(t *testing.T) {
	entries, err := os.ReadDir(setDir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the site config set is needed in CI: %v", err)
		}
		t.Skipf("the site config set is not available (%v): ../shared/ftr-site-config is absent", err)
	}
	s, err := Load(setDir)
	if err != nil {
		t.Fatal(err)
	}
	txt := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".txt") {
			txt++
		}
	}
	if s.Files+len(s.Skipped) != txt || s.Files < 2000 {
		t.Errorf("read %d files and skipped %d of %d", s.Files, len(s.Skipped), txt)
	}
	if s.Global() == nil {
		t.Error("no global.txt")
	}
	// A few lines of the set are not directives, or XPath the format
	// does not allow; far more would be a parsing mistake.
	if len(s.Warnings) > s.Files/50 {
		t.Errorf("%d warnings for %d files:\n%v", len(s.Warnings), s.Files, s.Warnings)
	}
	for _, w := range s.Warnings {
		t.Logf("warning: %s", w)
	}
	page := `<html><head><title>T</title><meta property="og:title" content="OG"></head><body>
<header><h1 class="headline">Title</h1><span class="byline">By A</span></header>
<article class="content"><div id="story" class="article-body"><p>Text <a href="/x">link</a>.</p>
<img src="https://ads.example/pixel.gif"><div class="share"><a href="/s">Share</a></div></div></article>
<a rel="next" href="/page/2">Next</a></body></html>`
	for _, name := range s.Sites() {
		host := strings.TrimPrefix(name, ".")
		if strings.HasPrefix(name, ".") {
			host = "sub." + host
			if s.Site(host) != nil {
				continue
			}
		}
		c := s.For(host)
		if s.Lookup(host) != s.Site(name) {
			t.Errorf("Lookup(%q) = %s, want %s.txt", host, s.Lookup(host).Name(), name)
			continue
		}
		doc, err := html.Parse(strings.NewReader(c.ReplaceHTML(page)))
		if err != nil {
			t.Fatal(err)
		}
		c.NextPageURL(doc, nil)
		c.SinglePageURL(doc, nil)
		c.TitleOf(doc)
		c.AuthorsOf(doc)
		c.DateOf(doc)
		keep, _ := c.BodyOf(doc)
		c.StripPage(doc, keep...)
		c.BodyOf(doc)
	}
}
