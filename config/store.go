package config

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/refeed/refeed/internal/redact"
)

// StoreEnv is the environment variable that gives the store when the file
// has no store key. A store key in the file, even an empty one (which
// means SQLite in data_dir), always wins: what the file says is what runs,
// and REFEED_STORE suits a file shared by instances whose units set it.
// Its value is used as it is, without substitution; an empty one counts
// as unset.
const StoreEnv = "REFEED_STORE"

// A StoreURL is the URL of a PostgreSQL database,
// postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=MODE (or postgresql://),
// or "" for the SQLite database in data_dir. It may hold a password:
// String, GoString and MarshalText leave out its user name and password
// and its secret query parameters (such as password= and sslpassword=),
// so that printing or logging a Config shows no secret. string(u) is the
// URL itself, for opening the store only.
type StoreURL string

// IsPostgres reports whether u names a PostgreSQL database rather than
// the SQLite one in data_dir.
func (u StoreURL) IsPostgres() bool { return u != "" }

// String returns u without its secrets (see package redact).
func (u StoreURL) String() string {
	if u == "" {
		return ""
	}
	return redact.URL(string(u), nil)
}

// GoString returns u without its secrets, quoted, for %#v.
func (u StoreURL) GoString() string { return strconv.Quote(u.String()) }

// MarshalText returns u without its secrets, so that encoding a Config
// (as JSON, say) shows none.
func (u StoreURL) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// urlScheme matches the scheme of an absolute URL, with its "//".
var urlScheme = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*)://`)

// sslModes are the values of sslmode that PostgreSQL (libpq) and pgx know.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// checkStore checks the store URL, from the file or from REFEED_STORE.
// No message shows the URL: it may hold a password, and so may the
// fragments the URL parser's errors quote.
func (d *decoder) checkStore(c *Config) {
	path, n := "store", d.node("store")
	switch s, substituted := d.subs[path]; {
	case !d.has(path):
		path, n = "store (from "+StoreEnv+")", nil
	case d.bad[path]:
		return
	case substituted && s.empty:
		// A reference that gave nothing (an empty variable in one unit)
		// must not make an instance of a cluster one on its own.
		d.add(n, path, s.origin+` is empty (for SQLite in data_dir, leave store out or write store: "")`)
		return
	}
	if c.Store == "" {
		return
	}
	if msg := storeProblem(string(c.Store)); msg != "" {
		d.add(n, path, msg)
	}
}

// storeProblem returns what is wrong with the store URL raw, "" when
// nothing is, in words that never quote raw beyond its scheme.
//
// pgx reads the URL the way libpq does, which is not quite RFC 3986 (see
// pgconn's parse_url.go): it takes any text that starts with postgres://
// or postgresql:// (in lower case) as a URL, ends the user name and
// password at the first @ before a /, and knows no fragment. The store
// URL must also parse with net/url, which the redaction of String uses,
// with the same meaning: at most one @ before the first / and no ? or #
// before it, and no # at all. A password with such characters must be
// percent-encoded.
func storeProblem(raw string) string {
	const use = "use postgres://… or leave store unset for SQLite in data_dir"
	m := urlScheme.FindStringSubmatch(raw)
	if m == nil {
		return "not a postgres:// URL (not shown: it may hold a password); " + use
	}
	switch scheme := m[1]; scheme {
	case "postgres", "postgresql":
	default:
		if lower := strings.ToLower(scheme); lower == "postgres" || lower == "postgresql" {
			return "the scheme must be lower case (" + lower + "://)"
		}
		return "unsupported scheme " + strconv.Quote(scheme) + "; " + use
	}
	const encode = "not shown: it may hold a password; percent-encode @ : / ? # % [ ] and spaces in the user name and password"
	netloc, _, _ := strings.Cut(raw[len(m[0]):], "/")
	userEnd := strings.IndexByte(netloc, '@')
	switch {
	case strings.Contains(raw, "#"):
		return "a # ends the URL early (" + encode + ": # as %23)"
	case strings.Count(netloc, "@") > 1,
		userEnd >= 0 && strings.Contains(netloc[:userEnd], "?"):
		return "an @ or ? in the user name or password makes the URL ambiguous (" + encode + ")"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "not a valid URL (" + encode + ")"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "not a valid query after ? (" + encode + ")"
	}
	for _, mode := range q["sslmode"] {
		if !slices.Contains(sslModes, mode) {
			return "unknown sslmode " + strconv.Quote(mode) + " (use " + strings.Join(sslModes, ", ") + ")"
		}
	}
	return ""
}
