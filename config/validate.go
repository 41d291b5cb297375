package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// validate checks the decoded and defaulted c, reporting each problem at
// the value it is about. It also resolves the paths and reads the files
// the configuration names, and adds the sources of the OPML file.
func (d *decoder) validate(c *Config, opt Options) {
	d.checkServer(c)
	if d.given("schedule") {
		d.checkCron("schedule", c.Schedule)
	}
	d.checkLimits(c)

	rules := d.checkRules(c, opt)
	d.checkSources(c, rules)
	d.addOPML(c)
	slugs := d.checkTopics(c)
	d.checkAlerts(c, slugs)

	for i, p := range c.Trackers.Lists {
		path := indexPath("trackers.lists", i)
		if d.bad[path] {
			continue
		}
		if p == "" {
			d.errorAt(path, "empty path")
			continue
		}
		c.Trackers.Lists[i] = resolvePath(c.Dir, p)
		if err := checkReadable(c.Trackers.Lists[i]); err != nil {
			d.errorAt(path, "%v", err)
		}
	}
	for i, hub := range c.WebSub.Hubs {
		if path := indexPath("websub.hubs", i); !d.bad[path] {
			if err := checkHTTPURL(hub); err != nil {
				d.errorAt(path, "%v", err)
			}
		}
	}
}

// given reports whether path is in the file with a value that was decoded
// and is neither null nor an empty string: a value the file really sets.
func (d *decoder) given(path string) bool {
	n, ok := d.nodes[path]
	if !ok || d.bad[path] {
		return false
	}
	return n.Kind != yaml.ScalarNode || n.ShortTag() != "!!null" && n.Value != ""
}

// required reports a missing or empty key of the mapping at path, at the
// key's value when it is there and else at the mapping. It reports whether
// the key is given.
func (d *decoder) required(path, key string) bool {
	kp := joinPath(path, key)
	if d.given(kp) {
		return true
	}
	if !d.bad[kp] {
		d.errorf(d.node(kp), path, "%s is required", key)
	}
	return false
}

func (d *decoder) checkServer(c *Config) {
	if d.given("listen") {
		if !validHostPort(c.Listen) {
			d.errorAt("listen", "must be host:port, or empty to disable the server, got %q", c.Listen)
		}
	}
	if c.AdminListen != "" {
		switch {
		case !validHostPort(c.AdminListen):
			d.errorAt("admin_listen", "must be host:port, or empty to serve /healthz and /metrics beside the feeds, got %q", c.AdminListen)
		case c.AdminListen == c.Listen:
			d.errorAt("admin_listen", "must differ from listen (%q)", c.Listen)
		}
	}
	if d.given("base_url") {
		if err := checkHTTPURL(c.BaseURL); err != nil {
			d.errorAt("base_url", "%v", err)
		}
	}
}

func (d *decoder) checkLimits(c *Config) {
	positive := func(path string, ok bool, got any) {
		if d.ok(path) && !ok {
			d.errorAt(path, "must be positive, got %v", got)
		}
	}
	atLeast1 := func(path string, n int) {
		if d.ok(path) && n < 1 {
			d.errorAt(path, "must be at least 1, got %d", n)
		}
	}
	positive("fetch.timeout", c.Fetch.Timeout > 0, c.Fetch.Timeout)
	positive("fetch.max_body", c.Fetch.MaxBody > 0, c.Fetch.MaxBody)
	atLeast1("fetch.concurrency", c.Fetch.Concurrency)
	atLeast1("fetch.per_host", c.Fetch.PerHost)
	for i, p := range c.Fetch.SecretParams {
		if strings.TrimSpace(p) == "" {
			d.errorAt(fmt.Sprintf("fetch.secret_params[%d]", i), "must not be empty")
		}
	}
	atLeast1("retention.max_items", c.Retention.MaxItems)
	positive("retention.max_age", c.Retention.MaxAge > 0, c.Retention.MaxAge)
}

// checkRules checks the file's rules and returns the names a source may
// use: the file's rules and the built-in ones.
func (d *decoder) checkRules(c *Config, opt Options) map[string]bool {
	builtin := map[string]bool{}
	for _, name := range opt.KnownRules {
		builtin[name] = true
	}
	first := map[string]string{} // name → path of the rule that defined it
	for i, r := range c.Rules {
		path := indexPath("rules", i)
		if d.bad[path] {
			continue
		}
		if d.required(path, "name") {
			np := path + ".name"
			switch {
			case builtin[r.Name]:
				d.errorAt(np, "%q is the name of a built-in rule", r.Name)
			case first[r.Name] != "":
				d.errorAt(np, "duplicate rule name %q (first at line %d)", r.Name, d.line(first[r.Name]))
			default:
				first[r.Name] = path
			}
		}
		for j, site := range r.Sites {
			sp := indexPath(path+".sites", j)
			if !d.bad[sp] && (site == "" || strings.ContainsAny(site, "/: ")) {
				d.errorAt(sp, "invalid host %q (write the host only, such as taz.de)", site)
			}
		}
		for j, rm := range r.Remove {
			rp := indexPath(path+".remove", j)
			if d.bad[rp] {
				continue
			}
			set := 0
			for _, s := range []string{rm.Selector, rm.From, rm.Text} {
				if s != "" {
					set++
				}
			}
			switch {
			case rm.To != "" && rm.From == "":
				d.errorAt(rp+".to", "to needs from")
			case set != 1:
				d.errorAt(rp, "needs exactly one of selector, from or text")
			}
			if rm.Selector != "" {
				if _, err := cascadia.ParseGroup(rm.Selector); err != nil {
					d.errorAt(rp+".selector", "invalid CSS selector %q: %v", rm.Selector, err)
				}
			}
			d.checkPattern(rp+".from", rm.From)
			d.checkPattern(rp+".to", rm.To)
			d.checkPattern(rp+".text", rm.Text)
		}
	}
	for name := range first {
		builtin[name] = true
	}
	return builtin
}

// checkSources checks the file's sources and stores their URLs resolved.
func (d *decoder) checkSources(c *Config, rules map[string]bool) {
	first := map[string]string{} // name → path of the source that has it
	for i := range c.Sources {
		s := &c.Sources[i]
		path := indexPath("sources", i)
		if d.bad[path] {
			continue
		}
		if d.required(path, "name") {
			np := path + ".name"
			switch {
			case !validName(s.Name):
				d.errorAt(np, "invalid name %q (use a-z, 0-9 and -)", s.Name)
			case first[s.Name] != "":
				d.errorAt(np, "duplicate source name %q (first at line %d)", s.Name, d.line(first[s.Name]))
			default:
				first[s.Name] = path
			}
		}
		if d.required(path, "url") {
			u, err := sourceURL(s.URL, c.Dir)
			if err != nil {
				d.errorAt(path+".url", "%v", err)
			} else {
				s.URL = u
			}
		}
		if d.given(path + ".schedule") {
			d.checkCron(path+".schedule", s.Schedule)
		}
		for j, r := range s.Rules {
			if rp := indexPath(path+".rules", j); !d.bad[rp] && !rules[r] {
				d.errorAt(rp, "unknown rule %q", r)
			}
		}
	}
}

// addOPML reads sources_opml and adds its feeds as sources, named after
// their titles and made unique, skipping those the file already has.
func (d *decoder) addOPML(c *Config) {
	const path = "sources_opml"
	if !d.given(path) {
		return
	}
	c.SourcesOPML = resolvePath(c.Dir, c.SourcesOPML)
	feeds, err := readOPML(c.SourcesOPML)
	if err != nil {
		d.errorAt(path, "%v", err)
		return
	}
	names := map[string]bool{}
	urls := map[string]bool{}
	for _, s := range c.Sources {
		names[s.Name] = true
		urls[s.URL] = true
	}
	pos := d.pos(path)
	for _, f := range feeds {
		u, err := sourceURL(f.URL, c.Dir)
		if err != nil {
			d.errorAt(path, "%s: feed %q: %v", c.SourcesOPML, f.Title, err)
			continue
		}
		if urls[u] {
			continue
		}
		urls[u] = true
		base := Slug(f.Title)
		if base == "" {
			if pu, err := url.Parse(u); err == nil {
				base = Slug(pu.Hostname())
			}
		}
		if base == "" {
			base = "feed"
		}
		name := base
		for n := 2; names[name]; n++ {
			name = base + "-" + strconv.Itoa(n)
		}
		names[name] = true
		c.Sources = append(c.Sources, Source{Name: name, URL: u, Schedule: c.Schedule, Pos: pos})
	}
}

// checkTopics checks the topics and returns their slugs.
func (d *decoder) checkTopics(c *Config) map[string]bool {
	sources := map[string]bool{}
	for _, s := range c.Sources {
		sources[s.Name] = true
	}
	first := map[string]string{} // slug → path of the value that gave it
	for i, t := range c.Topics {
		path := indexPath("topics", i)
		if d.bad[path] {
			continue
		}
		named := d.required(path, "name")
		// The slug is the file's, or derived from the name: from is the
		// path of the value it comes from, "" when there is no valid slug.
		from := ""
		switch sp := path + ".slug"; {
		case d.given(sp):
			if validName(t.Slug) {
				from = sp
			} else {
				d.errorAt(sp, "invalid slug %q (use a-z, 0-9 and -)", t.Slug)
			}
		case d.bad[sp] || !named:
		case t.Slug == "":
			d.errorAt(path+".name", "no slug can be derived from %q: set slug", t.Name)
		default:
			from = path + ".name"
		}
		switch {
		case from == "":
		case t.Slug == AllFeed:
			d.errorAt(from, "slug %q is reserved for the feed of all items", AllFeed)
		case first[t.Slug] != "":
			d.errorAt(from, "duplicate topic slug %q (first at line %d)", t.Slug, d.line(first[t.Slug]))
		default:
			first[t.Slug] = from
		}

		for _, list := range []struct {
			key   string
			terms []string
		}{{"any", t.Match.Any}, {"all", t.Match.All}, {"none", t.Match.None}} {
			for j, term := range list.terms {
				tp := indexPath(path+".match."+list.key, j)
				switch {
				case d.bad[tp]:
				case strings.TrimSpace(term) == "":
					d.errorAt(tp, "empty term")
				default:
					d.checkPattern(tp, term)
				}
			}
		}
		for j, field := range t.In {
			switch field {
			case FieldTitle, FieldSummary, FieldContent, FieldCategories:
			default:
				if fp := indexPath(path+".in", j); !d.bad[fp] {
					d.errorAt(fp, "unknown field %q (allowed: title, summary, content, categories)", field)
				}
			}
		}
		for j, name := range t.Sources {
			if np := indexPath(path+".sources", j); !d.bad[np] && !sources[name] {
				d.errorAt(np, "unknown source %q", name)
			}
		}
		d.checkPrivate(path, t.Private)
	}
	slugs := map[string]bool{}
	for slug := range first {
		slugs[slug] = true
	}
	return slugs
}

func (d *decoder) checkAlerts(c *Config, slugs map[string]bool) {
	for i, a := range c.Alerts {
		path := indexPath("alerts", i)
		if d.bad[path] {
			continue
		}
		if d.required(path, "topic") && !slugs[a.Topic] {
			if slug := Slug(a.Topic); slug != a.Topic && slugs[slug] {
				d.errorAt(path+".topic", "unknown topic %q (name topics by their slug: %q)", a.Topic, slug)
			} else {
				d.errorAt(path+".topic", "unknown topic %q", a.Topic)
			}
		}
		targets := 0
		for _, key := range []string{"webhook", "ntfy", "email"} {
			if d.given(joinPath(path, key)) || d.bad[joinPath(path, key)] {
				targets++
			}
		}
		if targets != 1 {
			d.errorAt(path, "needs exactly one of webhook, ntfy or email")
		}
		for _, t := range []struct{ key, url string }{{"webhook", a.Webhook}, {"ntfy", a.Ntfy}} {
			if kp := joinPath(path, t.key); d.given(kp) {
				if err := checkHTTPURL(t.url); err != nil {
					d.errorAt(kp, "%v", err)
				}
			}
		}
		if ep := path + ".email"; a.Email != nil && d.given(ep) {
			d.checkEmail(ep, a.Email)
		}
		if dp := path + ".digest"; d.ok(dp) && a.Digest < 0 {
			d.errorAt(dp, "must not be negative, got %v", a.Digest)
		}
	}
}

func (d *decoder) checkEmail(path string, e *Email) {
	if !d.bad[path+".to"] && len(e.To) == 0 {
		d.errorf(d.node(path+".to"), path, "to is required")
	}
	for j, to := range e.To {
		if tp := indexPath(path+".to", j); !d.bad[tp] {
			if _, err := mail.ParseAddress(to); err != nil {
				d.errorAt(tp, "invalid address %q: %v", to, err)
			}
		}
	}
	if d.required(path, "from") {
		if _, err := mail.ParseAddress(e.From); err != nil {
			d.errorAt(path+".from", "invalid address %q: %v", e.From, err)
		}
	}
	if d.required(path, "smtp") {
		if host, _, _ := net.SplitHostPort(e.SMTP); host == "" || !validHostPort(e.SMTP) {
			d.errorAt(path+".smtp", "must be host:port, got %q", e.SMTP)
		}
	}
}

// checkPattern checks a term or text anchor: one written /like this/ must
// be a regular expression.
func (d *decoder) checkPattern(path, s string) {
	if d.bad[path] || len(s) < 2 || !strings.HasPrefix(s, "/") || !strings.HasSuffix(s, "/") {
		return
	}
	expr := s[1 : len(s)-1]
	if expr == "" {
		d.errorAt(path, "empty regular expression")
		return
	}
	if _, err := regexp.Compile(expr); err != nil {
		d.errorAt(path, "invalid regular expression %q: %s", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
}

// checkCron reports an invalid cron spec at path.
func (d *decoder) checkCron(path, spec string) {
	if _, err := ParseSchedule(spec); err != nil {
		d.errorAt(path, "invalid cron spec %q: %v", spec, err)
	}
}

// ParseSchedule parses a cron spec as refeed's scheduler runs it: five
// fields or a descriptor (@hourly, @every 10m), optionally after
// CRON_TZ=Zone or TZ=Zone. Unlike robfig/cron's own parser it never
// panics: malformed specs are errors.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	// robfig/cron panics on some malformed specs, such as a time zone
	// with no schedule after it.
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, errors.New("malformed spec")
			if hasTZ(spec) && !strings.Contains(spec, " ") {
				err = errors.New("the time zone must be followed by a space and the schedule")
			}
		}
	}()
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	sched, err = parser.Parse(spec)
	if err != nil {
		return nil, err
	}
	rest := spec
	if hasTZ(spec) {
		_, rest, _ = strings.Cut(spec, " ")
	}
	if every, ok := strings.CutPrefix(strings.TrimSpace(rest), "@every "); ok {
		if dur, err := time.ParseDuration(every); err == nil && dur < time.Second {
			return nil, fmt.Errorf("@every needs at least 1s, got %v", dur)
		}
	}
	return sched, nil
}

func hasTZ(spec string) bool {
	return strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")
}

// hasScheme matches a URL scheme at the start of a source's url, which
// tells a URL from a plain path.
var hasScheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

// sourceURL checks the url of a source and returns it as it is stored:
// http(s) and file URLs as they are, plain paths resolved against dir.
func sourceURL(raw, dir string) (string, error) {
	if !hasScheme.MatchString(raw) {
		return resolvePath(dir, raw), nil
	}
	u, err := parseURL(raw)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http", "https":
		if u.Hostname() == "" {
			return "", fmt.Errorf("URL %q has no host", raw)
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return "", fmt.Errorf("file URL %q names a host (use file:///path)", raw)
		}
		if u.Path == "" {
			return "", fmt.Errorf("file URL %q has no path", raw)
		}
	default:
		return "", fmt.Errorf("unsupported scheme %q in %q (use http, https, file or a path)", u.Scheme, raw)
	}
	return raw, nil
}

// checkHTTPURL checks that raw is an absolute http(s) URL with a host.
func checkHTTPURL(raw string) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
		return fmt.Errorf("must be an absolute http(s) URL, got %q", raw)
	}
	return nil
}

// parseURL parses raw, with an error that names it once.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	return u, nil
}

// validHostPort reports whether addr has the form host:port, with a
// numeric port; the host may be empty (all interfaces).
func validHostPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	return err == nil
}

// checkReadable checks that path is a file that can be read.
func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot read %s: %v", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	return nil
}
