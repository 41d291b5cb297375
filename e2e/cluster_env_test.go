package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// clusterSettings are the cluster section's timings every instance of a
// test shares, and the instance's roles (all when empty).
type clusterSettings struct {
	lease, poll, leaderTTL time.Duration
	roles                  []string
}

// clusterBaseURL is the base_url of every instance: it shapes the feeds,
// so it must be equal on all of them.
const clusterBaseURL = "http://feeds.example"

// instance is one 'refeed run' of a cluster test, with its own listen
// address and data directory.
type instance struct {
	*proc
	name string
	addr string
	dir  string
}

// startInstance starts 'refeed run' as the instance name of a cluster on
// the database at db: its configuration is body (sources, topics and the
// other keys every instance shares) after its own listen, data_dir,
// cluster.instance and cluster.roles and the shared base_url, store and
// timings. The instance is stopped at the end of the test (SIGCONT,
// SIGTERM, then SIGKILL after 10 s).
func startInstance(t *testing.T, name, db string, tm clusterSettings, body string) *instance {
	t.Helper()
	in := &instance{name: name, addr: freeAddr(t), dir: filepath.Join(t.TempDir(), name)}
	if err := os.MkdirAll(in.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`listen: %q
base_url: %s
data_dir: %q
store: %q
cluster:
  instance: %s
  lease: %s
  poll: %s
  leader_ttl: %s
`, in.addr, clusterBaseURL, filepath.Join(in.dir, "data"), db, name, tm.lease, tm.poll, tm.leaderTTL)
	if len(tm.roles) > 0 {
		cfg += "  roles: [" + strings.Join(tm.roles, ", ") + "]\n"
	}
	cfg += body
	path := filepath.Join(in.dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	in.proc = startRefeed(t, "run", "-config", path)
	t.Cleanup(func() {
		if err := in.end(); err != nil && t.Failed() {
			t.Logf("instance %s (pid %d): %v", name, in.cmd.Process.Pid, err)
		}
		if t.Failed() {
			t.Logf("instance %s (pid %d, %s); its log follows", name, in.cmd.Process.Pid, in.addr)
		}
	})
	return in
}

// startInstances starts the named instances at once, as startInstance
// does, and waits until each answers /healthz.
func startInstances(t *testing.T, db string, tm clusterSettings, body string, names ...string) []*instance {
	t.Helper()
	out := make([]*instance, len(names))
	for i, name := range names {
		out[i] = startInstance(t, name, db, tm, body)
	}
	for _, in := range out {
		in.waitUp(t, 20*time.Second)
	}
	return out
}

// waitUp waits until the instance answers /healthz (with any status).
func (in *instance) waitUp(t *testing.T, within time.Duration) {
	t.Helper()
	eventually(t, within, "instance "+in.name+" answers /healthz", func() error {
		if err := in.exited(); err != nil {
			t.Fatalf("instance %s exited: %v\n%s", in.name, err, in.stderr.String())
		}
		_, _, err := healthz(in.addr)
		return err
	})
}

// exited returns why the instance's process ended, or nil while it runs.
func (in *instance) exited() error {
	select {
	case err := <-in.done:
		in.done <- err
		if err == nil {
			return fmt.Errorf("exit status 0")
		}
		return err
	default:
		return nil
	}
}

// end stops the instance, if it still runs, by its process id: SIGCONT
// (it may be stopped), SIGTERM, and SIGKILL when it has not exited 10 s
// later. It returns the process's exit error.
func (in *instance) end() error {
	select {
	case err := <-in.done:
		in.done <- err
		return err
	default:
	}
	in.cmd.Process.Signal(syscall.SIGCONT)
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.done:
		in.done <- err
		return err
	case <-time.After(10 * time.Second):
		in.cmd.Process.Kill()
		err := <-in.done
		in.done <- err
		return fmt.Errorf("did not stop within 10 s of SIGTERM: killed (%v)", err)
	}
}

// kill ends the instance with SIGKILL and waits for its end.
func (in *instance) kill(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill instance %s: %v", in.name, err)
	}
	err := <-in.done
	in.done <- err
}

// signal sends sig to the instance's process.
func (in *instance) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := in.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to instance %s: %v", sig, in.name, err)
	}
}

// endAll stops the instances at once (see end) and fails the test for an
// instance that did not exit cleanly, unless it was killed before.
func endAll(t *testing.T, ins ...*instance) {
	t.Helper()
	errs := make([]error, len(ins))
	running := make([]bool, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		running[i] = in.exited() == nil
		wg.Go(func() { errs[i] = in.end() })
	}
	wg.Wait()
	for i, err := range errs {
		if running[i] && err != nil {
			t.Errorf("instance %s: %v", ins[i].name, err)
		}
	}
}

// logLines returns the lines of the instance's log whose message is msg.
func (in *instance) logLines(msg string) []string {
	want := "msg=" + msg + " "
	if strings.ContainsAny(msg, " =\"") {
		want = fmt.Sprintf("msg=%q ", msg)
	}
	var out []string
	for line := range strings.Lines(in.stderr.String()) {
		if strings.Contains(line, want) {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return out
}

// sourceAttr finds a log line's source attribute.
var sourceAttr = regexp.MustCompile(` source=("(?:[^"\\]|\\.)*"|\S+)`)

// refreshed returns how many times the instance's log says it refreshed
// each source ("refreshed" lines), by source name.
func (in *instance) refreshed() map[string]int {
	out := map[string]int{}
	for _, line := range in.logLines("refreshed") {
		if m := sourceAttr.FindStringSubmatch(line); m != nil {
			out[strings.Trim(m[1], `"`)]++
		}
	}
	return out
}

// linesWith returns the lines of the instance's log that contain every one
// of the strings.
func (in *instance) linesWith(subs ...string) []string {
	var out []string
next:
	for line := range strings.Lines(in.stderr.String()) {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		out = append(out, strings.TrimRight(line, "\n"))
	}
	return out
}

// clusterState is what /healthz reports of an instance's part in the
// cluster.
type clusterState struct {
	Status  int    `json:"-"`
	Error   string `json:"error"`
	Cluster struct {
		Instance string   `json:"instance"`
		Roles    []string `json:"roles"`
		Leader   string   `json:"leader"`
		Term     int64    `json:"term"`
		Leading  bool     `json:"leading"`
		Skew     any      `json:"config_skew"`
	} `json:"cluster"`
}

// health returns the instance's /healthz.
func (in *instance) health() (clusterState, error) {
	var st clusterState
	code, body, err := healthz(in.addr)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		return st, fmt.Errorf("/healthz of %s: %v: %.300s", in.name, err, body)
	}
	st.Status = code
	return st, nil
}

// waitLeader waits until every one of ins names the same leader, one of
// ins, and returns it with its term.
func waitLeader(t *testing.T, within time.Duration, ins ...*instance) (*instance, int64) {
	t.Helper()
	var leader *instance
	var term int64
	eventually(t, within, "the instances agree on a leader", func() error {
		leader, term = nil, 0
		var names []string
		for _, in := range ins {
			st, err := in.health()
			if err != nil {
				return err
			}
			if st.Cluster.Instance != in.name {
				return fmt.Errorf("/healthz of %s names the instance %q", in.name, st.Cluster.Instance)
			}
			names = append(names, fmt.Sprintf("%s: leader %q term %d", in.name, st.Cluster.Leader, st.Cluster.Term))
			if st.Cluster.Leader == "" || term != 0 && (st.Cluster.Leader != leader.name || st.Cluster.Term != term) {
				return fmt.Errorf("%s", strings.Join(names, "; "))
			}
			for _, l := range ins {
				if l.name == st.Cluster.Leader {
					leader = l
				}
			}
			if leader == nil {
				return fmt.Errorf("the leader %q is none of the instances", st.Cluster.Leader)
			}
			term = st.Cluster.Term
		}
		return nil
	})
	return leader, term
}

// clusterFeeds are the paths of every feed document of the topics, with
// the all feed, in every format.
func clusterFeeds(slugs ...string) []string {
	var out []string
	for _, slug := range append([]string{"all"}, slugs...) {
		for _, ext := range []string{".rss", ".atom", ".json"} {
			out = append(out, "/"+slug+ext)
		}
	}
	return out
}

// served returns the body the instance serves at path, failing for any
// status but 200.
func (in *instance) served(path string) ([]byte, string, error) {
	resp, body, err := get("http://" + in.addr + path)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != 200 {
		return nil, "", fmt.Errorf("%s%s: status %d", in.name, path, resp.StatusCode)
	}
	return body, resp.Header.Get("ETag"), nil
}

// jsonFeedItems returns the items of a served JSON Feed: their ids, links,
// titles and the sources refeed names.
type jsonFeedItem struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Title  string `json:"title"`
	Refeed struct {
		Sources []struct {
			Name string `json:"name"`
		} `json:"sources"`
	} `json:"_refeed"`
}

func (in *instance) jsonItems(slug string) ([]jsonFeedItem, error) {
	body, _, err := in.served("/" + slug + ".json")
	if err != nil {
		return nil, err
	}
	var f struct {
		Items []jsonFeedItem `json:"items"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, fmt.Errorf("%s /%s.json: %v", in.name, slug, err)
	}
	return f.Items, nil
}
