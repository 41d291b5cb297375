//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/refeed/refeed/server"
)

// A loadCase is one kind of request of the serving load test.
type loadCase struct {
	name    string
	path    string
	headers []string // "Name: value"
	want    int      // status
}

// serveBench serves srv on loopback with the daemon's http.Server settings
// and measures requests per second for a few kinds of requests: with the
// harness's own HTTP/1.1 keep-alive client (o.clients connections, in this
// process) and with wrk when it is installed.
func serveBench(ctx context.Context, srv *server.Server, o options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(ln.Addr().String())
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	var cases []loadCase
	for _, path := range []string{"/all.rss", "/nato-korea.rss"} {
		resp, err := http.Get(base + path)
		if err != nil {
			return err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err = http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return err
		}
		gz, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		cases = append(cases,
			loadCase{fmt.Sprintf("%s 200 (%d KB)", path, n>>10), path, nil, 200},
			loadCase{fmt.Sprintf("%s 200 gzip (%d KB)", path, gz>>10), path, []string{"Accept-Encoding: gzip"}, 200},
			loadCase{path + " 304", path, []string{"Accept-Encoding: gzip", "If-None-Match: " + etag}, 304},
		)
	}

	_, wrkErr := exec.LookPath("wrk")
	fmt.Printf("serving over loopback: %d connections, %s per test; client and server share the machine\n", o.clients, o.duration)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "request\tGo client req/s\twrk req/s\t")
	for _, c := range cases {
		rate, err := goLoad(ctx, ln.Addr().String(), c, o.clients, o.duration)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		wrkRate := "-"
		if wrkErr == nil {
			r, err := runWrk(base+c.path, c.headers, o.clients, o.duration)
			if err != nil {
				wrkRate = "error: " + err.Error()
			} else {
				wrkRate = fmt.Sprintf("%.0f", r)
			}
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t\n", c.name, rate, wrkRate)
	}
	tw.Flush()
	if wrkErr != nil {
		fmt.Println("(wrk not installed: apt-get install -y wrk)")
	}
	return nil
}

// goLoad runs clients keep-alive connections sending c's request in a loop
// for d, and returns the answers with the wanted status per second. The
// client is a minimal HTTP/1.1 reader (status line, Content-Length, body
// discarded), so that it costs little CPU next to the server.
func goLoad(ctx context.Context, addr string, c loadCase, clients int, d time.Duration) (float64, error) {
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: refeed-bench\r\n", c.path, addr)
	for _, h := range c.headers {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	raw := []byte(req.String())

	var count atomic.Int64
	var firstErr error
	var errOnce sync.Once
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
				return
			}
			defer conn.Close()
			br := bufio.NewReaderSize(conn, 64<<10)
			for time.Now().Before(deadline) {
				if _, err := conn.Write(raw); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				status, err := readResponse(br)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				if status != c.want {
					errOnce.Do(func() { firstErr = fmt.Errorf("status %d, want %d", status, c.want) })
					return
				}
				count.Add(1)
			}
		})
	}
	start := time.Now()
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds(), firstErr
}

// readResponse reads one response and returns its status.
func readResponse(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, err
	}
	length := int64(0)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h := strings.TrimSpace(string(line))
		if h == "" {
			break
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Content-Length") {
			if length, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
				return 0, err
			}
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Transfer-Encoding") && strings.TrimSpace(v) != "identity" {
			return 0, errors.New("chunked responses are not supported")
		}
	}
	if status == http.StatusNotModified || status == http.StatusNoContent {
		return status, nil
	}
	_, err = br.Discard(int(length))
	return status, err
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// runWrk runs wrk (2 threads) and returns its requests per second.
func runWrk(url string, headers []string, clients int, d time.Duration) (float64, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(clients), "-d" + strconv.Itoa(max(int(d.Seconds()), 1)) + "s"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx or 3xx responses") {
		return 0, fmt.Errorf("errors: %s", out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no rate in %q", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
