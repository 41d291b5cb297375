package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// runEnv runs the refeed binary with args and the environment variables
// env added to the test's, and returns its exit status, stdout and stderr.
func runEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(refeedBin, args...)
	cmd.Env = append(os.Environ(), env...)
	return runProcess(t, cmd)
}

// TestSecretsFromEnvironmentAndFiles: source URLs whose token the server
// requires come from ${VAR}, ${file:PATH} and ${credential:NAME}; refeed
// check accepts the file and refeed once fetches every source, which
// proves the substitution. Neither prints a token. An unset variable makes
// check exit 2 naming it at its line, and an invalid URL from the
// environment is reported without being shown.
func TestSecretsFromEnvironmentAndFiles(t *testing.T) {
	const envToken, fileToken, credToken = "ENVTOKEN7781", "FILETOKEN5520", "CREDTOKEN3141"
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := map[string]string{"/env.xml": envToken, "/file.xml": fileToken, "/cred.xml": credToken}[r.URL.Path]
		if want == "" || r.URL.Query().Get("token") != want {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		served.Add(1)
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%[1]s</title><link>https://private.example/%[1]s</link><description>d</description>
<item><title>NATO news from %[1]s</title><link>https://private.example/%[1]s/1</link><guid>https://private.example/%[1]s/1</guid><description>Text</description></item>
</channel></rss>`, strings.TrimSuffix(r.URL.Path[1:], ".xml"))
	}))
	defer srv.Close()

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets", "file-url"), []byte(srv.URL+"/file.xml?token="+fileToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "cred-token"), []byte(credToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := writeConfig(t, dir, `  - name: env
    url: ${REFEED_E2E_URL}
  - name: file
    url: ${file:secrets/file-url}
  - name: cred
    url: "`+srv.URL+`/cred.xml?token=${credential:cred-token}"`)
	env := []string{"REFEED_E2E_URL=" + srv.URL + "/env.xml?token=" + envToken, "CREDENTIALS_DIRECTORY=" + creds}
	noToken := func(what, out string) {
		t.Helper()
		for _, tok := range []string{envToken, fileToken, credToken} {
			if strings.Contains(out, tok) {
				t.Errorf("%s shows the token %s:\n%s", what, tok, out)
			}
		}
	}

	code, stdout, stderr := runEnv(t, env, "check", "-config", cfgPath)
	if code != 0 || stdout != "" {
		t.Fatalf("check: status %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runEnv(t, env, "once", "-v", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("once: status %d\n%s%s", code, stdout, stderr)
	}
	noToken("once's output", stdout+stderr)
	if n := served.Load(); n != 3 {
		t.Errorf("the server served %d feeds, want 3 (every token right)", n)
	}
	all, err := os.ReadFile(filepath.Join(dir, "data", "public", "all.rss"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"env", "file", "cred"} {
		if !strings.Contains(string(all), "NATO news from "+name) {
			t.Errorf("all.rss lacks the item of %s:\n%s", name, all)
		}
	}
	noToken("all.rss", string(all))

	// Without the variable: status 2, the problem at its line.
	code, stdout, stderr = runEnv(t, []string{"CREDENTIALS_DIRECTORY=" + creds}, "check", "-config", cfgPath)
	want := cfgPath + ":5:10: sources[0].url: environment variable REFEED_E2E_URL is not set\n"
	if code != 2 || stdout != want {
		t.Errorf("check without REFEED_E2E_URL: status %d, output\n%s%s\nwant status 2 and\n%s", code, stdout, stderr, want)
	}
	// Without the credentials' folder, and with a file that is gone.
	if err := os.Remove(filepath.Join(dir, "secrets", "file-url")); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runEnv(t, env[:1], "check", "-config", cfgPath)
	want = cfgPath + ":7:10: sources[1].url: ${file:secrets/file-url}: cannot read " + filepath.Join(dir, "secrets", "file-url") + ": no such file or directory\n" +
		cfgPath + ":9:10: sources[2].url: " + `${credential:cred-token}: CREDENTIALS_DIRECTORY is not set (systemd sets it for a service with LoadCredential=cred-token:PATH)` + "\n"
	if code != 2 || stdout != want {
		t.Errorf("check without the file and the credentials: status %d, output\n%s\nwant\n%s", code, stdout, want)
	}

	// An invalid URL from the environment is named, not shown.
	bad := "htp:/" + envToken + " nothing"
	code, stdout, stderr = runEnv(t, []string{"REFEED_E2E_URL=" + bad}, "check", "-config", writeConfig(t, dir, "  - name: env\n    url: ${REFEED_E2E_URL}"))
	want = cfgPath + ":5:10: sources[0].url: the value of ${REFEED_E2E_URL} is not a valid URL (use http, https, file or a path)\n"
	if code != 2 || stdout != want {
		t.Errorf("check with an invalid URL: status %d, output\n%s%s\nwant\n%s", code, stdout, stderr, want)
	}
	noToken("check's output", stdout+stderr)
}
