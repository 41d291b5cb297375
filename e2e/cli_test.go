package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPreviewUnknownSource: a preview of a name that is no configured
// source, no file and no URL is a usage error (2) that names the closest
// source, or the sources when none is close; a file path and a URL still
// preview.
func TestPreviewUnknownSource(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: guardian\n    url: "+srv.URL+"/feed\n  - name: taz\n    url: "+srv.URL+"/feed\n")
	code, out, stderr := runCmd(t, "preview", "-config", cfg, "guardin")
	if code != 2 || out != "" || stderr != "refeed preview: no source named guardin; did you mean guardian?\n" {
		t.Errorf("preview guardin: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, _, stderr = runCmd(t, "preview", "-config", cfg, "nytimes")
	if code != 2 || !strings.Contains(stderr, "no source named nytimes, and no file nytimes; sources: guardian, taz") {
		t.Errorf("preview nytimes: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "preview", "-config", cfg, filepath.Join(dir, "missing.xml"))
	if code != 2 || !strings.Contains(stderr, "no source named "+filepath.Join(dir, "missing.xml")+", and no file") {
		t.Errorf("preview of a missing file: exit %d, stderr %q", code, stderr)
	}
	file := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file in the working folder, by its relative path, and a URL.
	for _, args := range [][]string{{"feed.xml"}, {"file://" + file}, {srv.URL + "/feed"}, {"guardian"}} {
		cmd := exec.Command(refeedBin, append([]string{"preview", "-config", cfg}, args...)...)
		cmd.Dir = dir
		code, out, stderr := runProcess(t, cmd)
		if code != 0 || !strings.Contains(out, "Deutschland, USA und Nato warnen Nordkorea scharf") {
			t.Errorf("preview %s: exit %d\n%s%s", args[0], code, out, stderr)
		}
	}
}

// TestFlagsAfterArguments: flags may follow a command's argument; an
// unknown one there is a usage error that says which.
func TestFlagsAfterArguments(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "  - name: taz\n    url: "+srv.URL+"/feed\nalerts:\n  - topic: nato-korea\n    webhook: "+hook.URL+"\n")
	code, out, stderr := runCmd(t, "preview", "taz", "-diff", "-config", cfg)
	if code != 0 || !strings.Contains(out, "diff of the visible text") {
		t.Errorf("preview taz -diff -config: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "preview", "taz", "-config", cfg, "-format", "json")
	if code != 0 || !strings.HasPrefix(out, `{"version":"https://jsonfeed.org/version/1.1"`) {
		t.Errorf("preview taz -config -format json: exit %d\n%.200s%s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "alert-test", "nato-korea", "-config", cfg)
	if code != 0 || hits.Load() != 1 {
		t.Errorf("alert-test nato-korea -config: exit %d, %d deliveries\n%s%s", code, hits.Load(), out, stderr)
	}
	code, out, stderr = runCmd(t, "preview", "taz", "-diff", "-nope", "-config", cfg)
	if code != 2 || out != "" || !strings.HasPrefix(stderr, "refeed preview: flag provided but not defined: -nope\n") || !strings.Contains(stderr, "usage: refeed preview [flags] SOURCE") {
		t.Errorf("preview taz -nope: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	code, _, stderr = runCmd(t, "preview", "taz", "guardian", "-config", cfg)
	if code != 2 || !strings.HasPrefix(stderr, `refeed preview: unexpected argument "guardian" after SOURCE`) {
		t.Errorf("preview with two sources: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runCmd(t, "preview", "-config", cfg, "--", "-diff")
	if code != 2 || !strings.Contains(stderr, "no source named -diff") {
		t.Errorf("preview -- -diff: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runCmd(t, "check", "taz.de", "-config", cfg)
	if code != 2 || !strings.Contains(stderr, `arguments ["taz.de"] need -site-tests`) {
		t.Errorf("check taz.de -config: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runCmd(t, "once", "extra", "-config", cfg)
	if code != 2 || !strings.HasPrefix(stderr, `refeed once: takes no arguments, got "extra"`) {
		t.Errorf("once extra: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestPreviewDiff: preview -diff prints a unified line diff of each
// item's visible text: the appeal cleaning removed as "-" lines, the
// article around it as context, in @@ hunks.
func TestPreviewDiff(t *testing.T) {
	body, _ := seedFeed(t)
	srv := newFeedServer(t, body)
	cfg := writeConfig(t, t.TempDir(), "  - name: taz\n    url: "+srv.URL+"/feed\n")
	code, out, stderr := runCmd(t, "preview", "-config", cfg, "-diff", "taz")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"  diff of the visible text (-before +after):\n    @@ -1,4 +1,3 @@\n    -piwik no script img\n     Deutschland, USA und Nato warnen Nordkorea scharf\n",
		"\n    -Eine Koalition, die was bewegt: taz.de und ihre Leser:innen\n",
		"\n     Am Montag hatte US-Verteidigungsminister",
		"Wetter in Berlin\n",
		"  diff: the visible text is unchanged\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview -diff lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"--- before", "+++ after", "\n    +"} {
		if strings.Contains(out, bad) {
			t.Errorf("preview -diff has %q:\n%s", bad, out)
		}
	}
}

// TestAlertTestTopicNames: alert-test takes a topic's slug or its name in
// any case; an unknown topic is a usage error (2) listing the topics, a
// failed delivery is 1.
func TestAlertTestTopicNames(t *testing.T) {
	var hits atomic.Int32
	fail := atomic.Bool{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
		}
	}))
	defer hook.Close()
	cfg := writeConfig(t, t.TempDir(), "  - name: ex\n    url: https://ex.org/feed\nalerts:\n  - topic: nato-korea\n    webhook: "+hook.URL+"\n")
	for i, name := range []string{"nato-korea", "NATO/Korea", "nato/korea", "NATO-KOREA"} {
		code, out, stderr := runCmd(t, "alert-test", "-config", cfg, name)
		if code != 0 || int(hits.Load()) != i+1 || out != "sent a sample message to every alert of nato-korea (NATO/Korea)\n" {
			t.Errorf("alert-test %s: exit %d, %d deliveries, stdout %q\n%s", name, code, hits.Load(), out, stderr)
		}
	}
	code, out, stderr := runCmd(t, "alert-test", "-config", cfg, "Politik")
	if code != 2 || out != "" || stderr != "refeed alert-test: unknown topic Politik; topics: nato-korea (NATO/Korea), wetter (Wetter)\n" {
		t.Errorf("alert-test Politik: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	fail.Store(true)
	code, _, stderr = runCmd(t, "alert-test", "-config", cfg, "NATO/Korea")
	if code != 1 || !strings.Contains(stderr, "500") {
		t.Errorf("alert-test with a failing webhook: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestHelp: -h, -help and --help of every command print what it does,
// its usage and its flags on stdout and exit 0, as do 'refeed help',
// 'refeed -h' and 'refeed help COMMAND'; a usage error exits 2 with the
// problem on stderr.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"run", "once", "check", "preview", "alert-test", "version"} {
		for _, h := range []string{"-h", "-help", "--help"} {
			code, out, stderr := runCmd(t, cmd, h)
			if code != 0 || stderr != "" || !strings.HasPrefix(out, "refeed "+cmd+": ") || !strings.Contains(out, "\nusage: refeed "+cmd) {
				t.Errorf("refeed %s %s: exit %d, stdout:\n%s\nstderr:\n%s", cmd, h, code, out, stderr)
			}
			if cmd != "version" && (!strings.Contains(out, "\nflags:\n") || !strings.Contains(out, "\n  -config string\n")) {
				t.Errorf("refeed %s %s does not list -config:\n%s", cmd, h, out)
			}
		}
	}
	code, out, _ := runCmd(t, "preview", "guardian", "-h")
	if code != 0 || !strings.Contains(out, "-diff\n") || !strings.Contains(out, "SOURCE is a source name") {
		t.Errorf("preview guardian -h: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "help", "alert-test")
	if code != 0 || !strings.HasPrefix(out, "refeed alert-test: send a sample message") {
		t.Errorf("help alert-test: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"-help"}, {"--help"}, {"help", "help"}, {"help", "-h"}} {
		code, out, stderr := runCmd(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(out, "usage: refeed COMMAND") || !strings.Contains(out, "  alert-test TOPIC  ") {
			t.Errorf("refeed %s: exit %d\n%s%s", args[0], code, out, stderr)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage: refeed COMMAND"},
		{[]string{"run", "-nope"}, "refeed run: flag provided but not defined: -nope\n\nusage: refeed run [flags]\n"},
		{[]string{"preview"}, "refeed preview: SOURCE missing\n"},
		{[]string{"alert-test", "-config"}, "refeed alert-test: flag needs an argument: -config\n"},
		{[]string{"previw"}, `refeed: unknown command "previw"; did you mean preview?`},
		{[]string{"help", "nope"}, `refeed: unknown command "nope"`},
	} {
		code, out, stderr := runCmd(t, c.args...)
		if code != 2 || out != "" || !strings.HasPrefix(stderr, c.want) {
			t.Errorf("refeed %q: exit %d, stdout %q, stderr:\n%s", c.args, code, out, stderr)
		}
	}
}
