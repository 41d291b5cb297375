package config

import (
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

// checkPrivate checks the private setting of the topic at path. Its
// messages never show a password, a hash or a token: only which key is
// wrong, and how.
func (d *decoder) checkPrivate(path string, p *Private) {
	pp := path + ".private"
	if !d.has(pp) || d.bad[pp] {
		return
	}
	if p == nil || len(p.Users) == 0 && !d.has(pp+".token") && !d.bad[pp+".users"] {
		// A bare "private:" decodes to nothing: it must not leave the
		// topic public without a word.
		d.errorAt(pp, "needs at least one credential: users (for basic auth) or token")
		return
	}
	if d.has(pp+".token") && !d.bad[pp+".token"] {
		switch {
		case p.Token == "":
			d.errorAt(pp+".token", "must not be empty")
		case len(p.Token) < MinTokenLength:
			d.errorAt(pp+".token", "too short: %d characters, at least %d (make one with: openssl rand -hex 32)", len(p.Token), MinTokenLength)
		case strings.IndexFunc(p.Token, notTokenChar) >= 0:
			d.errorAt(pp+".token", "may hold only A-Z, a-z, 0-9, -, _, . and ~, so that it is written as it is in a URL")
		}
	}
	first := map[string]string{} // user name -> path of the user
	for i, u := range p.Users {
		up := indexPath(pp+".users", i)
		if d.bad[up] {
			continue
		}
		if d.required(up, "name") {
			np := up + ".name"
			switch {
			case strings.ContainsAny(u.Name, ":\r\n\x00"):
				d.errorAt(np, "a user name cannot hold a colon or a control character (basic auth splits the name from the password at the first colon)")
			case first[u.Name] != "":
				d.errorAt(np, "duplicate user %q (first at line %d)", u.Name, d.line(first[u.Name]))
			default:
				first[u.Name] = up
			}
		}
		plain, hashed := d.has(up+".password"), d.has(up+".password_bcrypt")
		switch {
		case d.bad[up+".password"] || d.bad[up+".password_bcrypt"]:
		case plain && hashed:
			d.errorAt(up+".password_bcrypt", "set password or password_bcrypt, not both")
		case !plain && !hashed:
			d.errorf(d.node(up), up, "needs password or password_bcrypt")
		case plain && u.Password == "":
			d.errorAt(up+".password", "must not be empty")
		case hashed:
			if _, err := bcrypt.Cost([]byte(u.PasswordBcrypt)); err != nil {
				// bcrypt's errors may quote the hash: not shown.
				d.errorAt(up+".password_bcrypt", "not a bcrypt hash (make one with: htpasswd -nbBC 12 NAME PASSWORD, and take what follows the colon)")
			}
		}
	}
}

// notTokenChar reports whether r may not be in a token: only the
// characters a URL carries unescaped (RFC 3986 "unreserved") may.
func notTokenChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("-_.~", r)
}

// secretTypes are the types whose values hold secrets, with what a
// message calls the value expected.
var secretTypes = map[reflect.Type]string{
	reflect.TypeFor[Private](): "a mapping (users, token)",
	reflect.TypeFor[[]User]():  "a list of users",
	reflect.TypeFor[User]():    "a mapping (name, password or password_bcrypt)",
}

// secretMismatch reports a single value n where a value of type t is
// expected, for the types of secrets, without quoting it: it may be the
// secret itself, written one level too high (as "private: TOKEN").
func (d *decoder) secretMismatch(n *yaml.Node, t reflect.Type, path string) bool {
	want, ok := secretTypes[t]
	if !ok || n.Kind != yaml.ScalarNode {
		return false
	}
	d.fail(n, path, "expected %s, got a single value (not shown: it may be a secret)", want)
	return true
}
