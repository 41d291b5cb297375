// Package config reads and validates refeed's configuration file.
//
// Loading is strict: unknown keys, values of the wrong type and values that
// make no sense (a bad URL, an invalid cron spec, a duplicate name) are all
// reported at once, each with the file, line and column it was found at.
package config

import (
	"slices"
	"time"
)

// Config is a loaded, defaulted and validated configuration.
type Config struct {
	// File is the path the configuration was read from, and Dir its folder;
	// relative paths in the file are resolved against Dir.
	File string `yaml:"-"`
	Dir  string `yaml:"-"`

	Listen string `yaml:"listen"`
	// AdminListen, when set, is the address of /healthz and /metrics,
	// which then leave Listen's server.
	AdminListen string `yaml:"admin_listen"`
	BaseURL     string `yaml:"base_url"` // no trailing slash after loading
	// NoAddress reports that base_url is not given and no server listens
	// (listen is ""): the feeds have no address a reader reaches, BaseURL
	// is a guess, and feeds carry no self or WebSub hub links.
	NoAddress bool   `yaml:"-"`
	DataDir   string `yaml:"data_dir"` // absolute after loading
	// Store is the PostgreSQL database of the store, shared by every
	// instance of a cluster; empty for the SQLite database in DataDir.
	// When the file has no store key, it is the environment's
	// REFEED_STORE (see StoreURL).
	Store    StoreURL `yaml:"store"`
	Schedule string   `yaml:"schedule"` // default cron spec of sources

	Fetch     Fetch     `yaml:"fetch"`
	Retention Retention `yaml:"retention"`

	// SourcesOPML is an OPML file (absolute after loading) whose feeds are
	// added as sources.
	SourcesOPML string `yaml:"sources_opml"`

	Sources  []Source `yaml:"sources"`
	Topics   []Topic  `yaml:"topics"`
	Rules    []Rule   `yaml:"rules"`
	Alerts   []Alert  `yaml:"alerts"`
	Trackers Trackers `yaml:"trackers"`
	WebSub   WebSub   `yaml:"websub"`
	Fulltext Fulltext `yaml:"fulltext"`
	Cluster  Cluster  `yaml:"cluster"`

	// Inspector serves the inspector's pages at /inspect/ (on AdminListen
	// when set, else on Listen): the sources' health and items, what
	// cleaning removed and why, why items joined topics, and a page to try
	// a draft rule or topic. Off by default.
	Inspector bool `yaml:"inspector"`
}

// Fetch configures how sources are fetched.
type Fetch struct {
	Timeout     time.Duration `yaml:"timeout"`
	MaxBody     Size          `yaml:"max_body"` // bytes, after decompression
	Concurrency int           `yaml:"concurrency"`
	PerHost     int           `yaml:"per_host"`
	UserAgent   string        `yaml:"user_agent"`
	// SecretParams names query parameters of source URLs whose values are
	// secrets, besides those refeed knows (token, key, password, ...):
	// they never reach an output (see package redact).
	SecretParams []string `yaml:"secret_params"`
}

// Retention bounds what is kept and published.
type Retention struct {
	MaxItems int           `yaml:"max_items"` // per output feed
	MaxAge   time.Duration `yaml:"max_age"`
}

// A Source is one feed refeed reads.
type Source struct {
	Name         string   `yaml:"name"`
	URL          string   `yaml:"url"`      // http(s)://, file:// or an absolute path after loading
	Schedule     string   `yaml:"schedule"` // the default schedule when empty in the file
	Rules        []string `yaml:"rules"`
	Fulltext     bool     `yaml:"fulltext"`
	AllowPrivate bool     `yaml:"allow_private"`

	Pos Pos `yaml:"-"` // where the source was defined
}

// AllFeed is the slug of the feed of every item, published beside the
// topics' feeds; no topic may take it. It is the one definition in refeed:
// the store, the published files and the metrics' feed label all use it.
const AllFeed = "all"

// A Topic is a named set of term rules; matching items form its feed.
type Topic struct {
	Name    string   `yaml:"name"`
	Slug    string   `yaml:"slug"` // derived from Name when empty in the file
	Match   Match    `yaml:"match"`
	In      []string `yaml:"in"`      // fields to match; all four when empty in the file
	Sources []string `yaml:"sources"` // source names; all when empty
	// Private, when set, makes the topic's feed readable only with one of
	// its credentials, and leaves it out of every public output (the
	// index page, the OPML list, WebSub, the public folder, the
	// categories of the other feeds). It is never encoded (json:"-"): its
	// secrets stay out of every digest and dump.
	Private *Private `yaml:"private" json:"-"`

	Pos Pos `yaml:"-"`
}

// Private lists the credentials that may read a private topic: users for
// HTTP basic auth (https://NAME:PASSWORD@host/SLUG.rss), a token for the
// query (/SLUG.rss?token=TOKEN), or both; at least one.
type Private struct {
	Users []User `yaml:"users"`
	// Token is a secret of at least MinTokenLength URL-safe characters
	// (A-Z, a-z, 0-9, -, _, ., ~), such as openssl rand -hex 32 makes.
	Token string `yaml:"token"`
}

// MinTokenLength is the shortest token of a private topic.
const MinTokenLength = 16

// A User may read a private topic with basic auth. Exactly one of
// Password (plain text, best given as ${NAME} or ${file:PATH}) and
// PasswordBcrypt (a bcrypt hash, as htpasswd -nbB makes) is set.
type User struct {
	Name           string `yaml:"name"`
	Password       string `yaml:"password"`
	PasswordBcrypt string `yaml:"password_bcrypt"`
}

// IsPrivate reports whether the topic is private.
func (t *Topic) IsPrivate() bool { return t.Private != nil }

// Match holds a topic's term lists (see SPEC "Matching").
type Match struct {
	Any  []string `yaml:"any"`
	All  []string `yaml:"all"`
	None []string `yaml:"none"`
}

// Fields a topic can match in.
const (
	FieldTitle      = "title"
	FieldSummary    = "summary"
	FieldContent    = "content"
	FieldCategories = "categories"
)

// A Rule is a named set of cleaning removals.
type Rule struct {
	Name   string   `yaml:"name"`
	Sites  []string `yaml:"sites"` // hosts the rule applies to by itself
	Remove []Remove `yaml:"remove"`

	Pos Pos `yaml:"-"`
}

// A Remove is one removal of a rule: exactly one of Selector, From (with an
// optional To) or Text is set. From, To and Text are case-insensitive plain
// text, or an RE2 regular expression when written /like this/.
type Remove struct {
	Selector string `yaml:"selector"`
	From     string `yaml:"from"`
	To       string `yaml:"to"`
	Text     string `yaml:"text"`
}

// An Alert sends a topic's new items somewhere: exactly one of Webhook,
// Ntfy or Email is set.
type Alert struct {
	Topic   string `yaml:"topic"` // a topic slug
	Webhook string `yaml:"webhook"`
	// WebhookHeaders are sent with every request to Webhook (an
	// Authorization or X-Api-Key header, say); their values are secrets.
	WebhookHeaders map[string]string `yaml:"webhook_headers"`
	Ntfy           string            `yaml:"ntfy"`
	// NtfyToken is an ntfy access token, sent as "Authorization: Bearer
	// NtfyToken"; a secret.
	NtfyToken string        `yaml:"ntfy_token"`
	Email     *Email        `yaml:"email"`
	Digest    time.Duration `yaml:"digest"` // >0: one message per period

	Pos Pos `yaml:"-"`
}

// Email is an alert delivered by SMTP (STARTTLS when the server offers it).
type Email struct {
	To       []string `yaml:"to"`
	From     string   `yaml:"from"`
	SMTP     string   `yaml:"smtp"` // host:port
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
}

// Trackers configures extra tracker lists.
type Trackers struct {
	Lists []string `yaml:"lists"` // Adblock-format files (absolute after loading)
}

// WebSub configures the hubs every feed announces its changes to.
type WebSub struct {
	Hubs []string `yaml:"hubs"`
}

// Cluster configures the instance's part among the instances sharing one
// store (see SCALEOUT.md); its defaults suit a single instance too.
type Cluster struct {
	// Instance names this instance, unique among those sharing the store:
	// 1 to 64 of A-Z, a-z, 0-9, ., _ and -. The default is HOSTNAME-PID.
	Instance string `yaml:"instance"`
	// Roles are what the instance does, of RoleFetch, RoleServe,
	// RolePublish and RoleAlert; all four by default.
	Roles []string `yaml:"roles"`
	// Lease is how long a claimed source stays the instance's before
	// another may claim it (at least 1s; 2m by default).
	Lease time.Duration `yaml:"lease"`
	// Poll is how often the instance looks for due sources and rendered
	// feeds (10ms to Lease/2; 1s by default, or Lease/2 when that is
	// less).
	Poll time.Duration `yaml:"poll"`
	// LeaderTTL is how long a leader leads without renewing its lead (at
	// least 1s; 15s by default).
	LeaderTTL time.Duration `yaml:"leader_ttl"`
}

// The roles of an instance.
const (
	RoleFetch   = "fetch"   // claims due sources and refreshes them
	RoleServe   = "serve"   // serves the feeds over HTTP
	RolePublish = "publish" // may lead: renders, publishes, applies retention
	RoleAlert   = "alert"   // delivers alerts
)

// HasRole reports whether the instance has the role role.
func (c Cluster) HasRole(role string) bool {
	return slices.Contains(c.Roles, role)
}

// Size is a number of bytes, written in the file as 20MiB, 512KB, 1GB or a
// plain number.
type Size int64

// Pos is a position in the configuration file.
type Pos struct {
	Line, Col int
}
