package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const (
	privatePW    = "s3cret-Pass_word"
	privateToken = "e2e0123456789abcdef0123456789abc"
)

// privateConfig writes the offline example's configuration, served at
// addr, with its topic NATO/Korea private: alice's password as a bcrypt
// hash, and a token. It returns the file and the hash.
func privateConfig(t *testing.T, dir, addr string) (string, string) {
	t.Helper()
	example, err := filepath.Abs(filepath.Join("..", "examples", "offline"))
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(privatePW), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(example, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(orig), `listen: ""`, fmt.Sprintf("listen: %q\nbase_url: http://%s", addr, addr), 1)
	text = strings.Replace(text, "url: sample.rss", "url: "+filepath.Join(example, "sample.rss"), 1)
	private := fmt.Sprintf("    slug: nato-korea\n    private:\n      users:\n        - name: alice\n          password_bcrypt: %q\n      token: %s\n", hash, privateToken)
	if !strings.Contains(text, "    slug: nato-korea\n") {
		t.Fatal("the example has no topic nato-korea")
	}
	text = strings.Replace(text, "    slug: nato-korea\n", private, 1)
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, string(hash)
}

// newsboatUnread subscribes a fresh newsboat to url and returns what it
// prints after a reload: "N unread articles".
func newsboatUnread(t *testing.T, dir, name, url string) string {
	t.Helper()
	urls := filepath.Join(dir, "urls-"+name)
	os.WriteFile(urls, []byte(url+"\n"), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "newsboat", "-u", urls, "-c", filepath.Join(dir, name+".db"), "-C", os.DevNull, "-x", "reload", "print-unread").CombinedOutput()
	if err != nil {
		t.Fatalf("newsboat %s: %v\n%s", name, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestPrivateTopicEndToEnd runs 'refeed run' with a private topic: newsboat
// reads it with alice's password in the URL, or the token, and gets
// nothing without them; the topic is on no public surface (index, OPML,
// the categories of all, public/, /healthz, /metrics), and no secret is in
// any output, the log included.
func TestPrivateTopicEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("newsboat"); err != nil {
		skipOrFail(t, "newsboat is not installed")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg, hash := privateConfig(t, dir, addr)
	secrets := []string{privatePW, privateToken, hash, hash[7:]}

	code, out, errOut := runCmd(t, "check", "-config", cfg)
	if code != 0 || out != "" {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}

	p := startRefeed(t, "run", "-config", cfg)
	base := "http://" + addr
	eventually(t, 8*time.Second, "feeds served", func() error {
		_, body, err := get(base + "/all.rss")
		if err != nil {
			return err
		}
		if n := bytes.Count(body, []byte("<item>")); n != 4 {
			return fmt.Errorf("all.rss has %d items", n)
		}
		return nil
	})

	for _, ext := range []string{".rss", ".atom"} {
		if got := newsboatUnread(t, dir, "alice"+ext, "http://alice:"+privatePW+"@"+addr+"/nato-korea"+ext); got != "2 unread articles" {
			t.Errorf("newsboat as alice, %s: %q, want 2 unread articles", ext, got)
		}
		if got := newsboatUnread(t, dir, "token"+ext, base+"/nato-korea"+ext+"?token="+privateToken); got != "2 unread articles" {
			t.Errorf("newsboat with the token, %s: %q, want 2 unread articles", ext, got)
		}
		if got := newsboatUnread(t, dir, "anonymous"+ext, base+"/nato-korea"+ext); got != "0 unread articles" {
			t.Errorf("newsboat without a password, %s: %q, want 0 unread articles", ext, got)
		}
		if got := newsboatUnread(t, dir, "wrong"+ext, "http://alice:wrong@"+addr+"/nato-korea"+ext); got != "0 unread articles" {
			t.Errorf("newsboat with a wrong password, %s: %q, want 0 unread articles", ext, got)
		}
	}

	resp, body, err := get(base + "/nato-korea.rss")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Basic realm="refeed"` || resp.Header.Get("ETag") != "" || bytes.Contains(body, []byte("NATO")) {
		t.Errorf("without credentials: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}

	// No public surface names the topic.
	for _, path := range []string{"/", "/opml", "/all.rss", "/all.atom", "/all.json", "/klima.rss", "/healthz", "/metrics"} {
		resp, body, err := get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		for _, s := range []string{"nato-korea", "NATO/Korea"} {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("%s names the private topic (%s)", path, s)
			}
		}
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("%s shows a secret", path)
			}
		}
	}
	public, err := filepath.Glob(filepath.Join(dir, "data", "public", "nato-korea.*"))
	if err != nil || len(public) != 0 {
		t.Errorf("public files of the private topic: %v %v", public, err)
	}
	private, _ := filepath.Glob(filepath.Join(dir, "data", "private", "nato-korea.*"))
	if len(private) != 3 {
		t.Errorf("private files: %v", private)
	}
	if fi, err := os.Stat(filepath.Join(dir, "data", "private")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("private folder: %v %v", fi, err)
	}
	for _, s := range secrets {
		if strings.Contains(p.stderr.String(), s) {
			t.Errorf("the log shows a secret")
		}
	}
}

// refeed check reports a private topic's mistakes at their lines without
// showing the secrets.
func TestCheckPrivateTopic(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("listen: \"\"\ntopics:\n  - name: NATO\n    private:\n      users:\n        - name: alice\n          password_bcrypt: not-a-hash-but-a-password\n      token: short-secret\n  - name: Other\n    private: a-token-written-as-the-value\n"), 0o600)
	code, out, _ := runCmd(t, "check", "-config", cfg)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{cfg + ":7:28: topics[0].private.users[0].password_bcrypt:", cfg + ":8:14: topics[0].private.token:", cfg + ":10:14: topics[1].private:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, s := range []string{"not-a-hash-but-a-password", "short-secret", "a-token-written-as-the-value"} {
		if strings.Contains(out, s) {
			t.Errorf("output shows the secret %q:\n%s", s, out)
		}
	}
}

// A topic made private by a reload (SIGHUP) stops being served without
// credentials, leaves the index page, and its public files are removed.
func TestTopicTurnsPrivateOnReload(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg, _ := privateConfig(t, dir, addr)
	privateText, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(privateText, []byte("    private:\n"))
	j := bytes.Index(privateText, []byte("      token: "))
	publicText := append(slices.Clone(privateText[:i]), privateText[j+len("      token: ")+len(privateToken)+1:]...)
	os.WriteFile(cfg, publicText, 0o600)

	p := startRefeed(t, "run", "-config", cfg)
	base := "http://" + addr
	publicFile := filepath.Join(dir, "data", "public", "nato-korea.rss")
	eventually(t, 8*time.Second, "the topic served publicly", func() error {
		resp, _, err := get(base + "/nato-korea.rss")
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		_, err = os.Stat(publicFile)
		return err
	})
	os.WriteFile(cfg, privateText, 0o600)
	p.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, 8*time.Second, "the topic private after the reload", func() error {
		resp, _, err := get(base + "/nato-korea.rss")
		if err != nil {
			return err
		}
		if resp.StatusCode != 401 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		if _, err := os.Stat(publicFile); err == nil {
			return fmt.Errorf("%s still there", publicFile)
		}
		if _, page, _ := get(base + "/"); bytes.Contains(page, []byte("nato-korea")) {
			return fmt.Errorf("still on the index page")
		}
		return nil
	})
	req, _ := http.NewRequest("GET", base+"/nato-korea.rss", nil)
	req.SetBasicAuth("alice", privatePW)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("as alice after the reload: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
