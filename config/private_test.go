package config

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// A private topic's credentials are read as written: users with a plain or
// a bcrypt password, a token, or both.
func TestPrivateTopic(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("alice-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	yaml := "topics:\n" +
		"  - name: NATO\n" +
		"    private:\n" +
		"      users:\n" +
		"        - {name: alice, password_bcrypt: \"" + string(hash) + "\"}\n" +
		"        - {name: bob, password: bob-password}\n" +
		"      token: 0123456789abcdef-_.~\n" +
		"  - name: Open\n"
	c, err := Parse([]byte(yaml), filepath.Join("testdata", "inline.yaml"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	nato, open := c.Topics[0], c.Topics[1]
	if !nato.IsPrivate() || open.IsPrivate() {
		t.Fatalf("private: nato %v, open %v", nato.IsPrivate(), open.IsPrivate())
	}
	want := Private{
		Users: []User{{Name: "alice", PasswordBcrypt: string(hash)}, {Name: "bob", Password: "bob-password"}},
		Token: "0123456789abcdef-_.~",
	}
	if got := *nato.Private; got.Token != want.Token || len(got.Users) != 2 || got.Users[0] != want.Users[0] || got.Users[1] != want.Users[1] {
		t.Errorf("private = %+v, want %+v", got, want)
	}
}

// Every mistake in a private setting is reported at its line, and no
// message shows a password, a hash or a token, not even one written where
// a mapping belongs.
func TestPrivateTopicErrors(t *testing.T) {
	file := filepath.Join("testdata", "inline.yaml")
	secrets := []string{"hunter2-secret", "$2a$10$notreallyahash", "shorttok", "tok en with spaces!!", "TOKEN-AS-VALUE-0123456789"}
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"bare private", "topics:\n  - name: a\n    private:\n", []string{
			`3:13: topics[0].private: needs at least one credential: users (for basic auth) or token`,
		}},
		{"empty private", "topics:\n  - name: a\n    private: {}\n", []string{
			`3:14: topics[0].private: needs at least one credential: users (for basic auth) or token`,
		}},
		{"token written as the value", "topics:\n  - name: a\n    private: TOKEN-AS-VALUE-0123456789\n", []string{
			`3:14: topics[0].private: expected a mapping (users, token), got a single value (not shown: it may be a secret)`,
		}},
		{"users written as a value", "topics:\n  - name: a\n    private: {users: hunter2-secret}\n", []string{
			`3:22: topics[0].private.users: expected a list of users, got a single value (not shown: it may be a secret)`,
		}},
		{"user written as a value", "topics:\n  - name: a\n    private: {users: [hunter2-secret]}\n", []string{
			`3:23: topics[0].private.users[0]: expected a mapping (name, password or password_bcrypt), got a single value (not shown: it may be a secret)`,
		}},
		{"tokens", "topics:\n  - {name: a, private: {token: shorttok}}\n  - {name: b, private: {token: \"tok en with spaces!!\"}}\n  - {name: c, private: {token: \"\"}}\n", []string{
			`2:32: topics[0].private.token: too short: 8 characters, at least 16 (make one with: openssl rand -hex 32)`,
			`3:32: topics[1].private.token: may hold only A-Z, a-z, 0-9, -, _, . and ~, so that it is written as it is in a URL`,
			`4:32: topics[2].private.token: must not be empty`,
		}},
		{"users", "topics:\n  - name: a\n    private:\n      users:\n" +
			"        - {password: hunter2-secret}\n" +
			"        - {name: \"a:b\", password: hunter2-secret}\n" +
			"        - {name: bob}\n" +
			"        - {name: bob, password: hunter2-secret, password_bcrypt: \"$2a$10$notreallyahash\"}\n" +
			"        - {name: carol, password_bcrypt: \"$2a$10$notreallyahash\"}\n" +
			"        - {name: dave, password: \"\"}\n", []string{
			`5:11: topics[0].private.users[0]: name is required`,
			`6:18: topics[0].private.users[1].name: a user name cannot hold a colon or a control character (basic auth splits the name from the password at the first colon)`,
			`7:11: topics[0].private.users[2]: needs password or password_bcrypt`,
			`8:18: topics[0].private.users[3].name: duplicate user "bob" (first at line 7)`,
			`8:66: topics[0].private.users[3].password_bcrypt: set password or password_bcrypt, not both`,
			`9:42: topics[0].private.users[4].password_bcrypt: not a bcrypt hash (make one with: htpasswd -nbBC 12 NAME PASSWORD, and take what follows the colon)`,
			`10:34: topics[0].private.users[5].password: must not be empty`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorLines(t, file, []byte(tt.yaml))
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = file + ":" + w
			}
			compareLines(t, got, want)
			for _, line := range got {
				for _, s := range secrets {
					if strings.Contains(line, s) {
						t.Errorf("message shows a secret %q: %s", s, line)
					}
				}
			}
		})
	}
}
