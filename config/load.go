package config

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Defaults of the settings the file leaves out.
const (
	defaultListen    = "127.0.0.1:8080"
	defaultDataDir   = "./data"
	defaultSchedule  = "*/15 * * * *"
	defaultUserAgent = "refeed/1 (+https://github.com/refeed/refeed)"

	defaultTimeout     = 30 * time.Second
	defaultMaxBody     = 20 * MiB
	defaultConcurrency = 8
	defaultPerHost     = 2

	defaultMaxItems = 200
	defaultMaxAge   = 720 * time.Hour
)

// Options are what the loader needs to know from outside the file.
type Options struct {
	// KnownRules are the names of the built-in cleaning rules (such as
	// "taz.de"), which sources may name in their rules besides the rules
	// of the file, and which the file's rules may not reuse.
	KnownRules []string

	// LookupEnv reads the environment for the references ${NAME} and
	// ${credential:NAME} (which reads CREDENTIALS_DIRECTORY) in values,
	// and for REFEED_STORE (see StoreEnv); nil means os.LookupEnv. Text values (strings, durations, sizes) may
	// hold ${NAME}, ${file:PATH} and ${credential:NAME}, replaced before
	// they are checked; $${ is a literal ${ (the grammar is in subst.go).
	LookupEnv func(name string) (value string, ok bool)
}

// Load reads, defaults and validates the configuration file at path. It
// reports every problem at once, as Errors with path as the file name.
func Load(path string, opt Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Errors{{File: path, Msg: "cannot read: " + err.Error()}}
	}
	return Parse(data, path, opt)
}

// Parse defaults and validates the configuration data, read from file:
// file names the configuration in messages, and relative paths in it are
// resolved against file's folder. Files the configuration names (an OPML
// file, tracker lists) are read. Every problem is reported at once, as
// Errors in file order.
func Parse(data []byte, file string, opt Options) (*Config, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, Errors{{File: file, Msg: "cannot resolve path: " + err.Error()}}
	}
	c := &Config{File: file, Dir: filepath.Dir(abs)}
	root, err := parseYAML(data, file)
	if err != nil {
		return nil, err
	}
	env := substEnv{dir: c.Dir, lookupEnv: opt.LookupEnv}
	if env.lookupEnv == nil {
		env.lookupEnv = os.LookupEnv
	}
	d := newDecoder(file, env)
	if root != nil {
		d.decode(root, reflect.ValueOf(c).Elem(), "")
	}
	d.setDefaults(c)
	d.validate(c, opt)
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		return nil, d.errs
	}
	return c, nil
}

// setDefaults fills in what the file leaves out. Numbers and durations get
// their default only when absent, so that an explicit 0 is reported; strings
// also when empty, except listen, where empty disables the server.
func (d *decoder) setDefaults(c *Config) {
	if !d.has("listen") {
		c.Listen = defaultListen
	}
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL(c.Listen)
		c.NoAddress = c.Listen == ""
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.DataDir == "" {
		c.DataDir = defaultDataDir
	}
	c.DataDir = resolvePath(c.Dir, c.DataDir)
	if !d.has("store") {
		if v, ok := d.env.lookupEnv(StoreEnv); ok {
			c.Store = StoreURL(v)
		}
	}
	if c.Schedule == "" {
		c.Schedule = defaultSchedule
	}

	f := &c.Fetch
	if !d.has("fetch.timeout") {
		f.Timeout = defaultTimeout
	}
	if !d.has("fetch.max_body") {
		f.MaxBody = defaultMaxBody
	}
	if !d.has("fetch.concurrency") {
		f.Concurrency = defaultConcurrency
	}
	if !d.has("fetch.per_host") {
		f.PerHost = defaultPerHost
	}
	if f.UserAgent == "" {
		f.UserAgent = defaultUserAgent
	}
	if !d.has("retention.max_items") {
		c.Retention.MaxItems = defaultMaxItems
	}
	if !d.has("retention.max_age") {
		c.Retention.MaxAge = defaultMaxAge
	}

	d.setClusterDefaults(&c.Cluster)
	d.setFulltextDefaults(c)

	for i := range c.Sources {
		s := &c.Sources[i]
		s.Pos = d.pos(indexPath("sources", i))
		if s.Schedule == "" {
			s.Schedule = c.Schedule
		}
	}
	for i := range c.Topics {
		t := &c.Topics[i]
		t.Pos = d.pos(indexPath("topics", i))
		if t.Slug == "" {
			t.Slug = Slug(t.Name)
		}
		if len(t.In) == 0 {
			t.In = []string{FieldTitle, FieldSummary, FieldContent, FieldCategories}
		}
	}
	for i := range c.Rules {
		c.Rules[i].Pos = d.pos(indexPath("rules", i))
	}
	for i := range c.Alerts {
		c.Alerts[i].Pos = d.pos(indexPath("alerts", i))
	}
}

// defaultBaseURL is where a feed reader on this machine finds the server
// listening at listen; listen's port when it has one, else 8080.
func defaultBaseURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if listen == "" || err != nil {
		return "http://localhost:8080"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// resolvePath makes p absolute against dir.
func resolvePath(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// Source returns the source called name.
func (c *Config) Source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// Topic returns the topic whose slug is slug.
func (c *Config) Topic(slug string) (Topic, bool) {
	for _, t := range c.Topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return Topic{}, false
}
