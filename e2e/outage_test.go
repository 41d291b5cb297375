package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/refeed/refeed/internal/pgtest"
)

// cuttableProxy forwards TCP connections on loopback to a server, until
// cut: then it closes every connection and refuses new ones, as a
// database server that went away; mend lets them through again.
type cuttableProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *cuttableProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// setCut cuts (closing every connection) or mends the proxy.
func (p *cuttableProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestPostgresOutage: an instance on PostgreSQL keeps serving the feeds
// it holds while the server is unreachable, says so in /healthz (503,
// the store's error), and recovers when the server is back, without a
// restart: a story the source gained meanwhile is published.
func TestPostgresOutage(t *testing.T) {
	db := pgtest.Database(t, "")
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCuttableProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	feed := newCountingFeed(t, "outage")
	addr := freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`listen: %q
data_dir: %s
store: %s
cluster:
  poll: 100ms
  lease: 2s
  leader_ttl: 2s
sources:
  - name: outage
    url: %s
    schedule: "@every 1s"
`, addr, filepath.Join(dir, "data"), u.String(), feed.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startRefeed(t, "run", "-config", cfg)
	base := "http://" + addr
	var held []byte
	eventually(t, 20*time.Second, "the feed served", func() error {
		resp, body, err := get(base + "/all.json")
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("outage story 2")) {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
		}
		held = body
		return nil
	})

	proxy.setCut(true)
	eventually(t, 20*time.Second, "/healthz reporting the store", func() error {
		code, body, err := healthz(addr)
		if err != nil {
			return err
		}
		if code != 503 || !strings.Contains(body, "store") {
			return fmt.Errorf("status %d: %s", code, body)
		}
		return nil
	})
	// Longer than the lead lasts unrenewed, and than a lease.
	time.Sleep(3 * time.Second)
	resp, body, err := get(base + "/all.json")
	if err != nil || resp.StatusCode != 200 || !bytes.Contains(body, []byte("outage story")) {
		t.Fatalf("during the outage: %v %v %.200s", err, resp, body)
	}
	if len(body) < len(held) {
		t.Errorf("during the outage the feed shrank: %d bytes, %d before", len(body), len(held))
	}
	if _, _, err := healthz(addr); err != nil {
		t.Fatal(err)
	}
	before := feed.hits.Load()

	proxy.setCut(false)
	eventually(t, 40*time.Second, "recovery", func() error {
		code, body, err := healthz(addr)
		if err != nil {
			return err
		}
		if code != 200 {
			return fmt.Errorf("/healthz %d: %s", code, body)
		}
		n := feed.hits.Load()
		_, feedBody, err := get(base + "/all.json")
		if err != nil {
			return err
		}
		if n <= before || !bytes.Contains(feedBody, []byte(fmt.Sprintf("outage story %d", before+1))) {
			return fmt.Errorf("fetched %d times (%d before the server came back); feed: %.300s", n, before, feedBody)
		}
		return nil
	})
	if err := p.stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Errorf("the log has a panic:\n%s", p.stderr.String())
	}
}
