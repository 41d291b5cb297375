// Package e2e holds refeed's end-to-end tests: TestMain builds the real
// binary once (go build, with -race when the tests are built with it), and
// every test runs it as a process against servers on loopback and files in
// temporary directories, reading its exit status, its output, the feeds it
// writes and serves, and its store. The package has no code of its own.
package e2e
