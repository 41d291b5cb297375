package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/refeed/refeed/internal/redact"
)

// validate checks the decoded and defaulted c, reporting each problem at
// the value it is about. It also resolves the paths and reads the files
// the configuration names, and adds the sources of the OPML file.
func (d *decoder) validate(c *Config, opt Options) {
	d.checkServer(c)
	d.checkStore(c)
	d.checkCluster(&c.Cluster)
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
			d.invalid(path, "is empty", "empty path")
			continue
		}
		c.Trackers.Lists[i] = resolvePath(c.Dir, p)
		if err := checkReadable(c.Trackers.Lists[i]); err != nil {
			d.invalid(path, "is not the path of a readable file", "%v", err)
		}
	}
	d.checkFulltext(c)
	for i, hub := range c.WebSub.Hubs {
		if path := indexPath("websub.hubs", i); !d.bad[path] {
			if err := checkHTTPURL(hub); err != nil {
				d.invalid(path, "is not an absolute http(s) URL", "%v", err)
			}
		}
	}
}

// given reports whether path is in the file with a value that was decoded
// and is neither null nor an empty string: a value the file really sets.
func (d *decoder) given(path string) bool {
	n, ok := d.nodes[path]
	if !ok || d.bad[path] || d.subs[path].empty {
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
	switch s, ok := d.subs[kp]; {
	case ok && s.empty:
		d.add(d.node(kp), kp, s.origin+" is empty")
	case !d.bad[kp]:
		d.errorf(d.node(kp), path, "%s is required", key)
	}
	return false
}

func (d *decoder) checkServer(c *Config) {
	if d.given("listen") {
		if !validHostPort(c.Listen) {
			d.invalid("listen", "is not host:port", "must be host:port, or empty to disable the server, got %q", c.Listen)
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
	if c.Inspector && c.Listen == "" && c.AdminListen == "" {
		d.errorAt("inspector", "needs listen or admin_listen to be served on, but both are empty")
	}
	if d.given("base_url") {
		if err := checkHTTPURL(c.BaseURL); err != nil {
			d.invalid("base_url", "is not an absolute http(s) URL", "%v", err)
		}
	}
}

func (d *decoder) checkLimits(c *Config) {
	positive := func(path string, ok bool, got any) {
		if d.ok(path) && !ok {
			d.invalid(path, "is not positive", "must be positive, got %v", got)
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
			d.invalid(fmt.Sprintf("fetch.secret_params[%d]", i), "is empty", "must not be empty")
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
				d.invalid(np, "is the name of a built-in rule", "%q is the name of a built-in rule", r.Name)
			case first[r.Name] != "":
				d.invalid(np, fmt.Sprintf("is a duplicate rule name (first at line %d)", d.line(first[r.Name])),
					"duplicate rule name %q (first at line %d)", r.Name, d.line(first[r.Name]))
			default:
				first[r.Name] = path
			}
		}
		for j, site := range r.Sites {
			sp := indexPath(path+".sites", j)
			if !d.bad[sp] && (site == "" || strings.ContainsAny(site, "/: ")) {
				d.invalid(sp, "is not a valid host (write the host only, such as taz.de)",
					"invalid host %q (write the host only, such as taz.de)", site)
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
					d.invalid(rp+".selector", "is not a valid CSS selector", "invalid CSS selector %q: %v", rm.Selector, err)
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
				d.invalid(np, "is not a valid name (use a-z, 0-9 and -)", "invalid name %q (use a-z, 0-9 and -)", s.Name)
			case first[s.Name] != "":
				d.invalid(np, fmt.Sprintf("is a duplicate source name (first at line %d)", d.line(first[s.Name])),
					"duplicate source name %q (first at line %d)", s.Name, d.line(first[s.Name]))
			default:
				first[s.Name] = path
			}
		}
		if d.required(path, "url") {
			u, err := sourceURL(s.URL, c.Dir)
			if err != nil {
				d.invalid(path+".url", "is not a valid URL (use http, https, file or a path)", "%v", err)
			} else {
				s.URL = u
			}
		}
		if d.given(path + ".schedule") {
			d.checkCron(path+".schedule", s.Schedule)
		}
		for j, r := range s.Rules {
			if rp := indexPath(path+".rules", j); !d.bad[rp] && !rules[r] {
				d.invalid(rp, "is not the name of a rule", "unknown rule %q", r)
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
		d.invalid(path, "is not the path of a readable OPML file", "%v", err)
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
			d.invalid(path, "names an OPML file with an invalid feed URL", "%s: feed %q: %v", c.SourcesOPML, f.Title, err)
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
				d.invalid(sp, "is not a valid slug (use a-z, 0-9 and -)", "invalid slug %q (use a-z, 0-9 and -)", t.Slug)
			}
		case d.bad[sp] || !named:
		case t.Slug == "":
			d.invalid(path+".name", "gives no slug: set slug", "no slug can be derived from %q: set slug", t.Name)
		default:
			from = path + ".name"
		}
		switch {
		case from == "":
		case t.Slug == AllFeed:
			d.invalid(from, fmt.Sprintf("gives the slug %q, reserved for the feed of all items", AllFeed),
				"slug %q is reserved for the feed of all items", AllFeed)
		case first[t.Slug] != "":
			d.invalid(from, fmt.Sprintf("gives a duplicate topic slug (first at line %d)", d.line(first[t.Slug])),
				"duplicate topic slug %q (first at line %d)", t.Slug, d.line(first[t.Slug]))
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
					d.invalid(tp, "is an empty term", "empty term")
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
					d.invalid(fp, "is not a known field (allowed: title, summary, content, categories)",
						"unknown field %q (allowed: title, summary, content, categories)", field)
				}
			}
		}
		for j, name := range t.Sources {
			if np := indexPath(path+".sources", j); !d.bad[np] && !sources[name] {
				d.invalid(np, "is not the name of a source", "unknown source %q", name)
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
				d.invalid(path+".topic", "is not the slug of a topic", "unknown topic %q (name topics by their slug: %q)", a.Topic, slug)
			} else {
				d.invalid(path+".topic", "is not the slug of a topic", "unknown topic %q", a.Topic)
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
					d.invalid(kp, "is not an absolute http(s) URL", "%v", err)
				}
			}
		}
		d.checkAlertCredentials(path, a)
		if ep := path + ".email"; a.Email != nil && d.given(ep) {
			d.checkEmail(ep, a.Email)
		}
		if dp := path + ".digest"; d.ok(dp) && a.Digest < 0 {
			d.invalid(dp, "is negative", "must not be negative, got %v", a.Digest)
		}
	}
}

// headersOfRefeed are the request headers refeed (or Go's HTTP client)
// sets itself, which webhook_headers may not set, in canonical form.
var headersOfRefeed = map[string]bool{
	"Host": true, "Content-Type": true, "Content-Length": true, "Transfer-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true, "Upgrade": true,
}

// checkAlertCredentials checks an alert's webhook_headers and ntfy_token.
// Their values are secrets: no message quotes them.
func (d *decoder) checkAlertCredentials(path string, a Alert) {
	hp := path + ".webhook_headers"
	if d.has(hp) && !d.bad[hp] {
		if len(a.WebhookHeaders) > 0 && !d.given(path+".webhook") && !d.bad[path+".webhook"] {
			d.errorAt(hp, "needs webhook")
		}
		names := make([]string, 0, len(a.WebhookHeaders))
		for name := range a.WebhookHeaders {
			names = append(names, name)
		}
		slices.SortFunc(names, func(x, y string) int { // in file order
			kx, ky := d.keyNode(hp, x), d.keyNode(hp, y)
			return cmp.Or(kx.Line-ky.Line, kx.Column-ky.Column)
		})
		first := map[string]string{} // canonical name → name as written
		for _, name := range names {
			kn, canon := d.keyNode(hp, name), http.CanonicalHeaderKey(name)
			switch {
			case !validHeaderName(name):
				d.errorf(kn, hp, "invalid header name %q", name)
				continue
			case headersOfRefeed[canon]:
				d.errorf(kn, hp, "header %q is set by refeed", name)
				continue
			case first[canon] != "":
				d.errorf(kn, hp, "duplicate header %q (first at line %d)", name, d.keyNode(hp, first[canon]).Line)
				continue
			}
			first[canon] = name
			vp := joinPath(hp, name)
			if d.bad[vp] {
				continue
			}
			switch v := a.WebhookHeaders[name]; {
			case strings.TrimSpace(v) == "":
				d.errorAt(vp, "empty header value")
			case !validHeaderValue(v):
				d.errorAt(vp, "header value must be one line, without control characters")
			}
		}
		if first["Authorization"] != "" && hasUserinfo(a.Webhook) {
			d.errorAt(hp, "an Authorization header and credentials in the webhook URL: use one")
		}
	}
	tp := path + ".ntfy_token"
	if d.given(tp) {
		switch tok := a.NtfyToken; {
		case !d.given(path+".ntfy") && !d.bad[path+".ntfy"]:
			d.errorAt(tp, "needs ntfy")
		case len(tok) > 7 && strings.EqualFold(tok[:7], "bearer "):
			d.errorAt(tp, "give the token alone, without \"Bearer \"")
		case strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			d.errorAt(tp, "the token must be one word, without spaces or control characters")
		case hasUserinfo(a.Ntfy):
			d.errorAt(tp, "an access token and credentials in the ntfy URL: use one")
		}
	}
}

// keyNode returns the node of the key named key of the mapping at path
// (the mapping's own node when it has no such key).
func (d *decoder) keyNode(path, key string) *yaml.Node {
	m := d.node(path)
	if m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i]; k.Value == key {
				return k
			}
		}
	}
	return m
}

// validHeaderName reports whether s is an HTTP header name: an RFC 9110
// token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s can be sent as an HTTP header value:
// no line breaks or other control characters but tabs.
func validHeaderValue(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
}

// hasUserinfo reports whether the URL raw carries a user name or password.
func hasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil
}

func (d *decoder) checkEmail(path string, e *Email) {
	if !d.bad[path+".to"] && len(e.To) == 0 {
		d.errorf(d.node(path+".to"), path, "to is required")
	}
	for j, to := range e.To {
		if tp := indexPath(path+".to", j); !d.bad[tp] {
			if _, err := mail.ParseAddress(to); err != nil {
				d.invalid(tp, "is not a valid address", "invalid address %q: %v", to, err)
			}
		}
	}
	if d.required(path, "from") {
		if _, err := mail.ParseAddress(e.From); err != nil {
			d.invalid(path+".from", "is not a valid address", "invalid address %q: %v", e.From, err)
		}
	}
	if d.required(path, "smtp") {
		if host, _, _ := net.SplitHostPort(e.SMTP); host == "" || !validHostPort(e.SMTP) {
			d.invalid(path+".smtp", "is not host:port", "must be host:port, got %q", e.SMTP)
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
		d.invalid(path, "is an empty regular expression", "empty regular expression")
		return
	}
	if _, err := regexp.Compile(expr); err != nil {
		d.invalid(path, "is not a valid regular expression", "invalid regular expression %q: %s", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
}

// checkCron reports an invalid cron spec at path.
func (d *decoder) checkCron(path, spec string) {
	if _, err := ParseSchedule(spec); err != nil {
		d.invalid(path, "is not a valid cron spec", "invalid cron spec %q: %v", spec, err)
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
			return "", fmt.Errorf("URL %q has no host", shownURL(raw))
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return "", fmt.Errorf("file URL %q names a host (use file:///path)", shownURL(raw))
		}
		if u.Path == "" {
			return "", fmt.Errorf("file URL %q has no path", shownURL(raw))
		}
	default:
		return "", fmt.Errorf("unsupported scheme %q in %q (use http, https, file or a path)", u.Scheme, shownURL(raw))
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
		return fmt.Errorf("must be an absolute http(s) URL, got %q", shownURL(raw))
	}
	return nil
}

// shownURL is a URL as an error message shows it: without its password
// or token (see package redact).
func shownURL(raw string) string { return redact.URL(raw, nil) }

// parseURL parses raw, with an error that names it once.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid URL %q: %v", shownURL(raw), err)
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
