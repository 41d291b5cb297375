package alert

import (
	"cmp"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/internal/redact"
)

// A target is one configured alert.
type target struct {
	key   string // stable identity: topic slug and destination
	name  string // kind and destination without credentials, for logs and health
	topic config.Topic
	alert config.Alert
	// secrets are the alert's credentials, longest first: no error it
	// returns may show them (see scrub).
	secrets []string
	url     string   // the webhook or ntfy URL, else empty
	extra   []string // the configuration's fetch.secret_params
}

// targetsOf returns the alerts of cfg whose topic exists (the loader
// checked that), in order. Of alerts with the same key, the first counts.
func targetsOf(cfg *config.Config, log *slog.Logger) []*target {
	var out []*target
	seen := map[string]bool{}
	for _, a := range cfg.Alerts {
		tp, ok := cfg.Topic(a.Topic)
		if !ok {
			log.Warn("alert of an unknown topic ignored", "topic", a.Topic)
			continue
		}
		key, name := identify(a)
		if key == "" {
			log.Warn("alert without a target ignored", "topic", a.Topic)
			continue
		}
		key = tp.Slug + " " + key
		if seen[key] {
			log.Warn("duplicate alert ignored", "topic", a.Topic, "alert", name)
			continue
		}
		seen[key] = true
		t := &target{key: key, name: name, topic: tp, alert: a, secrets: secretsOf(a), extra: cfg.Fetch.SecretParams}
		t.url = cmp.Or(strings.TrimSpace(a.Webhook), strings.TrimSpace(a.Ntfy))
		out = append(out, t)
	}
	return out
}

// identify returns the key of an alert within its topic and its name.
func identify(a config.Alert) (key, name string) {
	switch {
	case a.Webhook != "":
		u := strings.TrimSpace(a.Webhook)
		return "webhook " + u, "webhook " + redactURL(u)
	case a.Ntfy != "":
		u := strings.TrimSpace(a.Ntfy)
		return "ntfy " + u, "ntfy " + redactURL(u)
	case a.Email != nil:
		var to []string
		for _, s := range a.Email.To {
			if addr, err := mail.ParseAddress(s); err == nil {
				to = append(to, strings.ToLower(addr.Address))
			} else {
				to = append(to, strings.ToLower(strings.TrimSpace(s)))
			}
		}
		slices.Sort(to)
		to = slices.Compact(to)
		return "email " + strings.Join(to, ","), "email " + strings.Join(to, ", ") + " via " + a.Email.SMTP
	}
	return "", ""
}

// keyName returns a key without credentials, for logs.
func keyName(key string) string {
	parts := strings.SplitN(key, " ", 3)
	if len(parts) == 3 && (parts[1] == "webhook" || parts[1] == "ntfy") {
		parts[2] = redactURL(parts[2])
	}
	return strings.Join(parts, " ")
}

// redactURL hides the password and the query values of a URL, where
// services put their tokens.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// minSecret is the length of the shortest secret scrub hides: shorter
// strings would hide ordinary words (and are hardly secrets).
const minSecret = 4

// secretsOf returns the credentials of a: the values of its webhook
// headers and every word of them (a receiver may quote the token of
// "Bearer TOKEN"), its ntfy token, the userinfo of its URL (also as the
// basic authentication Go sends of it) and every value of the URL's query,
// and its SMTP password; each also percent-encoded, longest first.
func secretsOf(a config.Alert) []string {
	var raw []string
	for _, v := range a.WebhookHeaders {
		raw = append(raw, v)
		raw = append(raw, strings.Fields(v)...)
	}
	raw = append(raw, a.NtfyToken)
	for _, s := range []string{a.Webhook, a.Ntfy} {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		if u.User != nil {
			p, _ := u.User.Password()
			raw = append(raw, u.User.String(), u.User.Username(), p,
				base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+p)))
		}
		for _, vs := range u.Query() {
			raw = append(raw, vs...)
		}
	}
	if a.Email != nil {
		raw = append(raw, a.Email.Password)
	}
	var out []string
	for _, s := range raw {
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if len(v) >= minSecret {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(x, y string) int { return cmp.Or(len(y)-len(x), strings.Compare(x, y)) })
	return slices.Compact(out)
}

// scrub returns err with the alert's URL without its secrets and with
// every secret of the alert replaced by REDACTED; nil stays nil. The
// result does not unwrap to err, whose message may show them.
func (t *target) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	s := msg
	if t.url != "" {
		s = strings.ReplaceAll(s, t.url, redactURL(t.url))
		s = redact.Text(s, t.url, t.extra)
	}
	for _, sec := range t.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	if s == msg {
		return err
	}
	return errors.New(s)
}
