package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestAlertCredentials(t *testing.T) {
	data := `topics: [{name: t}]
alerts:
  - topic: t
    webhook: https://hooks.example/h
    webhook_headers:
      Authorization: "Bearer abc.def"
      X-Api-Key: k3y
  - topic: t
    ntfy: https://ntfy.example/t
    ntfy_token: tk_0123456789
`
	c, err := Parse([]byte(data), "config.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Alerts[0].WebhookHeaders; !reflect.DeepEqual(h, map[string]string{"Authorization": "Bearer abc.def", "X-Api-Key": "k3y"}) {
		t.Errorf("webhook_headers %q", h)
	}
	if tok := c.Alerts[1].NtfyToken; tok != "tk_0123456789" {
		t.Errorf("ntfy_token %q", tok)
	}
}

func TestAlertCredentialErrors(t *testing.T) {
	file := filepath.Join("testdata", "inline.yaml")
	tests := []struct {
		name, yaml string
		want       []string // without the "FILE:" prefix
	}{
		{"headers", `topics: [{name: t}]
alerts:
  - topic: t
    webhook: https://hooks.example/h
    webhook_headers:
      "X Bad": v
      Host: h.example
      X-Api-Key: "secret-1\r\nX-Injected: 1"
      x-api-key: again
      X-Empty: ""
      X-List: [a]
      X-Ok: fine
      X-Ok: twice
`, []string{
			`6:7: alerts[0].webhook_headers: invalid header name "X Bad"`,
			`7:7: alerts[0].webhook_headers: header "Host" is set by refeed`,
			`8:18: alerts[0].webhook_headers.X-Api-Key: header value must be one line, without control characters`,
			`9:7: alerts[0].webhook_headers: duplicate header "x-api-key" (first at line 8)`,
			`10:16: alerts[0].webhook_headers.X-Empty: empty header value`,
			`11:15: alerts[0].webhook_headers.X-List: expected a string, got a list`,
			`13:7: alerts[0].webhook_headers: duplicate key "X-Ok" (first at line 12)`,
		}},
		{"misplaced", `topics: [{name: t}]
alerts:
  - topic: t
    ntfy: https://ntfy.example/t
    webhook_headers: {X-Api-Key: secret-2}
  - topic: t
    webhook: https://hooks.example/h
    ntfy_token: secret-3
  - topic: t
    webhook: https://hooks.example/h
    webhook_headers: [X-Api-Key]
`, []string{
			`5:22: alerts[0].webhook_headers: needs webhook`,
			`8:17: alerts[1].ntfy_token: needs ntfy`,
			`11:22: alerts[2].webhook_headers: expected a mapping, got a list`,
		}},
		{"tokens", `topics: [{name: t}]
alerts:
  - {topic: t, ntfy: https://ntfy.example/t, ntfy_token: "Bearer secret-4"}
  - {topic: t, ntfy: https://ntfy.example/t, ntfy_token: "secret-5 x"}
  - {topic: t, ntfy: "https://u:p@ntfy.example/t", ntfy_token: secret-6}
  - topic: t
    webhook: "https://u:p@hooks.example/h"
    webhook_headers: {authorization: secret-7}
`, []string{
			`3:58: alerts[0].ntfy_token: give the token alone, without "Bearer "`,
			`4:58: alerts[1].ntfy_token: the token must be one word, without spaces or control characters`,
			`5:64: alerts[2].ntfy_token: an access token and credentials in the ntfy URL: use one`,
			`8:22: alerts[3].webhook_headers: an Authorization header and credentials in the webhook URL: use one`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = file + ":" + w
			}
			got := errorLines(t, file, []byte(tt.yaml))
			compareLines(t, got, want)
			for _, line := range got {
				if strings.Contains(line, "secret-") {
					t.Errorf("an error quotes a secret: %s", line)
				}
			}
		})
	}
}
