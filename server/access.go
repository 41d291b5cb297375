package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"
)

// A User may read a private feed with HTTP basic auth: exactly one of
// Password (plain text) and PasswordBcrypt (a bcrypt hash) is set.
type User struct {
	Name           string
	Password       string
	PasswordBcrypt string
}

// Access says who may read a private feed: users by HTTP basic auth, and,
// when set, whoever puts the token in the query (?token=TOKEN). Create it
// with NewAccess; it is safe for concurrent use, and is meant to be kept
// for as long as its credentials stay (it remembers the passwords it
// verified against a bcrypt hash, to spare the next requests the hash).
//
// Credentials are compared in constant time (crypto/subtle, on SHA-256
// digests, so that lengths do not show either); a user name that matches
// no user costs a bcrypt comparison too, so that timing does not tell
// which names exist. At most two bcrypt comparisons of one Access run at
// once: wrong passwords sent in a flood queue rather than take every core.
type Access struct {
	users    []accessUser
	token    [sha256.Size]byte
	hasToken bool
	// dummy is a hash compared with the password of a name that matches
	// no user, so that it takes as long as one that does; nil when no
	// user has a bcrypt hash.
	dummy []byte
	slots chan struct{} // bcrypt comparisons running
}

// accessUser is a User prepared for comparisons.
type accessUser struct {
	name     [sha256.Size]byte
	password [sha256.Size]byte // of a plain-text password
	hash     []byte            // bcrypt; nil for a plain-text password
	// verified is the digest of the name and password last found to
	// match hash.
	verified atomic.Pointer[[sha256.Size]byte]
}

// NewAccess returns the access of a private feed readable by users and,
// when token is not empty, by the token. It fails, without quoting any
// secret, when there is no credential, a user has no name or not exactly
// one password, or a hash is not a bcrypt hash.
func NewAccess(users []User, token string) (*Access, error) {
	if len(users) == 0 && token == "" {
		return nil, errors.New("private feed: no user and no token")
	}
	a := &Access{users: make([]accessUser, len(users)), slots: make(chan struct{}, 2)}
	if token != "" {
		a.token, a.hasToken = sha256.Sum256([]byte(token)), true
	}
	for i, u := range users {
		au := &a.users[i]
		switch {
		case u.Name == "":
			return nil, fmt.Errorf("private feed: user %d has no name", i+1)
		case (u.Password == "") == (u.PasswordBcrypt == ""):
			return nil, fmt.Errorf("private feed: user %q needs exactly one of a password and a bcrypt hash", u.Name)
		case u.PasswordBcrypt != "":
			if _, err := bcrypt.Cost([]byte(u.PasswordBcrypt)); err != nil {
				return nil, fmt.Errorf("private feed: user %q: not a bcrypt hash", u.Name)
			}
			au.hash = []byte(u.PasswordBcrypt)
			if a.dummy == nil {
				a.dummy = au.hash
			}
		default:
			au.password = sha256.Sum256([]byte(u.Password))
		}
		au.name = sha256.Sum256([]byte(u.Name))
	}
	return a, nil
}

// Basic reports whether the feed is readable with basic auth, and so
// challenges a request without credentials for it.
func (a *Access) Basic() bool { return len(a.users) > 0 }

// allows reports whether r carries one of the credentials.
func (a *Access) allows(r *http.Request) bool {
	if a.hasToken && r.URL.RawQuery != "" {
		// Values that do not parse are left out; the others stay.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for _, t := range q["token"] {
			sum := sha256.Sum256([]byte(t))
			if subtle.ConstantTimeCompare(sum[:], a.token[:]) == 1 {
				return true
			}
		}
	}
	if len(a.users) == 0 {
		return false
	}
	name, password, ok := r.BasicAuth()
	if !ok {
		return false
	}
	return a.checkUser(name, password)
}

// checkUser reports whether name and password are those of a user.
func (a *Access) checkUser(name, password string) bool {
	nameSum := sha256.Sum256([]byte(name))
	var u *accessUser
	for i := range a.users { // every user, whichever matches
		if subtle.ConstantTimeCompare(nameSum[:], a.users[i].name[:]) == 1 {
			u = &a.users[i]
		}
	}
	switch {
	case u == nil && a.dummy != nil:
		a.bcrypt(a.dummy, password)
		return false
	case u == nil:
		sum := sha256.Sum256([]byte(password))
		subtle.ConstantTimeCompare(sum[:], a.users[0].password[:])
		return false
	case u.hash == nil:
		sum := sha256.Sum256([]byte(password))
		return subtle.ConstantTimeCompare(sum[:], u.password[:]) == 1
	}
	key := sha256.Sum256([]byte(name + "\x00" + password))
	if v := u.verified.Load(); v != nil && subtle.ConstantTimeCompare(v[:], key[:]) == 1 {
		return true
	}
	if !a.bcrypt(u.hash, password) {
		return false
	}
	u.verified.Store(&key)
	return true
}

// bcrypt compares password with hash, within the Access's slots.
func (a *Access) bcrypt(hash []byte, password string) bool {
	a.slots <- struct{}{}
	defer func() { <-a.slots }()
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

// basicChallenge is the WWW-Authenticate value of a 401 response.
var basicChallenge = []string{`Basic realm="refeed"`}

// deny answers a request for a private feed that carries no valid
// credential, with nothing of the feed: 401 with a basic auth challenge
// when users may read it, else 404, as for a feed that does not exist (a
// 401 response must name a scheme the client can answer, and a token in
// the query is none). It returns the status code.
func (a *Access) deny(w http.ResponseWriter) int {
	h := w.Header()
	h["Cache-Control"] = noStore
	if a.Basic() {
		h["Www-Authenticate"] = basicChallenge
		return plainError(w, http.StatusUnauthorized)
	}
	return plainError(w, http.StatusNotFound)
}
