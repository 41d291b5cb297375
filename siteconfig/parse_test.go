package siteconfig

import (
	"reflect"
	"strings"
	"testing"
)

const sample = `# A comment, then every directive.
title: //h1[@class='headline']
title: //meta[@property="og:title"]/@content
body: //div[@id='story'] | //p[@class='lede']
author: //span[@class='byline']
date: //time/@datetime
strip: //div[@class='ad']
strip_attr: //img/@srcset
strip_id_or_class: share
strip_id_or_class: "quoted'
strip_image_src: pixel.gif
find_string: <amp-img
replace_string: <img
replace_string(<a href="http://x.example">): <a>
replace_string(foo()): bar
find_string: <br><br>
replace_string:
single_page_link: //a[@class='print']
if_page_contains: //div[@class='pager']
next_page_link: //a[@rel='next']
http_header(User-Agent): Mozilla/5.0 (test)
http_header(referer): https://example.com/
prune: no
tidy: no
autodetect_on_failure: yes
test_url: https://example.com/a
test_contains: first words
test_contains: later words
test_url: https://example.com/b
login_uri: https://example.com/login
wrap_in(blockquote): //p[@class='quote']
`

func TestParse(t *testing.T) {
	c, warnings := Parse("example.com.txt", []byte(sample))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	sources := func(es []*Expr) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Source)
		}
		return out
	}
	values := func(ms []Match) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Value)
		}
		return out
	}
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
		}
	}
	check("title", sources(c.Title), []string{`//h1[@class='headline']`, `//meta[@property="og:title"]/@content`})
	check("body", sources(c.Body), []string{`//div[@id='story'] | //p[@class='lede']`})
	check("author", sources(c.Author), []string{`//span[@class='byline']`})
	check("date", sources(c.Date), []string{`//time/@datetime`})
	check("strip", sources(c.Strip), []string{`//div[@class='ad']`, `//img/@srcset`})
	check("strip_id_or_class", values(c.StripIDOrClass), []string{"share", "quoted"})
	check("strip_image_src", values(c.StripImageSrc), []string{"pixel.gif"})
	var pairs [][2]string
	for _, r := range c.Replace {
		pairs = append(pairs, [2]string{r.Find, r.Replace})
	}
	check("replacements", pairs, [][2]string{
		{"<amp-img", "<img"},
		{`<a href="http://x.example">`, "<a>"},
		{"foo()", "bar"},
		{"<br><br>", ""},
	})
	check("single_page_link", sources(c.SinglePageLink), []string{`//a[@class='print']`})
	if c.SinglePageLink[0].If == nil || c.SinglePageLink[0].If.Source != `//div[@class='pager']` {
		t.Errorf("if_page_contains does not condition the single_page_link before it: %+v", c.SinglePageLink[0].If)
	}
	check("next_page_link", sources(c.NextPageLink), []string{`//a[@rel='next']`})
	if c.NextPageLink[0].If != nil {
		t.Errorf("next_page_link conditioned by the if_page_contains before it")
	}
	check("http_header", c.HTTPHeader, map[string]string{"user-agent": "Mozilla/5.0 (test)", "referer": "https://example.com/"})
	check("prune, tidy, autodetect", []bool{c.Prunes(), c.Tidies(), c.Autodetects()}, []bool{false, false, true})
	check("tests", c.Tests, []Test{
		{Pos: Pos{"example.com.txt", 26}, URL: "https://example.com/a", Contains: []string{"first words", "later words"}},
		{Pos: Pos{"example.com.txt", 29}, URL: "https://example.com/b"},
	})
	check("unapplied", c.Unapplied, map[string]int{"login_uri": 1, "wrap_in(…)": 1})
	check("position", c.Body[0].Pos, Pos{"example.com.txt", 4})
}

func TestParseDefaults(t *testing.T) {
	c, warnings := Parse("a.example.txt", []byte("body: //article\n"))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if !c.Prunes() || !c.Tidies() || !c.Autodetects() {
		t.Errorf("prune, tidy and autodetect_on_failure are not yes by default")
	}
	var none *Config
	if !none.Prunes() || !none.Autodetects() || none.HasStrip() || none.Name() != "" {
		t.Errorf("a nil config does not have the defaults")
	}
}

func TestParseWarnings(t *testing.T) {
	data := strings.Join([]string{
		"titl: //h1",                             // 1: unknown directive
		"https://example.com/an/article",         // 2: a URL alone
		"// a comment written as in C",           // 3: no colon
		"body: //div[contains(@class='a')]",      // 4: bad XPath
		"strip: ///span",                         // 5: bad XPath
		"test_contains: words",                   // 6: no test_url before
		"find_string: <x>",                       // 7: no replace_string
		"prune: maybe",                           // 8: not yes or no
		"http_header(x-secret): 1",               // 9: a header that is not sent
		"if_page_contains: //div",                // 10: nothing to condition
		"body:",                                  // 11: empty
		"strange(thing): x",                      // 12: unknown directive with an argument
		"body: //article",                        // fine
		"title: id('headline')",                  // fine: id() is rewritten
		"date: substring-before(id(\"d\"), 'x')", // fine
	}, "\n")
	c, warnings := Parse("w.example.txt", []byte(data))
	var got []string
	for _, w := range warnings {
		got = append(got, w.String())
	}
	want := []string{
		`w.example.txt:1: unknown directive "titl"`,
		`w.example.txt:2: unknown directive "https"`,
		`w.example.txt:3: not a directive (no colon): "// a comment written as in C"`,
		`w.example.txt:4: body: bad XPath`,
		`w.example.txt:5: strip: bad XPath`,
		`w.example.txt:6: test_contains without a test_url before it`,
		`w.example.txt:8: prune: want yes or no, got "maybe"`,
		`w.example.txt:9: http_header(x-secret): only user-agent, referer, cookie and accept are sent`,
		`w.example.txt:10: if_page_contains without a single_page_link or next_page_link before it`,
		`w.example.txt:11: body: empty value`,
		`w.example.txt:12: unknown directive "strange(thing)"`,
		`w.example.txt:7: find_string without its replace_string`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	if len(c.Body) != 1 || len(c.Title) != 1 || len(c.Date) != 1 {
		t.Errorf("the good lines were not kept: body %d, title %d, date %d", len(c.Body), len(c.Title), len(c.Date))
	}
}

func TestParseHostile(t *testing.T) {
	// Long lines, invalid UTF-8, NUL bytes, a BOM: warnings at most.
	data := "\uFEFFbody: //article\n" + strings.Repeat("x", maxLine+10) + "\nstrip: //div[@id='\xff\x00']\n"
	c, _ := Parse("h.example.txt", []byte(data))
	if len(c.Body) != 1 {
		t.Errorf("the line after a BOM was not read")
	}
}
