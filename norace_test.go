//go:build !race

package main

// raceEnabled reports a test binary built with -race, which runs refeed
// several times slower: time bounds of the tests are relaxed.
const raceEnabled = false
