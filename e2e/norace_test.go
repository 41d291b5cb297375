//go:build !race

package e2e

// raceEnabled reports a test binary built with -race, which runs refeed
// several times slower: time bounds of the tests are relaxed.
const raceEnabled = false
