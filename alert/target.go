package alert

import (
	"log/slog"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/refeed/refeed/config"
)

// A target is one configured alert.
type target struct {
	key   string // stable identity: topic slug and destination
	name  string // kind and destination without credentials, for logs and health
	topic config.Topic
	alert config.Alert
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
		out = append(out, &target{key: key, name: name, topic: tp, alert: a})
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
