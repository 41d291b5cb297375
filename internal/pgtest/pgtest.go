// Package pgtest gives tests a database of their own on the PostgreSQL
// server named by REFEED_TEST_POSTGRES (.ci/run starts one). Without the
// variable a test is skipped, but in CI (CI set) it fails: there, a
// PostgreSQL test must not be skipped.
package pgtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the server: an administrator's URL, such
// as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const Env = "REFEED_TEST_POSTGRES"

// Server returns the URL of the server, skipping (or, in CI, failing) the
// test when there is none, and failing it when the server cannot be
// reached.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(Env + " is not set: in CI the PostgreSQL tests must run (.ci/run starts a server)")
		}
		t.Skip(Env + " is not set: no PostgreSQL server to test against (set it to a URL such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
	}
	return u
}

// Database creates an empty database for the test on the server (see
// Create), named after the test and suffix, and returns its URL.
func Database(t testing.TB, suffix string) string {
	t.Helper()
	name := "refeed_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, t.Name()+"_"+suffix)
	if len(name) > 63 {
		name = name[:63]
	}
	return Create(t, Server(t), name)
}

// Create creates the empty database name on the server at server
// (dropping one of the same name left by an earlier run), drops it when
// the test ends, and returns its URL.
func Create(t testing.TB, server, name string) string {
	t.Helper()
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Fatalf("connect to the PostgreSQL server of %s: %v", Env, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	id := pgx.Identifier{name}.Sanitize()
	exec(`DROP DATABASE IF EXISTS ` + id + ` WITH (FORCE)`)
	exec(`CREATE DATABASE ` + id)
	t.Cleanup(func() { exec(`DROP DATABASE IF EXISTS ` + id + ` WITH (FORCE)`) })
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}
