// Package redact removes secrets from URLs before they reach an output: a
// published feed, a page, a log line, a metric. A source URL may carry a
// password (https://user:pass@host/) or a token in its query
// (?token=..., ?api_key=...), as private feeds often do.
package redact

import (
	"net/url"
	"strings"
)

// params are the query parameters whose values are secrets, by name, and
// marks are the parts of names that say a parameter is one
// (private_token, X-Amz-Signature, client_secret, ...). Both are compared
// in lower case.
var (
	params = []string{"key", "apikey", "api_key", "auth", "sig", "signature", "secret", "password",
		"passwd", "pwd", "session", "sessionid", "sid", "jwt"}
	marks = []string{"token", "secret", "password", "passwd", "apikey", "api_key", "api-key",
		"signature", "credential"}
)

// IsSecretParam reports whether a query parameter named name holds a
// secret: a name of the built-in list or of extra (the configuration's
// fetch.secret_params), compared without case, or one that contains a
// part such as "token" or "secret".
func IsSecretParam(name string, extra []string) bool {
	n := strings.ToLower(name)
	for _, p := range params {
		if n == p {
			return true
		}
	}
	for _, p := range extra {
		if n == strings.ToLower(p) {
			return true
		}
	}
	for _, m := range marks {
		if strings.Contains(n, m) {
			return true
		}
	}
	return false
}

// URL returns raw without its secrets: without the userinfo, and without
// the query parameters IsSecretParam names (the others stay, in their
// order). A string that is not a URL is returned as "(hidden: not a URL)"
// when it holds an '@' or a '?', which might precede a secret, else as it
// is (a path, say).
func URL(raw string, extra []string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.ContainsAny(raw, "@?") {
			return "(hidden: not a URL)"
		}
		return raw
	}
	changed := false
	if u.User != nil {
		u.User = nil
		changed = true
	}
	if u.RawQuery != "" {
		var kept []string
		for _, part := range strings.Split(u.RawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if IsSecretParam(name, extra) {
				changed = true
				continue
			}
			kept = append(kept, part)
		}
		u.RawQuery = strings.Join(kept, "&")
		u.ForceQuery = false
	}
	if !changed {
		return raw
	}
	return u.String()
}

// HasSecret reports whether raw holds a secret URL would remove.
func HasSecret(raw string, extra []string) bool { return URL(raw, extra) != raw }

// Text returns s with every secret of the URL raw replaced: its password,
// its userinfo and the values of its secret query parameters, wherever
// they occur in s (an error message that quotes the URL, or part of it).
func Text(s, raw string, extra []string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return strings.ReplaceAll(s, raw, URL(raw, extra))
	}
	s = strings.ReplaceAll(s, raw, URL(raw, extra))
	var secrets []string
	if u.User != nil {
		secrets = append(secrets, u.User.String())
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p, url.QueryEscape(p))
		}
	}
	for name, vs := range u.Query() {
		if IsSecretParam(name, extra) {
			for _, v := range vs {
				secrets = append(secrets, v, url.QueryEscape(v))
			}
		}
	}
	for _, sec := range secrets {
		if len(sec) >= 4 { // shorter ones would hide ordinary words
			s = strings.ReplaceAll(s, sec, "REDACTED")
		}
	}
	return s
}
