//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/refeed/refeed/cmd/refeed-bench/benchdata"
	"github.com/refeed/refeed/item"
)

// The synthetic sources are served by a child process (this program run
// with -feed-server), so that the CPU time, allocations and peak memory
// measured in the parent are refeed's alone.

// feedParams describe the synthetic sources.
type feedParams struct {
	sources      int
	items        int     // per feed
	noValidators float64 // fraction of sources without ETag and Last-Modified
	// article makes every item article-sized: its content:encoded is the
	// seed article's HTML (about 4 KB), its paragraphs in an order of its
	// own; title, summary and categories stay the corpus item's.
	article bool
}

// validators reports whether source s sends an ETag (and Last-Modified).
// Sources without are spread evenly over the range.
func (p feedParams) validators(s int) bool {
	if p.noValidators <= 0 {
		return true
	}
	every := max(int(1/p.noValidators+0.5), 1)
	return s%every != every/2
}

// changedEvery returns the step between the sources that gain an item in
// an incremental cycle changing the fraction f of the sources.
func changedEvery(f float64) int {
	if f <= 0 {
		return 0
	}
	return max(int(1/f+0.5), 1)
}

// A poolItem is a corpus item prepared for writing into feeds: its fields
// already escaped for XML.
type poolItem struct {
	title, summary, content, author string
	categories                      []string
}

// feedServer serves /feed/N for N in [0, sources).
type feedServer struct {
	p    feedParams
	pool []poolItem
	base time.Time

	mu       sync.Mutex
	versions []int // per source: the sequence number of its oldest item

	ok200, not304 atomic.Int64
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// newFeedServer prepares the pool of items: every item of every corpus
// file fetch.Parse accepts.
func newFeedServer(p feedParams) (*feedServer, error) {
	feeds, _, _, err := benchdata.Feeds("corpus")
	if err != nil {
		return nil, err
	}
	fs := &feedServer{p: p, versions: make([]int, p.sources), base: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
	for _, f := range feeds {
		for _, it := range f.Items {
			if strings.TrimSpace(it.Title) == "" && strings.TrimSpace(it.Content+it.Summary) == "" {
				continue
			}
			fs.pool = append(fs.pool, prepare(it))
		}
	}
	if len(fs.pool) == 0 {
		return nil, errors.New("no corpus items")
	}
	if p.article {
		if err := fs.useArticles(); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// useArticles gives the items of the pool the seed article's HTML as their
// content (in CDATA, as taz's feeds carry it), in as many variants as it has paragraphs: variant k starts with
// paragraph k, so that documents do not repeat one content.
func (fs *feedServer) useArticles() error {
	t, err := benchdata.TazArticle()
	if err != nil {
		return err
	}
	n := len(t.Article)
	variants := make([]string, n)
	for k := range variants {
		v := *t
		v.Article = append(slices.Clone(t.Article[k:]), t.Article[:k]...)
		variants[k] = "<![CDATA[" + strings.ReplaceAll(v.ContentHTML(k), "]]>", "]]]]><![CDATA[>") + "]]>"
	}
	for i := range fs.pool {
		fs.pool[i].content = variants[i%n]
		if fs.pool[i].summary == "" || len(fs.pool[i].summary) > 1000 {
			fs.pool[i].summary = escape(t.Subtitle)
		}
	}
	return nil
}

func prepare(it item.Item) poolItem {
	pi := poolItem{title: escape(it.Title), summary: escape(it.Summary), content: escape(it.Content)}
	if len(it.Authors) > 0 {
		pi.author = escape(it.Authors[0].Name)
	}
	for _, c := range it.Categories {
		pi.categories = append(pi.categories, escape(c))
	}
	return pi
}

func (fs *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/bump" {
		fs.bump(w, r)
		return
	}
	if r.URL.Path == "/stats" {
		fmt.Fprintf(w, "%d %d\n", fs.ok200.Swap(0), fs.not304.Swap(0))
		return
	}
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
	if err != nil || n < 0 || n >= fs.p.sources {
		http.NotFound(w, r)
		return
	}
	fs.mu.Lock()
	v := fs.versions[n]
	fs.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	if fs.p.validators(n) {
		etag := fmt.Sprintf(`"s%d-v%d"`, n, v)
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", fs.updated(n, v).Format(http.TimeFormat))
		if r.Header.Get("If-None-Match") == etag {
			fs.not304.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := fs.feed(n, v)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	fs.ok200.Add(1)
	_, _ = w.Write(body)
}

// bump adds one item to every changedEvery-th source (POST /bump?every=K).
func (fs *feedServer) bump(w http.ResponseWriter, r *http.Request) {
	every, err := strconv.Atoi(r.URL.Query().Get("every"))
	if r.Method != http.MethodPost || err != nil || every <= 0 {
		http.Error(w, "POST /bump?every=K", http.StatusBadRequest)
		return
	}
	fs.mu.Lock()
	n := 0
	for s := 0; s < fs.p.sources; s += every {
		fs.versions[s]++
		n++
	}
	fs.mu.Unlock()
	fmt.Fprintln(w, n)
}

// itemTime is the publication date of item seq of source s: one item an
// hour per source, sources a few seconds apart.
func (fs *feedServer) itemTime(s, seq int) time.Time {
	return fs.base.Add(time.Duration(seq)*time.Hour + time.Duration(s)*3*time.Second)
}

func (fs *feedServer) updated(s, v int) time.Time { return fs.itemTime(s, v+fs.p.items-1) }

// feed writes the RSS document of source s at version v: items v to
// v+items-1, newest first. Each item is a corpus item with its own title
// suffix, link and GUID, so that no two sources carry the same story.
func (fs *feedServer) feed(s, v int) []byte {
	var b bytes.Buffer
	b.Grow(fs.p.items * 4096)
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<title>Synthetic source %d</title>\n<link>https://s%d.example.org/</link>\n<description>refeed-bench</description>\n<lastBuildDate>%s</lastBuildDate>\n",
		s, s, fs.updated(s, v).Format(time.RFC1123Z))
	for seq := v + fs.p.items - 1; seq >= v; seq-- {
		pi := &fs.pool[(s*131+seq*17)%len(fs.pool)]
		link := fmt.Sprintf("https://s%d.example.org/%d/", s, seq)
		fmt.Fprintf(&b, "<item>\n<title>%s (%d.%d)</title>\n<link>%s</link>\n<guid isPermaLink=\"true\">%s</guid>\n<pubDate>%s</pubDate>\n",
			pi.title, s, seq, link, link, fs.itemTime(s, seq).Format(time.RFC1123Z))
		if pi.author != "" {
			b.WriteString("<dc:creator>" + pi.author + "</dc:creator>\n")
		}
		for _, c := range pi.categories {
			b.WriteString("<category>" + c + "</category>\n")
		}
		if pi.summary != "" {
			b.WriteString("<description>" + pi.summary + "</description>\n")
		}
		if pi.content != "" {
			b.WriteString("<content:encoded>" + pi.content + "</content:encoded>\n")
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.Bytes()
}

// runFeedServer is the child: it serves until its standard input closes,
// after printing its address.
func runFeedServer(p feedParams) error {
	fs, err := newFeedServer(p)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: fs, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("listening %s %d\n", ln.Addr(), len(fs.pool))
	_, _ = io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}

// A feedChild is the running feed server process.
type feedChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
	pool  int
}

func startFeedChild(p feedParams) (*feedChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-feed-server", "-sources", strconv.Itoa(p.sources), "-items", strconv.Itoa(p.items),
		"-novalidators", strconv.FormatFloat(p.noValidators, 'g', -1, 64), "-article="+strconv.FormatBool(p.article))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &feedChild{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("feed server: %w", err)
	}
	if _, err := fmt.Sscanf(line, "listening %s %d", &c.addr, &c.pool); err != nil {
		c.stop()
		return nil, fmt.Errorf("feed server said %q", line)
	}
	return c, nil
}

func (c *feedChild) url(s int) string { return fmt.Sprintf("http://%s/feed/%d", c.addr, s) }

// bump makes every k-th source gain one item, and returns how many did.
func (c *feedChild) bump(every int) (int, error) {
	resp, err := http.Post(fmt.Sprintf("http://%s/bump?every=%d", c.addr, every), "text/plain", nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var n int
	_, err = fmt.Fscan(resp.Body, &n)
	return n, err
}

// stats returns the 200 and 304 answers served since the last call.
func (c *feedChild) stats(ctx context.Context) (ok, notModified int64, err error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.addr+"/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, err = fmt.Fscan(resp.Body, &ok, &notModified)
	return ok, notModified, err
}

func (c *feedChild) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
