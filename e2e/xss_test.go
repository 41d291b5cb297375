package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/refeed/refeed/internal/xsscheck"
)

// Namespaces of the elements checked in RSS and Atom outputs.
const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDCTerms = "http://purl.org/dc/elements/1.1/"
	nsAtomXML = "http://www.w3.org/2005/Atom"
)

// hostileTopic is a topic name with markup: the index page and the feeds
// must carry it as text.
const hostileTopic = `<script>alert('topic')</script><img src=x onerror=alert(2)> Alerts & "quotes"`

// xmlEsc escapes s for XML character data and attribute values.
func xmlEsc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// cdata wraps s in CDATA sections, splitting its "]]>".
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// hostileLink returns the i-th hostile URL, made unique for item id. As
// an item's link (itemLink), URLs with a fragment are left out: what they
// resolve to differs only in the fragment, and the store rightly takes
// items with the same link for one.
func hostileLink(i int, id string, itemLink bool) string {
	var links []string
	for _, l := range xsscheck.URLs {
		if !itemLink || !strings.Contains(l, "#") {
			links = append(links, l)
		}
	}
	links = append(links, "/relative/"+id, "//protocol-relative.example/", "https://ok.example/")
	return links[i%len(links)] + "?i=" + id
}

// hostileFeeds returns an RSS, an Atom and a JSON feed that carry every
// markup vector in every field of an item, and hostile URLs in its link,
// enclosure and author URI.
func hostileFeeds() (rss, atom, jsonFeed string) {
	var r, a strings.Builder
	var items []map[string]any
	r.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="` + nsContent + `" xmlns:dc="` + nsDCTerms + `"><channel>
<title>` + xmlEsc(`<script>alert('rss')</script>Hostile <b>RSS</b>`) + `</title><link>javascript:alert(1)</link><description>` + xmlEsc(`<img src=x onerror=alert(1)>`) + `</description>
`)
	a.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="` + nsAtomXML + `"><title type="html">` + xmlEsc(`&lt;script&gt;alert('atom')&lt;/script&gt;Hostile <i>Atom</i>`) + `</title>
<id>urn:hostile:atom</id><updated>2026-01-01T00:00:00Z</updated><link href="javascript:alert(1)"/>
`)
	for i, v := range xsscheck.Markup {
		id := fmt.Sprintf("r%d", i)
		fmt.Fprintf(&r, `<item><title>%s</title><link>%s</link><guid isPermaLink="false">urn:hostile:%s</guid>
<description>%s</description><content:encoded>%s</content:encoded>
<author>evil@xss.example (%s)</author><dc:creator>%s</dc:creator><category domain="javascript:alert(1)">%s</category>
<enclosure url="%s" type="audio/mpeg" length="1"/><pubDate>Thu, 01 Jan 2026 00:%02d:00 +0000</pubDate></item>
`, xmlEsc(id+" "+v), xmlEsc(hostileLink(i, id, true)), id, xmlEsc(v), cdata(v), xmlEsc(v), xmlEsc(v), xmlEsc(v), xmlEsc(hostileLink(i+1, id, false)), i%60)

		id = fmt.Sprintf("a%d", i)
		titleType, title := "html", xmlEsc(id+" "+v)
		if i%2 == 1 {
			titleType = "text"
		}
		fmt.Fprintf(&a, `<entry><title type="%s">%s</title><id>urn:hostile:%s</id><updated>2026-01-01T01:%02d:00Z</updated>
<link rel="alternate" href="%s"/><link rel="enclosure" href="%s" type="audio/mpeg"/>
<summary type="html">%s</summary><content type="html">%s</content>
<author><name>%s</name><email>%s</email><uri>%s</uri></author><category term="%s" label="%s"/></entry>
`, titleType, title, id, i%60, xmlEsc(hostileLink(i, id, true)), xmlEsc(hostileLink(i+2, id, false)), xmlEsc(v), xmlEsc(v), xmlEsc(v), xmlEsc(v), xmlEsc(hostileLink(i+3, id, false)), xmlEsc(v), xmlEsc(v))

		id = fmt.Sprintf("j%d", i)
		items = append(items, map[string]any{
			"id": "urn:hostile:" + id, "url": hostileLink(i, id, true), "external_url": hostileLink(i+1, id, false),
			"title": id + " " + v, "content_html": v, "summary": v, "image": hostileLink(i+2, id, false),
			"date_published": fmt.Sprintf("2026-01-01T02:%02d:00Z", i%60),
			"authors":        []map[string]string{{"name": v, "url": hostileLink(i+3, id, false)}},
			"tags":           []string{v, "safe"},
			"attachments":    []map[string]any{{"url": hostileLink(i+4, id, false), "mime_type": "audio/mpeg"}},
		})
	}
	// Atom's inline XHTML: markup as XML elements rather than escaped.
	a.WriteString(`<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">a-xhtml <script>alert(1)</script><b onclick="alert(1)">bold</b></div></title>
<id>urn:hostile:a-xhtml</id><updated>2026-01-01T03:00:00Z</updated>
<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/><a href="javascript:alert(1)">x</a></div></summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><![CDATA[<img src=x onerror=alert(1)>]]><img src="x" onerror="alert(1)"/><iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/></div></content></entry>
`)
	r.WriteString("</channel></rss>\n")
	a.WriteString("</feed>\n")
	j, err := json.Marshal(map[string]any{
		"version": "https://jsonfeed.org/version/1.1", "title": `<script>alert('json')</script>Hostile JSON`,
		"home_page_url": "javascript:alert(1)", "items": items,
	})
	if err != nil {
		panic(err)
	}
	return r.String(), a.String(), string(j)
}

// TestUnsafeContentEndToEnd feeds every hostile vector, in every field of
// RSS, Atom and JSON Feed items, through a real 'refeed once', then
// serves the results with a real 'refeed run'. No output carries anything
// a reader would run: item HTML passes xsscheck.HTML, titles, names and
// categories are plain text, links are http(s) or gone, and the index page
// shows the hostile topic name as text.
func TestUnsafeContentEndToEnd(t *testing.T) {
	rss, atom, jf := hostileFeeds()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, rss)
		case "/atom":
			w.Header().Set("Content-Type", "application/atom+xml")
			io.WriteString(w, atom)
		case "/json":
			w.Header().Set("Content-Type", "application/feed+json")
			io.WriteString(w, jf)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	addr := freeAddr(t)
	topicName, _ := json.Marshal(hostileTopic)
	cfg := fmt.Sprintf(`listen: %%q
base_url: http://%s
schedule: "@every 24h"
retention:
  max_items: 1000
sources:
  - {name: rss, url: %q}
  - {name: atom, url: %q}
  - {name: json, url: %q}
topics:
  - name: %s
    slug: alerts
    match:
      any: [alert]
`, addr, srv.URL+"/rss", srv.URL+"/atom", srv.URL+"/json", topicName)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(cfg, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, "once", "-config", cfgPath); code != 0 {
		t.Fatalf("once: exit %d\n%s", code, stderr)
	}

	public := filepath.Join(dir, "data", "public")
	files, _ := filepath.Glob(filepath.Join(public, "*.*"))
	counts := map[string]int{}
	sources := 0 // items of the sources in all.json: merged items list several
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		var probs []string
		switch filepath.Ext(f) {
		case ".rss", ".atom":
			n, probs = checkXMLFeed(b)
		case ".json":
			n, probs = checkJSONFeed(b)
			if filepath.Base(f) == "all.json" {
				for _, name := range []string{"rss", "atom", "json"} {
					sources += bytes.Count(b, []byte(`"url":"`+srv.URL+"/"+name+`"`))
				}
			}
		default:
			continue
		}
		counts[filepath.Base(f)] = n
		for _, p := range probs {
			t.Errorf("%s: %s", filepath.Base(f), p)
		}
	}
	if want := 3*len(xsscheck.Markup) + 1; sources != want || counts["all.rss"] != counts["all.json"] || counts["all.atom"] != counts["all.json"] {
		t.Errorf("all: %d items from %d source items, want every hostile item (%d); %v", counts["all.json"], sources, want, counts)
	}
	if counts["alerts.rss"] == 0 {
		t.Errorf("the hostile topic's feed is empty: %v", counts)
	}
	checkFeeds(t, public)

	// The index page of a real 'refeed run' over the same store.
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(cfg, addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	startRefeed(t, "run", "-config", cfgPath)
	var index []byte
	eventually(t, 10*time.Second, "the index page lists the feeds", func() error {
		resp, body, err := get("http://" + addr + "/")
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("/alerts.rss")) {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		index = body
		return nil
	})
	for _, p := range checkIndex(index, "http://"+addr+"/") {
		t.Errorf("index page: %s", p)
	}
}

// xmlNode is an element of an RSS or Atom document, read in full.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlNode  `xml:",any"`
}

func (n *xmlNode) attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// checkXMLFeed checks an RSS or Atom output and returns its item count.
func checkXMLFeed(b []byte) (int, []string) {
	var root xmlNode
	if err := xml.Unmarshal(b, &root); err != nil {
		return 0, []string{"not well-formed: " + err.Error()}
	}
	var probs []string
	n := 0
	var walk func(n *xmlNode, path string)
	walk = func(x *xmlNode, path string) {
		path += "/" + x.XMLName.Local
		where := func(ps []string) {
			for _, p := range ps {
				probs = append(probs, path+": "+p)
			}
		}
		inItem := strings.Contains(path, "/item/") || strings.Contains(path, "/entry/")
		switch x.XMLName.Local {
		case "item", "entry":
			n++
		case "description", "encoded", "summary", "content":
			if !inItem {
				break
			}
			switch typ, _ := x.attr("type"); {
			case x.XMLName.Space == nsAtomXML && typ != "html":
				where([]string{"type " + typ + ", want html"})
			default:
				where(xsscheck.HTML(x.Text))
			}
		case "title":
			if typ, ok := x.attr("type"); ok && typ != "text" {
				where([]string{"title of type " + typ})
			}
			if inItem {
				where(xsscheck.Text(x.Text))
			}
		case "name", "email", "category", "creator", "author", "source":
			if inItem {
				where(xsscheck.Text(x.Text))
			}
		case "link", "uri":
			if x.XMLName.Space == "" || x.XMLName.Local == "uri" {
				where(xsscheck.Link(strings.TrimSpace(x.Text)))
			}
		}
		for _, a := range x.Attrs {
			switch a.Name.Local {
			case "href", "url", "src":
				where(xsscheck.Link(a.Value))
			case "term", "label", "title":
				where(xsscheck.Text(a.Value))
			}
		}
		for i := range x.Children {
			walk(&x.Children[i], path)
		}
	}
	walk(&root, "")
	return n, probs
}

// checkJSONFeed checks a JSON Feed output and returns its item count.
func checkJSONFeed(b []byte) (int, []string) {
	var doc struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, []string{"invalid JSON: " + err.Error()}
	}
	var probs []string
	var walk func(key, path string, v any)
	walk = func(key, path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(key, fmt.Sprintf("%s[%d]", path, i), x)
			}
		case string:
			var ps []string
			switch {
			case key == "id":
			case key == "content_html":
				ps = xsscheck.HTML(v)
			case key == "url" && strings.Contains(path, ".authors[") && strings.HasPrefix(v, "mailto:"):
				ps = xsscheck.Text(v)
			case key == "url" || key == "external_url" || key == "image" || key == "banner_image":
				ps = xsscheck.Link(v)
			case key == "date_published" || key == "date_modified" || key == "mime_type":
			default: // title, summary, content_text, names, tags
				ps = xsscheck.Text(v)
			}
			for _, p := range ps {
				probs = append(probs, path+": "+p)
			}
		}
	}
	for i, it := range doc.Items {
		walk("", fmt.Sprintf("items[%d]", i), it)
	}
	return len(doc.Items), probs
}

// checkIndex checks the HTML index page: no script, no handler, every link
// under base, and the hostile topic name shown as text.
func checkIndex(page []byte, base string) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return []string{err.Error()}
	}
	var probs []string
	shown, titled := false, false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			switch n.Data {
			case "script", "img", "iframe", "object", "embed", "svg", "math", "base", "form":
				probs = append(probs, "<"+n.Data+"> element")
			}
			for _, a := range n.Attr {
				switch {
				case strings.HasPrefix(a.Key, "on"):
					probs = append(probs, fmt.Sprintf("<%s %s>", n.Data, a.Key))
				case a.Key == "href" && !strings.HasPrefix(a.Val, base):
					probs = append(probs, fmt.Sprintf("<%s href=%q> not under %s", n.Data, a.Val, base))
				case a.Key == "title" && strings.HasPrefix(a.Val, hostileTopic):
					titled = true
				}
			}
		case html.TextNode:
			if n.Data == hostileTopic {
				shown = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !shown || !titled {
		probs = append(probs, fmt.Sprintf("the topic name is not shown as text (text %v, link title %v)", shown, titled))
	}
	return probs
}
